"""Runs the page's ``<script type="py-auth">`` code in the worker and routes page events.

``web/cognito-auth.js`` starts the worker (``web/portal/worker.js``), then calls two RPC
methods this module registers on the :class:`~.worker.WorkerApp`:

- ``run_script(code, name)``: run the script's Python (top-level ``await`` allowed) with a
  :class:`~.component.PostPage` as the current page;
- ``ui_event(mount, handler, type, values, target)``: deliver a DOM event to the component
  mounted at ``mount``.

A worker has no ``localStorage``: before the script runs, a synchronous stand-in backed by the
worker's :class:`~.bridge.MirrorStorage` is put in its place, so a plain
``CognitoUserPool(...)`` keeps its sessions in the page's real ``localStorage`` (same keys as
amazon-cognito-identity-js).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import traceback
from typing import TYPE_CHECKING, Any

from .bridge import MirrorStorage
from .component import PostPage, set_current_page

if TYPE_CHECKING:
    from .worker import WorkerApp

__all__ = ["StorageShim", "install"]


class StorageShim:
    """The Web Storage interface (``getItem``...) over a :class:`MirrorStorage`."""

    def __init__(self, mirror: MirrorStorage) -> None:
        self._mirror = mirror

    @property
    def length(self) -> int:
        """Number of mirrored keys."""
        return len(self._mirror.keys())

    def key(self, index: int) -> str | None:
        """The key at ``index``, or None."""
        keys = self._mirror.keys()
        return keys[index] if 0 <= index < len(keys) else None

    def getItem(self, key: str) -> str | None:
        """Web Storage ``getItem``."""
        return self._mirror.get_item(key)

    def setItem(self, key: str, value: str) -> None:
        """Web Storage ``setItem``."""
        self._mirror.set_item(key, value)

    def removeItem(self, key: str) -> None:
        """Web Storage ``removeItem``."""
        self._mirror.remove_item(key)

    def clear(self) -> None:
        """Web Storage ``clear`` (the page's other keys stay)."""
        self._mirror.clear()


def _install_local_storage(mirror: MirrorStorage) -> None:
    try:
        js: Any = importlib.import_module("js")
        ffi = importlib.import_module("pyodide.ffi")
    except ModuleNotFoundError:  # CPython (tests): nothing to replace
        return
    if getattr(js, "localStorage", None) is None:
        # The SDK's LocalStorage reads js.localStorage: give the worker one.
        js.localStorage = ffi.create_proxy(StorageShim(mirror))


async def run_code(code: str, name: str, namespace: dict[str, Any]) -> None:
    """Run ``code`` like a module body, allowing top-level ``await``."""
    compiled = compile(code, name, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    outcome = eval(compiled, namespace)  # noqa: S307 - the page author's own script
    if inspect.isawaitable(outcome):
        await outcome


def install(app: WorkerApp) -> None:
    """Register ``run_script`` and ``ui_event`` on ``app`` and make its page current."""
    page = PostPage(app.post)
    set_current_page(page)
    _install_local_storage(app.storage)

    async def run_script(code: str, name: str = "<py-auth>") -> None:
        namespace: dict[str, Any] = {"__name__": "__main__"}
        try:
            await run_code(code, name, namespace)
        except Exception:
            page.log(traceback.format_exc(), "error")
            raise

    app.register("run_script", run_script)
    app.register("ui_event", page.event)
