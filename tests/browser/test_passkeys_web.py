"""Passkeys and the hosted page in the drop-in components, whose Python runs in a Web Worker:
the portal (register, sign out, sign in with the passkey, delete with a confirmation) and the
kit's Authenticator ("Continue with the hosted page", then a passkey), in real Chromium.

WebAuthn runs on the page's main thread for the worker (``web/portal/rpc.js`` MAIN_OPS), so
these are the tests of that bridge too. Pages are served as ``http://localhost:PORT`` (a
relying-party id must be a domain); Chromium's virtual authenticator (CDP) is the person's
device. Keyboard first; assertions on what a person sees (text next to the control, in view,
announced; where the focus is) and axe on the new views.
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import test_kit
from playwright.sync_api import expect
from portal_helpers import (
    BOOT_MS,
    assert_result_near,
    button,
    check_view,
    field,
    press,
    tab_to,
    type_in,
)

PASSWORD = "Corr3ct-Horse!"
# The kit folder (`build.py kit` output) and its plain http.server, shared with test_kit.
kit_pool, kit_root, plain_server = test_kit.kit_pool, test_kit.kit_root, test_kit.plain_server


def passkey_pool(emulator: Any, callbacks: list[str]) -> dict[str, Any]:
    """A pool allowing PASSWORD and WEB_AUTHN first (RP id localhost, UV required) and a web
    client with USER_AUTH and the hosted UI (code flow) back to ``callbacks``."""
    pool_id = emulator.create_pool(
        f"keys-{secrets.token_hex(2)}",
        Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}},
    )
    emulator.call(
        "SetUserPoolMfaConfig",
        {
            "UserPoolId": pool_id,
            "WebAuthnConfiguration": {
                "RelyingPartyId": "localhost",
                "UserVerification": "required",
            },
        },
    )
    client_id = emulator.create_client(
        pool_id,
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH"],
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email", "aws.cognito.signin.user.admin"],
        CallbackURLs=callbacks,
        LogoutURLs=callbacks,
    )
    return {
        "region": "us-east-1",
        "userPoolId": pool_id,
        "clientId": client_id,
        "endpoint": emulator.endpoint,
        "emulator": True,
        "passkeys": True,
        "oauth": {
            "domain": f"{emulator.endpoint}{pool_id}",
            "redirectSignIn": callbacks[0],
            "redirectSignOut": callbacks[0],
            "scopes": ["openid", "email", "aws.cognito.signin.user.admin"],
        },
    }


def virtual_authenticator(page: Any) -> tuple[Any, str]:
    """Chromium's virtual authenticator on ``page``: a platform one, with user verification."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp, str(added["authenticatorId"])


def credentials(cdp: Any, authenticator: str) -> list[dict[str, Any]]:
    return list(
        cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    )


def register_elsewhere(emulator: Any, config: dict[str, Any], user: str) -> None:
    """A passkey registered from another device (a software authenticator, origin localhost)."""
    from emulator.soft_authenticator import SoftAuthenticator

    tokens = emulator.call(
        "InitiateAuth",
        {
            "ClientId": config["clientId"],
            "AuthFlow": "USER_AUTH",
            "AuthParameters": {
                "USERNAME": user,
                "PASSWORD": PASSWORD,
                "PREFERRED_CHALLENGE": "PASSWORD",
            },
        },
    )["AuthenticationResult"]
    access = {"AccessToken": tokens["AccessToken"]}
    options = emulator.call("StartWebAuthnRegistration", access)["CredentialCreationOptions"]
    credential = SoftAuthenticator().create(options)
    emulator.call("CompleteWebAuthnRegistration", {**access, "Credential": credential})


def today() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime())


# ----------------------------------------------------------------------------- the portal


@pytest.fixture
def portal(page: Any, static_server: Any, emulator: Any, fastboot_fresh: Path) -> Any:
    port = urlsplit(str(static_server.url)).port
    url = f"http://localhost:{port}/"
    config = passkey_pool(emulator, [url])
    page.route(
        "**/config.json",
        lambda route: route.fulfill(
            status=200, content_type="application/json", body=json.dumps(config)
        ),
    )
    page.set_viewport_size({"width": 1280, "height": 800})
    cdp, authenticator = virtual_authenticator(page)
    page.goto(url)
    page.wait_for_function("document.body.dataset.state === 'ready'", timeout=BOOT_MS)
    return page, config, cdp, authenticator


def login(page: Any) -> Any:
    return page.locator("#portal-login")


def passkeys_card(page: Any) -> Any:
    return page.locator("#account-passkeys")


def sign_in_with_password(page: Any, username: str) -> None:
    type_in(page, field(login(page), "Username"), username)
    type_in(page, field(login(page), "Password"), PASSWORD)
    page.keyboard.press("Enter")
    page.locator("#account-session-username").filter(has_text=username).wait_for(timeout=30_000)


def sign_out(page: Any) -> None:
    press(page, button(page.locator("#account-session"), "Sign out"))
    expect(login(page)).to_be_visible(timeout=30_000)
    expect(login(page).locator(".cog-login-message")).to_have_text("Signed out.")


