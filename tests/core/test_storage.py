"""Storage backends, the cookie splitting scheme, and the JS SDK's key names."""

from __future__ import annotations

import json
import shutil
import subprocess
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amazon_cognito_identity import runtime, storage
from amazon_cognito_identity.errors import InvalidParameterError, StorageError
from amazon_cognito_identity.storage import (
    BROWSER_COOKIE_LIMIT,
    CookieStorage,
    DocumentCookieJar,
    LocalStorage,
    MemoryCookieJar,
    MemoryStorage,
    Storage,
    StorageKeys,
)

valid_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)


def test_memory_storage_is_per_instance() -> None:
    a, b = MemoryStorage(), MemoryStorage()
    a.set_item("k", "v")
    assert a.get_item("k") == "v"
    assert b.get_item("k") is None
    assert len(a) == 1 and a.keys() == ["k"]
    a.remove_item("k")
    a.remove_item("missing")
    assert a.get_item("k") is None
    a.set_item("x", "1")
    a.clear()
    assert len(a) == 0
    with pytest.raises(InvalidParameterError):
        a.set_item("k", 5)  # type: ignore[arg-type]
    assert isinstance(a, Storage)


def test_default_storage_on_cpython_is_fresh_memory() -> None:
    first, second = runtime.default_storage(), runtime.default_storage()
    assert isinstance(first, MemoryStorage)
    first.set_item("k", "v")
    assert second.get_item("k") is None
    assert runtime.IS_PYODIDE is False
    assert runtime.get_js() is None and runtime.get_pyodide() is None


class FakeLocalStorage:
    """The Web Storage API as Pyodide exposes it (null comes back as None)."""

    def __init__(self, quota: int = 10_000) -> None:
        self.data: dict[str, str] = {}
        self.quota = quota
        self.length = 0

    def getItem(self, key: str) -> str | None:
        return self.data.get(key)

    def setItem(self, key: str, value: str) -> None:
        if sum(map(len, self.data.values())) + len(value) > self.quota:
            raise RuntimeError("QuotaExceededError")
        self.data[key] = value

    def removeItem(self, key: str) -> None:
        self.data.pop(key, None)

    def clear(self) -> None:
        self.data.clear()


def test_local_storage_uses_backend() -> None:
    backend = FakeLocalStorage()
    store = LocalStorage(backend)
    assert not store.is_fallback
    store.set_item("a", "1")
    assert backend.data == {"a": "1"}
    assert store.get_item("a") == "1"
    assert store.get_item("b") is None
    store.remove_item("a")
    assert backend.data == {}
    store.set_item("c", "3")
    store.clear()
    assert backend.data == {}
    with pytest.raises(StorageError, match="setItem"):
        store.set_item("big", "x" * 20_000)


def test_local_storage_wraps_backend_errors() -> None:
    class Broken:
        def __getattr__(self, name: str) -> Any:
            def fail(*args: Any) -> None:
                raise RuntimeError("SecurityError")

            return fail

    store = LocalStorage(Broken())
    for call in (
        lambda: store.get_item("k"),
        lambda: store.remove_item("k"),
        store.clear,
    ):
        with pytest.raises(StorageError):
            call()


def test_local_storage_non_string_is_none() -> None:
    class JsNullStore(FakeLocalStorage):
        def getItem(self, key: str) -> Any:
            return object()  # stands for pyodide's jsnull

    assert LocalStorage(JsNullStore()).get_item("k") is None


def test_local_storage_falls_back_with_warning() -> None:
    with pytest.warns(RuntimeWarning, match="localStorage is not available"):
        store = LocalStorage()
    assert store.is_fallback
    store.set_item("k", "v")
    assert store.get_item("k") == "v"
    store.remove_item("k")
    assert store.get_item("k") is None
    store.set_item("k", "v")
    store.clear()
    assert store.get_item("k") is None


def test_local_storage_under_pyodide_finds_js(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = FakeLocalStorage()

    class FakeJs:
        localStorage = backend

    monkeypatch.setattr(storage, "browser_globals", lambda: FakeJs())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        store = LocalStorage()
    store.set_item("k", "v")
    assert backend.data == {"k": "v"}

    class NoStorage:
        pass

    monkeypatch.setattr(storage, "browser_globals", lambda: NoStorage())
    with pytest.warns(RuntimeWarning):
        assert LocalStorage().is_fallback


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=30), st.text(max_size=200), max_size=8))
def test_memory_and_local_round_trip(values: dict[str, str]) -> None:
    for store in (MemoryStorage(), LocalStorage(FakeLocalStorage(quota=10**9))):
        for key, value in values.items():
            store.set_item(key, value)
        for key, value in values.items():
            assert store.get_item(key) == value


# --- cookies ----------------------------------------------------------------------------


