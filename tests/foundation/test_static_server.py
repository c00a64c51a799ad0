"""tools/static_server.py: MIME types Pyodide depends on, headers, 404s, free ports."""

from __future__ import annotations

import asyncio
import importlib.util
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("_static_server", ROOT / "tools/static_server.py")
assert _spec is not None and _spec.loader is not None
static_server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(static_server)
StaticServer = static_server.StaticServer


def get(url: str) -> Any:
    return urllib.request.urlopen(url, timeout=10)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    for name, body in {
        "a.wasm": b"\0asm\1\0\0\0",
        "m.mjs": b"export const x = 1;",
        "s.js": b"var x;",
        "d.json": b"{}",
        "p.html": b"<!doctype html><p>hi</p>",
        "w.whl": b"PK",
        "z.zip": b"PK",
        "sub/x.css": b"p{}",
    }.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(body)
    return tmp_path


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("a.wasm", "application/wasm"),
        ("m.mjs", "text/javascript"),
        ("s.js", "text/javascript"),
        ("d.json", "application/json"),
        ("p.html", "text/html"),
        ("w.whl", "application/zip"),
        ("z.zip", "application/zip"),
        ("sub/x.css", "text/css"),
    ],
)
def test_mime_types(site: Path, name: str, mime: str) -> None:
    with StaticServer(site) as server, get(server.url + name) as resp:
        assert resp.headers["Content-Type"].split(";")[0] == mime
        assert resp.read() == (site / name).read_bytes()


def test_free_port_and_local_bind(site: Path) -> None:
    with StaticServer(site) as one, StaticServer(site) as two:
        assert one.port != two.port
        assert one.url.startswith("http://127.0.0.1:")


def test_missing_file_is_404_and_no_cache_header(site: Path) -> None:
    with StaticServer(site) as server:
        with pytest.raises(urllib.error.HTTPError) as info:
            get(server.url + "nope.js")
        assert info.value.code == 404
        with get(server.url + "d.json") as resp:
            assert resp.headers["Cache-Control"] == "no-cache"


def test_extra_headers(site: Path) -> None:
    headers = {"Cross-Origin-Opener-Policy": "same-origin", "X-Test": "1"}
    with StaticServer(site, extra_headers=headers) as server, get(server.url + "p.html") as resp:
        for key, value in headers.items():
            assert resp.headers[key] == value


def test_no_path_escape(site: Path) -> None:
    secret = site.parent / "secret.txt"
    secret.write_text("secret")
    with StaticServer(site) as server:
        try:
            with get(server.url + "../secret.txt") as resp:
                body = resp.read()
        except urllib.error.HTTPError as exc:
            body = exc.read()
        assert b"secret" not in body


def test_stop_releases_port(site: Path) -> None:
    server = StaticServer(site).start()
    port = server.port
    server.stop()
    with StaticServer(site, port=port) as again:
        assert again.port == port


async def test_serves_concurrent_requests(site: Path) -> None:
    """Threaded: a slow reader does not block others. (Also an asyncio test that must run
    before Playwright's session starts; see pytest_collection_modifyitems in conftest.py.)"""
    big = site / "big.bin"
    big.write_bytes(b"x" * 2_000_000)
    with StaticServer(site) as server:

        def fetch(name: str) -> bytes:
            with get(server.url + name) as resp:
                return bytes(resp.read())

        bodies = await asyncio.gather(*(asyncio.to_thread(fetch, "big.bin") for _ in range(8)))
    assert all(body == big.read_bytes() for body in bodies)
