"""The component base (web/component.py) and the worker script runner, on CPython."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
from typing import Any

import pytest

from amazon_cognito_identity.web.bridge import MirrorStorage
from amazon_cognito_identity.web.component import (
    Component,
    Event,
    PostPage,
    current_page,
    h,
    handler_names,
    set_current_page,
)
from amazon_cognito_identity.web.script import StorageShim, run_code
from amazon_cognito_identity.web.worker import create_app


def run(coro: Any) -> Any:
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


class Posted(list[dict[str, Any]]):
    def __call__(self, text: str) -> None:
        self.append(json.loads(text))


def test_h_drops_empty_attributes_and_flattens_children() -> None:
    node = h(
        "input",
        {"name": "code", "required": True, "disabled": False, "placeholder": None},
    )
    assert node == {"tag": "input", "attrs": {"name": "code", "required": ""}}
    form = h("form", None, [h("p", None, "a"), None, ["b", [h("br")]]], on={"submit": "go"})
    assert form == {
        "tag": "form",
        "on": {"submit": "go"},
        "children": [{"tag": "p", "children": ["a"]}, "b", {"tag": "br"}],
    }
    assert handler_names([form, h("div", None, h("button", on={"click": "other"}))]) == {
        "go",
        "other",
    }


class Counter(Component):
    def __init__(self, mount: str, page: Any) -> None:
        super().__init__(mount, page=page)
        self.count = 0
        self.refresh()

    def view(self) -> list[Any]:
        return [h("form", None, h("output", None, str(self.count)), on={"submit": "add"})]

    async def do_add(self, event: Event) -> None:
        self.count += int(event.value("step", "1"))
        self.refresh(focus="[name=step]")

    def do_hidden(self, event: Event) -> None:
        raise AssertionError("never offered by the view, so never called")


def test_post_page_renders_and_routes_events() -> None:
    posted = Posted()
    page = PostPage(posted)
    Counter("#c", page)
    assert posted[-1] == {
        "type": "ui",
        "op": "render",
        "mount": "#c",
        "nodes": [Counter.view.__get__(page.components["#c"])()[0]],
        "focus": None,
    }
    assert run(page.event("#c", "add", "submit", {"step": " 2 "})) is True
    assert posted[-1]["nodes"][0]["children"][0]["children"] == ["2"]
    assert posted[-1]["focus"] == "[name=step]"
    # Unknown mount: reported, nothing runs.
    assert run(page.event("#nope", "add")) is False
    # A handler the view does not offer is refused (logged), even if the method exists.
    run(page.event("#c", "hidden"))
    assert posted[-1] == {
        "type": "ui",
        "op": "log",
        "text": "#c: no handler 'hidden' in the current view",
        "level": "warn",
    }


def test_event_value_strips_except_passwords() -> None:
    event = Event("submit", "x", {"username": " ann ", "password": " p w "})
    assert event.value("username") == "ann"
    assert event.value("password") == " p w "
    assert event.value("missing", "d") == "d"


def test_page_operations_are_json_messages() -> None:
    posted = Posted()
    page = PostPage(posted)
    page.set_text("#result", "Welcome")
    page.emit("#login", "cog-signed-in", {"username": "ann"})
    page.log("hello", "error")
    assert posted == [
        {"type": "ui", "op": "text", "selector": "#result", "text": "Welcome"},
        {
            "type": "ui",
            "op": "emit",
            "mount": "#login",
            "name": "cog-signed-in",
            "detail": {"username": "ann"},
        },
        {"type": "ui", "op": "log", "text": "hello", "level": "error"},
    ]


def test_storage_shim_is_web_storage_over_the_mirror() -> None:
    posted = Posted()
    shim = StorageShim(MirrorStorage({"k1": "v1"}, posted))
    assert shim.length == 1 and shim.key(0) == "k1" and shim.key(5) is None
    shim.setItem("k2", "v2")
    assert shim.getItem("k2") == "v2"
    shim.removeItem("k1")
    assert shim.getItem("k1") is None
    shim.clear()
    assert shim.length == 0
    assert [m["op"] for m in posted] == ["set", "remove", "remove"]


def test_run_code_allows_top_level_await() -> None:
    namespace: dict[str, Any] = {}
    run(run_code("import asyncio\nawait asyncio.sleep(0)\nx = 41 + 1", "<t>", namespace))
    assert namespace["x"] == 42
    with pytest.raises(ZeroDivisionError):
        run(run_code("1 / 0", "<t>", {}))


def test_worker_app_runs_scripts_and_reports_their_errors() -> None:
    posted = Posted()
    app = create_app(json.dumps({"storage": {}}), posted)
    try:
        assert current_page() is not None
        code = (
            "from amazon_cognito_identity.web.component import current_page\n"
            "current_page().set_text('#out', 'ran')\n"
        )
        reply = json.loads(
            run(app.handle(json.dumps({"id": 1, "method": "run_script", "params": {"code": code}})))
        )
        assert reply == {"id": 1, "result": None}
        assert {"type": "ui", "op": "text", "selector": "#out", "text": "ran"} in posted
        bad = {"id": 2, "method": "run_script", "params": {"code": "raise ValueError('bad pool')"}}
        reply = json.loads(run(app.handle(json.dumps(bad))))
        assert reply["error"] == {"code": "ValueError", "name": "ValueError", "message": "bad pool"}
        # The traceback goes to the console, not to the page.
        assert any(m.get("op") == "log" and "Traceback" in m["text"] for m in posted)
    finally:
        set_current_page(PostPage(lambda text: None))
