"""The embeddable LoginForm in a PyScript page (web/examples/login-form.html)."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import pytest
from portal_helpers import BOOT_MS, shot, type_in

PASSWORD = "Embed-Passw0rd!"


@pytest.fixture(scope="session")
def embed_pool(emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from cognito_emulator.seed import ensure_demo

    path = tmp_path_factory.mktemp("embed") / "config.json"
    ensure_demo(emulator.ctx(), emulator.endpoint, str(path))
    return dict(json.loads(Path(path).read_text()))


@pytest.fixture
def form_page(page: Any, site: Any, embed_pool: dict[str, Any]) -> Any:
    site.config(embed_pool)
    page.goto(site.url + "/examples/login-form.html")
    page.wait_for_selector("#cog-login-username", timeout=BOOT_MS)
    return page


def message(page: Any) -> str:
    return str(page.locator(".cog-login-message").text_content() or "")


def test_login_form_new_password_challenge(
    form_page: Any, emulator: Any, embed_pool: dict[str, Any]
) -> None:
    page = form_page
    user = f"embed-{secrets.token_hex(3)}"
    emulator.call(
        "AdminCreateUser",
        {
            "UserPoolId": embed_pool["userPoolId"],
            "Username": user,
            "TemporaryPassword": "Temp-Passw0rd!",
            "MessageAction": "SUPPRESS",
            "UserAttributes": [{"Name": "email", "Value": f"{user}@example.com"}],
        },
    )
    type_in(page, "#cog-login-username", user)
    type_in(page, "#cog-login-password", "Temp-Passw0rd!")
    page.keyboard.press("Enter")
    page.wait_for_selector("#cog-login-new_password")
    type_in(page, "#cog-login-new_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#result').textContent.startsWith('Welcome')")
    assert page.locator("#result").text_content() == f"Welcome {user} {user}@example.com"
    assert page.locator(".cog-login-done").text_content() == f"Signed in as {user}."
    shot(page, "10-login-form")
    # The session is stored where the JS SDK looks for it.
    keys = page.evaluate("Object.keys(localStorage)")
    assert f"CognitoIdentityServiceProvider.{embed_pool['clientId']}.LastAuthUser" in keys


# Chromium logs every 4xx answer to fetch() as a console error; this test provokes one.
@pytest.mark.allow_console_errors(r"status of 400 \(Bad Request\)")
def test_login_form_shows_errors_as_text(
    form_page: Any, emulator: Any, embed_pool: dict[str, Any]
) -> None:
    page = form_page
    user = f"<img src=x onerror=alert(1)>{secrets.token_hex(2)}"
    type_in(page, "#cog-login-username", user)
    type_in(page, "#cog-login-password", "whatever-Passw0rd!")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('.cog-login-message').dataset.kind === 'error'")
    text = message(page)
    code = text.split(":", 1)[0]
    assert code in ("UserNotFoundException", "NotAuthorizedException", "InvalidParameterException")
    assert page.locator("#login img").count() == 0


def test_login_form_totp_challenge(
    form_page: Any, emulator: Any, embed_pool: dict[str, Any]
) -> None:
    import pyotp

    page = form_page
    user = f"embed-{secrets.token_hex(3)}"
    emulator.create_user(embed_pool["userPoolId"], user, PASSWORD, email=f"{user}@example.com")
    secret = emulator.call(
        "AssociateSoftwareToken", {"AccessToken": _token(emulator, embed_pool, user)}
    )["SecretCode"]
    access = _token(emulator, embed_pool, user)
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
    type_in(page, "#cog-login-username", user)
    type_in(page, "#cog-login-password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("#cog-login-code")
    type_in(page, "#cog-login-code", pyotp.TOTP(secret).now())
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#result').textContent.startsWith('Welcome')")


def _token(emulator: Any, pool: dict[str, Any], user: str) -> str:
    result = emulator.call(
        "InitiateAuth",
        {
            "ClientId": pool["clientId"],
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": user, "PASSWORD": PASSWORD},
        },
    )
    return str(result["AuthenticationResult"]["AccessToken"])
