"""Checks every request passes before any handler runs: Host allowlist, Origin on the
``/_emulator/*`` routes, body size, JSON depth and string content."""

from __future__ import annotations

import unicodedata
from typing import Any

from .errors import ServiceError, invalid_parameter, serialization

MAX_DEPTH = 32
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def host_name(host: str) -> str:
    """The name part of a Host header (``[::1]:9229`` -> ``::1``, ``a:1`` -> ``a``)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def host_allowed(host: str | None, bound: str | None, extra: list[str]) -> bool:
    """Whether a Host header names this server: a page on another name (DNS rebinding) may
    not reach it. A request without Host (HTTP/1.0) passes."""
    if host is None:
        return True
    name = host_name(host)
    allowed = LOCAL_HOSTS | {h.lower() for h in extra} | ({bound.lower()} if bound else set())
    return name in allowed


def check_strings(value: Any, depth: int = 0) -> None:
    """Walk a parsed JSON body: SerializationException past MAX_DEPTH levels,
    InvalidParameterException for a lone surrogate, NUL or other control character in any
    string (tab, CR and LF are allowed; fields that forbid them check again)."""
    if depth > MAX_DEPTH:
        raise serialization(f"JSON nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        _check_text(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            check_strings(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_strings(item, depth + 1)


def _check_text(text: str) -> None:
    if text.isprintable():
        return
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cs" or (category == "Cc" and ch not in "\t\n\r"):
            raise invalid_parameter(
                f"Invalid character U+{ord(ch):04X} in a string parameter"
                " (control characters and lone surrogates are refused)"
            )


def too_large(limit: int) -> ServiceError:
    """413 for a body over ``limit`` bytes."""
    return ServiceError(
        "RequestEntityTooLarge", f"The request body is larger than {limit} bytes", 413
    )
