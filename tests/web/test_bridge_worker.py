"""The worker storage bridge and RPC app, on CPython (no browser)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
from typing import Any

import pytest

from amazon_cognito_identity.errors import NotAuthorizedException
from amazon_cognito_identity.web.bridge import MirrorStorage, cookie_entries
from amazon_cognito_identity.web.worker import WorkerApp, error_payload


def run(coro: Any) -> Any:
    """Run a coroutine on a fresh loop in a thread: the Playwright fixtures of the browser
    suite keep an event loop running in the main thread for the whole session."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


PREFIX = "CognitoIdentityServiceProvider.client1"


class Posted(list[dict[str, object]]):
    def __call__(self, text: str) -> None:
        self.append(json.loads(text))


def test_mirror_reads_seed_and_posts_writes() -> None:
    posted = Posted()
    store = MirrorStorage({f"{PREFIX}.LastAuthUser": "ann"}, posted)
    assert store.get_item(f"{PREFIX}.LastAuthUser") == "ann"
    store.set_item(f"{PREFIX}.ann.idToken", "tok")
    store.remove_item(f"{PREFIX}.LastAuthUser")
    assert store.get_item(f"{PREFIX}.ann.idToken") == "tok"
    assert store.get_item(f"{PREFIX}.LastAuthUser") is None
    assert posted == [
        {
            "type": "storage",
            "area": "local",
            "op": "set",
            "key": f"{PREFIX}.ann.idToken",
            "value": "tok",
        },
        {"type": "storage", "area": "local", "op": "remove", "key": f"{PREFIX}.LastAuthUser"},
    ]


def test_clear_removes_only_mirrored_keys_and_posts_each() -> None:
    posted = Posted()
    store = MirrorStorage({"a": "1", "b": "2"}, posted)
    store.clear()
    assert store.keys() == []
    assert sorted(m["key"] for m in posted) == ["a", "b"]
    assert {m["op"] for m in posted} == {"remove"}


def test_apply_changes_from_main_thread_without_echo() -> None:
    posted = Posted()
    store = MirrorStorage({"k": "old"}, posted)
    store.apply({"key": "k", "value": "new"})
    assert store.get_item("k") == "new"
    store.apply({"key": "k", "value": None})
    assert store.get_item("k") is None
    store.set_item("x", "1")
    store.apply({"key": None})  # localStorage.clear() in another tab
    assert store.keys() == []
    assert len(posted) == 1  # only our own write was posted


def test_cookie_area_posts_attributes() -> None:
    posted = Posted()
    store = MirrorStorage(None, posted, area="cookie", cookie_attrs={"domain": "example.com"})
    store.set_item("k", "v")
    assert posted[0]["attrs"] == {"domain": "example.com"}
    with pytest.raises(ValueError):
        MirrorStorage(area="indexeddb")  # "session" is sessionStorage (the hosted UI)


def test_cookie_entries_decodes_and_filters() -> None:
    header = (
        "other=1; CognitoIdentityServiceProvider.c.LastAuthUser=ann%40ex.com; "
        "CognitoIdentityServiceProvider.c.ann%40ex.com.idToken=a.b.c; broken"
    )
    assert cookie_entries(header) == {
        "CognitoIdentityServiceProvider.c.LastAuthUser": "ann@ex.com",
        "CognitoIdentityServiceProvider.c.ann@ex.com.idToken": "a.b.c",
    }


async def _test_worker_app_rpc_round_trip_and_errors() -> None:
    posted = Posted()
    app = WorkerApp({"storage": {"k": "seed"}, "cookies": "", "config": {}}, posted)

    async def boom() -> None:
        raise NotAuthorizedException("Incorrect username or password.")

    app.register("boom", boom)
    reply = json.loads(await app.handle(json.dumps({"id": 1, "method": "ping"})))
    assert reply == {"id": 1, "result": "pong"}
    reply = json.loads(await app.handle(json.dumps({"id": 2, "method": "boom"})))
    assert reply["error"] == {
        "code": "NotAuthorizedException",
        "name": "NotAuthorizedException",
        "message": "Incorrect username or password.",
    }
    reply = json.loads(await app.handle(json.dumps({"id": 3, "method": "nope"})))
    assert reply["error"]["code"] == "UnknownMethod"
    # Each call carries the page's current store, which replaces the mirror.
    msg = {"id": 4, "method": "storage_get", "params": {"key": "k"}, "storage": {"k": "page"}}
    assert json.loads(await app.handle(json.dumps(msg)))["result"] == "page"
    # A write posts before the reply is returned.
    msg = {"id": 5, "method": "storage_set", "params": {"key": "k", "value": "w"}}
    await app.handle(json.dumps(msg))
    assert posted[-1] == {"type": "storage", "area": "local", "op": "set", "key": "k", "value": "w"}


def test_error_payload_for_plain_exceptions() -> None:
    assert error_payload(ValueError("bad")) == {
        "code": "ValueError",
        "name": "ValueError",
        "message": "bad",
    }


def test_worker_app_rpc_round_trip_and_errors() -> None:
    run(_test_worker_app_rpc_round_trip_and_errors())
