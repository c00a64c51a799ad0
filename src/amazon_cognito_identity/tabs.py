"""Many tabs, one session: one token refresh at a time across the tabs of an origin, and
sign-in / sign-out in one tab seen by the others.

- :func:`exclusive` is an async lock shared by every tab of the origin: the Web Locks API
  (``navigator.locks``) under Pyodide, in a window or a worker. Where it is missing (CPython,
  an old browser) the fallback serialises within this process only; the refresh code then
  still re-reads the shared storage before it sends anything, so a tab that sees tokens
  another tab stored adopts them.
- The lock yields a :class:`Handoff`: a note the holder leaves for the next one. Across tabs
  it lives in IndexedDB, because localStorage is not coherent with the lock: Chromium keeps a
  copy of localStorage in each tab's process and forwards another tab's writes to it
  asynchronously, so a tab granted the lock right after the winner released it can still
  read the old tokens (whatwg/html#403; in 5 tabs incrementing a localStorage counter under
  one Web Lock, 140 to 360 of 1000 increments were lost, none through IndexedDB). The refresh
  code notes there which refresh token it spent and what it stored, and the next holder waits
  for its localStorage to show that before it decides.
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

__all__ = ["Handoff", "exclusive", "follow_other_tabs", "lock_name", "web_locks_available"]

_PREFIX = "CognitoIdentityServiceProvider."
_local: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)
_notes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, str]] = (
    weakref.WeakKeyDictionary()
)
_DB, _STORE = "amazon-cognito-identity", "lock-handoff"


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


class Handoff:
    """The note the holders of one lock pass on, read and written while holding the lock.

    Kept where every holder sees the last write at once: IndexedDB across tabs (a read
    transaction started after the writer's transaction completed sees its data), memory in
    one process. A note that cannot be read or written reads as None (the next holder then
    decides from its storage alone, as without a note)."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def read(self) -> str | None:
        """The last note left under this lock, if any."""
        return _notes.get(asyncio.get_running_loop(), {}).get(self.name)

    async def write(self, note: str) -> None:
        """Leave ``note`` for the next holder (replaces the previous one)."""
        _notes.setdefault(asyncio.get_running_loop(), {})[self.name] = note


class _IndexedDbHandoff(Handoff):
    async def read(self) -> str | None:
        value = await _idb("readonly", lambda store: store.get(self.name))
        return value if isinstance(value, str) else None

    async def write(self, note: str) -> None:
        await _idb("readwrite", lambda store: store.put(note, self.name))


def _settled(target: Any, success: str) -> Any:
    """A JS promise settled by the IndexedDB request or transaction ``target``."""
    js, pyodide = get_js(), get_pyodide()
    assert js is not None and pyodide is not None

    def executor(resolve: Any, reject: Any) -> None:
        # The promise's own functions as handlers: no Python proxy is left behind.
        setattr(target, success, resolve)
        target.onerror = reject
        target.onabort = reject

    return js.Promise.new(pyodide.ffi.create_once_callable(executor))


async def _idb(mode: str, operation: Any) -> Any:
    """``operation(object_store)`` in one transaction of the handoff database; its request's
    result once the transaction has completed (None when IndexedDB is missing or fails)."""
    js, pyodide = get_js(), get_pyodide()
    factory = getattr(js, "indexedDB", None) if js is not None else None
    if factory is None or pyodide is None:
        return None
    try:
        opening = factory.open(_DB, 1)
        upgrade = pyodide.ffi.create_proxy(lambda _event: opening.result.createObjectStore(_STORE))
        opening.onupgradeneeded = upgrade
        try:
            await _settled(opening, "onsuccess")
        finally:
            opening.onupgradeneeded = None
            upgrade.destroy()
        db = opening.result
        try:
            transaction = db.transaction(_STORE, mode)
            request = operation(transaction.objectStore(_STORE))
            await _settled(transaction, "oncomplete")
            return request.result
        finally:
            db.close()
    except Exception:  # a JsException: storage denied, quota, private mode
        return None


@asynccontextmanager
async def exclusive(name: str) -> AsyncIterator[Handoff]:
    """Hold the lock ``name`` for the block: across tabs with Web Locks, else in-process.
    The block gets the lock's :class:`Handoff`."""
    locks = _web_locks()
    if locks is None:
        loop = asyncio.get_running_loop()
        lock = _local.setdefault(loop, {}).setdefault(name, asyncio.Lock())
        async with lock:
            yield Handoff(name)
        return
    async with _web_lock(locks, name):
        yield _IndexedDbHandoff(name)


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
            acquired.set_result(None)
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
