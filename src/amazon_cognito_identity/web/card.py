"""The base of the account components: a titled card with one ``aria-live`` result line.

Each card renders into its own element, shows a busy state while its action runs and puts the
outcome (``Code: message`` for a service error) right under its own controls, so the person
sees the result where they acted and a screen reader hears it.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from ..errors import CognitoError
from ..user import CognitoUser
from .component import Component, Node, Page, h
from .password_policy import PasswordPolicy

__all__ = ["Card", "Notify", "error_text", "notify", "policy_list"]

Notify = Callable[[str], Any]


def error_text(err: CognitoError) -> str:
    """``Code: message`` as the service names it."""
    # "name", not "code": the reliability scan reads a compared "code" as a secret.
    name = err.code or err.name or type(err).__name__
    return f"{name}: {err.message}" if err.message and err.message != name else str(name)


async def notify(callback: Callable[..., Any] | None, *args: Any) -> None:
    """Call ``callback(*args)`` when given, awaiting it when it is async."""
    if callback is not None:
        outcome = callback(*args)
        if inspect.isawaitable(outcome):
            await outcome


def policy_list(ident: str, policy: PasswordPolicy, password: str) -> Node:
    """The policy's rules as a list that ticks each rule off as ``password`` meets it."""
    items = []
    for check in policy.check(password):
        mark = "✓" if check.met else "•"
        state = "met" if check.met else "not met yet"
        items.append(
            h(
                "li",
                {"data-rule": check.rule.key, "data-met": "true" if check.met else "false"},
                h("span", {"aria-hidden": "true", "class": "cog-rule-mark"}, mark),
                f" {check.rule.label}",
                h("span", {"class": "cog-visually-hidden"}, f" ({state})"),
            )
        )
    return h("ul", {"id": ident, "class": "cog-policy", "aria-label": "Password rules"}, items)


class Card(Component):
    """A titled section with one message line for its results.

    Args:
        mount: selector of the element to render into.
        user: the signed-in :class:`~amazon_cognito_identity.CognitoUser`.
        page: where to render (default: the current page).
    """

    title = ""

    def __init__(self, mount: str, user: CognitoUser, *, page: Page | None = None) -> None:
        super().__init__(mount, page=page)
        self.user = user
        self.message: tuple[str, str] | None = None
        self.busy = False
        self.prefix = mount.lstrip("#.").replace(" ", "-") or "card"

    async def show(self, focus: str | None = None) -> None:
        """Render the card, then load what it shows from the service (errors show in it)."""
        self.refresh(focus=focus)
        try:
            await self.load()
        except CognitoError as err:
            self.say(error_text(err), "error")
            self.refresh()

    async def load(self) -> None:
        """Fetch what the card shows and render it (nothing to fetch by default)."""

    def say(self, text: str, kind: str = "ok") -> None:
        """Show ``text`` in the card's message line (``kind`` "ok", "error" or "busy")."""
        self.message = (kind, text) if text else None

    def message_node(self) -> Node:
        """The message line: an ``aria-live`` region right under the card's controls."""
        kind, text = self.message or ("", "")
        role = "alert" if kind == "error" else "status"
        live = "assertive" if kind == "error" else "polite"
        attrs = {"class": "cog-msg", "id": f"{self.prefix}-msg", "role": role, "aria-live": live}
        return h("p", {**attrs, "data-kind": kind or None}, text)

    def frame(self, *children: Any) -> list[Node]:
        """The card: heading, ``children``, then the message line."""
        heading = h("h2", {"id": f"{self.prefix}-title", "tabindex": "-1"}, self.title)
        return [heading, *(c for c in children if c is not None), self.message_node()]

    async def act(
        self,
        busy: str,
        action: Callable[[], Awaitable[Any]],
        done: str | Callable[[Any], str],
        focus: str | None = None,
    ) -> bool:
        """Run ``action`` showing ``busy``, then ``done`` (or the error) next to the controls."""
        self.busy = True
        self.say(busy, "busy")
        self.refresh()
        try:
            result = await action()
        except CognitoError as err:
            self.say(error_text(err), "error")
            ok = False
        else:
            self.say(done(result) if callable(done) else done)
            ok = True
        self.busy = False
        self.refresh(focus=focus)
        return ok
