"""Browser helpers: the worker storage bridge and RPC app, the component base, and the sign-in
component (:class:`Authenticator`, also under its earlier name ``LoginForm``).

Importing this package does not touch any browser API; the components need Pyodide (in the
site kit's worker, or PyScript on the main thread). ``page`` is the current
:class:`~.component.Page` (``page.set_text("#result", "Welcome")``).
"""

from __future__ import annotations

import importlib

from .bridge import KEY_PREFIX, MirrorStorage, cookie_entries

__all__ = [
    "KEY_PREFIX",
    "Authenticator",
    "Component",
    "Event",
    "LoginForm",
    "MirrorStorage",
    "cookie_entries",
    "h",
    "page",
]

# Loaded only when asked for: they import the flows (and, for LoginForm, the DOM helpers).
_LAZY = {
    "Authenticator": "authenticator",
    "LoginForm": "login_form",
    "Component": "component",
    "Event": "component",
    "h": "component",
}


def __getattr__(name: str) -> object:
    if name == "page":
        return importlib.import_module(f"{__name__}.component").current_page()
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(name)
