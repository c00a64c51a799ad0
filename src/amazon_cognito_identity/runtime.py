"""The platform seam: the one module that knows whether the SDK runs under Pyodide.

It hands out the defaults that follow from the platform (transport, storage, RSA backend)
and, on import, plugs the browser into the core's hooks: the page's globals for
``LocalStorage``/``document.cookie`` (:data:`.storage.browser_globals`), WebCrypto and a GET
for JWKS (:mod:`._hooks`, which :mod:`.verify` reads),
``crypto.getRandomValues`` as the random source
(:data:`._random.platform_source`) and the JS BigInt modexp for SRP
(:func:`.srp.set_modpow_chooser`). The core modules never import this one.

``js`` and ``pyodide`` are imported lazily, only when asked for, so importing the SDK on
CPython never touches them.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any

from . import _hooks, _jsbigint, _random, srp, storage, transport

__all__ = [
    "IS_PYODIDE",
    "default_storage",
    "default_transport",
    "get_js",
    "get_pyodide",
    "install",
    "is_pyodide",
]

#: True when running in the browser under Pyodide (emscripten).
IS_PYODIDE: bool = sys.platform == "emscripten"


def is_pyodide() -> bool:
    """True under Pyodide (reads :data:`IS_PYODIDE`, so tests may switch it)."""
    return IS_PYODIDE


def _try_import(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def get_js() -> Any | None:
    """Return the ``js`` module (the browser's globals) or ``None`` outside Pyodide."""
    if not IS_PYODIDE:
        return None
    return _try_import("js")


def get_pyodide() -> Any | None:
    """Return the ``pyodide`` module or ``None`` outside Pyodide."""
    if not IS_PYODIDE:
        return None
    return _try_import("pyodide")


def default_storage() -> storage.Storage:
    """Return the storage a new pool uses by default.

    ``LocalStorage`` in the browser (it warns and keeps to memory when localStorage is
    unavailable), a fresh per-instance ``MemoryStorage`` elsewhere: never a process-wide dict.
    """
    if IS_PYODIDE:
        return storage.LocalStorage()
    return storage.MemoryStorage()


def default_transport(timeout: float = 30.0) -> transport.Transport:
    """Return the HTTP transport for this platform (pyfetch in Pyodide, urllib elsewhere)."""
    if IS_PYODIDE:
        return transport.PyfetchTransport(timeout)
    return transport.UrllibTransport(timeout)


async def _default_jwks_fetch(url: str) -> bytes:
    return await transport.http_fetch(default_transport())(url)


def _platform_random(n: int) -> bytes:
    return _random.web_random(n) if IS_PYODIDE else _random.os_random(n)


def _choose_modpow() -> None:
    if IS_PYODIDE:
        _jsbigint.install()  # calls srp.set_modpow when JS BigInt is right and faster here


def install() -> None:
    """Plug this platform into the core's hooks (done once, on import)."""
    storage.browser_globals = get_js
    _hooks.browser_globals = get_js  # token checks (.verify, loaded on first use) read these
    _hooks.http_get = _default_jwks_fetch
    _random.platform_source = _platform_random
    srp.set_modpow_chooser(_choose_modpow)


install()