def sign_in_with_passkey(page: Any, username: str) -> None:
    type_in(page, field(login(page), "Username"), username)
    press(page, button(login(page), "Sign in with a passkey"))


@pytest.mark.allow_console_errors(r"status of 400 \(Bad Request\)")
def test_portal_register_sign_in_with_and_delete_a_passkey(portal: Any, emulator: Any) -> None:
    page, config, cdp, authenticator = portal
    user = f"key-{secrets.token_hex(3)}"
    emulator.create_user(config["userPoolId"], user, PASSWORD, email=f"{user}@example.com")
    # The sign-in view offers both ways in, inside the tab order.
    tab_to(page, button(login(page), "Sign in with a passkey"))
    tab_to(page, button(login(page), "Continue with the hosted page"))
    check_view(page, "passkeys-01-sign-in")

    sign_in_with_password(page, user)
    card = passkeys_card(page)
    expect(card.get_by_role("heading", name="Passkeys")).to_be_visible()
    expect(card.locator("#account-passkeys-list")).to_have_text("No passkeys yet.")

    add = button(card, "Add a passkey")
    press(page, add)
    assert_result_near(page, add, "Passkey added.")
    expect(add).to_be_focused()
    rows = card.locator("li.cog-passkey")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Passkey")
    expect(rows.first).to_contain_text(f"Added {today()}")
    stored = credentials(cdp, authenticator)
    assert len(stored) == 1 and stored[0]["rpId"] == "localhost"
    listed = emulator.call(
        "ListWebAuthnCredentials",
        {"AccessToken": page.evaluate(
            "k => localStorage.getItem(k)",
            f"CognitoIdentityServiceProvider.{config['clientId']}.{user}.accessToken",
        )},
    )["Credentials"]  # fmt: skip
    assert len(listed) == 1
    check_view(page, "passkeys-02-card", card)

    # Sign out, then in with the passkey alone: the username, then the passkey button.
    sign_out(page)
    sign_in_with_passkey(page, user)
    page.locator("#account-session-username").filter(has_text=user).wait_for(timeout=30_000)
    expect(page.locator("#status")).to_have_text(f"Signed in as {user}.")
    assert credentials(cdp, authenticator)[0]["signCount"] > stored[0]["signCount"]

    # Delete asks first, in place; "Keep it" (focused) keeps it and the focus goes back.
    delete = card.get_by_role("button", name=f"Delete Passkey, added {today()}")
    press(page, delete)
    question = card.get_by_role("group", name=f"Delete Passkey, added {today()}?")
    expect(question).to_be_visible()
    expect(button(card, "Keep it")).to_be_focused()
    page.keyboard.press("Enter")
    expect(delete).to_be_focused()
    expect(rows).to_have_count(1)
    page.keyboard.press("Enter")
    press(page, button(card, "Yes, delete it"))
    assert_result_near(page, add, "Passkey deleted.")
    expect(card.locator("#account-passkeys-list")).to_have_text("No passkeys yet.")
    expect(add).to_be_focused()
    assert emulator.call("AdminGetUser", {"UserPoolId": config["userPoolId"], "Username": user})

    # Without a passkey the pool offers what is left (USER_AUTH's SELECT_CHALLENGE): the
    # password, asked in the same form.
    sign_out(page)
    sign_in_with_passkey(page, user)
    choice = field(login(page), "Sign in with")
    expect(choice).to_be_visible(timeout=30_000)
    expect(choice.locator("option")).to_have_text(["Password"])
    type_in(page, field(login(page), "Password"), PASSWORD)
    page.keyboard.press("Enter")
    page.locator("#account-session-username").filter(has_text=user).wait_for(timeout=30_000)


def test_portal_passkey_prompt_refused_is_shown_next_to_the_button(
    portal: Any, emulator: Any
) -> None:
    page, config, cdp, authenticator = portal
    user = f"key-{secrets.token_hex(3)}"
    emulator.create_user(config["userPoolId"], user, PASSWORD, email=f"{user}@example.com")
    sign_in_with_password(page, user)
    # The person does not verify (no fingerprint): the browser reports NotAllowedError.
    cdp.send(
        "WebAuthn.setUserVerified", {"authenticatorId": authenticator, "isUserVerified": False}
    )
    add = button(passkeys_card(page), "Add a passkey")
    press(page, add)
    message = assert_result_near(
        page,
        add,
        "NotAllowedError: No passkey was added: the prompt was closed or timed out.",
    )
    assert message.get_attribute("role") == "alert"
    expect(passkeys_card(page).locator("#account-passkeys-list")).to_have_text("No passkeys yet.")
    expect(add).to_be_focused()
    assert credentials(cdp, authenticator) == []


# ----------------------------------------------------------------------------- the kit

KIT_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Sign in</title>
  <link rel="stylesheet" href="cognito-auth.css">
  <script type="module" src="cognito-auth.js"></script>
</head>
<body>
  <main>
    <div id="login" class="cog-auth"></div>
    <section id="passkeys" aria-label="Your passkeys"></section>
  </main>
  <script type="py-auth">
