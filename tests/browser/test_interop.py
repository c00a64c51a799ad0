"""Session interop with the reference amazon-cognito-identity-js on the same origin.

The JS SDK is bundled from npm with esbuild at test time (never committed) and injected into
the portal page; both SDKs then share the page's localStorage.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path
from typing import Any

import pytest
from portal_helpers import BOOT_MS

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Interop-Passw0rd!"


@pytest.fixture(scope="session")
def js_sdk_bundle(tmp_path_factory: pytest.TempPathFactory) -> str:
    """amazon-cognito-identity-js as one IIFE exposing ``AmazonCognitoIdentity``."""
    out = tmp_path_factory.mktemp("jssdk")
    entry = out / "entry.mjs"
    entry.write_text('export * from "amazon-cognito-identity-js";\n')
    subprocess.run(
        [
            str(ROOT / "node_modules/.bin/esbuild"),
            str(entry),
            "--bundle",
            "--format=iife",
            "--global-name=AmazonCognitoIdentity",
            "--define:global=globalThis",
            f"--outfile={out / 'sdk.js'}",
            "--log-level=warning",
        ],
        check=True,
        env={**os.environ, "NODE_PATH": str(ROOT / "node_modules")},
    )
    return (out / "sdk.js").read_text()


@pytest.fixture(scope="session")
def interop_pool(emulator: Any) -> dict[str, Any]:
    """A pool without device tracking, and one confirmed user."""
    pool_id = emulator.create_pool("interop")
    client_id = emulator.create_client(
        pool_id,
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )
    return {
        "region": pool_id.split("_")[0],
        "userPoolId": pool_id,
        "clientId": client_id,
        "endpoint": emulator.endpoint,
        "emulator": True,
    }


@pytest.fixture
def both(page: Any, site: Any, interop_pool: dict[str, Any], js_sdk_bundle: str, emulator: Any):
    """The portal page with the JS SDK loaded beside it; yields (page, username)."""
    username = f"interop-{secrets.token_hex(3)}"
    emulator.create_user(
        interop_pool["userPoolId"], username, PASSWORD, email=f"{username}@example.com"
    )
    site.config(interop_pool)
    page.goto(site.url + "/")
    page.wait_for_function("document.body.dataset.state === 'ready'", timeout=BOOT_MS)
    page.add_script_tag(content=js_sdk_bundle)
    page.evaluate(
        """cfg => {
            const A = window.AmazonCognitoIdentity;
            window.jsPool = new A.CognitoUserPool(
                { UserPoolId: cfg.userPoolId, ClientId: cfg.clientId, endpoint: cfg.endpoint });
            window.jsSignIn = (username, password) => new Promise((resolve, reject) => {
                const user = new A.CognitoUser({ Username: username, Pool: window.jsPool });
                user.authenticateUser(
                    new A.AuthenticationDetails({ Username: username, Password: password }),
                    { onSuccess: (s) => resolve(s.getIdToken().decodePayload().sub),
                      onFailure: (e) => reject(e) });
            });
            window.jsSession = () => new Promise((resolve, reject) => {
                const user = window.jsPool.getCurrentUser();
                if (!user) { resolve(null); return; }
                user.getSession((err, s) => err ? reject(err) : resolve({
                    username: user.getUsername(), valid: s.isValid(),
                    sub: s.getIdToken().decodePayload().sub }));
            });
            window.jsSignOut = () => new Promise((resolve) => {
                const user = window.jsPool.getCurrentUser();
                if (user) user.signOut(() => resolve()); else resolve();
            });
        }""",
        interop_pool,
    )
    return page, username


def py_call(page: Any, method: str, params: dict[str, Any] | None = None) -> Any:
    return page.evaluate("([m, p]) => window.portal.call(m, p)", [method, params or {}])


def test_js_sign_in_seen_by_python(both: Any) -> None:
    page, username = both
    assert py_call(page, "current_user") is None
    sub = page.evaluate("([u, p]) => window.jsSignIn(u, p)", [username, PASSWORD])
    me = py_call(page, "current_user")
    assert me == {"username": username}
    # Our session is the JS SDK's session: same user, and authorised calls work.
    attrs = {a["name"]: a["value"] for a in py_call(page, "get_attributes")}
    assert attrs["sub"] == sub
    assert attrs["email"] == f"{username}@example.com"


def test_python_sign_in_seen_by_js(both: Any) -> None:
    page, username = both
    assert page.evaluate("window.jsSession()") is None
    result = py_call(page, "sign_in", {"username": username, "password": PASSWORD})
    assert result["state"] == "signed_in"
    session = page.evaluate("window.jsSession()")
    assert session["username"] == username
    assert session["valid"] is True
    attrs = {a["name"]: a["value"] for a in py_call(page, "get_attributes")}
    assert session["sub"] == attrs["sub"]


def test_sign_out_on_either_side(both: Any) -> None:
    page, username = both
    # JS signs out a Python sign-in.
    py_call(page, "sign_in", {"username": username, "password": PASSWORD})
    assert page.evaluate("window.jsSession()") is not None
    page.evaluate("window.jsSignOut()")
    assert py_call(page, "current_user") is None
    # Python signs out a JS sign-in.
    page.evaluate("([u, p]) => window.jsSignIn(u, p)", [username, PASSWORD])
    assert py_call(page, "current_user") == {"username": username}
    py_call(page, "sign_out")
    assert page.evaluate("window.jsSession()") is None
    keys = page.evaluate("Object.keys(localStorage)")
    assert not [k for k in keys if k.endswith((".idToken", ".accessToken", ".LastAuthUser"))]


def test_js_bundle_is_not_in_the_tree(js_sdk_bundle: str) -> None:
    """The reference bundle is a test-time artefact only."""
    assert "AmazonCognitoIdentity" in js_sdk_bundle
    assert not list((ROOT / "web").rglob("amazon-cognito-identity*.js"))
