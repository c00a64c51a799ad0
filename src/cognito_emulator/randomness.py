"""Secure random bytes, ids and numbers, read from the OS in blocks.

An SRP sign-in needs about ten small random values (session id, SRP secret b, request ids,
token ids, the refresh token). Each ``os.urandom`` call is a syscall, and syscalls are slow on
sandboxed machines (about 70 µs each measured here), so this module reads 4 KiB at a time
from the same kernel CSPRNG and hands out every byte exactly once. After a fork the buffer is
dropped, so two processes never share bytes.
"""

from __future__ import annotations

import base64
import os
import secrets
import threading
import uuid

_BLOCK = 4096
_lock = threading.Lock()
_buf = b""
_pos = 0
_pid = -1


def token_bytes(n: int) -> bytes:
    """``n`` fresh random bytes from the OS CSPRNG (never handed out twice)."""
    global _buf, _pos, _pid
    if n > _BLOCK // 4:
        return os.urandom(n)
    with _lock:
        pid = os.getpid()
        if pid != _pid or _pos + n > len(_buf):
            _buf, _pos, _pid = os.urandom(_BLOCK), 0, pid
        out = _buf[_pos : _pos + n]
        _pos += n
    return out


def token_urlsafe(nbytes: int) -> str:
    """Like :func:`secrets.token_urlsafe`: ``nbytes`` random bytes, base64url without padding."""
    return base64.urlsafe_b64encode(token_bytes(nbytes)).rstrip(b"=").decode("ascii")


def randbits(k: int) -> int:
    """A random non-negative integer of at most ``k`` bits, like :func:`secrets.randbits`."""
    if k <= 0:
        return 0
    value = int.from_bytes(token_bytes((k + 7) // 8), "big")
    return value >> (-k % 8)


def uuid4() -> uuid.UUID:
    """A random (version 4) UUID."""
    return uuid.UUID(bytes=token_bytes(16), version=4)


ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def random_string(n: int, alphabet: str = ALNUM) -> str:
    """``n`` characters drawn uniformly from ``alphabet`` (ids, client secrets, passwords)."""
    return "".join(secrets.choice(alphabet) for _ in range(n))
