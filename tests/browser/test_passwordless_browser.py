"""Passwordless sign-in, email MFA and auto sign-in in real Chromium, keyboard only.

The demo portal (its pool allows PASSWORD, EMAIL_OTP and SMS_OTP first factors and email MFA,
which config.json tells the page) and the drop-in kit on pools made per test. Assertions are on
what a person sees: the text in view, where the focus is, what is announced (aria-live), and
axe-core on the new views.
"""

# The fixtures of test_portal / test_kit are imported here; tests take them by name.
# ruff: noqa: F401, F811
from __future__ import annotations

import secrets
from typing import Any

import pytest
from playwright.sync_api import expect
from portal_helpers import (
    BOOT_MS,
    assert_result_near,
    button,
    check_view,
    field,
    in_viewport,
    live,
    press,
    type_in,
)
from test_kit import (
    isolated_server,
    kit_pool,
    kit_root,
    open_kit,
    page_html,
    plain_server,
    signed_in_text,
)
from test_portal import (
    PASSWORD,
    card,
    demo_config,
    login,
    make_user,
    new_name,
    outbox_code,
    portal,
    sign_in,
    wait_account,
)

ALL = ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]


def code_error(page: Any) -> Any:
    return login(page).locator(".cog-login-field-error")


def test_email_me_a_code_wrong_code_then_right_code(
    portal: Any, emulator: Any, demo_config: dict[str, Any]
) -> None:
    page = portal
    user = make_user(emulator, demo_config, "otp")
    form = login(page)
    type_in(page, field(form, "Username"), user)
    press(page, button(form, "Email me a code"))
    code = field(login(page), "Code")
    code.wait_for(timeout=30_000)
    expect(login(page).get_by_role("heading", name="Check your email")).to_be_visible()
    note = login(page).locator(".cog-login-message").filter(has_text=f"{user[0]}***@e***")
    expect(note).to_have_text(f"We sent a code to {user[0]}***@e***.")
    assert in_viewport(page, note) and live(note) == "polite"
    expect(code).to_be_focused()
    check_view(page, "21-email-code")
    # A wrong code: said next to the field, announced, the field keeps the focus.
    type_in(page, code, "000000")
    page.keyboard.press("Enter")
    error = code_error(page)
    expect(error).to_have_text("That code is not right. Check it and try again.")
    assert in_viewport(page, error) and live(error) == "assertive"
    expect(code).to_be_focused()
    expect(code).to_have_attribute("aria-invalid", "true")
    assert error.get_attribute("id") in str(code.get_attribute("aria-describedby"))
    check_view(page, "22-email-code-wrong")
    type_in(page, code, outbox_code(page, user, "Email sign-in code"))
    page.keyboard.press("Enter")
    wait_account(page, user)


def test_text_me_a_code_and_send_a_new_one(
    portal: Any, emulator: Any, demo_config: dict[str, Any]
) -> None:
    page = portal
    user = make_user(emulator, demo_config, "sms", phone_number="+15555550142")
    form = login(page)
    type_in(page, field(form, "Username"), user)
    press(page, button(form, "Text me a code"))
    code = field(login(page), "Code")
    code.wait_for(timeout=30_000)
    expect(login(page).get_by_role("heading", name="Check your phone")).to_be_visible()
    expect(login(page).locator(".cog-login-message")).to_have_text(
        "We sent a code to +*******0142."
    )
    first = outbox_code(page, user, "SMS sign-in code")
    press(page, button(login(page), "Send a new code"))
    # The first code is superseded in the outbox; the new one signs in.
    page.locator("#outbox li[data-state='superseded']").filter(has_text=user).first.wait_for()
    second = outbox_code(page, user, "SMS sign-in code")
    assert second == emulator.last_code(user, "sms_otp")
    assert [m["code"] for m in emulator.outbox(user)][-2:] == [first, second]
    expect(code).to_be_focused()
    type_in(page, code, second)
    page.keyboard.press("Enter")
    wait_account(page, user)


