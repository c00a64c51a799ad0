"""The emulator outbox as a panel: recent codes with time, kind and used/superseded marks.

Only for a page configured for the local emulator: it lists what the
emulator would have sent by email or SMS, newest first, and a "Use" button per valid code
fills the code field the user is looking at (through a ``cognito-outbox-use`` DOM event that the
page applies, since the field may belong to another component)::

    OutboxPanel("#outbox", Outbox(config["endpoint"], config["userPoolId"]))
"""

from __future__ import annotations

import asyncio
import contextlib

from ..errors import CognitoError
from .component import Component, Event, Node, Page, h
from .outbox import Outbox, OutboxMessage

__all__ = ["USE_EVENT", "OutboxPanel"]

#: The DOM event a "Use" button dispatches on the panel: ``detail = {code, username}``.
USE_EVENT = "cognito-outbox-use"


class OutboxPanel(Component):
    """Recent outbox messages of the pool (or of one user), refreshed every ``interval`` s."""

    def __init__(
        self,
        mount: str,
        outbox: Outbox,
        *,
        page: Page | None = None,
        interval: float = 2.0,
        limit: int = 8,
    ) -> None:
        super().__init__(mount, page=page)
        self.outbox = outbox
        self.interval = interval
        self.limit = limit
        self.username = ""
        self.messages: list[tuple[str, OutboxMessage]] = []
        self.problem = ""
        self._task: asyncio.Task[None] | None = None

    def follow(self, username: str) -> None:
        """Show ``username``'s messages first (the user the page is working with)."""
        self.username = username.strip()

    async def load(self) -> None:
        """Fetch the messages and render them when they changed."""
        try:
            found = await self.outbox.messages(self.username or None)
            problem = ""
        except CognitoError as err:
            found, problem = [], f"Outbox unavailable: {err.message}"
        rows = [(m.username, m) for m in found[: self.limit]]
        if rows != self.messages or problem != self.problem:
            self.messages, self.problem = rows, problem
            self.refresh()

    def start(self) -> None:
        """Render now and keep refreshing in the background."""
        self.refresh()
        if self._task is None:
            self._task = asyncio.ensure_future(self._poll())

    async def stop(self) -> None:
        """Stop the background refresh."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _poll(self) -> None:
        while True:
            await self.load()
            await asyncio.sleep(self.interval)

    def view(self) -> list[Node]:
        """Heading, a short explanation and one item per message."""
        items = [self._item(index, msg) for index, (_, msg) in enumerate(self.messages)]
        who = f" for {self.username}" if self.username else ""
        body: Node = (
            h("ol", {"class": "cog-outbox", "id": "outbox-list"}, items)
            if items
            else h("p", {"id": "outbox-list"}, self.problem or f"No messages{who} yet.")
        )
        return [
            h("h2", {}, "Emulator outbox (dev only)"),
            h("p", {}, f"Codes the emulator would have sent by email or SMS{who}, newest first."),
            body,
        ]

    def _item(self, index: int, msg: OutboxMessage) -> Node:
        state = msg.state
        mark = (
            h("span", {"class": "cog-outbox-state", "data-state": state}, state) if state else None
        )
        use = (
            None
            if state
            else h(
                "button",
                {
                    "type": "button",
                    "class": "secondary",
                    "name": f"use:{index}",
                    "aria-label": f"Use code {msg.code} ({msg.label} for {msg.username})",
                },
                "Use code",
                on={"click": "use"},
            )
        )
        return h(
            "li",
            {"data-kind": msg.kind, "data-state": state or "valid"},
            h(
                "span",
                {"class": "cog-outbox-meta"},
                h("time", {}, msg.clock),
                f" · {msg.label} · {msg.username}",
                f" · {msg.destination}" if msg.destination else "",
            ),
            h("code", {"class": "cog-outbox-code"}, msg.code),
            mark,
            use,
        )

    def do_use(self, event: Event) -> None:
        """Hand the chosen code to the page, which fills the code field in view."""
        try:
            msg = self.messages[int((event.target or "").removeprefix("use:"))][1]
        except (ValueError, IndexError):
            return
        self.page.emit(self.mount, USE_EVENT, {"code": msg.code, "username": msg.username})
