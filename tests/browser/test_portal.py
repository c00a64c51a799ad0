"""The demo account portal, driven with the keyboard only, against the emulator."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import pyotp
import pytest
from portal_helpers import (
    BOOT_MS,
    choose,
    outbox_code,
    press,
    shot,
    status,
    type_in,
    wait_for,
    wait_status,
)

PASSWORD = "Corr3ct-Horse!"


@pytest.fixture(scope="session")
def demo_config(emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo pool (as `build.py serve` makes it) on the test emulator."""
    from cognito_emulator.seed import ensure_demo

    path = tmp_path_factory.mktemp("demo") / "config.json"
    ensure_demo(emulator.ctx(), emulator.endpoint, str(path))
    return dict(json.loads(Path(path).read_text()))


@pytest.fixture
def portal(page: Any, site: Any, demo_config: dict[str, Any]) -> Any:
    site.config(demo_config)
    page.goto(site.url + "/")
    page.wait_for_function("document.body.dataset.state === 'ready'", timeout=BOOT_MS)
    return page


def new_name(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(3)}"


def sign_up_and_confirm(page: Any, username: str, phone: str | None = None) -> None:
    press(page, "#link-signup")
    type_in(page, "#signup-username", username)
    type_in(page, "#signup-email", f"{username}@example.com")
    if phone:
        type_in(page, "#signup-phone", phone)
    type_in(page, "#signup-password", PASSWORD)
    page.keyboard.press("Enter")
    wait_for(page, "#view-confirm:not([hidden])")
    wait_status(page, "Account created")
    code = outbox_code(page, username, "signup")
    type_in(page, "#confirm-code", code)
    page.keyboard.press("Enter")
    wait_status(page, "Account confirmed")


def sign_in(page: Any, username: str, password: str = PASSWORD, custom: bool = False) -> None:
    type_in(page, "#signin-username", username)
    type_in(page, "#signin-password", password)
    if custom:
        press(page, "#signin-custom", " ")
    page.keyboard.press("Enter")


def wait_account(page: Any, username: str) -> None:
    wait_for(page, "#view-account:not([hidden])")
    assert page.locator("#account-username").text_content() == username


def attributes(page: Any) -> dict[str, str]:
    wait_for(page, "#attributes tr td")
    rows = page.eval_on_selector_all(
        "#attributes tr", "rs => rs.map(r => [...r.cells].map(c => c.textContent))"
    )
    return {r[0]: r[1] for r in rows if len(r) == 2 and r[0] != "Attribute"}