def test_sign_up_confirm_lands_signed_in(portal: Any, emulator: Any) -> None:
    page = portal
    user = new_name("auto")
    press(page, login(page).get_by_role("button", name="Create an account"))
    form = login(page)
    type_in(page, field(form, "Username"), user)
    type_in(page, field(form, "Email"), f"{user}@example.com")
    type_in(page, field(form, "Password"), PASSWORD)
    page.keyboard.press("Enter")
    code = field(login(page), "Code")
    code.wait_for(timeout=30_000)
    type_in(page, code, "000000")
    page.keyboard.press("Enter")
    expect(code_error(page)).to_have_text("That code is not right. Check it and try again.")
    expect(code).to_be_focused()
    type_in(page, code, outbox_code(page, user, "Sign-up code"))
    page.keyboard.press("Enter")
    # No password typed again: the ConfirmSignUp session signed the person in.
    wait_account(page, user)
    assert page.evaluate("document.activeElement.textContent") == "Your account"


def test_email_as_second_factor_set_up_in_the_portal_then_asked_at_sign_in(
    portal: Any, emulator: Any, demo_config: dict[str, Any]
) -> None:
    page = portal
    user = make_user(emulator, demo_config, "emfa")
    sign_in(page, user)
    wait_account(page, user)
    mfa = card(page, "Two-factor authentication")
    choice = button(mfa, "Email code")
    press(page, choice)
    assert_result_near(page, choice, "Second factor at sign-in: Email code.")
    expect(mfa.locator("[aria-pressed='true']")).to_have_text("Email code")
    expect(choice).to_be_focused()
    check_view(page, "23-email-mfa")
    press(page, button(card(page, "Your account"), "Sign out"))
    sign_in(page, user)
    code = field(login(page), "Code")
    code.wait_for(timeout=30_000)
    expect(login(page).get_by_role("heading", name="Check your email")).to_be_visible()
    # An MFA code cannot be sent again without the password: no such button here.
    expect(button(login(page), "Send a new code")).to_have_count(0)
    type_in(page, code, outbox_code(page, user, "Email sign-in code"))
    page.keyboard.press("Enter")
    wait_account(page, user)


# ---------------------------------------------------------------- the kit on its own pools


def _kit_page(
    kit_root: Any, name: str, pool_id: str, client_id: str, endpoint: str, options: str
) -> None:
    html = page_html(pool_id, client_id, endpoint, "")
    if not options:
        (kit_root / "site" / "auth" / name).write_text(html)
        return
    html = html.replace(
        'Authenticator(pool, "#login", on_signed_in=signed_in, on_signed_out=signed_out)',
        'Authenticator(pool, "#login", on_signed_in=signed_in, on_signed_out=signed_out, '
        f"{options})",
    )
    assert options in html
    (kit_root / "site" / "auth" / name).write_text(html)


def _pool(emulator: Any, mfa: str = "OFF", email_mfa: bool = False) -> tuple[str, str]:
    pool_id, client_id = emulator.create_pool_and_client(
        {
            "MfaConfiguration": mfa,
            "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ALL}},
        },
        {
            "ExplicitAuthFlows": [
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_USER_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
            ]
        },
    )
    if email_mfa:
        emulator.call(
            "SetUserPoolMfaConfig",
            {"UserPoolId": pool_id, "MfaConfiguration": mfa, "EmailMfaConfiguration": {}},
        )
    return pool_id, client_id


