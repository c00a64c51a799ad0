"""Small asyncio helpers shared by the SDK: one single-flight, one "call sync-or-async"."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

__all__ = ["SingleFlight", "maybe_await"]

T = TypeVar("T")


async def maybe_await(value: Any) -> Any:
    """``await value`` when it is awaitable, else ``value`` (for sync-or-async callables)."""
    if inspect.isawaitable(value):
        return await value
    return value


class SingleFlight(Generic[T]):
    """Concurrent callers asking for the same key share one run.

    ``await flight.run(key, start)`` starts ``start()`` as a task when no run of ``key`` is
    under way (per event loop), else waits for the one that is. A caller that gives up
    (cancelled) does not cancel the run the others wait on; a failed run's error goes to
    every waiter and is never reported as "never retrieved".
    """

    def __init__(self) -> None:
        self._runs: dict[tuple[int, Hashable], asyncio.Task[T]] = {}

    def _key(self, key: Hashable) -> tuple[int, Hashable]:
        return (id(asyncio.get_running_loop()), key)

    async def run(self, key: Hashable, start: Callable[[], Awaitable[T]]) -> T:
        """The result of the run of ``key``, starting one with ``start`` when needed."""
        full = self._key(key)
        task = self._runs.get(full)
        if task is None or task.done():
            task = asyncio.ensure_future(start())
            self._runs[full] = task

            def done(t: asyncio.Task[T]) -> None:
                if self._runs.get(full) is t:
                    del self._runs[full]
                if not t.cancelled():
                    t.exception()  # mark retrieved: every waiter gets it re-raised

            task.add_done_callback(done)
        return await asyncio.shield(task)

    def is_current(self, key: Hashable, task: asyncio.Task[Any] | None) -> bool:
        """True while ``task`` is the run of ``key`` (not forgotten meanwhile)."""
        return task is not None and self._runs.get(self._key(key)) is task

    def forget(self, key: Hashable) -> None:
        """Detach the run of ``key``: its waiters still get its result, new callers start
        a new run, and :meth:`is_current` turns False for it."""
        self._runs.pop(self._key(key), None)

    def running(self, key: Hashable) -> bool:
        """True while a run of ``key`` is under way."""
        task = self._runs.get(self._key(key))
        return task is not None and not task.done()