def cookie_store(**kwargs: Any) -> tuple[CookieStorage, MemoryCookieJar]:
    jar = MemoryCookieJar()
    return CookieStorage("example.com", jar=jar, **kwargs), jar


def test_cookie_parameters_validated() -> None:
    jar = MemoryCookieJar()
    with pytest.raises(InvalidParameterError, match="domain"):
        CookieStorage("", jar=jar)
    with pytest.raises(InvalidParameterError, match="sameSite"):
        CookieStorage("example.com", same_site="sometimes", jar=jar)
    with pytest.raises(InvalidParameterError, match="Secure"):
        CookieStorage("example.com", same_site="none", secure=False, jar=jar)
    CookieStorage("example.com", same_site="None", jar=jar)
    CookieStorage("example.com", same_site=None, secure=False, jar=jar)


def test_cookie_attributes() -> None:
    store, jar = cookie_store()
    store.set_item("k", "v")
    written = jar.writes[-1]
    parts = written.split("; ")
    assert parts[0] == "k=v"
    assert "path=/" in parts and "domain=example.com" in parts
    assert "secure" in parts and "sameSite=lax" in parts
    expires = next(p for p in parts if p.startswith("expires="))[len("expires=") :]
    when = datetime.strptime(expires, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
    assert abs(when - (datetime.now(UTC) + timedelta(days=365))) < timedelta(minutes=1)
    session, jar2 = cookie_store(expires=None, secure=False, same_site=None, path="/app")
    session.set_item("k", "v")
    assert jar2.writes[-1] == "k=v; path=/app; domain=example.com"


def test_cookie_encoding_matches_js_cookie() -> None:
    store, jar = cookie_store()
    # js-cookie: encodeURIComponent, then these stay literal in values: #$&+/:<=>?@[]^`{|}
    store.set_item("CognitoIdentityServiceProvider.c.a@b.com (x).idToken", "a b;c,d=é#/+")
    first = jar.writes[-1].split("; ")[0]
    assert (
        first
        == "CognitoIdentityServiceProvider.c.a%40b.com%20%28x%29.idToken=a%20b%3Bc%2Cd=%C3%A9#/+"
    )
    assert store.get_item("CognitoIdentityServiceProvider.c.a@b.com (x).idToken") == "a b;c,d=é#/+"


def test_cookie_reads_js_cookie_quoted_values() -> None:
    store, jar = cookie_store()
    jar.write('k="quoted%20value"; path=/; domain=example.com')
    assert store.get_item("k") == "quoted value"


def test_small_value_is_one_plain_cookie() -> None:
    store, jar = cookie_store()
    store.set_item("tok", "x" * 3000)
    assert jar.read() == "tok=" + "x" * 3000


@pytest.mark.parametrize("size", [3796, 3797, 4096, 9000, 20000])
def test_large_values_split_and_join(size: int) -> None:
    store, jar = cookie_store()
    value = ("é" * size)[:size]  # 6 encoded chars per char
    store.set_item("CognitoIdentityServiceProvider.c.u.idToken", value)
    for name, raw in (pair.split("=", 1) for pair in jar.read().split("; ")):
        assert len(name) + 1 + len(raw) <= BROWSER_COOKIE_LIMIT
    assert store.get_item("CognitoIdentityServiceProvider.c.u.idToken") == value


def test_fake_jar_drops_oversized_like_a_browser() -> None:
    jar = MemoryCookieJar()
    jar.write("big=" + "x" * 5000 + "; path=/")
    assert jar.read() == ""


def test_shrinking_and_growing_values_leave_no_stale_chunks() -> None:
    store, jar = cookie_store()
    store.set_item("k", "a" * 12000)
    names = {pair.split("=")[0] for pair in jar.read().split("; ")}
    assert names == {"k.1", "k.2", "k.3", "k.4", "k.count"}
    store.set_item("k", "b" * 5000)
    names = {pair.split("=")[0] for pair in jar.read().split("; ")}
    assert names == {"k.1", "k.2", "k.count"}
    assert store.get_item("k") == "b" * 5000
    store.set_item("k", "small")
    assert jar.read() == "k=small"
    store.set_item("k", "c" * 8000)
    assert "k=" not in jar.read().split("; ")[0] or not jar.read().startswith("k=")
    assert store.get_item("k") == "c" * 8000
    store.remove_item("k")
    assert jar.read() == ""
    assert store.get_item("k") is None


def test_missing_chunk_gives_none() -> None:
    store, jar = cookie_store()
    store.set_item("k", "z" * 9000)
    jar.write("k.2=; path=/; domain=example.com; max-age=0")
    assert store.get_item("k") is None


def test_cookie_clear_and_remove() -> None:
    store, jar = cookie_store()
    store.set_item("a", "1")
    store.set_item("b", "2" * 7000)
    store.remove_item("a")
    assert store.get_item("a") is None
    assert store.get_item("b") == "2" * 7000
    store.clear()
    assert jar.read() == ""


def test_cookie_bad_values() -> None:
    store, _ = cookie_store()
    with pytest.raises(InvalidParameterError):
        store.set_item("k", "\ud800")
    with pytest.raises(InvalidParameterError):
        store.set_item("\ud800", "v")
    with pytest.raises(InvalidParameterError, match="too long"):
        store.set_item("n" * 3795, "v" * 100)


def test_cookie_undecodable_value_is_none() -> None:
    store, jar = cookie_store()
    jar.write("k=%FF%FE; path=/")
    assert store.get_item("k") is None


def test_memory_jar_semantics() -> None:
    now = [datetime(2030, 1, 1, tzinfo=UTC)]
    jar = MemoryCookieJar(now=lambda: now[0])
    jar.write("a=1; Max-Age=10")
    jar.write("b=2; expires=Wed, 01 Jan 2031 00:00:00 GMT; domain=.Example.com")
    jar.write("c=3; expires=garbage; max-age=bad")
    jar.write("no-equals; path=/")
    jar.write("=empty")
    assert jar.read() == "a=1; b=2; c=3"
    assert jar.attributes("b") == [("example.com", "/")]
    now[0] += timedelta(seconds=11)
    assert jar.read() == "b=2; c=3"
    jar.write("b=; expires=Thu, 01 Jan 1970 00:00:00 GMT; domain=example.com")
    assert jar.read() == "c=3"


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.text(st.characters(exclude_categories=("Cs",), exclude_characters="."), min_size=1),
        st.one_of(valid_text, st.text(st.characters(exclude_categories=("Cs",)), max_size=9000)),
        max_size=5,
    )
)
def test_cookie_round_trip_arbitrary_values(values: dict[str, str]) -> None:
    store, _ = cookie_store()
    for key, value in values.items():
        store.set_item(key, value)
    for key, value in values.items():
        assert store.get_item(key) == value


