"""Account components: what a signed-in user manages, each usable alone on a page.

Every component is a :class:`~.component.Component`: it renders into its own element, runs off
the main thread inside the kit's worker (or on the main thread under PyScript), and shows the
result of an action next to the control that produced it, in an ``aria-live`` region::

    user = pool.get_current_user()
    ProfileCard("#profile", user)
    PasswordCard("#password", user, policy=PasswordPolicy.from_config(config["passwordPolicy"]))
    DevicesCard("#devices", user)
    SessionCard("#session", user, on_signed_out=lambda text: ...)
    DeleteAccountCard("#delete", user, on_deleted=lambda text: ...)

:mod:`.mfa` adds :class:`~.mfa.MfaCard` (second factor and authenticator set-up) and
:mod:`.devices` :class:`~.devices.DevicesCard`;
:class:`AccountView` puts them all on one page, as the demo portal does.
"""

from __future__ import annotations

from typing import Any

from ..errors import InvalidParameterError
from ..user import CognitoUser
from .card import Card, Notify, notify, policy_list
from .component import Event, Node, Page, h
from .password_policy import PasswordPolicy
from .totp import qr_matrix, totp_uri

__all__ = [
    "AccountView",
    "DeleteAccountCard",
    "PasswordCard",
    "ProfileCard",
    "SessionCard",
    "qr_matrix",
    "totp_uri",
]


class ProfileCard(Card):
    """The user's attributes: list, save, delete, and verify with a code."""

    title = "Profile"

    def __init__(
        self,
        mount: str,
        user: CognitoUser,
        *,
        page: Page | None = None,
        on_code_sent: Notify | None = None,
    ) -> None:
        super().__init__(mount, user, page=page)
        self.attributes: list[tuple[str, str]] = []
        self.verifying: str | None = None
        self.on_code_sent = on_code_sent

    async def load(self) -> None:
        """Fetch the attributes (GetUser) and render them."""
        attrs = await self.user.get_user_attributes()
        self.attributes = [(a.get_name(), a.get_value()) for a in attrs]
        self.refresh()

    def view(self) -> list[Node]:
        """The attribute list and the edit and verify forms."""
        p = self.prefix
        rows = [
            h("div", {"class": "cog-row-item"}, h("dt", {}, name), h("dd", {}, value))
            for name, value in self.attributes
        ]
        edit = h(
            "form",
            {"id": f"{p}-edit", "aria-label": "Edit an attribute"},
            h("label", {"for": f"{p}-name"}, "Attribute"),
            h(
                "input",
                {
                    "id": f"{p}-name",
                    "name": "attr_name",
                    "required": True,
                    "autocomplete": "off",
                    "placeholder": "name, email, custom:team",
                },
            ),
            h("label", {"for": f"{p}-value"}, "Value"),
            h("input", {"id": f"{p}-value", "name": "attr_value", "autocomplete": "off"}),
            h(
                "div",
                {"class": "cog-actions"},
                h("button", {"type": "submit", "disabled": self.busy}, "Save"),
                h(
                    "button",
                    {
                        "type": "button",
                        "class": "secondary",
                        "disabled": self.busy,
                        "id": f"{p}-delete",
                    },
                    "Delete",
                    on={"click": "delete"},
                ),
                h(
                    "button",
                    {
                        "type": "button",
                        "class": "secondary",
                        "disabled": self.busy,
                        "id": f"{p}-send",
                    },
                    "Send verification code",
                    on={"click": "send_code"},
                ),
            ),
            on={"submit": "save"},
        )
        verify = None
        if self.verifying:
            verify = h(
                "form",
                {"id": f"{p}-verify", "aria-label": f"Verify {self.verifying}"},
                h("label", {"for": f"{p}-code"}, f"Code sent for {self.verifying}"),
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
                h("button", {"type": "submit", "disabled": self.busy}, "Verify"),
                on={"submit": "verify"},
            )
        listing = h("dl", {"id": f"{p}-attributes", "class": "cog-pairs"}, rows)
        return self.frame(listing, edit, verify)

    def _name(self, event: Event) -> str:
        name = event.value("attr_name")
        if not name:
            raise InvalidParameterError("Enter an attribute name.")
        return name

    async def do_save(self, event: Event) -> None:
        """UpdateUserAttributes with the typed name and value."""

        async def save() -> str:
            name = self._name(event)
            await self.user.update_attributes({name: event.value("attr_value")})
            await self.load()
            return name

        await self.act("Saving…", save, lambda name: f"Attribute {name} saved.")

    async def do_delete(self, event: Event) -> None:
        """DeleteUserAttributes for the typed name."""

        async def delete() -> str:
            name = self._name(event)
            await self.user.delete_attributes([name])
            await self.load()
            return name

        await self.act("Deleting…", delete, lambda name: f"Attribute {name} deleted.")

    async def do_send_code(self, event: Event) -> None:
        """GetUserAttributeVerificationCode, then offer the code field."""

        async def send() -> str:
            name = self._name(event)
            await self.user.get_attribute_verification_code(name)
            self.verifying = name
            await notify(self.on_code_sent, self.user.get_username())
            return name

        await self.act(
            "Sending…",
            send,
            lambda name: f"A code for {name} was sent.",
            focus=f"#{self.prefix}-code",
        )

    async def do_verify(self, event: Event) -> None:
        """VerifyUserAttribute with the typed code."""
        name = self.verifying or ""

        async def verify() -> None:
            await self.user.verify_attribute(name, event.value("code"))
            self.verifying = None
            await self.load()

        await self.act("Verifying…", verify, f"{name} verified.")


