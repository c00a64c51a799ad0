"""Passkeys and the hosted page in real Chromium, keyboard only.

WebAuthn needs a secure context whose relying-party id is a domain, so the page is served as
``http://localhost:PORT`` (never 127.0.0.1). Chromium's virtual authenticator (CDP
``WebAuthn.addVirtualAuthenticator``: CTAP2, internal, resident keys, user verification) stands
in for the person's device; the emulator verifies what it makes with py_webauthn.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

BOOT_TIMEOUT_MS = 120_000
PASSWORD = "Passw0rd!"


def _pool(emulator: Any, page_url: str) -> dict[str, Any]:
    pool_id = emulator.create_pool(
        Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}}
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
        CallbackURLs=[page_url],
        LogoutURLs=[page_url],
    )
    emulator.create_user(pool_id, "alice", PASSWORD, email="alice@example.com")
    return {
        "region": "us-east-1",
        "userPoolId": pool_id,
        "clientId": client_id,
        "endpoint": emulator.endpoint,
        "emulator": True,
        "oauth": {
            "domain": f"{emulator.endpoint}{pool_id}",
            "redirectSignIn": page_url,
            "redirectSignOut": page_url,
        },
    }


def _open(page: Page, static_server: Any, emulator: Any) -> tuple[str, dict[str, Any]]:
    port = urlsplit(str(static_server.url)).port
    page_url = f"http://localhost:{port}/examples/passkeys.html"
    config = _pool(emulator, page_url)
    page.route(
        "**/config.json",
        lambda route: route.fulfill(
            status=200, content_type="application/json", body=json.dumps(config)
        ),
    )
    return page_url, config


def _tab_to(page: Page, selector: str, limit: int = 12) -> None:
    """Press Tab until ``selector`` has the focus (keyboard only, as a person would)."""
    for _ in range(limit):
        if page.evaluate(f"document.activeElement === document.querySelector('{selector}')"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def _virtual_authenticator(page: Page) -> tuple[Any, str]:
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


def test_register_a_passkey_and_sign_in_with_it_keyboard_only(
    page: Page, static_server: Any, emulator: Any
) -> None:
    page_url, _config = _open(page, static_server, emulator)
    cdp, authenticator = _virtual_authenticator(page)
    page.goto(page_url)
    expect(page.locator("body")).to_have_attribute("data-state", "ready", timeout=BOOT_TIMEOUT_MS)
    expect(page.locator("#status")).to_have_text("Ready.")

    _tab_to(page, "#username")
    page.keyboard.type("alice")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Signed in as alice")).to_be_visible()
    expect(page.locator("#passkeys li")).to_have_count(0)

    # Focus is on "Add a passkey": Enter creates one with the (virtual) device.
    expect(page.get_by_role("button", name="Add a passkey")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_have_text("Passkey added.")
    expect(page.locator("#error")).to_have_text("")
    expect(page.locator("#passkeys li")).to_have_count(1)
    expect(page.locator("#passkeys li")).to_have_text("Passkey (localhost)")
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(stored) == 1
    assert stored[0]["rpId"] == "localhost"
    assert stored[0]["isResidentCredential"] is True

    _tab_to(page, "#signout")
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_have_text("Signed out.")
    expect(page.get_by_label("Username")).to_be_focused()

    # Signing in with the passkey: the username, then the passkey button (no password).
    page.keyboard.press("Control+A")
    page.keyboard.type("alice")
    _tab_to(page, "#passkey-signin")
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_have_text("Signed in with your passkey.")
    expect(page.locator("#error")).to_have_text("")
    expect(page.get_by_role("heading", name="Signed in as alice")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_focused()
    used = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert used[0]["signCount"] > stored[0]["signCount"]


def test_sign_in_through_the_hosted_page_keyboard_only(
    page: Page, static_server: Any, emulator: Any
) -> None:
    page_url, config = _open(page, static_server, emulator)
    page.goto(page_url)
    expect(page.locator("body")).to_have_attribute("data-state", "ready", timeout=BOOT_TIMEOUT_MS)
    _tab_to(page, "#hosted")
    page.keyboard.press("Enter")

    # The emulator's hosted page: username has the focus.
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=30_000)
    assert page.url.startswith(config["oauth"]["domain"] + "/oauth2/authorize?")
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type("alice")
    page.keyboard.press("Tab")
    page.keyboard.type("wrong-Passw0rd!")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_have_text("Incorrect username or password.")
    expect(page.get_by_label("Username")).to_have_value("alice")
    expect(page.get_by_label("Password")).to_be_focused()  # the field to correct
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    # Back on the app, signed in, the code gone from the address bar.
    expect(page.locator("body")).to_have_attribute("data-state", "ready", timeout=BOOT_TIMEOUT_MS)
    expect(page.locator("#status")).to_have_text("Signed in on the hosted page.")
    expect(page.get_by_role("heading", name="Signed in as alice")).to_be_visible()
    assert page.url == page_url
    keys = page.evaluate("Object.keys(localStorage)")
    prefix = f"CognitoIdentityServiceProvider.{config['clientId']}"
    assert f"{prefix}.LastAuthUser" in keys
    assert f"{prefix}.alice.idToken" in keys
    assert not [k for k in page.evaluate("Object.keys(sessionStorage)") if ".oauth." in k]
