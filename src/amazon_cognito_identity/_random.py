"""Cryptographically secure random bytes, and nothing weaker.

Under Pyodide the bytes come from the browser's ``crypto.getRandomValues``; on CPython from
:mod:`secrets` (the OS source). When neither is available :class:`InsecureRandomnessError`
is raised: the SDK never falls back to :mod:`random`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from .errors import InsecureRandomnessError, InvalidParameterError

__all__ = ["os_random", "platform_source", "random_bytes", "set_random_source", "web_random"]

# getRandomValues refuses more than 65536 bytes per call.
_WEB_CHUNK = 65536

_source: Callable[[int], bytes] | None = None


def set_random_source(fn: Callable[[int], bytes] | None) -> None:
    """Replace the random source (tests only); ``None`` restores the secure default."""
    global _source
    _source = fn


def web_random(n: int) -> bytes:
    """``n`` bytes from the browser's ``crypto.getRandomValues`` (Pyodide)."""
    try:
        import js  # only exists under Pyodide

        crypto: Any = js.crypto
        uint8array: Any = js.Uint8Array
        out = bytearray()
        while len(out) < n:
            size = min(_WEB_CHUNK, n - len(out))
            buf = uint8array.new(size)
            crypto.getRandomValues(buf)
            out += bytes(buf.to_py())
    except Exception as exc:  # no crypto object, or it refused
        raise InsecureRandomnessError(f"crypto.getRandomValues is not available: {exc}") from exc
    return bytes(out)


def random_bytes(n: int) -> bytes:
    """Return ``n`` cryptographically secure random bytes.

    Raises:
        InsecureRandomnessError: no secure source exists on this platform.
        InvalidParameterError: ``n`` is negative.
    """
    if n < 0:
        raise InvalidParameterError("n must be >= 0")
    if _source is not None:
        data = _source(n)
        if len(data) != n:
            raise InsecureRandomnessError(f"random source gave {len(data)} bytes, wanted {n}")
        return data
    return platform_source(n)


def os_random(n: int) -> bytes:
    """``n`` bytes from the OS source (:mod:`secrets`)."""
    try:
        return secrets.token_bytes(n)
    except NotImplementedError as exc:  # os.urandom has no source here
        raise InsecureRandomnessError("the OS has no secure random source") from exc


#: The platform's secure source; :mod:`.runtime` sets it (``web_random`` under Pyodide).
platform_source: Callable[[int], bytes] = os_random
