"""RPC endpoint the portal's Web Worker (web/portal/worker.js) drives.

The main thread posts ``{"id": n, "method": name, "params": {...}}``; :meth:`WorkerApp.handle`
answers ``{"id": n, "result": ...}`` or ``{"id": n, "error": {"code", "name", "message"}}``,
with errors taken from :class:`~amazon_cognito_identity.errors.CognitoError` so the page can
show them as they are. Messages cross the worker boundary as JSON text, which keeps Pyodide
proxies out of the protocol. Unsolicited messages (storage writes, progress) go through
``post``.
"""

from __future__ import annotations

import importlib
import inspect
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from .. import __version__
from ..errors import CognitoError
from .bridge import MainThread, MirrorStorage, cookie_entries

__all__ = ["WorkerApp", "create_app", "current_app", "error_payload"]

Post = Callable[[str], None]
Method = Callable[..., Awaitable[Any] | Any]


def error_payload(exc: BaseException) -> dict[str, str]:
    """The JSON shape of an error shown to the user: code, name and message."""
    if isinstance(exc, CognitoError):
        code = exc.code or exc.name or type(exc).__name__
        return {"code": str(code), "name": str(exc.name or code), "message": str(exc.message)}
    name = type(exc).__name__
    return {"code": name, "name": name, "message": str(exc) or name}


class WorkerApp:
    """Holds the worker's storage mirror and the RPC methods registered on it."""

    def __init__(self, init: Mapping[str, Any], post: Post) -> None:
        self._post = post
        #: Posts one JSON message to the main thread (components and storage use it).
        self.post: Post = post
        self.config: dict[str, Any] = dict(init.get("config") or {})
        #: The application service registered by an installer (the portal's AccountService).
        self.account: object | None = None
        seeded = dict(init.get("storage") or {})
        self.storage = MirrorStorage(seeded, post, area="local")
        #: The tab's sessionStorage (the hosted UI's PKCE verifier and state wait there).
        self.session_storage = MirrorStorage(dict(init.get("session") or {}), post, area="session")
        #: Browser calls only the page's main thread can make (WebAuthn, navigation).
        self.main = MainThread(post)
        cookie_attrs = init.get("cookie_attrs") or {"path": "/", "expires": 365}
        self.cookie_storage = MirrorStorage(
            cookie_entries(str(init.get("cookies") or "")),
            post,
            area="cookie",
            cookie_attrs=cookie_attrs,
        )
        self._methods: dict[str, Method] = {
            "ping": self._ping,
            "storage_get": self._storage_get,
            "storage_set": self._storage_set,
            "storage_remove": self._storage_remove,
        }

    def register(self, name: str, method: Method) -> None:
        """Expose ``method`` (sync or async, keyword parameters) as RPC ``name``."""
        self._methods[name] = method

    def register_object(self, obj: object, prefix: str = "") -> None:
        """Expose every public callable attribute of ``obj``."""
        for name in dir(obj):
            if not name.startswith("_") and callable(value := getattr(obj, name)):
                self._methods[prefix + name] = value

    def progress(self, stage: str, detail: str = "") -> None:
        """Tell the page what the worker is doing (drives the progress indicator)."""
        self._post(json.dumps({"type": "progress", "stage": stage, "detail": detail}))

    def info(self) -> str:
        """JSON facts the page shows once ready."""
        return json.dumps({"sdk_version": __version__, "methods": sorted(self._methods)})

    def storage_event(self, text: str) -> None:
        """Apply a main-thread storage change (JSON ``{area, key, value}``) to the mirror."""
        change = json.loads(text)
        self._store(str(change.get("area") or "local")).apply(change)

    def main_reply(self, text: str) -> None:
        """The page answered a :class:`~.bridge.MainThread` call (worker.js calls this)."""
        self.main.reply(text)

    async def handle(self, text: str) -> str:
        """Run one RPC message and return the JSON reply."""
        try:
            message = json.loads(text)
        except ValueError as exc:
            return json.dumps({"id": None, "error": error_payload(exc)})
        msg_id = message.get("id")
        # The page sends its current store with each call: code on the page (the JS SDK, a
        # second tab) may have changed it since the last one.
        if isinstance(message.get("storage"), dict):
            self.storage.replace_all(message["storage"])
        if isinstance(message.get("cookies"), str):
            self.cookie_storage.replace_all(cookie_entries(message["cookies"]))
        method = self._methods.get(str(message.get("method")))
        if method is None:
            err = {"code": "UnknownMethod", "name": "UnknownMethod", "message": "no such method"}
            return json.dumps({"id": msg_id, "error": err})
        try:
            result = method(**(message.get("params") or {}))
            if inspect.isawaitable(result):
                result = await result
        except Exception as exc:  # every failure becomes a message the page can show
            return json.dumps({"id": msg_id, "error": error_payload(exc)})
        return json.dumps({"id": msg_id, "result": result})

    def _store(self, area: str) -> MirrorStorage:
        if area == "cookie":
            return self.cookie_storage
        return self.session_storage if area == "session" else self.storage

    def _ping(self) -> str:
        return "pong"

    def _storage_get(self, key: str, area: str = "local") -> str | None:
        return self._store(area).get_item(key)

    def _storage_set(self, key: str, value: str, area: str = "local") -> None:
        self._store(area).set_item(key, value)

    def _storage_remove(self, key: str, area: str = "local") -> None:
        self._store(area).remove_item(key)


# Factories that add application methods (the account portal registers itself here).
_INSTALLERS: list[Callable[[WorkerApp], None]] = []


def add_installer(installer: Callable[[WorkerApp], None]) -> None:
    """Run ``installer(app)`` on every app :func:`create_app` makes."""
    _INSTALLERS.append(installer)


_CURRENT: list[WorkerApp] = []


def current_app() -> WorkerApp | None:
    """The app :func:`create_app` made in this worker (page scripts register methods on it)."""
    return _CURRENT[0] if _CURRENT else None


def create_app(init_json: str, post: Post) -> WorkerApp:
    """Entry point called by worker.js: build the app from the page's init message."""
    app = WorkerApp(json.loads(init_json), post)
    _CURRENT[:] = [app]
    # <script type="py-auth"> code and the page's events (web/cognito-auth.js).
    importlib.import_module(f"{__package__}.script").install(app)
    for installer in _INSTALLERS:
        installer(app)
    try:
        # The account portal's methods; absent from a build without the user flows.
        account = importlib.import_module(f"{__package__}.account_rpc")
    except ModuleNotFoundError:
        return app
    account.install(app)
    return app
