"""Web safety in the real portal: attribute values holding markup render as text, never run."""

from __future__ import annotations

from typing import Any

from test_portal import PASSWORD, attributes, demo_config, new_name, portal, sign_in, wait_account

__all__ = ["demo_config", "portal"]  # fixtures used below

PAYLOADS = {
    "name": '<img src=x onerror="window.__xss = 1">',
    "family_name": "<script>window.__xss = 2</script>",
    "nickname": '"><svg onload="window.__xss = 3">',
    "website": "javascript:window.__xss = 4",
}


def test_attribute_markup_renders_as_text(
    portal: Any, emulator: Any, demo_config: dict[str, Any]
) -> None:
    page = portal
    username = new_name("xss")
    emulator.create_user(
        demo_config["userPoolId"], username, PASSWORD, email=f"{username}@example.com", **PAYLOADS
    )
    sign_in(page, username)
    wait_account(page, username)
    page.wait_for_function(
        "document.querySelectorAll('#account-profile-attributes .cog-row-item').length > 2"
    )
    shown = attributes(page)
    for name, value in PAYLOADS.items():
        assert shown[name] == value  # exactly the text, not parsed
    listing = page.locator("#account-profile-attributes")
    assert listing.locator("img, script, svg").count() == 0
    assert listing.locator("a[href^='javascript']").count() == 0
    page.wait_for_timeout(300)  # an onerror would have fired by now
    assert page.evaluate("window.__xss") is None
