"""The same-thread :class:`~.component.Page`: renders component descriptions with ``js.document``.

Used when Python runs on the page's main thread (PyScript ``<script type="py">`` without
``worker``, the classic :class:`~.login_form.LoginForm` set-up). It follows the rendering rules
of :mod:`.component` exactly as ``web/cognito-auth.js`` does for a worker.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .component import Component, Event, Node

__all__ = ["DomPage", "form_values"]

_INPUTS = ("input", "select", "textarea")


def _is_null(value: Any) -> bool:
    if value is None:
        return True
    try:
        return value is importlib.import_module("pyodide.ffi").jsnull
    except (ModuleNotFoundError, AttributeError):
        return False


def form_values(form: Any) -> dict[str, str]:
    """The named fields of ``form`` as ``{name: value}`` (unchecked boxes left out)."""
    values: dict[str, str] = {}
    if _is_null(form):
        return values
    elements = form.elements
    for index in range(int(elements.length)):
        el = elements.item(index)
        name = str(el.name or "")
        if not name or (str(el.type) in ("checkbox", "radio") and not el.checked):
            continue
        values[name] = str(el.value)
    return values


class DomPage:
    """Renders into ``document`` on the current thread; events call the components directly."""

    def __init__(
        self, document: Any = None, create_proxy: Callable[[Callable[..., Any]], Any] | None = None
    ) -> None:
        if document is None:
            document = importlib.import_module("js").document
        if create_proxy is None:
            create_proxy = importlib.import_module("pyodide.ffi").create_proxy
        self.document = document
        self._proxy = create_proxy
        self.components: dict[str, Component] = {}
        self._keep: list[Any] = []  # proxies must outlive the listeners that use them
        self._tasks: set[asyncio.Future[Any]] = set()

    def attach(self, mount: str, component: Component) -> None:
        """Route the events of ``mount`` to ``component``."""
        self.components[mount] = component

    def _root(self, selector: str) -> Any:
        root = self.document.querySelector(selector)
        if _is_null(root):
            raise ValueError(f"no element matches {selector!r}")
        return root

    def render(self, mount: str, nodes: Sequence[Node], *, focus: str | None = None) -> None:
        """Replace the content of ``mount``, keeping inputs by name (value and focus)."""
        root = self._root(mount)
        kept: dict[tuple[str, str], Any] = {}
        found = root.querySelectorAll("input[name], select[name], textarea[name]")
        for index in range(int(found.length)):
            el = found.item(index)
            kept.setdefault((str(el.tagName).lower(), str(el.name)), el)
        active = self.document.activeElement
        built = [self._build(node, kept, mount) for node in nodes]
        root.replaceChildren(*built)
        target: Any = None if focus is None else root.querySelector(focus)
        if not _is_null(target):
            target.focus()
        elif (
            not _is_null(active)
            and bool(active.isConnected)
            and active is not self.document.activeElement
        ):
            active.focus()

    def _build(self, node: Node, kept: dict[tuple[str, str], Any], mount: str) -> Any:
        if isinstance(node, str):
            return self.document.createTextNode(node)
        tag = str(node["tag"])
        attrs: Mapping[str, str] = node.get("attrs", {})
        name = attrs.get("name")
        el = kept.pop((tag, name), None) if tag in _INPUTS and name else None
        if el is None:
            el = self.document.createElement(tag)
        for key, value in attrs.items():
            if key == "value":
                el.value = value
            else:
                el.setAttribute(key, value)
        for child in node.get("children", ()):
            el.appendChild(self._build(child, kept, mount))
        for kind, handler in node.get("on", {}).items():
            proxy = self._proxy(self._listener(mount, kind, handler))
            self._keep.append(proxy)
            el.addEventListener(kind, proxy)
        return el

    def _listener(self, mount: str, kind: str, handler: str) -> Callable[[Any], None]:
        def listen(event: Any) -> None:
            event.preventDefault()
            el = event.currentTarget
            form = el if str(el.tagName).lower() == "form" else el.closest("form")
            target = str(el.name or el.id or "") or None
            component = self.components.get(mount)
            if component is None:
                return
            task = asyncio.ensure_future(
                component.dispatch(Event(kind, handler, form_values(form), target))
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        return listen

    def set_text(self, selector: str, text: str) -> None:
        """Set the text of every element ``selector`` matches."""
        found = self.document.querySelectorAll(selector)
        for index in range(int(found.length)):
            found.item(index).textContent = str(text)

    def emit(self, mount: str, name: str, detail: Mapping[str, Any]) -> None:
        """Dispatch a bubbling ``CustomEvent`` on ``mount``."""
        js = importlib.import_module("js")
        to_js = importlib.import_module("pyodide.ffi").to_js
        options = to_js(
            {"detail": dict(detail), "bubbles": True}, dict_converter=js.Object.fromEntries
        )
        self._root(mount).dispatchEvent(js.CustomEvent.new(name, options))

    def log(self, text: str, level: str = "info") -> None:
        """Write to the console."""
        console = importlib.import_module("js").console
        getattr(console, level if level in ("info", "warn", "error") else "log")(str(text))
