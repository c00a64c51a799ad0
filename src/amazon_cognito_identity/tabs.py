"""Many tabs, one session: one token refresh at a time across the tabs of an origin, and
sign-in / sign-out in one tab seen by the others.

- :func:`exclusive` is an async lock shared by every tab of the origin: the Web Locks API
  (``navigator.locks``) under Pyodide, in a window or a worker. Where it is missing (CPython,
  an old browser) the fallback serialises within this process only; the refresh code then
  still re-reads the shared storage before it sends anything, so a tab that sees tokens
  another tab stored adopts them.
- :func:`follow_other_tabs` turns the page's ``storage`` events (fired in the *other* tabs when
  one tab writes localStorage) into ``signed_in`` / ``signed_out`` / ``token_refreshed``
  events of ``pool.events`` (with ``source="other_tab"``).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from .runtime import get_js, get_pyodide

if TYPE_CHECKING:
    from .user_pool import CognitoUserPool

__all__ = ["exclusive", "follow_other_tabs", "lock_name", "web_locks_available"]

_PREFIX = "CognitoIdentityServiceProvider."
_local: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def lock_name(client_id: str, username: str) -> str:
    """The name of the refresh lock of one user of one app client."""
    return f"{_PREFIX}{client_id}.{username}.refresh"


def _web_locks() -> Any | None:
    js = get_js()
    navigator = getattr(js, "navigator", None) if js is not None else None
    locks = getattr(navigator, "locks", None) if navigator is not None else None
    return locks if locks is not None and hasattr(locks, "request") else None


def web_locks_available() -> bool:
    """True when the refresh lock spans the tabs (``navigator.locks`` is there)."""
    return _web_locks() is not None


@asynccontextmanager
async def exclusive(name: str) -> AsyncIterator[None]:
    """Hold the lock ``name`` for the block: across tabs with Web Locks, else in-process."""
    locks = _web_locks()
    if locks is None:
        loop = asyncio.get_running_loop()
        lock = _local.setdefault(loop, {}).setdefault(name, asyncio.Lock())
        async with lock:
            yield
        return
    async with _web_lock(locks, name):
        yield


@asynccontextmanager
async def _web_lock(locks: Any, name: str) -> AsyncIterator[None]:
    js, pyodide = get_js(), get_pyodide()
    assert js is not None and pyodide is not None
    create_once_callable = pyodide.ffi.create_once_callable
    loop = asyncio.get_running_loop()
    acquired: asyncio.Future[None] = loop.create_future()
    release: list[Any] = []

    def hold(resolve: Any, reject: Any) -> None:
        release.append(resolve)

    def granted(lock: Any) -> Any:
        # The lock is held until the promise returned here resolves (at the end of the block).
        promise = js.Promise.new(create_once_callable(hold))
        if not acquired.done():
            loop.call_soon_threadsafe(acquired.set_result, None)
        return promise

    done = locks.request(name, create_once_callable(granted))
    try:
        await acquired
        yield
    finally:
        if release:
            release[0]()
        await done


def follow_other_tabs(pool: CognitoUserPool) -> bool:
    """Emit ``pool.events`` for what other tabs write to localStorage (a no-op, returning
    False, outside a browser window)."""
    js, pyodide = get_js(), get_pyodide()
    window = getattr(js, "window", None) if js is not None else None
    if window is None or pyodide is None or not hasattr(window, "addEventListener"):
        return False
    prefix = f"{_PREFIX}{pool.get_client_id()}."
    events = pool.events

    def on_storage(event: Any) -> None:
        key = event.key
        if not isinstance(key, str) or not key.startswith(prefix):
            return
        name = key[len(prefix) :]
        old, new = event.oldValue, event.newValue
        if name == "LastAuthUser":
            if new and new != old:
                events.emit("signed_in", str(new), source="other_tab")
            elif not new and old:
                events.emit("signed_out", str(old), source="other_tab")
        elif name.endswith(".accessToken") and new and old and new != old:
            events.emit("token_refreshed", name[: -len(".accessToken")], source="other_tab")

    # Kept for the page's lifetime: one listener per pool object.
    window.addEventListener("storage", pyodide.ffi.create_proxy(on_storage))
    return True