def test_kit_user_auth_asks_the_username_then_offers_the_choices(
    page: Any, plain_server: str, kit_root: Any, emulator: Any
) -> None:
    pool_id, client_id = _pool(emulator)
    user = f"kit-{secrets.token_hex(3)}"
    emulator.create_user(pool_id, user, PASSWORD, email=f"{user}@example.com")
    _kit_page(kit_root, "choice.html", pool_id, client_id, emulator.endpoint, 'flow="USER_AUTH"')
    open_kit(page, plain_server + "/site/auth/choice.html")
    page.wait_for_selector(".cog-login-links", timeout=BOOT_MS)
    expect(page.locator("#cog-login-password")).to_have_count(0)
    type_in(page, "#cog-login-username", user)
    page.keyboard.press("Enter")
    select = page.get_by_label("Sign in with", exact=True)
    select.wait_for(timeout=30_000)
    expect(page.get_by_role("heading", name="Choose how to sign in")).to_be_visible()
    expect(select).to_be_focused()
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    check_view(page, "24-kit-choose")
    expect(select).to_be_focused()
    # Keyboard: the arrow key picks "Email me a code"; the password field goes.
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Password", exact=True)).to_have_count(0)
    expect(select).to_be_focused()
    press(page, page.get_by_role("button", name="Continue"))
    code = page.get_by_label("Code", exact=True)
    code.wait_for(timeout=30_000)
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    type_in(page, code, emulator.last_code(user, "email_otp"))
    page.keyboard.press("Enter")
    assert signed_in_text(page) == f"Signed in as {user}."


def test_kit_email_mfa_set_up_during_sign_in(
    page: Any, plain_server: str, kit_root: Any, emulator: Any
) -> None:
    pool_id, client_id = _pool(emulator, mfa="ON", email_mfa=True)
    user = f"kit-{secrets.token_hex(3)}"
    emulator.create_user(pool_id, user, PASSWORD)
    _kit_page(kit_root, "emailmfa.html", pool_id, client_id, emulator.endpoint, "")
    open_kit(page, plain_server + "/site/auth/emailmfa.html")
    type_in(page, "#cog-login-username", user)
    type_in(page, "#cog-login-password", PASSWORD)
    page.keyboard.press("Enter")
    select = page.get_by_label("Set up", exact=True)
    select.wait_for(timeout=BOOT_MS)
    expect(select).to_be_focused()
    page.keyboard.press("ArrowDown")  # Authenticator app -> Email
    expect(select).to_have_value("EMAIL_OTP")
    press(page, page.get_by_role("button", name="Continue"))
    email = page.get_by_label("Email", exact=True)
    email.wait_for(timeout=30_000)
    expect(email).to_be_focused()
    check_view(page, "25-kit-email-mfa-set-up")
    expect(email).to_be_focused()
    page.keyboard.type(f"{user}@example.org")
    page.keyboard.press("Enter")
    code = page.get_by_label("Code", exact=True)
    code.wait_for(timeout=30_000)
    expect(page.locator("#login .cog-login-message")).to_have_text(
        f"We sent a code to {user[0]}***@e***."
    )
    type_in(page, code, emulator.last_code(user, "email_mfa"))
    page.keyboard.press("Enter")
    assert signed_in_text(page) == f"Signed in as {user}."


@pytest.mark.allow_console_errors(r"status of 400 \(Bad Request\)")
def test_kit_auto_sign_in_refused_falls_back_to_the_form(
    page: Any, plain_server: str, kit_root: Any, emulator: Any
) -> None:
    pool_id, client_id = emulator.create_pool_and_client(
        {"AutoVerifiedAttributes": ["email"]},
        {"ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]},
    )
    _kit_page(kit_root, "noauto.html", pool_id, client_id, emulator.endpoint, "auto_sign_in=True")
    open_kit(page, plain_server + "/site/auth/noauto.html")
    page.wait_for_selector(".cog-login-links", timeout=BOOT_MS)
    user = f"kit-{secrets.token_hex(3)}"
    press(page, "button.cog-login-link[data-to=sign_up]")
    type_in(page, "#cog-login-username", user)
    type_in(page, "#cog-login-email", f"{user}@example.com")
    type_in(page, "#cog-login-password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-view=confirm]")
    type_in(page, "#cog-login-code", emulator.last_code(user))
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-view=sign_in]")
    message = page.locator("#login form .cog-login-message")
    expect(message).to_have_text(
        "Your account is confirmed, but we could not sign you in automatically. Sign in now."
    )
    assert in_viewport(page, message) and live(message) == "polite"
    expect(page.locator("#cog-login-username")).to_have_value(user)
    type_in(page, "#cog-login-password", PASSWORD)
    page.keyboard.press("Enter")
    assert signed_in_text(page) == f"Signed in as {user}."
