"""The drop-in sign-in kit, as a page author uses it: `build.py kit` into an empty folder,
served under a sub-path (/site/auth/) by `python -m http.server` (no special headers) and by a
server sending COOP/COEP; keyboard only, asserting what a person sees."""

from __future__ import annotations

import json
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from portal_helpers import BOOT_MS, press, tab_to, type_in

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Kit-Passw0rd!"
ISOLATION = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
}


def _load(name: str, path: Path) -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


kit_tool = _load("_tests_kit_tool", ROOT / "tools" / "kit.py")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def page_html(user_pool_id: str, client_id: str, endpoint: str | None, prefix: str) -> str:
    """The kit's example page (web/kit/index.html) with these settings."""
    template = (ROOT / "web" / "kit" / "index.html").read_text()
    return kit_tool._fill(
        template,
        {
            "prefix": prefix,
            "user_pool_id": user_pool_id,
            "client_id": client_id,
            "endpoint_line": kit_tool.endpoint_line(endpoint),
        },
    )


@pytest.fixture(scope="session")
def kit_pool(emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from cognito_emulator.seed import ensure_demo

    path = tmp_path_factory.mktemp("kitpool") / "config.json"
    ensure_demo(emulator.ctx(), emulator.endpoint, str(path))
    return dict(json.loads(path.read_text()))


@pytest.fixture(scope="session")
def kit_root(
    tmp_path_factory: pytest.TempPathFactory, emulator: Any, kit_pool: dict[str, Any]
) -> Path:
    """An empty folder with only the kit in site/auth/, built by `python build.py kit`."""
    build = _load("_tests_kit_build", ROOT / "build.py")
    build.build_wheel()
    build.vendor()
    build.fastboot()
    root = tmp_path_factory.mktemp("kitsite")
    assert not any(root.iterdir())
    dest = root / "site" / "auth"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "kit.py"), str(dest),
         "--user-pool-id", kit_pool["userPoolId"], "--client-id", kit_pool["clientId"],
         "--endpoint", emulator.endpoint, "--region", kit_pool["userPoolId"].split("_")[0]],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return root


