"""Storage bridge between a Web Worker and the page's main thread.

``localStorage`` and ``document.cookie`` exist only on the main thread, but the SDK reads and
writes its ``Storage`` synchronously. :class:`MirrorStorage` therefore keeps a synchronous
in-worker mirror, seeded at boot with the page's ``CognitoIdentityServiceProvider.*`` entries,
and posts every write back to the main thread, which applies it to the real store. Changes the
main thread sees (another tab, the JS SDK on the same page) come back through :meth:`apply`.

:class:`MainThread` is the other direction: the worker asks the page to run one of the few
browser calls a worker lacks (``navigator.credentials``, ``location``, ``history``) and awaits
the answer. Bytes cross as ``{"$bytes": "<base64>"}`` both ways (:func:`to_wire`,
:func:`from_wire`); which members are bytes, and what they mean, only Python knows.

Pure Python: the ``post`` callable is the only link to JavaScript, so it runs on CPython too.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

from ..errors import ClientError, InvalidParameterError, InvalidResponseError
from ..storage import StorageKeys

__all__ = [
    "AREAS",
    "KEY_PREFIX",
    "MainThread",
    "MirrorStorage",
    "cookie_entries",
    "from_wire",
    "to_wire",
]

#: The main-thread stores a :class:`MirrorStorage` can stand for.
AREAS = ("local", "session", "cookie")

KEY_PREFIX = StorageKeys.PREFIX + "."

Post = Callable[[str], None]


def cookie_entries(cookie_header: str, prefix: str = KEY_PREFIX) -> dict[str, str]:
    """Parse ``document.cookie`` text into ``{key: value}`` for keys under ``prefix``.

    Keys and values are URI-decoded the way js-cookie (used by the JS SDK's CookieStorage)
    encodes them.
    """
    entries: dict[str, str] = {}
    for part in cookie_header.split(";"):
        name, sep, value = part.strip().partition("=")
        if not sep:
            continue
        key = unquote(name)
        if key.startswith(prefix):
            entries[key] = unquote(value)
    return entries


class MirrorStorage:
    """A synchronous ``Storage`` whose writes are posted to the main thread.

    ``area`` names the main-thread store the writes go to: ``"local"`` (localStorage),
    ``"session"`` (sessionStorage: per tab, kept across a visit to another site, e.g. the
    hosted sign-in page) or ``"cookie"`` (document.cookie, with ``cookie_attrs`` such as
    domain, path, expires).
    """

    def __init__(
        self,
        initial: Mapping[str, str] | None = None,
        post: Post | None = None,
        *,
        area: str = "local",
        cookie_attrs: Mapping[str, object] | None = None,
    ) -> None:
        if area not in AREAS:
            raise InvalidParameterError(f"unknown storage area {area!r}")
        self._data: dict[str, str] = dict(initial or {})
        self._post = post
        self.area = area
        self.cookie_attrs = dict(cookie_attrs or {})

    def _send(self, op: str, key: str | None = None, value: str | None = None) -> None:
        if self._post is None:
            return
        message: dict[str, object] = {"type": "storage", "area": self.area, "op": op}
        if key is not None:
            message["key"] = key
        if value is not None:
            message["value"] = value
        if self.area == "cookie" and self.cookie_attrs:
            message["attrs"] = self.cookie_attrs
        self._post(json.dumps(message))

    def get_item(self, key: str) -> str | None:
        """The mirrored value, or None."""
        return self._data.get(key)

    def set_item(self, key: str, value: str) -> None:
        """Store locally and post the write to the main thread."""
        value = str(value)
        self._data[key] = value
        self._send("set", key, value)

    def remove_item(self, key: str) -> None:
        """Remove locally and post the removal to the main thread."""
        self._data.pop(key, None)
        self._send("remove", key)

    def clear(self) -> None:
        """Remove every mirrored key here and on the main thread (other page keys stay)."""
        for key in list(self._data):
            self.remove_item(key)

    def keys(self) -> list[str]:
        """The mirrored keys, for tests and debugging."""
        return list(self._data)

    def apply(self, change: Mapping[str, object]) -> None:
        """Apply a change the main thread observed: ``{"key": k, "value": v | None}``.

        ``{"key": None}`` means the whole store was cleared. Nothing is posted back.
        """
        key = change.get("key")
        value = change.get("value")
        if key is None:
            self._data.clear()
        elif not isinstance(key, str):
            return
        elif value is None:
            self._data.pop(key, None)
        else:
            self._data[key] = str(value)

    def replace_all(self, entries: Mapping[str, str]) -> None:
        """Reseed the mirror (e.g. after the main thread re-read its store)."""
        self._data = dict(entries)


_BYTES = "$bytes"


def to_wire(value: Any) -> Any:
    """``value`` as JSON-ready data, ``bytes`` as ``{"$bytes": base64}`` (the page turns those
    into ``Uint8Array`` s)."""
    if isinstance(value, bytes | bytearray | memoryview):
        return {_BYTES: base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Mapping):
        return {str(k): to_wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_wire(v) for v in value]
    return value


def from_wire(value: Any) -> Any:
    """The inverse of :func:`to_wire`: ``{"$bytes": base64}`` (an ``ArrayBuffer`` or typed
    array on the page) back to ``bytes``."""
    if isinstance(value, dict):
        if set(value) == {_BYTES}:
            try:
                return base64.b64decode(str(value[_BYTES]), validate=True)
            except (binascii.Error, ValueError) as err:
                raise InvalidResponseError(f"bad bytes from the page: {err}") from err
        return {k: from_wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_wire(v) for v in value]
    return value


class MainThread:
    """Runs browser calls on the page's main thread for a worker and awaits their answers.

    ``await main.call(op, **args)`` posts ``{"type": "main", "call": n, "op": op, "args": ...}``;
    the page (``web/portal/rpc.js``) answers ``{"type": "main-reply", "call": n, "result": ...}``
    or ``{..., "error": {"name", "message"}}``, which the worker hands to :meth:`reply`. A
    failure raises :class:`~amazon_cognito_identity.errors.ClientError` whose ``name`` is the
    browser's (a ``DOMException`` name such as ``"NotAllowedError"``). The ops the page knows:
    ``credentials`` (``method`` "create" or "get", ``options``), ``assign`` and ``replace``
    (``url``: leave for it, or rewrite the address bar) and ``location`` (the page's URL).
    """

    def __init__(self, post: Post) -> None:
        self._post = post
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._next = 0

    async def call(self, op: str, **args: Any) -> Any:
        """Run ``op`` on the main thread; its result, bytes decoded (see :func:`from_wire`)."""
        self._next += 1
        ident = self._next
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[ident] = future
        message = {"type": "main", "call": ident, "op": op, "args": to_wire(args)}
        try:
            self._post(json.dumps(message))
            return await future
        finally:
            self._pending.pop(ident, None)

    def reply(self, text: str) -> None:
        """Deliver the page's answer (JSON text) to the call waiting for it."""
        message = json.loads(text)
        future = self._pending.pop(int(message.get("call") or 0), None)
        if future is None or future.done():
            return
        error = message.get("error")
        if isinstance(error, dict):
            name = str(error.get("name") or "Error")
            future.set_exception(
                ClientError(str(error.get("message") or name), code=name, name=name)
            )
        else:
            try:
                future.set_result(from_wire(message.get("result")))
            except InvalidResponseError as err:
                future.set_exception(err)
