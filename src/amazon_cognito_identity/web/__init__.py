"""Browser helpers: the worker storage bridge, the worker RPC app and the embeddable LoginForm.

Importing this package does not touch any browser API; the LoginForm needs Pyodide/PyScript.
"""

from __future__ import annotations

import importlib

from .bridge import KEY_PREFIX, MirrorStorage, cookie_entries

__all__ = ["KEY_PREFIX", "LoginForm", "MirrorStorage", "cookie_entries"]


def __getattr__(name: str) -> object:
    # LoginForm imports the flows and the DOM helpers: load it only when asked for.
    if name == "LoginForm":
        return importlib.import_module(f"{__name__}.login_form").LoginForm
    raise AttributeError(name)