@pytest.fixture(scope="session")
def plain_server(kit_root: Path) -> Iterator[str]:
    """`python -m http.server` over the folder: no special headers, no compression."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=kit_root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="session")
def isolated_server(kit_root: Path) -> Iterator[str]:
    """The same folder with Cross-Origin-Opener/Embedder-Policy on every response."""
    static = _load("_tests_kit_static", ROOT / "tools" / "static_server.py")
    server = static.StaticServer(kit_root, "127.0.0.1", 0, extra_headers=ISOLATION, compress=False)
    server.start()
    try:
        yield str(server.url).rstrip("/")
    finally:
        server.stop()


@pytest.fixture(params=["plain", "isolated"])
def origin(request: pytest.FixtureRequest) -> str:
    """Each test runs once per server: plain http.server, then with COOP/COEP."""
    return str(request.getfixturevalue(f"{request.param}_server"))


def signed_in_text(page: Any) -> str:
    page.wait_for_selector(".cog-login-done", timeout=BOOT_MS)
    return str(page.locator(".cog-login-done").text_content())


def message(page: Any) -> Any:
    return page.locator("#login form .cog-login-message")


def open_kit(page: Any, url: str) -> list[str]:
    logs: list[str] = []
    page.on("console", lambda m: logs.append(m.text))
    page.goto(url)
    return logs


def test_srp_sign_in_early_submit_reload_and_sign_out(
    page: Any,
    origin: str,
    emulator: Any,
    kit_pool: dict[str, Any],
    request: pytest.FixtureRequest,
) -> None:
    user = f"kit-{secrets.token_hex(3)}"
    emulator.create_user(kit_pool["userPoolId"], user, PASSWORD, email=f"{user}@example.com")
    logs = open_kit(page, origin + "/site/auth/")
    # The plain HTML form takes keys at once; Enter before Python is up is queued, answered.
    type_in(page, "#cog-login-username", user)
    type_in(page, "#cog-login-password", PASSWORD)
    page.keyboard.press("Enter")
    assert signed_in_text(page) == f"Signed in as {user}."
    assert page.locator("#welcome").text_content() == f"Welcome, {user}!"
    ready = [line for line in logs if line.startswith("cognito-auth: Python")]
    assert len(ready) == 1 and "Web Worker" in ready[0], logs
    isolated = page.evaluate("crossOriginIsolated")
    assert isolated is (origin == request.getfixturevalue("isolated_server"))
    assert ("not cross-origin isolated" in ready[0]) is (not isolated)
    keys = page.evaluate("Object.keys(localStorage)")
    assert f"CognitoIdentityServiceProvider.{kit_pool['clientId']}.LastAuthUser" in keys

    # Reload: recognised from the stored session, no password asked, on_signed_in called.
    page.reload()
    assert signed_in_text(page) == f"Signed in as {user}."
    page.wait_for_function("document.querySelector('#welcome').textContent.startsWith('Welcome')")
    assert page.locator("#cog-login-password").count() == 0

    press(page, ".cog-login-sign-out")
    page.wait_for_selector("#cog-login-password")
    assert message(page).text_content() == "You are signed out."
    assert page.locator("#welcome").text_content() == ""
    keys = page.evaluate("Object.keys(localStorage)")
    assert f"CognitoIdentityServiceProvider.{kit_pool['clientId']}.LastAuthUser" not in keys
    page.reload()
    page.wait_for_selector("#cog-login-username")
    # Still signed out after a reload: Python renders the sign-in form again (links appear).
    page.wait_for_selector(".cog-login-links", timeout=BOOT_MS)
    assert page.locator(".cog-login-done").count() == 0


def test_global_sign_out_revokes_the_tokens(
    page: Any, plain_server: str, emulator: Any, kit_pool: dict[str, Any]
) -> None:
    user = f"kit-{secrets.token_hex(3)}"
    emulator.create_user(kit_pool["userPoolId"], user, PASSWORD, email=f"{user}@example.com")
    open_kit(page, plain_server + "/site/auth/")
    type_in(page, "#cog-login-username", user)
    type_in(page, "#cog-login-password", PASSWORD)
    page.keyboard.press("Enter")
    signed_in_text(page)
    access = page.evaluate(
        "([c, u]) => localStorage.getItem(`CognitoIdentityServiceProvider.${c}.${u}.accessToken`)",
        [kit_pool["clientId"], user],
    )
    assert emulator.call("GetUser", {"AccessToken": access})["Username"] == user
    press(page, ".cog-login-sign-out-global")
    page.wait_for_selector("#cog-login-password")
    assert message(page).text_content() == "You are signed out."
    with pytest.raises(Exception, match="NotAuthorized"):
        emulator.call("GetUser", {"AccessToken": access})


def _enable_totp(emulator: Any, pool: dict[str, Any], user: str) -> str:
    import pyotp

    def token() -> str:
        result = emulator.call(
            "InitiateAuth",
            {
                "ClientId": pool["clientId"],
                "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": user, "PASSWORD": PASSWORD},
            },
        )
        return str(result["AuthenticationResult"]["AccessToken"])

    access = token()
    secret = str(emulator.call("AssociateSoftwareToken", {"AccessToken": access})["SecretCode"])
    emulator.call(
        "VerifySoftwareToken", {"AccessToken": access, "UserCode": pyotp.TOTP(secret).now()}
    )
    emulator.call(
        "SetUserMFAPreference",
        {
            "AccessToken": access,
            "SoftwareTokenMfaSettings": {"Enabled": True, "PreferredMfa": True},
        },
    )
    return secret


def test_totp_sign_in(page: Any, origin: str, emulator: Any, kit_pool: dict[str, Any]) -> None:
    import pyotp

    user = f"kit-{secrets.token_hex(3)}"
    emulator.create_user(kit_pool["userPoolId"], user, PASSWORD, email=f"{user}@example.com")
    secret = _enable_totp(emulator, kit_pool, user)
    open_kit(page, origin + "/site/auth/")
    type_in(page, "#cog-login-username", user)
    type_in(page, "#cog-login-password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("#cog-login-code", timeout=BOOT_MS)
    assert message(page).text_content() == "Enter the code from your authenticator app."
    type_in(page, "#cog-login-code", pyotp.TOTP(secret).now())
    page.keyboard.press("Enter")
    assert signed_in_text(page) == f"Signed in as {user}."


@pytest.mark.allow_console_errors(r"status of 400 \(Bad Request\)")
def test_wrong_password_shows_the_service_error_next_to_the_form(
    page: Any, plain_server: str, emulator: Any, kit_pool: dict[str, Any]
) -> None:
    user = f"kit-{secrets.token_hex(3)}"
    emulator.create_user(kit_pool["userPoolId"], user, PASSWORD, email=f"{user}@example.com")
    open_kit(page, plain_server + "/site/auth/")
    page.wait_for_selector(".cog-login-links", timeout=BOOT_MS)  # Python has the form
    type_in(page, "#cog-login-username", user)
    type_in(page, "#cog-login-password", "Wrong-Passw0rd!")
    page.keyboard.press("Enter")
    page.wait_for_selector("#login form .cog-login-message[data-kind=error]")
    box = message(page)
    assert box.text_content() == "NotAuthorizedException: Incorrect username or password."
    assert box.get_attribute("role") == "alert"
    assert box.get_attribute("aria-live") == "assertive"
    # What was typed stays; focus stays in the form.
    assert page.input_value("#cog-login-username") == user
    assert page.evaluate("document.activeElement.closest('#login') !== null")


def _write_page(root: Path, name: str, html: str) -> None:
    (root / "site" / "auth" / name).write_text(html)


@pytest.mark.allow_console_errors(r"ERR_CONNECTION_REFUSED|Failed to fetch|Failed to load")
def test_unreachable_endpoint_names_the_host(
    page: Any, plain_server: str, kit_root: Path, kit_pool: dict[str, Any]
) -> None:
    port = free_port()  # nothing listens there
    html = page_html(kit_pool["userPoolId"], kit_pool["clientId"], f"http://127.0.0.1:{port}/", "")
    _write_page(kit_root, "unreachable.html", html)
    open_kit(page, plain_server + "/site/auth/unreachable.html")
    type_in(page, "#cog-login-username", "someone")
    type_in(page, "#cog-login-password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("#login form .cog-login-message[data-kind=error]", timeout=90_000)
    text = str(message(page).text_content())
    assert text.startswith(f"Could not reach 127.0.0.1:{port}: "), text


@pytest.mark.allow_console_errors(r"cognito-auth|Traceback|InvalidParameterError")
def test_configuration_error_is_one_readable_line(
    page: Any, plain_server: str, kit_root: Path
) -> None:
    _write_page(kit_root, "misconfigured.html", page_html("not-a-pool", "abc", None, ""))
    open_kit(page, plain_server + "/site/auth/misconfigured.html")
    page.wait_for_selector("#login .cog-login-message[data-kind=error]", timeout=BOOT_MS)
    text = str(message(page).text_content())
    assert text.startswith("Sign-in could not start: InvalidParameterError: "), text
    assert "\n" not in text and "Traceback" not in page.locator("body").inner_text()


def test_totp_set_up_with_qr_code(
    page: Any, plain_server: str, kit_root: Path, emulator: Any
) -> None:
    import pyotp

    pool = emulator.call(
        "CreateUserPool", {"PoolName": f"kit-mfa-{secrets.token_hex(2)}", "MfaConfiguration": "ON"}
    )["UserPool"]
    emulator.call(
        "SetUserPoolMfaConfig",
        {
            "UserPoolId": pool["Id"],
            "MfaConfiguration": "ON",
            "SoftwareTokenMfaConfiguration": {"Enabled": True},
        },
    )
    client = emulator.call(
        "CreateUserPoolClient",
        {
            "UserPoolId": pool["Id"],
            "ClientName": "kit",
            "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        },
    )["UserPoolClient"]
    user = f"kit-{secrets.token_hex(3)}"
    emulator.create_user(pool["Id"], user, PASSWORD, email=f"{user}@example.com")
    html = page_html(pool["Id"], client["ClientId"], emulator.endpoint, "")
    _write_page(kit_root, "mfa.html", html)
    open_kit(page, plain_server + "/site/auth/mfa.html")
    type_in(page, "#cog-login-username", user)
    type_in(page, "#cog-login-password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector(".cog-login-secret", timeout=BOOT_MS)
    qr = page.locator("svg.cog-login-qr")
    assert qr.get_attribute("aria-label") == "QR code for your authenticator app"
    assert qr.locator("path").get_attribute("d")
    secret = str(page.locator(".cog-login-secret").text_content())
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret)
    type_in(page, "#cog-login-code", pyotp.TOTP(secret).now())
    page.keyboard.press("Enter")
    assert signed_in_text(page) == f"Signed in as {user}."


def test_readme_snippet_works_as_printed(
    page: Any, kit_root: Path, plain_server: str, emulator: Any, kit_pool: dict[str, Any]
) -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Add sign-in to your site", 1)[1]
    snippet = section.split("```html\n", 1)[1].split("```", 1)[0]
    # The three values the README tells the reader to replace, each printed once.
    replace = {
        kit_tool.PLACEHOLDER_POOL: kit_pool["userPoolId"],
        kit_tool.PLACEHOLDER_CLIENT: kit_pool["clientId"],
        "http://127.0.0.1:9229/": emulator.endpoint,
    }
    for printed, actual in replace.items():
        assert snippet.count(printed) == 1, printed
        snippet = snippet.replace(printed, actual)
    (kit_root / "site" / "index.html").write_text(snippet)
    user = f"kit-{secrets.token_hex(3)}"
    emulator.create_user(kit_pool["userPoolId"], user, PASSWORD, email=f"{user}@example.com")
    open_kit(page, plain_server + "/site/")
    type_in(page, "#cog-login-username", user)
    type_in(page, "#cog-login-password", PASSWORD)
    page.keyboard.press("Enter")
    assert signed_in_text(page) == f"Signed in as {user}."
    tab_to(page, ".cog-login-sign-out")


def test_sign_up_confirm_and_reset_password(
    page: Any, plain_server: str, emulator: Any, kit_pool: dict[str, Any]
) -> None:
    user = f"kit-{secrets.token_hex(3)}"
    open_kit(page, plain_server + "/site/auth/")
    page.wait_for_selector(".cog-login-links", timeout=BOOT_MS)
    press(page, "button.cog-login-link[data-to=sign_up]")
    page.wait_for_selector("[data-view=sign_up]")
    type_in(page, "#cog-login-username", user)
    type_in(page, "#cog-login-email", f"{user}@example.com")
    type_in(page, "#cog-login-password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-view=confirm]")
    assert str(message(page).text_content()).startswith("We sent a code to ")
    assert page.input_value("#cog-login-username") == user  # carried over from sign-up
    type_in(page, "#cog-login-code", emulator.last_code(user))
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-view=sign_in]")
    assert message(page).text_content() == "Your account is confirmed. Sign in now."

    press(page, "button.cog-login-link[data-to=forgot]")
    page.wait_for_selector("[data-view=forgot]")
    type_in(page, "#cog-login-username", user)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-view=reset]")
    new_password = "Kit-Reset-Passw0rd!"
    type_in(page, "#cog-login-code", emulator.last_code(user))
    type_in(page, "#cog-login-new_password", new_password)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-view=sign_in]")
    assert message(page).text_content() == "Your password is changed. Sign in with the new one."
    type_in(page, "#cog-login-username", user)
    type_in(page, "#cog-login-password", new_password)
    page.keyboard.press("Enter")
    assert signed_in_text(page) == f"Signed in as {user}."


def test_plain_boot_under_a_sub_path_fetches_the_sdk_parts_from_the_kit(
    page: Any, plain_server: str, emulator: Any, kit_pool: dict[str, Any], kit_root: Path
) -> None:
    """When the snapshot cannot be used (here: another Pyodide named in its manifest), the
    worker boots plain Pyodide with the lean wheel; the SDK's optional parts (the web
    components among them) then come from the kit's own dist/parts/, not the site root."""
    manifest = json.loads((kit_root / "site/auth/dist/fastboot/manifest.json").read_text())
    manifest["pyodide_version"] = "0.0.0"
    page.context.route(
        "**/site/auth/dist/fastboot/manifest.json",
        lambda route: route.fulfill(content_type="application/json", body=json.dumps(manifest)),
    )
    parts: list[str] = []
    page.context.on("request", lambda r: parts.append(r.url) if "/parts/" in r.url else None)
    user = f"kit-{secrets.token_hex(3)}"
    emulator.create_user(kit_pool["userPoolId"], user, PASSWORD, email=f"{user}@example.com")
    open_kit(page, plain_server + "/site/auth/")
    type_in(page, "#cog-login-username", user)
    type_in(page, "#cog-login-password", PASSWORD)
    page.keyboard.press("Enter")
    assert signed_in_text(page) == f"Signed in as {user}."
    assert parts, "the plain boot fetched no SDK part"
    assert all(u.startswith(plain_server + "/site/auth/dist/parts/") for u in parts), parts


