"""Python components that run off the main thread and render into the page.

A component never holds DOM objects. It describes what the page should show as plain data
(:func:`h` builds the nodes), hands that to a :class:`Page`, and gets the page's events back
as :class:`Event` values. Two pages exist:

- :class:`PostPage` (a Web Worker): every operation becomes one JSON message
  ``{"type": "ui", "op": ...}`` posted to the main thread, where ``web/cognito-auth.js``
  renders it; events come back as the RPC call ``ui_event`` (see :mod:`.script`). The worker
  never touches ``document``, so no cross-origin-isolation headers are needed.
- :class:`DomPage` (same thread, PyScript/Pyodide on the
  main thread): the same description applied to ``js.document`` directly.

The rendering rules both pages follow (docs/web.md, "Python components"):

- ``render(mount, nodes)`` replaces the children of the element ``mount`` selects;
  text is always inserted as text, never as HTML.
- Inputs (``input``/``select``/``textarea``) are keyed by their ``name``: an input of the
  same tag and name already inside ``mount`` is moved into the new tree, so what the user typed
  and the focus stay. A node that states ``value`` sets it (``""`` clears).
- ``on={"submit": "sign_in"}`` on a node makes the page call the component's
  ``do_sign_in(event)`` with the values of the form's named fields; a submit is never sent to
  the server and only handler names present in the last render can be called.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..errors import InvalidParameterError

__all__ = [
    "Component",
    "DomPage",
    "Event",
    "Node",
    "Page",
    "PostPage",
    "current_page",
    "form_values",
    "h",
    "handler_names",
    "set_current_page",
]

#: A rendered node: an element description (a dict from :func:`h`) or a text string.
Node = dict[str, Any] | str

Child = Node | None | Iterable["Child"]


def _flatten(children: Iterable[Child], out: list[Node]) -> list[Node]:
    for child in children:
        if child is None:
            continue
        if isinstance(child, str | dict):
            out.append(child)
        else:
            _flatten(child, out)
    return out


def h(
    tag: str,
    attrs: Mapping[str, str | bool | None] | None = None,
    *children: Child,
    on: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Describe an element: ``h("label", {"for": "x"}, "Name")``.

    Attribute values ``None`` and ``False`` leave the attribute out, ``True`` sets it empty
    (``disabled``, ``required``). Children may be nodes, strings, ``None`` (skipped) or nested
    lists. ``on`` maps DOM event types to handler names (see :class:`Component`).
    """
    node: dict[str, Any] = {"tag": tag}
    if attrs:
        kept = {k: ("" if v is True else v) for k, v in attrs.items() if v not in (None, False)}
        if kept:
            node["attrs"] = kept
    if on:
        node["on"] = dict(on)
    nodes = _flatten(children, [])
    if nodes:
        node["children"] = nodes
    return node


def handler_names(nodes: Iterable[Node]) -> set[str]:
    """Every handler name an ``on`` mapping in ``nodes`` mentions."""
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, dict):
            names.update(node.get("on", {}).values())
            names |= handler_names(node.get("children", ()))
    return names


@dataclass(frozen=True)
class Event:
    """What the page reports back: ``type`` (``"submit"``, ``"click"``...), the ``handler``
    name from the node's ``on`` mapping, the ``values`` of the enclosing form's named fields
    and the ``target`` element's name or id."""

    type: str
    handler: str
    values: Mapping[str, str] = field(default_factory=dict)
    target: str | None = None

    def value(self, name: str, default: str = "") -> str:
        """The value of field ``name`` (stripped of surrounding white space unless a
        password-like field: those are taken as typed)."""
        raw = str(self.values.get(name, default))
        return raw if "password" in name else raw.strip()


class Page(Protocol):
    """Where components render; implemented by :class:`PostPage` and ``DomPage``."""

    def attach(self, mount: str, component: Component) -> None:
        """Route the events of ``mount`` to ``component``."""

    def render(self, mount: str, nodes: Sequence[Node], *, focus: str | None = None) -> None:
        """Replace the content of ``mount`` (keeping inputs by name), then focus ``focus``."""

    def set_text(self, selector: str, text: str) -> None:
        """Set the text of every element ``selector`` matches (e.g. a welcome line)."""

    def emit(self, mount: str, name: str, detail: Mapping[str, Any]) -> None:
        """Dispatch a bubbling ``CustomEvent(name, {detail})`` on ``mount`` for page scripts."""

    def log(self, text: str, level: str = "info") -> None:
        """Write ``text`` to the browser console (``info``, ``warn`` or ``error``)."""