class PasswordCard(Card):
    """Change password, with the pool's rules ticked off live and a username for managers."""

    title = "Password"

    def __init__(
        self,
        mount: str,
        user: CognitoUser,
        *,
        page: Page | None = None,
        policy: PasswordPolicy | None = None,
    ) -> None:
        super().__init__(mount, user, page=page)
        self.policy = policy or PasswordPolicy()
        self.typed = ""

    def view(self) -> list[Node]:
        """The change-password form."""
        p = self.prefix
        form = h(
            "form",
            {"id": f"{p}-form", "aria-label": "Change password"},
            # Password managers pair the new password with this (hidden) username.
            h(
                "input",
                {
                    "type": "text",
                    "name": "username",
                    "autocomplete": "username",
                    "value": self.user.get_username(),
                    "hidden": True,
                    "readonly": True,
                    "aria-hidden": "true",
                    "tabindex": "-1",
                },
            ),
            h("label", {"for": f"{p}-old"}, "Current password"),
            h(
                "input",
                {
                    "id": f"{p}-old",
                    "name": "old_password",
                    "type": "password",
                    "autocomplete": "current-password",
                    "required": True,
                },
            ),
            h("label", {"for": f"{p}-new"}, "New password"),
            h(
                "input",
                {
                    "id": f"{p}-new",
                    "name": "new_password",
                    "type": "password",
                    "autocomplete": "new-password",
                    "required": True,
                    "aria-describedby": f"{p}-rules",
                },
            ),
            policy_list(f"{p}-rules", self.policy, self.typed),
            h("button", {"type": "submit", "disabled": self.busy}, "Change password"),
            on={"submit": "change", "input": "typed"},
        )
        return self.frame(form)

    def do_typed(self, event: Event) -> None:
        """Live rule feedback; a result of an earlier try goes once the field is edited."""
        self.typed = event.value("new_password")
        if self.message and self.message[0] != "busy":
            self.message = None
        self.refresh()

    async def do_change(self, event: Event) -> None:
        """ChangePassword; the fields are cleared when it worked."""

        async def change() -> None:
            await self.user.change_password(
                event.value("old_password"), event.value("new_password")
            )

        if await self.act("Changing…", change, "Password changed."):
            self.typed = ""
            self.page.render(self.mount, self._cleared(), focus=None)

    def _cleared(self) -> list[Node]:
        nodes = self.view()
        for node in _walk(nodes):
            if node.get("tag") == "input" and node.get("attrs", {}).get("type") == "password":
                node["attrs"]["value"] = ""
        return nodes


