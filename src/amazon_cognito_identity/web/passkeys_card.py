"""The passkeys component: the user's passkeys (name, date added), add one, delete one.

::

    PasskeysCard("#passkeys", pool.get_current_user())

For a pool whose sign-in policy allows ``WEB_AUTHN``. "Add a passkey" runs the browser's
passkey prompt on the page's main thread (:func:`~.browser_calls.page_authenticator`, also from
the kit's worker); "Delete" asks first, in place, and the focus follows what the person does.
"""

from __future__ import annotations

import time

from ..errors import InvalidParameterError, PasskeyCancelledError
from ..passkeys import (
    WebAuthnCredential,
    associate_web_authn_credential,
    delete_web_authn_credential,
    list_web_authn_credentials,
)
from ..user import CognitoUser
from .browser_calls import page_authenticator
from .card import Card
from .component import Event, Node, Page, h

__all__ = ["PasskeysCard", "added_on", "passkey_name"]


def passkey_name(credential: WebAuthnCredential) -> str:
    """The name a person knows the passkey by (its friendly name, else "Passkey")."""
    return credential.friendly_name or "Passkey"


def added_on(credential: WebAuthnCredential) -> str:
    """The day it was registered, ``2026-11-29`` (UTC); "" when the service gave none."""
    if credential.created_at <= 0:
        return ""
    return time.strftime("%Y-%m-%d", time.gmtime(credential.created_at))


class PasskeysCard(Card):
    """List, add and delete the signed-in user's passkeys."""

    title = "Passkeys"

    def __init__(self, mount: str, user: CognitoUser, *, page: Page | None = None) -> None:
        super().__init__(mount, user, page=page)
        self.passkeys: list[WebAuthnCredential] = []
        self.confirming: str | None = None  # credential id whose deletion waits for a yes

    async def load(self) -> None:
        """ListWebAuthnCredentials and render them."""
        self.passkeys = await list_web_authn_credentials(self.user)
        self.refresh()

    def _row(self, index: int, key: WebAuthnCredential) -> Node:
        name, day = passkey_name(key), added_on(key)
        label = f"{name}, added {day}" if day else name
        ident = f"{self.prefix}-{index}"
        if self.confirming == key.credential_id:
            controls = h(
                "div",
                {"class": "cog-actions", "role": "group", "aria-labelledby": f"{ident}-ask"},
                h("span", {"id": f"{ident}-ask"}, f"Delete {label}?"),
                h(
                    "button",
                    {"type": "button", "class": "danger", "id": f"{ident}-yes",
                     "name": f"delete:{key.credential_id}", "disabled": self.busy},
                    "Yes, delete it",
                    on={"click": "delete"},
                ),
                h(
                    "button",
                    {"type": "button", "class": "secondary", "id": f"{ident}-no",
                     "disabled": self.busy},
                    "Keep it",
                    on={"click": "keep"},
                ),
            )  # fmt: skip
        else:
            controls = h(
                "button",
                {"type": "button", "class": "secondary", "id": f"{ident}-delete",
                 "name": f"ask:{key.credential_id}", "aria-label": f"Delete {label}",
                 "disabled": self.busy},
                "Delete",
                on={"click": "ask"},
            )  # fmt: skip
        return h(
            "li",
            {"class": "cog-device cog-passkey", "data-credential": key.credential_id},
            h("strong", {"class": "cog-device-name"}, name),
            h("span", {"class": "cog-passkey-added"}, f"Added {day}") if day else None,
            controls,
        )

    def view(self) -> list[Node]:
        """One list item per passkey, its Delete button (or the question), and "Add"."""
        items = [self._row(i, key) for i, key in enumerate(self.passkeys)]
        listing = (
            h("ul", {"id": f"{self.prefix}-list", "class": "cog-devices"}, items)
            if items
            else h("p", {"id": f"{self.prefix}-list"}, "No passkeys yet.")
        )
        add = h(
            "div",
            {"class": "cog-actions"},
            h(
                "button",
                {"type": "button", "id": f"{self.prefix}-add", "disabled": self.busy},
                "Add a passkey",
                on={"click": "add"},
            ),
        )
        return self.frame(listing, add)

    async def do_add(self, event: Event) -> None:
        """Start/CompleteWebAuthnRegistration with the browser's prompt."""

        async def add() -> None:
            try:
                await associate_web_authn_credential(self.user, page_authenticator())
            except PasskeyCancelledError as err:
                err.message = "No passkey was added: the prompt was closed or timed out."
                raise
            await self.load()

        await self.act("Waiting for your device…", add, "Passkey added.", f"#{self.prefix}-add")

    def _index(self, credential_id: str) -> int:
        ids = [key.credential_id for key in self.passkeys]
        return ids.index(credential_id) if credential_id in ids else -1

    def do_ask(self, event: Event) -> None:
        """ "Delete": ask in place, focus on the answer that keeps it."""
        self.confirming = (event.target or "").removeprefix("ask:")
        self.say("")
        index = self._index(self.confirming)
        self.refresh(focus=f"#{self.prefix}-{index}-no")

    def do_keep(self, event: Event) -> None:
        """ "Keep it": back to the list, focus on that passkey's Delete button."""
        index = self._index(self.confirming or "")
        self.confirming = None
        self.refresh(focus=f"#{self.prefix}-{index}-delete")

    async def do_delete(self, event: Event) -> None:
        """ "Yes, delete it": DeleteWebAuthnCredential, then the list again."""
        credential_id = (event.target or "").removeprefix("delete:")
        key = next((k for k in self.passkeys if k.credential_id == credential_id), None)
        self.confirming = None

        async def delete() -> str:
            if key is None:
                raise InvalidParameterError("That passkey is no longer listed.")
            await delete_web_authn_credential(self.user, credential_id)
            await self.load()
            return passkey_name(key)

        await self.act("Deleting…", delete, lambda name: f"{name} deleted.", f"#{self.prefix}-add")
