"""Auth events: one :class:`Events` per pool (``pool.events``), like Amplify's Hub ``auth`` channel.

::

    unsubscribe = pool.events.subscribe("signed_in", lambda event: print(event.username))
    pool.events.subscribe("token_refresh_failed", notify_async)   # async listeners work too
    unsubscribe()

Names: ``signed_in``, ``signed_out``, ``token_refreshed``, ``token_refresh_failed``,
``session_expired``, ``mfa_changed``. A listener gets one :class:`AuthEvent`. Sync listeners run
during :meth:`Events.emit`; async ones are scheduled on the running event loop (awaited by
:meth:`Events.drain`). A listener that raises is logged and never breaks the SDK call that
emitted the event, nor the other listeners.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import InvalidParameterError

__all__ = ["EVENT_NAMES", "AuthEvent", "Events", "Listener"]

EVENT_NAMES: frozenset[str] = frozenset(
    {
        "signed_in",
        "signed_out",
        "token_refreshed",
        "token_refresh_failed",
        "session_expired",
        "mfa_changed",
    }
)
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuthEvent:
    """One event: its name, the user it concerns (when known) and details (``source`` is
    ``"this_tab"`` or ``"other_tab"`` for events seen through shared storage, ``error`` for a
    failed refresh, ``preferred``/``enabled`` for MFA changes)."""

    name: str
    username: str | None
    data: Mapping[str, Any] = field(default_factory=dict)


Listener = Callable[[AuthEvent], Awaitable[None] | None]


class Events:
    """Subscribe to and emit the auth events of one pool."""

    def __init__(self) -> None:
        self._listeners: dict[str, list[Listener]] = {name: [] for name in EVENT_NAMES}
        self._pending: set[asyncio.Task[None]] = set()

    def subscribe(self, name: str, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` on every ``name`` event; returns the function that unsubscribes."""
        if name not in EVENT_NAMES:
            raise InvalidParameterError(
                f"Unknown event {name!r}; expected one of {', '.join(sorted(EVENT_NAMES))}"
            )
        self._listeners[name].append(listener)

        def unsubscribe() -> None:
            self.unsubscribe(name, listener)

        return unsubscribe

    def unsubscribe(self, name: str, listener: Listener) -> None:
        """Stop calling ``listener`` for ``name`` (no error when it was not subscribed)."""
        listeners = self._listeners.get(name, [])
        if listener in listeners:
            listeners.remove(listener)

    def emit(self, name: str, username: str | None = None, **data: Any) -> AuthEvent:
        """Deliver an event to the current listeners of ``name`` and return it."""
        if name not in EVENT_NAMES:
            raise InvalidParameterError(f"Unknown event {name!r}")
        event = AuthEvent(name, username, dict(data))
        for listener in list(self._listeners[name]):
            self._call(listener, event)
        return event

    def _call(self, listener: Listener, event: AuthEvent) -> None:
        try:
            result = listener(event)
        except Exception:
            _log.exception("listener of %s failed", event.name)
            return
        if inspect.isawaitable(result):
            self._schedule(result, event.name)

    def _schedule(self, awaitable: Awaitable[None], name: str) -> None:
        async def run() -> None:
            try:
                await awaitable
            except Exception:
                _log.exception("listener of %s failed", name)

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(run())  # no loop (a sync caller): run the listener to its end now
            return
        task = loop.create_task(run())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def drain(self) -> None:
        """Wait until every async listener scheduled so far has finished."""
        while self._pending:
            await asyncio.gather(*list(self._pending))