def test_sign_up_confirm_sign_in_profile_password(portal: Any) -> None:
    page = portal
    shot(page, "01-sign-in")
    user = new_name("ann")
    sign_up_and_confirm(page, user)
    shot(page, "02-confirmed")
    sign_in(page, user)
    wait_account(page, user)
    page.wait_for_function("document.querySelectorAll('#attributes tr').length > 1")
    assert attributes(page)["email"] == f"{user}@example.com"
    shot(page, "03-account")
    # Storage keys the JS SDK also reads landed in the page's localStorage.
    keys = page.evaluate("Object.keys(localStorage)")
    assert any(k.endswith(".LastAuthUser") for k in keys)
    assert any(k.endswith(f".{user}.idToken") for k in keys)

    # Update an attribute; markup in a value is shown as text.
    type_in(page, "#attr-name", "name")
    type_in(page, "#attr-value", "<b>Ann</b> & co")
    page.keyboard.press("Enter")
    wait_status(page, "Attribute saved")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#attributes td')]"
        ".some(td => td.textContent === '<b>Ann</b> & co')"
    )
    assert page.locator("#attributes b").count() == 0
    # Delete it again.
    type_in(page, "#attr-name", "name")
    press(page, "#attr-delete")
    wait_status(page, "Attribute name deleted")
    page.wait_for_function(
        "() => ![...document.querySelectorAll('#attributes td')]"
        ".some(td => td.textContent === 'name')"
    )
    # Change email, then verify it with the code from the outbox.
    type_in(page, "#attr-name", "email")
    type_in(page, "#attr-value", f"new-{user}@example.com")
    page.keyboard.press("Enter")
    wait_status(page, "Attribute saved")
    press(page, "#attr-verify")
    wait_status(page, "verification code was sent")
    code = outbox_code(page, user, "verify_email")
    type_in(page, "#verify-attr-name", "email")
    type_in(page, "#verify-attr-code", code)
    page.keyboard.press("Enter")
    wait_status(page, "Attribute verified")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#attributes tr')].some(r =>"
        " r.cells[0]?.textContent === 'email_verified' && r.cells[1]?.textContent === 'true')"
    )

    # A wrong current password shows the service's error code and message.
    type_in(page, "#old-password", "Wrong-passw0rd!")
    type_in(page, "#change-new-password", "N3w-Passw0rd!")
    page.keyboard.press("Enter")
    wait_for(page, "#status.error")
    assert status(page).startswith("NotAuthorizedException: ")
    type_in(page, "#old-password", PASSWORD)
    type_in(page, "#change-new-password", "N3w-Passw0rd!")
    page.keyboard.press("Enter")
    wait_status(page, "Password changed")

    press(page, "#sign-out")
    wait_status(page, "Signed out")
    assert not any(k.endswith(".LastAuthUser") for k in page.evaluate("Object.keys(localStorage)"))
    sign_in(page, user, "N3w-Passw0rd!")
    wait_account(page, user)


def test_wrong_password_shows_cognito_error(portal: Any) -> None:
    page = portal
    user = new_name("bob")
    sign_up_and_confirm(page, user)
    sign_in(page, user, "Not-the-passw0rd")
    wait_for(page, "#status.error")
    assert status(page).startswith("NotAuthorizedException: ")
    assert page.locator("#view-signin").is_visible()


def test_forgot_password(portal: Any) -> None:
    page = portal
    user = new_name("cy")
    sign_up_and_confirm(page, user)
    press(page, "#link-forgot")
    type_in(page, "#forgot-username", user)
    page.keyboard.press("Enter")
    wait_status(page, "A code was sent")
    code = outbox_code(page, user, "forgot_password")
    type_in(page, "#forgot-code", code)
    type_in(page, "#forgot-new-password", "Res3t-Passw0rd!")
    page.keyboard.press("Enter")
    wait_status(page, "Password changed")
    shot(page, "04-forgot-password")
    sign_in(page, user, "Res3t-Passw0rd!")
    wait_account(page, user)


def test_totp_setup_then_totp_sign_in_devices_and_delete(portal: Any) -> None:
    page = portal
    user = new_name("dee")
    sign_up_and_confirm(page, user)
    sign_in(page, user)
    wait_account(page, user)
    press(page, "#totp-start")
    wait_for(page, "#qr svg path")
    secret = str(page.locator("#totp-secret").text_content())
    # The QR code is drawn in the page: a square module grid.
    assert page.eval_on_selector("#qr svg path", "p => p.getAttribute('d').length") > 1000
    shot(page, "05-totp-setup")
    type_in(page, "#totp-code", pyotp.TOTP(secret).now())
    type_in(page, "#totp-device-name", "Test phone")
    page.keyboard.press("Enter")
    wait_status(page, "Authenticator app enabled")

    # Devices: this browser's device was confirmed at sign-in; remember it.
    press(page, "#device-remember")
    wait_status(page, "This device is remembered")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#devices td')]"
        ".some(td => td.textContent.startsWith('remembered (this device)'))"
    )
    shot(page, "06-devices")

    # A remembered device signs in with device SRP and skips the second factor.
    press(page, "#sign-out")
    wait_status(page, "Signed out")
    sign_in(page, user)
    wait_account(page, user)

    # Forget the device through its row's button: the next sign-in asks for TOTP again.
    press(page, "#devices button")
    wait_status(page, "Device forgotten")
    page.wait_for_function(
        "() => ![...document.querySelectorAll('#devices td')]"
        ".some(td => td.textContent.includes('(this device)'))"
    )
    press(page, "#sign-out")
    wait_status(page, "Signed out")
    sign_in(page, user)
    wait_for(page, "#view-challenge #mfa-code")
    shot(page, "07-totp-challenge")
    type_in(page, "#mfa-code", pyotp.TOTP(secret).now())
    page.keyboard.press("Enter")
    wait_account(page, user)

    press(page, "#delete-account")
    type_in(page, "#delete-confirm", "DELETE")
    page.keyboard.press("Enter")
    wait_status(page, "Account deleted")
    sign_in(page, user)
    wait_for(page, "#status.error")
    assert "UserNotFoundException" in status(page) or "NotAuthorizedException" in status(page)


