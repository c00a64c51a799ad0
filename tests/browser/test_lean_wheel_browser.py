"""The browser's lean SDK wheel in real Pyodide (hello.html: plain Pyodide on the page, the
wheel from /dist/, no snapshot): a password sign-in needs none of the optional parts, and
every module of the source imports, the optional ones fetched from /dist/parts/ on first use
and checked against the digests the wheel carries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
SDK = ROOT / "src" / "amazon_cognito_identity"
BOOT_TIMEOUT_MS = 120_000
PASSWORD = "Lean-Wheel-Pass-42"


def source_modules() -> list[str]:
    """Every module of the SDK's source, as dotted names."""
    names = []
    for path in sorted(SDK.rglob("*.py")):
        rel = path.relative_to(SDK.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        names.append(".".join(parts))
    return names


@pytest.fixture(scope="module")
def pool(emulator: Any) -> dict[str, str]:
    idp = boto3.client(
        "cognito-idp",
        endpoint_url=emulator.endpoint,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
    pool_id = idp.create_user_pool(PoolName="lean-wheel")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="lean", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"]
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username="lena", MessageAction="SUPPRESS")
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username="lena", Password=PASSWORD, Permanent=True
    )
    return {"pool_id": pool_id, "client_id": client_id, "endpoint": emulator.endpoint}


def boot(page: Page, urls: list[str]) -> None:
    page.on("request", lambda r: urls.append(r.url))
    page.goto("/hello.html")
    expect(page.locator("body")).to_have_attribute("data-state", "ready", timeout=BOOT_TIMEOUT_MS)


def part_requests(urls: list[str]) -> list[str]:
    return sorted(u.split("/dist/parts/", 1)[1] for u in urls if "/dist/parts/" in u)


def test_password_sign_in_loads_no_optional_part(page: Page, pool: dict[str, str]) -> None:
    urls: list[str] = []
    boot(page, urls)
    result = page.evaluate(
        """async (pool) => {
            const py = window.sdkRuntime.pyodide;
            py.globals.set("POOL", py.toPy(pool));
            return await py.runPythonAsync(`
import json, sys
from amazon_cognito_identity import AuthenticationDetails, CognitoUser, CognitoUserPool
p = CognitoUserPool(
    user_pool_id=POOL["pool_id"], client_id=POOL["client_id"], endpoint=POOL["endpoint"]
)
user = CognitoUser("lena", p)
session = await user.authenticate_user(AuthenticationDetails("lena", POOL["password"]))
loaded = sorted(m for m in sys.modules if m.startswith("amazon_cognito_identity."))
json.dumps({"valid": session.is_valid(),
            "user": session.get_id_token().payload["cognito:username"],
            "loaded": loaded})
`);
        }""",
        {**pool, "password": PASSWORD},
    )
    got = json.loads(result)
    assert got["valid"] is True
    assert got["user"] == "lena"
    manifest = json.loads((ROOT / "web/dist/manifest.json").read_text())
    assert manifest["parts"], "the bundle has no optional parts"
    assert not set(got["loaded"]) & set(manifest["parts"])
    assert part_requests(urls) == []


def test_every_module_imports_with_parts_fetched_on_first_use(page: Page) -> None:
    urls: list[str] = []
    boot(page, urls)
    manifest = json.loads((ROOT / "web/dist/manifest.json").read_text())
    assert "amazon_cognito_identity.verify" in manifest["parts"]
    assert "amazon_cognito_identity.passkeys" in manifest["parts"]
    assert part_requests(urls) == []
    result = page.evaluate(
        """(modules) => {
            const py = window.sdkRuntime.pyodide;
            py.globals.set("MODULES", py.toPy(modules));
            return py.runPython(`
import importlib, json, sys
import amazon_cognito_identity as sdk
before = sorted(m for m in sys.modules if m.startswith("amazon_cognito_identity."))
failed = {}
for name in MODULES:
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed[name] = f"{type(exc).__name__}: {exc}"
missing = [n for n in sdk.__all__ if getattr(sdk, n, None) is None]
json.dumps({"before": before, "failed": failed, "missing": missing,
            "verify_doc": sdk.verify_token.__doc__,
            "where": sys.modules["amazon_cognito_identity.passkeys"].__file__})
`);
        }""",
        source_modules(),
    )
    got = json.loads(result)
    assert got["failed"] == {}
    assert got["missing"] == []
    assert not set(got["before"]) & set(manifest["parts"])
    assert got["verify_doc"] is None  # the lean build, not the source
    assert got["where"].endswith("amazon_cognito_identity/passkeys.py")
    fetched = part_requests(urls)
    assert fetched.count("index.json") == 1  # the parts' digests, fetched once
    expected = {url.split("/dist/parts/", 1)[1] for url in manifest["parts"].values()}
    assert set(fetched) - {"index.json"} == expected


def test_a_tampered_part_is_refused(page: Page) -> None:
    urls: list[str] = []
    boot(page, urls)
    original = (ROOT / "web/dist/parts/amazon_cognito_identity/sigv4.py").read_text()
    page.route(
        "**/dist/parts/amazon_cognito_identity/sigv4.py",
        lambda route: route.fulfill(body=original + "\nSTOLEN = True\n"),
    )
    result = page.evaluate(
        """() => window.sdkRuntime.pyodide.runPython(`
import sys
try:
    import amazon_cognito_identity.sigv4
    outcome = "imported"
except ImportError as exc:
    outcome = f"ImportError: {exc}"
outcome + "|" + str("amazon_cognito_identity.sigv4" in sys.modules)
`)"""
    )
    outcome, loaded = result.split("|")
    assert outcome.startswith("ImportError: /dist/parts/amazon_cognito_identity/sigv4.py")
    assert "SHA-256 does not match" in outcome
    assert loaded == "False"