def _walk(nodes: list[Node]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for node in nodes:
        if isinstance(node, dict):
            out.append(node)
            out.extend(_walk(node.get("children", [])))
    return out


class SessionCard(Card):
    """Who is signed in; sign out here, or everywhere (every refresh token revoked)."""

    title = "Your account"

    def __init__(
        self,
        mount: str,
        user: CognitoUser,
        *,
        page: Page | None = None,
        on_signed_out: Notify | None = None,
    ) -> None:
        super().__init__(mount, user, page=page)
        self.on_signed_out = on_signed_out

    def view(self) -> list[Node]:
        """The two sign-out buttons."""
        return self.frame(
            h(
                "p",
                {},
                "Signed in as ",
                h("strong", {"id": f"{self.prefix}-username"}, self.user.get_username()),
            ),
            h(
                "div",
                {"class": "cog-actions"},
                h(
                    "button",
                    {"type": "button", "id": f"{self.prefix}-sign-out", "disabled": self.busy},
                    "Sign out",
                    on={"click": "sign_out"},
                ),
                h(
                    "button",
                    {
                        "type": "button",
                        "class": "secondary",
                        "disabled": self.busy,
                        "id": f"{self.prefix}-global",
                    },
                    "Sign out everywhere",
                    on={"click": "global_sign_out"},
                ),
            ),
        )

    async def do_sign_out(self, event: Event) -> None:
        """Sign out on this device (tokens revoked, storage cleared)."""
        if await self.act("Signing out…", self.user.sign_out, "Signed out."):
            await notify(self.on_signed_out, "Signed out.")

    async def do_global_sign_out(self, event: Event) -> None:
        """GlobalSignOut, then forget the session here."""

        async def everywhere() -> None:
            await self.user.global_sign_out()

        if await self.act("Signing out…", everywhere, "Signed out on every device."):
            await notify(self.on_signed_out, "Signed out on every device.")


class DeleteAccountCard(Card):
    """Delete the account, after the user types DELETE."""

    title = "Delete account"

    def __init__(
        self,
        mount: str,
        user: CognitoUser,
        *,
        page: Page | None = None,
        on_deleted: Notify | None = None,
    ) -> None:
        super().__init__(mount, user, page=page)
        self.on_deleted = on_deleted

    def view(self) -> list[Node]:
        """The confirmation form."""
        p = self.prefix
        return self.frame(
            h(
                "form",
                {"id": f"{p}-form", "aria-label": "Delete account"},
                h("label", {"for": f"{p}-confirm"}, "Type DELETE to remove your account for good"),
                h(
                    "input",
                    {
                        "id": f"{p}-confirm",
                        "name": "confirm",
                        "autocomplete": "off",
                        "required": True,
                    },
                ),
                h(
                    "button",
                    {"type": "submit", "class": "danger", "disabled": self.busy},
                    "Delete my account",
                ),
                on={"submit": "delete"},
            ),
        )

    async def do_delete(self, event: Event) -> None:
        """DeleteUser when the confirmation reads DELETE."""
        if event.value("confirm") != "DELETE":
            self.say("Type DELETE (in capitals) to confirm.", "error")
            self.refresh(focus=f"#{self.prefix}-confirm")
            return
        if await self.act("Deleting…", self.user.delete_user, "Account deleted."):
            await notify(self.on_deleted, "Account deleted.")


class AccountView:
    """Every account component on one page, each in its own element under ``mount``.

    ``mount`` must hold elements with the ids ``account-profile``, ``account-password``,
    ``account-mfa``, ``account-devices``, ``account-session`` and ``account-delete``
    (the demo portal's index.html has them). ``email_mfa``: the MFA card offers email codes.
    With ``passkeys=True`` (the pool allows ``WEB_AUTHN``) also ``account-passkeys``, for
    :class:`~.passkeys_card.PasskeysCard`.
    """

    MOUNTS = ("profile", "password", "mfa", "devices", "session", "delete")

    def __init__(
        self,
        user: CognitoUser,
        *,
        page: Page | None = None,
        policy: PasswordPolicy | None = None,
        on_signed_out: Notify | None = None,
        on_code_sent: Notify | None = None,
        email_mfa: bool = False,
        passkeys: bool = False,
    ) -> None:
        from .devices import DevicesCard
        from .mfa import MfaCard
        from .passkeys_card import PasskeysCard

        self.user = user
        ids = {name: f"#account-{name}" for name in self.MOUNTS}
        self.profile = ProfileCard(ids["profile"], user, page=page, on_code_sent=on_code_sent)
        self.password = PasswordCard(ids["password"], user, page=page, policy=policy)
        self.mfa = MfaCard(ids["mfa"], user, page=page, email=email_mfa)
        self.devices = DevicesCard(ids["devices"], user, page=page)
        self.session = SessionCard(ids["session"], user, page=page, on_signed_out=on_signed_out)
        self.delete = DeleteAccountCard(ids["delete"], user, page=page, on_deleted=on_signed_out)
        self.passkeys = PasskeysCard("#account-passkeys", user, page=page) if passkeys else None
        self.cards: tuple[Card, ...] = (
            self.session,
            self.profile,
            self.password,
            self.mfa,
            *((self.passkeys,) if self.passkeys else ()),
            self.devices,
            self.delete,
        )

    async def show(self) -> None:
        """Render every card, focus "Your account", then load what comes from the service."""
        await self.session.show(focus=f"#{self.session.prefix}-title")
        others = [card for card in self.cards if card is not self.session]
        for card in others:  # all there at once (to read, to Tab to), before any service call
            card.refresh()
        for card in others:
            await card.show()