def test_document_cookie_jar() -> None:
    class Doc:
        cookie: str | None = "a=1"

    doc = Doc()
    jar = DocumentCookieJar(doc)
    assert jar.read() == "a=1"
    jar.write("b=2")
    assert doc.cookie == "b=2"
    with pytest.raises(StorageError):
        DocumentCookieJar()
    with pytest.raises(StorageError):
        CookieStorage("example.com")


def test_js_cookie_agrees_on_unsplit_cookies() -> None:
    """js-cookie (the JS SDK's CookieStorage) reads what we write and writes the same bytes."""
    node_modules = Path(__file__).resolve().parents[2] / "node_modules"
    if shutil.which("node") is None or not (node_modules / "js-cookie").exists():
        pytest.skip("node or node_modules/js-cookie missing (run build.py setup)")
    store, jar = cookie_store()
    key = "CognitoIdentityServiceProvider.cid.a@b.com (x)[1].idToken"
    value = 'eyJ é/+=;,"x" ~!*\'()#$&:<>?@[]^`{|}😀%'
    store.set_item(key, value)
    script = (
        "const doc = {cookie: process.argv[1]}; globalThis.document = doc;"
        "const C = require('js-cookie'); const got = C.get(process.argv[2]);"
        "C.set(process.argv[2], process.argv[3]);"
        "process.stdout.write(JSON.stringify([got, doc.cookie.split('; ')[0]]));"
    )
    out = subprocess.run(
        ["node", "-e", script, jar.read(), key, value],
        cwd=node_modules.parent,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    got, js_pair = json.loads(out)
    assert got == value
    assert js_pair == jar.read()


# --- keys -------------------------------------------------------------------------------


def test_storage_keys_are_js_names() -> None:
    keys = StorageKeys("cid", "alice")
    p = "CognitoIdentityServiceProvider.cid"
    assert keys.prefix == p
    assert keys.last_auth_user == f"{p}.LastAuthUser"
    assert keys.id_token == f"{p}.alice.idToken"
    assert keys.access_token == f"{p}.alice.accessToken"
    assert keys.refresh_token == f"{p}.alice.refreshToken"
    assert keys.clock_drift == f"{p}.alice.clockDrift"
    assert keys.user_data == f"{p}.alice.userData"
    assert keys.device_key == f"{p}.alice.deviceKey"
    assert keys.random_password_key == f"{p}.alice.randomPasswordKey"
    assert keys.device_group_key == f"{p}.alice.deviceGroupKey"
    assert keys.for_user("bob").id_token == f"{p}.bob.idToken"
    assert f"{p}.LastAuthUser" in keys.session_keys()
    assert keys.device_key not in keys.session_keys()
    assert keys.device_keys() == [keys.device_key, keys.random_password_key, keys.device_group_key]
    with pytest.raises(InvalidParameterError):
        _ = StorageKeys("cid").id_token