from amazon_cognito_identity import CognitoUserPool, OAuthConfig
from amazon_cognito_identity.web import Authenticator
from amazon_cognito_identity.web.passkeys_card import PasskeysCard

CONFIG = %(config)r
pool = CognitoUserPool(
    user_pool_id=CONFIG["userPoolId"], client_id=CONFIG["clientId"], endpoint=CONFIG["endpoint"]
)
oauth = CONFIG["oauth"]


async def signed_in(user, session):
    await PasskeysCard("#passkeys", user).show()


Authenticator(
    pool,
    "#login",
    on_signed_in=signed_in,
    passkeys=True,
    hosted_ui=OAuthConfig(oauth["domain"], oauth["redirectSignIn"], scopes=tuple(oauth["scopes"])),
)
  </script>
</body>
</html>
"""


def kit_page(kit_root: Path, origin: str, emulator: Any) -> tuple[str, dict[str, Any]]:
    name = f"keys-{secrets.token_hex(3)}.html"
    url = f"{origin}/site/auth/{name}"
    # Cognito takes http callback URLs only for localhost.
    config = passkey_pool(emulator, [url.replace("//127.0.0.1:", "//localhost:")])
    (kit_root / "site" / "auth" / name).write_text(KIT_PAGE % {"config": config})
    return url, config


def test_kit_hosted_page_then_a_passkey(
    page: Any, kit_root: Path, plain_server: str, emulator: Any
) -> None:
    port = urlsplit(plain_server).port
    url, config = kit_page(kit_root, f"http://localhost:{port}", emulator)
    user = f"kit-{secrets.token_hex(3)}"
    emulator.create_user(config["userPoolId"], user, PASSWORD, email=f"{user}@example.com")
    cdp, authenticator = virtual_authenticator(page)
    page.goto(url)
    login = page.locator("#login")
    hosted = button(login, "Continue with the hosted page")
    hosted.wait_for(timeout=BOOT_MS)
    check_view(page, "kit-passkeys-sign-in")
    press(page, hosted)

    # The emulator's hosted page (the kit page has a "Sign in" heading too: wait for the
    # address first), then back on the kit page, signed in.
    page.wait_for_url(config["oauth"]["domain"] + "/oauth2/authorize?**", timeout=30_000)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type(user)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    done = page.locator(".cog-login-done")
    expect(done).to_have_text(f"Signed in as {user}.", timeout=BOOT_MS)
    expect(button(login, "Sign out")).to_be_focused()
    assert page.url == url  # code and state gone from the address bar
    prefix = f"CognitoIdentityServiceProvider.{config['clientId']}"
    keys = page.evaluate("Object.keys(localStorage)")
    assert f"{prefix}.LastAuthUser" in keys and f"{prefix}.{user}.idToken" in keys
    assert f"{prefix}.{user}.refreshToken" in keys
    assert not [k for k in page.evaluate("Object.keys(sessionStorage)") if ".oauth." in k]

    # A reload is no second callback: the stored session is recognised.
    page.reload()
    expect(done).to_have_text(f"Signed in as {user}.", timeout=BOOT_MS)

    # The passkeys card on the kit page: add one, sign out, sign in with it.
    card = page.locator("#passkeys")
    add = button(card, "Add a passkey")
    press(page, add)
    expect(card.locator(".cog-msg")).to_have_text("Passkey added.", timeout=30_000)
    assert len(credentials(cdp, authenticator)) == 1
    press(page, button(login, "Sign out"))
    username = field(login, "Username")
    expect(username).to_be_visible(timeout=30_000)
    type_in(page, username, user)
    press(page, button(login, "Sign in with a passkey"))
    expect(done).to_have_text(f"Signed in as {user}.", timeout=30_000)
    assert page.evaluate("k => localStorage.getItem(k)", f"{prefix}.LastAuthUser") == user


@pytest.mark.allow_console_errors(r"status of 400 \(Bad Request\)")
def test_kit_passkey_needs_a_username_and_a_matching_origin(
    page: Any, kit_root: Path, plain_server: str, emulator: Any
) -> None:
    # Served from 127.0.0.1: the pool's relying party is "localhost", which this origin cannot
    # use; the browser refuses and the form says so.
    url, config = kit_page(kit_root, plain_server, emulator)
    user = f"kit-{secrets.token_hex(3)}"
    emulator.create_user(config["userPoolId"], user, PASSWORD, email=f"{user}@example.com")
    register_elsewhere(emulator, config, user)
    virtual_authenticator(page)
    page.goto(url)
    login = page.locator("#login")
    passkey = button(login, "Sign in with a passkey")
    passkey.wait_for(timeout=BOOT_MS)
    press(page, passkey)
    message = login.locator(".cog-login-message")
    expect(message).to_have_text("Enter your username, then choose Sign in with a passkey.")
    expect(field(login, "Username")).to_be_focused()
    page.keyboard.type(user)
    press(page, passkey)
    expect(message).to_have_attribute("data-kind", "error", timeout=30_000)
    expect(message).to_contain_text("Passkeys cannot be used here: ")
    expect(message).to_have_attribute("role", "alert")
