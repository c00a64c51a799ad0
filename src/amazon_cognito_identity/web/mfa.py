"""The second-factor component: choose SMS, authenticator app, email or SMS and app, and set up
the app.

The state shown always comes from the service (``GetUser``) after each change, so the control
never shows a choice the pool did not record::

    MfaCard("#mfa", pool.get_current_user(), email=True)

``email=True`` offers "Email code" (``EmailMfaSettings``); pass it when the pool sends email
MFA codes (``EmailMfaConfiguration``, Essentials plan and up): the SDK cannot read the pool's
settings, so the page says so (the demo portal's ``config.json`` has ``emailMfa``).
"""

from __future__ import annotations

import importlib
from typing import Any

from ..user import CognitoUser
from .card import Card
from .component import Event, Node, Page, h
from .mfa_state import MfaState
from .totp import totp_uri

__all__ = ["MfaCard", "qr_data_uri"]


def qr_data_uri(text: str) -> str | None:
    """A ``data:image/svg+xml`` QR code of ``text``, or None when segno is not installed."""
    try:
        segno = importlib.import_module("segno")
    except ModuleNotFoundError:
        return None
    return str(segno.make(text, error="m", micro=False).svg_data_uri(scale=4, border=4))


class MfaCard(Card):
    """Second factor at sign-in (off, SMS, app, email, or ask) and authenticator app set-up.

    Args:
        mount / user / page: as for :class:`~.card.Card`.
        issuer: the name authenticator apps show next to the code.
        email: offer email codes as a second factor.
    """

    title = "Two-factor authentication"

    def __init__(
        self,
        mount: str,
        user: CognitoUser,
        *,
        page: Page | None = None,
        issuer: str = "Cognito demo",
        email: bool = False,
    ) -> None:
        super().__init__(mount, user, page=page)
        self.state: MfaState | None = None
        self.setup: dict[str, Any] | None = None
        self.issuer = issuer
        self.email = email

    async def load(self) -> None:
        """Read the state from GetUser (never from the cache) and render it."""
        data = await self.user.get_user_data(bypass_cache=True)
        self.state = MfaState.from_user_data(data)
        self.refresh()

    def view(self) -> list[Node]:
        """State line, choice buttons, set-up button or the set-up form."""
        p = self.prefix
        label = self.state.label if self.state else "…"
        choice = self.state.choice if self.state else None
        buttons = [
            h(
                "button",
                {
                    "type": "button",
                    "class": "choice",
                    "name": f"mfa:{value}",
                    "aria-pressed": "true" if value == choice else "false",
                    "disabled": self.busy,
                },
                text,
                on={"click": "choose"},
            )
            for value, text in MfaState.choices(self.email)
        ]
        parts: list[Any] = [
            h(
                "p",
                {"id": f"{p}-state"},
                "Second factor at sign-in: ",
                h("strong", {"id": f"{p}-current"}, label),
            ),
            h(
                "div",
                {"class": "cog-actions", "role": "group", "aria-label": "Second factor at sign-in"},
                buttons,
            ),
        ]
        if self.setup is None:
            parts.append(
                h(
                    "button",
                    {
                        "type": "button",
                        "class": "secondary",
                        "id": f"{p}-totp-start",
                        "disabled": self.busy,
                    },
                    "Set up authenticator app",
                    on={"click": "start_totp"},
                )
            )
        else:
            parts.append(self._setup_form())
        return self.frame(*parts)

    def _setup_form(self) -> Node:
        p = self.prefix
        setup = self.setup or {}
        qr = setup.get("qr")
        return h(
            "form",
            {"id": f"{p}-totp", "aria-label": "Set up an authenticator app"},
            h("p", {}, "Scan this code with your authenticator app:"),
            h(
                "img",
                {
                    "id": f"{p}-qr",
                    "src": qr,
                    "width": "200",
                    "height": "200",
                    "alt": "QR code for your authenticator app",
                },
            )
            if qr
            else None,
            h(
                "p",
                {},
                "Or type this key into it: ",
                h("code", {"id": f"{p}-secret", "class": "cog-secret"}, setup.get("secret", "")),
            ),
            h("label", {"for": f"{p}-code"}, "Code from the app"),
            h(
                "input",
                {
                    "id": f"{p}-code",
                    "name": "code",
                    "inputmode": "numeric",
                    "autocomplete": "one-time-code",
                    "required": True,
                },
            ),
            h("label", {"for": f"{p}-device"}, "Name of this authenticator (optional)"),
            h("input", {"id": f"{p}-device", "name": "device_name", "autocomplete": "off"}),
            h(
                "div",
                {"class": "cog-actions"},
                h("button", {"type": "submit", "disabled": self.busy}, "Verify and enable"),
                h(
                    "button",
                    {"type": "button", "class": "secondary", "disabled": self.busy},
                    "Cancel",
                    on={"click": "cancel_totp"},
                ),
            ),
            on={"submit": "verify_totp"},
        )

    async def do_choose(self, event: Event) -> None:
        """SetUserMFAPreference for the pressed choice, then the state as the pool has it."""
        choice = (event.target or "").removeprefix("mfa:")
        sms, totp = MfaState.settings_for(choice)
        email = MfaState.email_settings_for(choice) if self.email else None

        async def choose() -> str:
            await self.user.set_user_mfa_preference(sms, totp, email_mfa_settings=email)
            await self.load()
            return self.state.label if self.state else ""

        await self.act(
            "Saving…",
            choose,
            lambda label: f"Second factor at sign-in: {label}.",
            focus=f"[name='mfa:{choice}']",
        )

    async def do_start_totp(self, event: Event) -> None:
        """AssociateSoftwareToken: show the key and its QR code."""

        async def start() -> None:
            secret = await self.user.associate_software_token()
            uri = totp_uri(secret, self.user.get_username(), self.issuer)
            self.setup = {"secret": secret, "uri": uri, "qr": qr_data_uri(uri)}

        await self.act(
            "Preparing…",
            start,
            "Scan the code, then type the code the app shows.",
            focus=f"#{self.prefix}-code",
        )

    def do_cancel_totp(self, event: Event) -> None:
        """Close the set-up form."""
        self.setup = None
        self.say("")
        self.refresh(focus=f"#{self.prefix}-totp-start")

    async def do_verify_totp(self, event: Event) -> None:
        """VerifySoftwareToken, make the app the preferred factor, re-read the state."""

        async def verify() -> None:
            await self.user.verify_software_token(
                event.value("code"), event.value("device_name") or "Authenticator"
            )
            await self.user.set_user_mfa_preference(None, {"Enabled": True, "PreferredMfa": True})
            self.setup = None
            await self.load()

        await self.act(
            "Verifying…", verify, "Authenticator app enabled.", focus=f"#{self.prefix}-current"
        )
