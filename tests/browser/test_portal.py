"""The demo account portal, walked as a person walks the README's "Try it" steps.

Keyboard first (Tab to a control, type, Enter), codes read from the emulator outbox panel,
and assertions on what a person sees: the message next to the control, inside the viewport
and announced (aria-live); the MFA control's state; where the focus lands. axe-core checks
every view at desktop size and at 390x844. Screenshots: ``SCREENSHOTS=1``.
"""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect
from portal_helpers import (
    BOOT_MS,
    MOBILE,
    assert_result_near,
    button,
    check_view,
    field,
    in_viewport,
    live,
    press,
    tab_to,
    type_in,
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
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(site.url + "/")
    page.wait_for_function("document.body.dataset.state === 'ready'", timeout=BOOT_MS)
    return page


def new_name(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(3)}"


def make_user(emulator: Any, config: dict[str, Any], prefix: str, **attrs: str) -> str:
    name = new_name(prefix)
    emulator.create_user(config["userPoolId"], name, PASSWORD, email=f"{name}@example.com", **attrs)
    return name


def login(page: Any) -> Any:
    return page.locator("#portal-login")


def sign_in(page: Any, username: str, password: str = PASSWORD) -> None:
    type_in(page, field(login(page), "Username"), username)
    type_in(page, field(login(page), "Password"), password)
    page.keyboard.press("Enter")


def wait_account(page: Any, username: str) -> None:
    page.locator("#account").wait_for(state="visible", timeout=30_000)
    page.locator("#account-session-username").filter(has_text=username).wait_for()


def card(page: Any, title: str) -> Any:
    return page.locator("#account section.card").filter(
        has=page.get_by_role("heading", name=title, exact=True)
    )


def attributes(page: Any) -> dict[str, str]:
    """The profile card's attributes as the page shows them."""
    rows = page.eval_on_selector_all(
        "#account-profile-attributes .cog-row-item",
        "rs => rs.map(r => [r.querySelector('dt').textContent, r.querySelector('dd').textContent])",
    )
    return {name: value for name, value in rows}


def outbox_code(page: Any, username: str, label: str) -> str:
    """The newest valid code of ``label`` for ``username`` in the outbox panel."""
    item = (
        page.locator("#outbox li[data-state='valid']")
        .filter(has_text=label)
        .filter(has_text=username)
        .first
    )
    item.wait_for(timeout=30_000)
    return str(item.locator(".cog-outbox-code").text_content()).strip()


# ---------------------------------------------------------------- the README's steps


def test_try_it_sign_up_confirm_sign_in_totp_sign_out_totp(portal: Any) -> None:
    """README "Try it" 1-5: create, confirm (code from the outbox), sign in, TOTP, again."""
    page = portal
    check_view(page, "01-sign-in")
    user = new_name("ann")
    press(page, login(page).get_by_role("button", name="Create an account"))
    form = login(page)
    type_in(page, field(form, "Username"), user)
    type_in(page, field(form, "Email"), f"{user}@example.com")
    type_in(page, field(form, "Password"), PASSWORD)
    # The pool's rules sit under the new password, each ticked off as it is met.
    form.locator("ul.cog-policy li").nth(4).wait_for()
    expect(form.locator("ul.cog-policy li[data-met='false']")).to_have_count(0)
    check_view(page, "02-sign-up")
    page.keyboard.press("Enter")
    code_field = field(login(page), "Code")
    code_field.wait_for(timeout=30_000)
    check_view(page, "03-confirm")
    # The outbox shows the code with its time and kind; "Use code" fills the field.
    item = page.locator("#outbox li[data-state='valid']").filter(has_text=user).first
    item.wait_for(timeout=30_000)
    assert re.search(r"\d\d:\d\d:\d\d · Sign-up code", str(item.text_content()))
    press(page, item.get_by_role("button"))
    expect(code_field).to_have_value(outbox_code(page, user, "Sign-up code"))
    expect(code_field).to_be_focused()
    page.keyboard.press("Enter")
    # Signed in straight after the confirmation (auto sign-in): no password typed again.
    wait_account(page, user)
    # Focus lands on the account's heading, not on some field further down.
    assert page.evaluate("document.activeElement.textContent") == "Your account"
    check_view(page, "04-account")

    mfa = card(page, "Two-factor authentication")
    press(page, button(mfa, "Set up authenticator app"))
    secret_el = mfa.locator("code.cog-secret")
    secret_el.wait_for()
    qr = mfa.locator("img")
    expect(qr).to_have_js_property("complete", True)
    assert qr.evaluate("img => img.naturalWidth") > 0  # the QR code is drawn, not its alt text
    check_view(page, "05-totp-setup", show=qr)
    secret = str(secret_el.text_content())
    type_in(page, field(mfa, "Code from the app"), "000000")
    page.keyboard.press("Enter")
    assert_result_near(page, field(mfa, "Code from the app"), "EnableSoftwareTokenMFAException")
    type_in(page, field(mfa, "Code from the app"), pyotp.TOTP(secret).now())
    page.keyboard.press("Enter")
    assert_result_near(page, mfa.locator("h2"), "Authenticator app enabled.")
    # No reload: the control shows the new state.
    assert mfa.locator("[aria-pressed='true']").text_content() == "Authenticator app (TOTP)"
    assert "Authenticator app (TOTP)" in str(mfa.locator("p").first.text_content())

    press(page, button(card(page, "Your account"), "Sign out"))
    assert_result_near(page, field(login(page), "Username"), "Signed out.")
    expect(field(login(page), "Username")).to_be_focused()
    sign_in(page, user)
    code = field(login(page), "Code")
    code.wait_for(timeout=30_000)
    check_view(page, "06-totp-challenge")
    type_in(page, code, pyotp.TOTP(secret).now())
    page.keyboard.press("Enter")
    wait_account(page, user)


# ---------------------------------------------------------------- UX points of issue 15


def test_results_show_next_to_their_control_in_view_and_announced(
    portal: Any, emulator: Any, demo_config: dict[str, Any]
) -> None:
    page = portal
    page.set_viewport_size(MOBILE)
    user = make_user(emulator, demo_config, "res")
    sign_in(page, user)
    wait_account(page, user)
    pw = card(page, "Password")
    type_in(page, field(pw, "Current password"), "Wrong-passw0rd!")
    type_in(page, field(pw, "New password"), "N3w-Passw0rd!")
    page.keyboard.press("Enter")
    assert_result_near(page, field(pw, "New password"), "NotAuthorizedException: ")
    type_in(page, field(pw, "Current password"), PASSWORD)
    type_in(page, field(pw, "New password"), "N3w-Passw0rd!")
    page.keyboard.press("Enter")
    assert_result_near(page, field(pw, "New password"), "Password changed.")
    devices = card(page, "Devices")
    press(page, button(devices, "Remember this device"))
    assert_result_near(page, devices.locator("h2"), "This device is remembered.")
    forget = devices.get_by_role("button", name=re.compile("^Forget ")).first
    press(page, forget)
    assert_result_near(page, devices.locator("h2"), "forgotten.")
    delete = card(page, "Delete account")
    type_in(page, field(delete, "Type DELETE to remove your account for good"), "delete")
    page.keyboard.press("Enter")
    msg = assert_result_near(page, delete.locator("h2"), "Type DELETE (in capitals) to confirm.")
    assert live(msg) == "assertive"


def test_devices_are_readable_and_reflow_at_390px(
    portal: Any, emulator: Any, demo_config: dict[str, Any]
) -> None:
    page = portal
    user = make_user(emulator, demo_config, "dev")
    sign_in(page, user)
    wait_account(page, user)
    page.set_viewport_size(MOBILE)
    devices = card(page, "Devices")
    item = devices.locator("li").first
    item.wait_for()
    text = str(item.text_content())
    assert re.search(r"Chrome \d+ on Linux", text), text
    assert "Mozilla/5.0" not in text
    key = page.evaluate("Object.entries(localStorage).find(([k]) => k.endsWith('.deviceKey'))[1]")
    assert f"Key {key.split('_', 1)[1][:8]}" in text and key not in text
    assert "Not remembered · this device" in text
    # Reflows: no horizontal scrolling, and no word of the list is broken across lines.
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    broken = devices.evaluate(
        """root => {
            const out = [];
            const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                for (const m of n.textContent.matchAll(/\\S+/g)) {
                    const r = document.createRange();
                    r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
                    const tops = new Set([...r.getClientRects()].map(b => Math.round(b.top)));
                    if (tops.size > 1) out.push(m[0]);
                }
            }
            return out;
        }"""
    )
    assert broken == []
    check_view(page, "07-devices", show=devices)


def test_password_rules_live_and_stale_errors_cleared(
    portal: Any, emulator: Any, demo_config: dict[str, Any]
) -> None:
    page = portal
    user = make_user(emulator, demo_config, "pol")
    sign_in(page, user)
    wait_account(page, user)
    pw = card(page, "Password")
    rules = pw.locator("ul.cog-policy li")
    assert rules.all_text_contents() == [
        "• At least 8 characters (not met yet)",
        "• A lowercase letter (not met yet)",
        "• An uppercase letter (not met yet)",
        "• A number (not met yet)",
        "• A symbol such as ! or - (not met yet)",
    ]
    new = field(pw, "New password")
    assert new.get_attribute("aria-describedby") == pw.locator("ul.cog-policy").get_attribute("id")
    type_in(page, field(pw, "Current password"), PASSWORD)
    type_in(page, new, "abc")
    pw.locator("li[data-rule='lowercase'][data-met='true']").wait_for()
    assert pw.locator("li[data-met='true']").count() == 1
    page.keyboard.press("Enter")
    assert_result_near(page, new, "InvalidPasswordException")
    tab_to(page, new)
    page.keyboard.type("D3efgh-")  # the symbol last: the final keystroke must count
    # The stale error goes as soon as the field is edited; every rule is now met.
    pw.locator(".cog-msg").filter(has_text="InvalidPasswordException").wait_for(state="detached")
    pw.locator("li[data-rule='symbol'][data-met='true']").wait_for()
    assert pw.locator("li[data-met='false']").count() == 0
    assert new.input_value() == "abcD3efgh-"  # typing was never disturbed by the re-render


def test_focus_after_failed_sign_in(
    portal: Any, emulator: Any, demo_config: dict[str, Any]
) -> None:
    page = portal
    user = make_user(emulator, demo_config, "foc")
    sign_in(page, user, "Not-the-passw0rd")
    message = login(page).locator(".cog-login-message").filter(has_text="NotAuthorizedException")
    message.wait_for(timeout=30_000)
    assert in_viewport(page, message) and live(message)
    # The focus is back in the form, on the password to retype.
    assert page.evaluate("document.activeElement.type") == "password"
    assert page.evaluate("document.activeElement.closest('#portal-login') !== null")


def test_autocomplete_for_password_managers(
    portal: Any, emulator: Any, demo_config: dict[str, Any]
) -> None:
    page = portal
    assert field(login(page), "Username").get_attribute("autocomplete") == "username"
    assert field(login(page), "Password").get_attribute("autocomplete") == "current-password"
    user = make_user(emulator, demo_config, "auto")
    sign_in(page, user)
    wait_account(page, user)
    form = card(page, "Password").locator("form")
    hidden = form.locator("input[autocomplete='username']")
    assert hidden.count() == 1 and hidden.input_value() == user and not hidden.is_visible()
    assert field(form, "Current password").get_attribute("autocomplete") == "current-password"
    assert field(form, "New password").get_attribute("autocomplete") == "new-password"


def test_outbox_marks_superseded_codes_and_is_reachable_from_confirm(
    portal: Any, emulator: Any, demo_config: dict[str, Any]
) -> None:
    page = portal
    user = new_name("box")
    client = demo_config["clientId"]
    emulator.call(
        "SignUp",
        {
            "ClientId": client,
            "Username": user,
            "Password": PASSWORD,
            "UserAttributes": [{"Name": "email", "Value": f"{user}@example.com"}],
        },
    )
    emulator.call("ResendConfirmationCode", {"ClientId": client, "Username": user})
    press(page, login(page).get_by_role("button", name="Confirm an account"))
    items = page.locator("#outbox li").filter(has_text=user)
    items.nth(1).wait_for(timeout=30_000)
    assert items.first.get_attribute("data-state") == "valid"
    assert items.nth(1).get_attribute("data-state") == "superseded"
    assert "superseded" in str(items.nth(1).text_content())
    press(page, items.first.get_by_role("button", name=re.compile("^Use code")))
    form = login(page)
    expect(field(form, "Username")).to_have_value(user)
    expect(field(form, "Code")).to_have_value(emulator.last_code(user, "signup"))
    page.keyboard.press("Enter")
    wait_account(page, user)  # confirmed, and signed in with the confirmation's session


def test_python_ready_counts_from_navigation(portal: Any) -> None:
    page = portal
    text = str(page.locator("#boot-text").text_content())
    match = re.fullmatch(r"Python ready \((\d+) ms\)", text)
    assert match, text
    shown = int(match.group(1))
    mark = page.evaluate("performance.getEntriesByName('sdk-ready')[0].startTime")
    # The number is the time since navigation at which Python was ready, not a worker's own
    # clock (which starts later and would show less than the page waited).
    assert abs(shown - mark) <= 1, (shown, mark)


def test_axe_on_the_challenge_views(
    portal: Any, emulator: Any, demo_config: dict[str, Any]
) -> None:
    """SMS code, MFA choice and new-password challenges pass axe at both sizes."""
    page = portal
    pool = demo_config["userPoolId"]
    user = make_user(emulator, demo_config, "chal", phone_number="+15555550123")
    sign_in(page, user)
    wait_account(page, user)
    mfa = card(page, "Two-factor authentication")
    press(page, button(mfa, "SMS code"))
    assert_result_near(page, mfa.locator("h2"), "Second factor at sign-in: SMS code.")
    press(page, button(card(page, "Your account"), "Sign out"))
    sign_in(page, user)
    sms = field(login(page), "Code")
    sms.wait_for(timeout=30_000)
    check_view(page, "08-sms-challenge")
    type_in(page, sms, outbox_code(page, user, "SMS sign-in code"))
    page.keyboard.press("Enter")
    wait_account(page, user)
    # An authenticator app too, and "ask at sign-in": the next sign-in offers the choice.
    mfa = card(page, "Two-factor authentication")
    press(page, button(mfa, "Set up authenticator app"))
    secret_el = mfa.locator("code.cog-secret")
    secret_el.wait_for()
    type_in(page, field(mfa, "Code from the app"), pyotp.TOTP(str(secret_el.text_content())).now())
    page.keyboard.press("Enter")
    assert_result_near(page, mfa.locator("h2"), "Authenticator app enabled.")
    press(page, button(mfa, "SMS or app: ask at sign-in"))
    assert_result_near(page, mfa.locator("h2"), "ask at sign-in.")
    press(page, button(card(page, "Your account"), "Sign out"))
    sign_in(page, user)
    choice = login(page).locator("select")
    choice.wait_for(timeout=30_000)
    check_view(page, "09-select-mfa")
    fresh = new_name("np")
    emulator.call(
        "AdminCreateUser",
        {
            "UserPoolId": pool,
            "Username": fresh,
            "TemporaryPassword": "Temp-Passw0rd!",
            "MessageAction": "SUPPRESS",
            "UserAttributes": [{"Name": "email", "Value": f"{fresh}@example.com"}],
        },
    )
    page.goto(page.url.split("#")[0])
    page.wait_for_function("document.body.dataset.state === 'ready'", timeout=BOOT_MS)
    sign_in(page, fresh, "Temp-Passw0rd!")
    new = field(login(page), "New password")
    new.wait_for(timeout=30_000)
    check_view(page, "10-new-password")
    rules = login(page).locator("ul.cog-policy")
    assert new.get_attribute("aria-describedby") == rules.get_attribute("id")
    type_in(page, new, "Fresh-Passw0rd!")
    expect(rules.locator("li[data-met='false']")).to_have_count(0)
    page.keyboard.press("Enter")
    wait_account(page, fresh)


def test_axe_on_forgot_password(portal: Any, emulator: Any, demo_config: dict[str, Any]) -> None:
    page = portal
    user = make_user(emulator, demo_config, "fgt")
    press(page, login(page).get_by_role("button", name="Forgot your password?"))
    type_in(page, field(login(page), "Username"), user)
    check_view(page, "11-forgot-password")
    page.keyboard.press("Enter")
    code = field(login(page), "Code")
    code.wait_for(timeout=30_000)
    press(
        page,
        page.locator("#outbox li[data-state='valid']")
        .filter(has_text=user)
        .first.get_by_role("button"),
    )
    expect(code).to_have_value(emulator.last_code(user, "forgot_password"))
    type_in(page, field(login(page), "New password"), "Res3t-Passw0rd!")
    page.keyboard.press("Enter")
    sign_in(page, user, "Res3t-Passw0rd!")
    wait_account(page, user)


def test_axe_on_authenticator_set_up_at_sign_in(
    page: Any, site: Any, emulator: Any, demo_config: dict[str, Any]
) -> None:
    """A pool that requires MFA: the MFA_SETUP challenge with its QR code, at both sizes."""
    pool_id, client_id = emulator.create_pool_and_client({"MfaConfiguration": "ON"})
    site.config({**demo_config, "userPoolId": pool_id, "clientId": client_id})
    page.goto(site.url + "/")
    page.wait_for_function("document.body.dataset.state === 'ready'", timeout=BOOT_MS)
    user = new_name("setup")
    emulator.create_user(pool_id, user, PASSWORD, email=f"{user}@example.com")
    sign_in(page, user)
    secret = login(page).locator("code")
    secret.wait_for(timeout=30_000)
    check_view(page, "12-mfa-setup-challenge")
    type_in(page, field(login(page), "Code"), pyotp.TOTP(str(secret.text_content())).now())
    page.keyboard.press("Enter")
    wait_account(page, user)


def test_the_axe_harness_reports_what_it_should(page: Any, site: Any) -> None:
    """The check above can fail: a field without a label and low contrast are reported."""
    from portal_helpers import axe_violations

    # A blank page: hello.html would keep booting Pyodide behind the replaced content.
    page.goto("about:blank")
    page.set_content(
        "<html lang=en><title>t</title><main><input id=x>"
        "<p style='color:#bbb;background:#fff'>faint</p></main></html>"
    )
    found = axe_violations(page)
    assert any("label" in v for v in found), found
    assert any("color-contrast" in v for v in found), found