def test_a_render_keeps_the_focus_on_the_control_the_person_is_on(
    page: Any, plain_server: str, emulator: Any, kit_pool: dict[str, Any]
) -> None:
    """A re-render the person did not ask for (a list loaded late, a refresh) rebuilds the
    buttons; the focus stays on the same control, so the next Enter is not lost to <body>
    (it was: a late passkey-list load under the 'Keep it' question ate the keypress)."""
    page.add_init_script(
        "document.addEventListener('cognito-auth-worker', (e) => { window.__cogWorker = e.detail })"
    )
    user = f"kit-{secrets.token_hex(3)}"
    emulator.create_user(kit_pool["userPoolId"], user, PASSWORD, email=f"{user}@example.com")
    open_kit(page, plain_server + "/site/auth/")
    type_in(page, "#cog-login-username", user)
    type_in(page, "#cog-login-password", PASSWORD)
    page.keyboard.press("Enter")
    assert signed_in_text(page) == f"Signed in as {user}."
    sign_out = page.locator("#login").get_by_role("button", name="Sign out", exact=True)
    sign_out.focus()
    expect(sign_out).to_be_focused()
    before = sign_out.element_handle()
    page.evaluate(
        "code => window.__cogWorker.call('run_script', {code, name: 'test-refresh'})",
        "from amazon_cognito_identity.web.component import current_page\n"
        "current_page().components['#login'].refresh()\n",
    )
    page.wait_for_function("el => !el.isConnected", arg=before)  # the button was rebuilt
    expect(sign_out).to_be_focused()
    page.keyboard.press("Enter")  # and the keypress reaches it
    page.locator("#login form").first.wait_for(timeout=BOOT_MS)
    expect(page.locator("#cog-login-username")).to_be_visible()
