"""Where sessions are kept: the ``Storage`` protocol and its backends.

Key names are the JS SDK's (:class:`StorageKeys`), so a page can switch between the JS
SDK and this one without signing users out. Every backend is per instance: there is no
process-wide dict that could leak one user's session to another on a server.
"""

from __future__ import annotations

import contextlib
import email.utils
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable
from urllib.parse import quote, unquote

from .errors import InvalidParameterError, StorageError

__all__ = [
    "CookieJar",
    "CookieStorage",
    "DocumentCookieJar",
    "LocalStorage",
    "MemoryCookieJar",
    "MemoryStorage",
    "Storage",
    "StorageKeys",
]


#: Returns the browser's globals (the ``js`` module), or None outside a browser. The
#: platform seam (:mod:`.runtime`) sets it; this module never asks where it runs.
def _no_browser() -> Any:
    return None


browser_globals: Callable[[], Any] = _no_browser


@runtime_checkable
class Storage(Protocol):
    """The Web Storage subset the SDK uses, with snake_case names."""

    def get_item(self, key: str) -> str | None:
        """The value stored under ``key``, or ``None``."""
        ...

    def set_item(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``."""
        ...

    def remove_item(self, key: str) -> None:
        """Forget ``key`` (no error when absent)."""
        ...

    def clear(self) -> None:
        """Forget everything this storage holds."""
        ...


def _check_str(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidParameterError(f"storage {name} must be a str, got {type(value).__name__}")
    return value


class MemoryStorage:
    """A dict per instance (never shared across instances)."""

    def __init__(self) -> None:
        self._data: dict[str, str] = {}

    def get_item(self, key: str) -> str | None:
        """The value stored under ``key``, or ``None``."""
        return self._data.get(key)

    def set_item(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``."""
        self._data[_check_str("key", key)] = _check_str("value", value)

    def remove_item(self, key: str) -> None:
        """Forget ``key``."""
        self._data.pop(key, None)

    def clear(self) -> None:
        """Forget everything."""
        self._data.clear()

    def keys(self) -> list[str]:
        """The stored keys (for tests and debugging)."""
        return list(self._data)

    def __len__(self) -> int:
        return len(self._data)


class LocalStorage:
    """The browser's ``localStorage`` (through ``js`` under Pyodide).

    Args:
        backend: an object with ``getItem/setItem/removeItem/clear`` (tests, or a worker
            bridge); when omitted, ``js.localStorage``.

    When localStorage is missing or refuses access (a worker, a sandboxed iframe, CPython),
    a :class:`MemoryStorage` is used instead and a :class:`RuntimeWarning` says so.
    """

    def __init__(self, backend: Any | None = None) -> None:
        self._backend: Any | None = backend if backend is not None else self._find_backend()
        self._fallback: MemoryStorage | None = None
        if self._backend is None:
            warnings.warn(
                "localStorage is not available; sessions are kept in memory only",
                RuntimeWarning,
                stacklevel=2,
            )
            self._fallback = MemoryStorage()

    @staticmethod
    def _find_backend() -> Any | None:
        js = browser_globals()
        if js is None:
            return None
        try:
            store = js.localStorage
            _ = store.length  # raises SecurityError when access is denied
        except Exception:  # AttributeError in a worker, JsException when denied
            return None
        return store

    @property
    def is_fallback(self) -> bool:
        """True when values only live in memory."""
        return self._fallback is not None

    def get_item(self, key: str) -> str | None:
        """The value stored under ``key``, or ``None``."""
        if self._fallback is not None:
            return self._fallback.get_item(key)
        try:
            value = self._backend.getItem(key)  # type: ignore[union-attr]
        except Exception as exc:
            raise StorageError(f"localStorage.getItem failed: {exc}") from exc
        # JS null may arrive as None or as pyodide's jsnull: only a str is a value.
        return value if isinstance(value, str) else None

    def set_item(self, key: str, value: str) -> None:
        """Store ``value``; :class:`StorageError` when the quota is exceeded."""
        _check_str("key", key)
        _check_str("value", value)
        if self._fallback is not None:
            self._fallback.set_item(key, value)
            return
        try:
            self._backend.setItem(key, value)  # type: ignore[union-attr]
        except Exception as exc:
            raise StorageError(f"localStorage.setItem failed: {exc}") from exc

    def remove_item(self, key: str) -> None:
        """Forget ``key``."""
        if self._fallback is not None:
            self._fallback.remove_item(key)
            return
        try:
            self._backend.removeItem(key)  # type: ignore[union-attr]
        except Exception as exc:
            raise StorageError(f"localStorage.removeItem failed: {exc}") from exc

    def clear(self) -> None:
        """Clear localStorage (as the JS SDK's ``clear`` does)."""
        if self._fallback is not None:
            self._fallback.clear()
            return
        try:
            self._backend.clear()  # type: ignore[union-attr]
        except Exception as exc:
            raise StorageError(f"localStorage.clear failed: {exc}") from exc


# --- cookies ------------------------------------------------------------------------------


class CookieJar(Protocol):
    """What ``document.cookie`` offers: read all as ``'a=1; b=2'``, write one Set-Cookie."""

    def read(self) -> str:
        """All visible cookies, ``'; '``-separated ``name=value`` pairs."""
        ...

    def write(self, cookie: str) -> None:
        """Apply one cookie string with attributes (like assigning ``document.cookie``)."""
        ...


class DocumentCookieJar:
    """The page's ``document.cookie`` (Pyodide only)."""

    def __init__(self, document: Any | None = None) -> None:
        if document is None:
            js = browser_globals()
            document = getattr(js, "document", None) if js is not None else None
        if document is None:
            raise StorageError("document.cookie is not available outside a browser page")
        self._document = document

    def read(self) -> str:
        """``document.cookie``."""
        return str(self._document.cookie or "")

    def write(self, cookie: str) -> None:
        """``document.cookie = cookie``."""
        self._document.cookie = cookie


#: Browsers drop a cookie whose name + value passes 4096 bytes.
BROWSER_COOKIE_LIMIT = 4096


@dataclass
class _JarEntry:
    value: str
    expires: datetime | None


class MemoryCookieJar:
    """An in-memory cookie jar with browser Set-Cookie semantics, for tests and servers.

    Cookies are keyed by (name, domain, path); an ``expires`` in the past or ``max-age``
    <= 0 deletes; a cookie whose name and value pass :data:`BROWSER_COOKIE_LIMIT` bytes is
    silently ignored, as browsers do. ``read()`` lists every live cookie (the page is taken
    to match every domain and path).
    """

    def __init__(self, now: Any | None = None) -> None:
        self._cookies: dict[tuple[str, str, str], _JarEntry] = {}
        self._now = now or (lambda: datetime.now(UTC))
        #: Every string written, in order (for tests).
        self.writes: list[str] = []

    def _live(self) -> Iterator[tuple[tuple[str, str, str], _JarEntry]]:
        now = self._now()
        for key, entry in list(self._cookies.items()):
            if entry.expires is not None and entry.expires <= now:
                del self._cookies[key]
                continue
            yield key, entry

    def read(self) -> str:
        """``name=value`` pairs of live cookies joined by ``'; '``."""
        return "; ".join(f"{name}={entry.value}" for (name, _, _), entry in self._live())

    def attributes(self, name: str) -> list[tuple[str, str]]:
        """(domain, path) of every live cookie called ``name``."""
        return [(d, p) for (n, d, p), _ in self._live() if n == name]

    def write(self, cookie: str) -> None:
        """Apply one Set-Cookie string."""
        self.writes.append(cookie)
        first, *attrs = cookie.split(";")
        if "=" not in first:
            return
        name, value = (part.strip() for part in first.split("=", 1))
        if not name or len((name + value).encode("utf-8")) > BROWSER_COOKIE_LIMIT:
            return
        domain, path, expires = "", "/", None
        for attr in attrs:
            attr_name, _, attr_value = attr.strip().partition("=")
            lowered = attr_name.lower()
            if lowered == "domain":
                domain = attr_value.lstrip(".").lower()
            elif lowered == "path":
                path = attr_value or "/"
            elif lowered == "expires":
                try:
                    expires = email.utils.parsedate_to_datetime(attr_value)
                except (TypeError, ValueError):
                    expires = None
            elif lowered == "max-age":
                with contextlib.suppress(ValueError):
                    expires = self._now() + timedelta(seconds=int(attr_value))
        key = (name, domain, path)
        if expires is not None and expires <= self._now():
            self._cookies.pop(key, None)
            return
        self._cookies[key] = _JarEntry(value, expires)


# js-cookie 3 leaves these unescaped in values (after encodeURIComponent) and names.
_VALUE_SAFE = "-_.!~*'()" + "#$&+/:<=>?@[]^`{|}"
_NAME_SAFE = "-_.!~*'" + "#$&+^`|"
_EPOCH = "Thu, 01 Jan 1970 00:00:00 GMT"


def _encode_value(value: str) -> str:
    try:
        raw = value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidParameterError("cookie values must be valid Unicode text") from exc
    return quote(raw, safe=_VALUE_SAFE)


def _encode_name(name: str) -> str:
    try:
        raw = name.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidParameterError("cookie names must be valid Unicode text") from exc
    return quote(raw, safe=_NAME_SAFE)


def _decode(text: str) -> str | None:
    try:
        return unquote(text, errors="strict")
    except UnicodeDecodeError:
        return None


def _split_encoded(encoded: str, size: int) -> list[str]:
    """Cut ``encoded`` into pieces of at most ``size`` chars, never inside a %XX escape."""
    pieces: list[str] = []
    start = 0
    while start < len(encoded):
        end = min(start + size, len(encoded))
        if end < len(encoded):
            # Step back when the cut would split '%XX'.
            for back in (1, 2):
                if encoded[end - back] == "%":
                    end -= back
                    break
        pieces.append(encoded[start:end])
        start = end
    return pieces


class CookieStorage:
    """Cookies, readable by the JS SDK's ``CookieStorage`` (js-cookie encoding).

    Args:
        domain: the cookie domain (required).
        path: cookie path.
        expires: lifetime in days; ``None`` for session cookies.
        secure: the Secure flag.
        same_site: ``'lax'``, ``'strict'`` or ``'none'`` (``'none'`` needs ``secure``).
        jar: where cookies go; ``document.cookie`` by default.

    A value whose cookie would pass :attr:`max_cookie_bytes` is split: chunks go to
    ``<key>.1`` ... ``<key>.<n>`` and ``<key>.count`` holds ``n``, while ``<key>`` itself is
    removed, so the JS SDK sees no token rather than a truncated one. Values that fit are
    stored exactly as the JS SDK stores them.
    """

    #: Budget for name + '=' + encoded value of one cookie (browsers cap at 4096).
    max_cookie_bytes: int = 3800

    def __init__(
        self,
        domain: str,
        path: str = "/",
        expires: int | float | None = 365,
        secure: bool = True,
        same_site: str | None = "lax",
        *,
        jar: CookieJar | None = None,
    ) -> None:
        if not domain or not isinstance(domain, str):
            raise InvalidParameterError("The domain of cookieStorage can not be undefined.")
        if same_site is not None:
            same_site = same_site.lower()
            if same_site not in ("lax", "strict", "none"):
                raise InvalidParameterError(
                    'The sameSite value of cookieStorage must be "lax", "strict" or "none".'
                )
            if same_site == "none" and not secure:
                raise InvalidParameterError(
                    "sameSite = None requires the Secure attribute in latest browser versions."
                )
        self.domain = domain
        self.path = path or "/"
        self.expires = expires
        self.secure = secure
        self.same_site = same_site
        self._jar: CookieJar = jar if jar is not None else DocumentCookieJar()

    def _attributes(self, delete: bool = False) -> str:
        parts = [f"path={self.path}", f"domain={self.domain}"]
        if delete:
            parts.append(f"expires={_EPOCH}")
        elif self.expires is not None:
            when = datetime.now(UTC) + timedelta(days=self.expires)
            parts.append(f"expires={email.utils.format_datetime(when, usegmt=True)}")
        if self.secure:
            parts.append("secure")
        if self.same_site:
            parts.append(f"sameSite={self.same_site}")
        return "; ".join(parts)

    def _cookies(self) -> dict[str, str]:
        """Visible cookies, decoded names to raw values; the first of a name wins."""
        found: dict[str, str] = {}
        text = self._jar.read()
        for pair in text.split("; ") if text else []:
            raw_name, _, raw_value = pair.partition("=")
            name = _decode(raw_name)
            if name is not None and name not in found:
                found[name] = raw_value
        return found

    def _write(self, name: str, encoded_value: str) -> None:
        self._jar.write(f"{_encode_name(name)}={encoded_value}; {self._attributes()}")

    def _delete(self, name: str) -> None:
        self._jar.write(f"{_encode_name(name)}=; {self._attributes(delete=True)}")

    @staticmethod
    def _count(cookies: dict[str, str], key: str) -> int:
        raw = cookies.get(f"{key}.count")
        return int(raw) if raw is not None and raw.isdigit() else 0

    def get_item(self, key: str) -> str | None:
        """The value for ``key`` (joined back when split), or ``None``."""
        cookies = self._cookies()
        if key in cookies:
            raw = cookies[key]
            if raw.startswith('"'):  # js-cookie strips quotes the same way
                raw = raw[1:-1]
            return _decode(raw)
        count = self._count(cookies, key)
        if not count:
            return None
        chunks = [cookies.get(f"{key}.{i}") for i in range(1, count + 1)]
        if any(chunk is None for chunk in chunks):
            return None  # a chunk was evicted: the value is gone, not half there
        return _decode("".join(chunk for chunk in chunks if chunk is not None))

    def set_item(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``, split over several cookies when too large."""
        _check_str("key", key)
        encoded = _encode_value(_check_str("value", value))
        cookies = self._cookies()
        old_count = self._count(cookies, key)
        name_len = len(_encode_name(key).encode("utf-8"))
        if name_len + 1 + len(encoded) <= self.max_cookie_bytes:
            self._write(key, encoded)
            self._drop_chunks(key, 1, old_count)
            return
        # Chunk names are longer by '.<n>'; leave room for the widest index.
        room = self.max_cookie_bytes - name_len - 1 - 1 - len(str(len(encoded)))
        if room < 16:
            raise InvalidParameterError(f"cookie name too long to store a value: {key!r}")
        chunks = _split_encoded(encoded, room)
        for index, chunk in enumerate(chunks, start=1):
            self._write(f"{key}.{index}", chunk)
        self._write(f"{key}.count", str(len(chunks)))
        if key in cookies:
            self._delete(key)
        self._drop_chunks(key, len(chunks) + 1, old_count, keep_count=True)

    def _drop_chunks(self, key: str, first: int, last: int, keep_count: bool = False) -> None:
        for index in range(first, last + 1):
            self._delete(f"{key}.{index}")
        if last and not keep_count:
            self._delete(f"{key}.count")

    def remove_item(self, key: str) -> None:
        """Remove ``key`` and any chunks of it."""
        cookies = self._cookies()
        self._delete(key)
        self._drop_chunks(key, 1, self._count(cookies, key))

    def clear(self) -> None:
        """Remove every visible cookie (what the JS SDK's ``clear`` does)."""
        for name in self._cookies():
            self._delete(name)


# --- key names --------------------------------------------------------------------------


class StorageKeys:
    """The JS SDK's storage key names for one app client (and optionally one user).

    ``prefix`` is ``CognitoIdentityServiceProvider.<clientId>``; the per-user names are
    ``<prefix>.<username>.idToken`` and so on.
    """

    #: The first part of every key (the JS SDK's); the SDK spells it nowhere else.
    PREFIX = "CognitoIdentityServiceProvider"

    def __init__(self, client_id: str, username: str | None = None) -> None:
        self.client_id = client_id
        self.username = username
        self.prefix = f"{self.PREFIX}.{client_id}"
        self.last_auth_user = f"{self.prefix}.LastAuthUser"

    def for_user(self, username: str) -> StorageKeys:
        """The same keys for another user."""
        return StorageKeys(self.client_id, username)

    def _user_key(self, suffix: str) -> str:
        if self.username is None:
            raise InvalidParameterError("StorageKeys needs a username for per-user keys")
        return f"{self.prefix}.{self.username}.{suffix}"

    @property
    def id_token(self) -> str:
        """``<prefix>.<username>.idToken``."""
        return self._user_key("idToken")

    @property
    def access_token(self) -> str:
        """``<prefix>.<username>.accessToken``."""
        return self._user_key("accessToken")

    @property
    def refresh_token(self) -> str:
        """``<prefix>.<username>.refreshToken``."""
        return self._user_key("refreshToken")

    @property
    def clock_drift(self) -> str:
        """``<prefix>.<username>.clockDrift``."""
        return self._user_key("clockDrift")

    @property
    def user_data(self) -> str:
        """``<prefix>.<username>.userData``."""
        return self._user_key("userData")

    @property
    def device_key(self) -> str:
        """``<prefix>.<username>.deviceKey``."""
        return self._user_key("deviceKey")

    @property
    def random_password_key(self) -> str:
        """``<prefix>.<username>.randomPasswordKey``."""
        return self._user_key("randomPasswordKey")

    @property
    def device_group_key(self) -> str:
        """``<prefix>.<username>.deviceGroupKey``."""
        return self._user_key("deviceGroupKey")

    def session_keys(self) -> list[str]:
        """Keys a sign-out clears: tokens, clock drift and LastAuthUser (not device keys)."""
        return [
            self.id_token,
            self.access_token,
            self.refresh_token,
            self.clock_drift,
            self.last_auth_user,
        ]

    def device_keys(self) -> list[str]:
        """The remembered-device keys."""
        return [self.device_key, self.random_password_key, self.device_group_key]