def test_sms_mfa_and_mfa_selection(portal: Any) -> None:
    page = portal
    user = new_name("eve")
    sign_up_and_confirm(page, user, phone="+15555550123")
    sign_in(page, user)
    wait_account(page, user)
    choose(page, "#mfa-pref", "sms")
    press(page, "#form-mfa-prefs button")
    wait_status(page, "MFA preference saved")
    press(page, "#sign-out")
    wait_status(page, "Signed out")

    sign_in(page, user)
    wait_for(page, "#view-challenge #mfa-code")
    code = outbox_code(page, user, "sms_mfa")
    type_in(page, "#mfa-code", code)
    page.keyboard.press("Enter")
    wait_account(page, user)

    # TOTP too, then "ask at sign-in" gives SELECT_MFA_TYPE.
    press(page, "#totp-start")
    wait_for(page, "#totp-secret")
    secret = str(page.locator("#totp-secret").text_content())
    type_in(page, "#totp-code", pyotp.TOTP(secret).now())
    page.keyboard.press("Enter")
    wait_status(page, "Authenticator app enabled")
    choose(page, "#mfa-pref", "both")
    press(page, "#form-mfa-prefs button")
    wait_status(page, "MFA preference saved")
    press(page, "#global-sign-out")
    wait_status(page, "Signed out on every device")

    sign_in(page, user)
    wait_for(page, "#view-challenge #mfa-type")
    shot(page, "08-select-mfa")
    choose(page, "#mfa-type", "SOFTWARE_TOKEN_MFA")
    press(page, "#form-select-mfa button")
    wait_for(page, "#view-challenge #mfa-code")
    type_in(page, "#mfa-code", pyotp.TOTP(secret).now())
    page.keyboard.press("Enter")
    wait_account(page, user)


def test_new_password_required(portal: Any, emulator: Any, demo_config: dict[str, Any]) -> None:
    page = portal
    user = new_name("fay")
    emulator.call(
        "AdminCreateUser",
        {
            "UserPoolId": demo_config["userPoolId"],
            "Username": user,
            "TemporaryPassword": "Temp-Passw0rd!",
            "MessageAction": "SUPPRESS",
            "UserAttributes": [{"Name": "email", "Value": f"{user}@example.com"}],
        },
    )
    sign_in(page, user, "Temp-Passw0rd!")
    wait_for(page, "#view-challenge #new-password")
    shot(page, "09-new-password")
    type_in(page, "#new-password", "Fresh-Passw0rd!")
    page.keyboard.press("Enter")
    wait_account(page, user)


def test_custom_challenge(portal: Any) -> None:
    page = portal
    user = new_name("gus")
    sign_up_and_confirm(page, user)
    sign_in(page, user, custom=True)
    wait_for(page, "#view-challenge #custom-answer")
    type_in(page, "#custom-answer", "000000-wrong")
    page.keyboard.press("Enter")
    wait_for(page, "#view-challenge #custom-answer")
    code = outbox_code(page, user, "custom_challenge")
    type_in(page, "#custom-answer", code)
    page.keyboard.press("Enter")
    wait_account(page, user)
