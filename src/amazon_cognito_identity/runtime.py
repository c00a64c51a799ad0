"""Where the SDK runs: CPython or Pyodide, and the defaults that follow from it.

``js`` and ``pyodide`` are imported lazily, only when asked for, so importing the SDK on
CPython never touches them.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .storage import Storage

__all__ = ["IS_PYODIDE", "default_storage", "default_transport", "get_js", "get_pyodide"]

#: True when running in the browser under Pyodide (emscripten).
IS_PYODIDE: bool = sys.platform == "emscripten"


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


def default_storage() -> Storage:
    """Return the storage a new pool uses by default.

    ``LocalStorage`` in the browser (it warns and keeps to memory when localStorage is
    unavailable), a fresh per-instance ``MemoryStorage`` elsewhere: never a process-wide dict.
    """
    from .storage import LocalStorage, MemoryStorage

    if IS_PYODIDE:
        return LocalStorage()
    return MemoryStorage()


def default_transport() -> Any:
    """Return the HTTP transport for this platform (pyfetch in Pyodide, urllib elsewhere)."""
    transport = importlib.import_module(f"{__package__}.transport")
    if IS_PYODIDE:
        return transport.PyfetchTransport()
    return transport.UrllibTransport()