class Component:
    """Base of a component: subclasses implement :meth:`view` and ``do_<handler>`` methods.

    Args:
        mount: CSS selector of the element the component renders into.
        page: where to render; by default :func:`current_page` (the worker's page inside
            the kit, the document under PyScript on the main thread).
    """

    def __init__(self, mount: str, *, page: Page | None = None) -> None:
        self.mount = mount
        self.page: Page = page if page is not None else current_page()
        self._handlers: set[str] = set()
        self.page.attach(mount, self)

    def view(self) -> list[Node]:
        """The nodes to show now."""
        raise NotImplementedError

    def refresh(self, focus: str | None = None) -> None:
        """Render :meth:`view` into the mount; ``focus`` is a selector to focus after."""
        nodes = self.view()
        self._handlers = handler_names(nodes)
        self.page.render(self.mount, nodes, focus=focus)

    async def dispatch(self, event: Event) -> None:
        """Run ``do_<event.handler>(event)`` when the last render offered that handler."""
        if event.handler not in self._handlers:
            self.page.log(f"{self.mount}: no handler {event.handler!r} in the current view", "warn")
            return
        outcome = getattr(self, f"do_{event.handler}")(event)
        if inspect.isawaitable(outcome):
            await outcome


Post = Callable[[str], None]


class PostPage:
    """The page as seen from a Web Worker: operations are posted as JSON ``ui`` messages."""

    def __init__(self, post: Post) -> None:
        self._post = post
        self.components: dict[str, Component] = {}

    def _send(self, op: str, **fields: Any) -> None:
        self._post(json.dumps({"type": "ui", "op": op, **fields}))

    def attach(self, mount: str, component: Component) -> None:
        """Route the events of ``mount`` to ``component``."""
        self.components[mount] = component

    def render(self, mount: str, nodes: Sequence[Node], *, focus: str | None = None) -> None:
        """Post a ``render`` operation."""
        self._send("render", mount=mount, nodes=list(nodes), focus=focus)

    def set_text(self, selector: str, text: str) -> None:
        """Post a ``text`` operation."""
        self._send("text", selector=selector, text=str(text))

    def emit(self, mount: str, name: str, detail: Mapping[str, Any]) -> None:
        """Post an ``emit`` operation."""
        self._send("emit", mount=mount, name=name, detail=dict(detail))

    def log(self, text: str, level: str = "info") -> None:
        """Post a ``log`` operation."""
        self._send("log", text=str(text), level=level)

    async def event(
        self,
        mount: str,
        handler: str,
        type: str = "submit",
        values: Mapping[str, str] | None = None,
        target: str | None = None,
    ) -> bool:
        """Deliver a page event (the ``ui_event`` RPC); False when nothing is mounted there."""
        component = self.components.get(mount)
        if component is None:
            return False
        clean = {str(k): str(v) for k, v in (values or {}).items()}
        await component.dispatch(Event(type, handler, clean, target))
        return True


_CURRENT: list[Page] = []


def set_current_page(page: Page) -> None:
    """Make ``page`` the default of new components (the worker runner calls this)."""
    _CURRENT[:] = [page]


def current_page() -> Page:
    """The page new components render into: the one set by :func:`set_current_page`, else
    (PyScript on the main thread) a :class:`DomPage` over ``js.document``."""
    if not _CURRENT:
        _CURRENT.append(DomPage())
    return _CURRENT[0]


# ---- the same-thread page ----------------------------------------------------------------
# Used when Python runs on the page's main thread (PyScript ``<script type="py">`` without
# ``worker``, the classic LoginForm set-up); it follows the rendering rules above exactly as
# ``web/cognito-auth.js`` does for a worker.

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
            raise InvalidParameterError(f"no element matches {selector!r}")
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
