"""Python components that run off the main thread and render into the page.

A component never holds DOM objects. It describes what the page should show as plain data
(:func:`h` builds the nodes), hands that to a :class:`Page`, and gets the page's events back
as :class:`Event` values. Two pages exist:

- :class:`PostPage` (a Web Worker): every operation becomes one JSON message
  ``{"type": "ui", "op": ...}`` posted to the main thread, where ``web/cognito-auth.js``
  renders it; events come back as the RPC call ``ui_event`` (see :mod:`.script`). The worker
  never touches ``document``, so no cross-origin-isolation headers are needed.
- :class:`~amazon_cognito_identity.web.dom_page.DomPage` (same thread, PyScript/Pyodide on the
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

import inspect
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = [
    "Component",
    "Event",
    "Node",
    "Page",
    "PostPage",
    "current_page",
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
    (PyScript on the main thread) a ``DomPage`` over ``js.document``."""
    if not _CURRENT:
        from .dom_page import DomPage

        _CURRENT.append(DomPage())
    return _CURRENT[0]
