"""Storage bridge between a Web Worker and the page's main thread.

``localStorage`` and ``document.cookie`` exist only on the main thread, but the SDK reads and
writes its ``Storage`` synchronously. :class:`MirrorStorage` therefore keeps a synchronous
in-worker mirror, seeded at boot with the page's ``CognitoIdentityServiceProvider.*`` entries,
and posts every write back to the main thread, which applies it to the real store. Changes the
main thread sees (another tab, the JS SDK on the same page) come back through :meth:`apply`.

Pure Python: the ``post`` callable is the only link to JavaScript, so it runs on CPython too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from urllib.parse import unquote

from ..errors import InvalidParameterError
from ..storage import StorageKeys

__all__ = ["KEY_PREFIX", "MirrorStorage", "cookie_entries"]

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

    ``area`` names the main-thread store the writes go to: ``"local"`` (localStorage) or
    ``"cookie"`` (document.cookie, with ``cookie_attrs`` such as domain, path, expires).
    """

    def __init__(
        self,
        initial: Mapping[str, str] | None = None,
        post: Post | None = None,
        *,
        area: str = "local",
        cookie_attrs: Mapping[str, object] | None = None,
    ) -> None:
        if area not in ("local", "cookie"):
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
