"""Slots the platform seam (:mod:`.runtime`) fills for modules it does not import.

Token checks (:mod:`.verify`) are an optional part of the browser build, loaded on first use,
so the seam cannot import them to plug them in; they read these slots instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any


def _no_browser() -> Any:
    return None


#: Returns the browser's globals (``js``), or None outside the browser.
browser_globals: Callable[[], Any] = _no_browser

#: ``async get(url) -> bytes`` over the platform's default transport; None until plugged.
http_get: Callable[[str], Awaitable[bytes]] | None = None
