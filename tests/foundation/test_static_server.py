"""tools/static_server.py: MIME types Pyodide depends on, headers, 404s, free ports."""

from __future__ import annotations

import asyncio
import gzip
import importlib.util
import os
import secrets
import sys
import time
import urllib.error
import urllib.request
import zipfile
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


# ----------------------------------------------------------------------------- gzip siblings

_pc_spec = importlib.util.spec_from_file_location("_precompress", ROOT / "tools/precompress.py")
assert _pc_spec is not None and _pc_spec.loader is not None
precompress = importlib.util.module_from_spec(_pc_spec)
sys.modules["_precompress"] = precompress  # dataclasses look their module up
_pc_spec.loader.exec_module(precompress)


def request(url: str, method: str = "GET", **headers: str) -> tuple[int, Any, bytes]:
    req = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


@pytest.fixture
def gz_site(tmp_path: Path) -> Path:
    """A compressible .wasm and .js with .gz siblings from tools/precompress.py."""
    (tmp_path / "big.wasm").write_bytes(b"\0asm\1\0\0\0" + bytes(range(256)) * 400)
    (tmp_path / "app.js").write_text("export const value = 'abc';\n" * 200)
    stats = precompress.precompress([tmp_path], log=lambda _msg: None, suffixes=[".gz"])
    assert stats.written == 2
    return tmp_path


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("", False),
        ("identity", False),
        ("gzip", True),
        ("deflate, gzip;q=1.0, br", True),
        ("x-gzip", True),
        ("GZIP", True),
        ("gzip;q=0", False),
        ("gzip; q=0.0, deflate", False),
        ("*", True),
        ("*;q=0", False),
        ("*, gzip;q=0", False),
        ("gzip;q=0.5, *;q=0", True),
        ("br, deflate", False),
    ],
)
def test_accepts_gzip(header: str | None, expected: bool) -> None:
    assert static_server.accepts_gzip(header) is expected


def test_gzip_sent_when_accepted(gz_site: Path) -> None:
    original = (gz_site / "big.wasm").read_bytes()
    with StaticServer(gz_site) as server:
        status, headers, body = request(server.url + "big.wasm", **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert headers["Content-Type"] == "application/wasm"
    assert "Accept-Encoding" in headers["Vary"]
    assert int(headers["Content-Length"]) == len(body) < len(original)
    assert body == (gz_site / "big.wasm.gz").read_bytes()
    assert gzip.decompress(body) == original


def test_original_sent_when_gzip_not_accepted(gz_site: Path) -> None:
    original = (gz_site / "app.js").read_bytes()
    with StaticServer(gz_site) as server:
        for accept in ({}, {"Accept-Encoding": "identity"}, {"Accept-Encoding": "gzip;q=0"}):
            status, headers, body = request(server.url + "app.js", **accept)
            assert status == 200
            assert headers["Content-Encoding"] is None
            assert headers["Content-Type"].startswith("text/javascript")
            assert "Accept-Encoding" in headers["Vary"]
            assert int(headers["Content-Length"]) == len(original)
            assert body == original


def test_stale_gzip_ignored(gz_site: Path) -> None:
    target = gz_site / "app.js"
    target.write_text("export const value = 'changed';\n" * 200)  # rebuilt after its .gz
    gz = gz_site / "app.js.gz"
    old = target.stat().st_mtime_ns - 5_000_000_000
    os.utime(gz, ns=(old, old))
    with StaticServer(gz_site) as server:
        status, headers, body = request(server.url + "app.js", **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] is None
    assert body == target.read_bytes()


def test_compress_off_ignores_siblings(gz_site: Path) -> None:
    with StaticServer(gz_site, compress=False) as server:
        _, headers, body = request(server.url + "big.wasm", **{"Accept-Encoding": "gzip"})
    assert headers["Content-Encoding"] is None
    assert body == (gz_site / "big.wasm").read_bytes()


def test_range_request_gets_original_bytes(gz_site: Path) -> None:
    """No Range support: the whole original (200) is a valid answer; gzip bytes would not be."""
    original = (gz_site / "big.wasm").read_bytes()
    with StaticServer(gz_site) as server:
        status, headers, body = request(
            server.url + "big.wasm", **{"Accept-Encoding": "gzip", "Range": "bytes=0-99"}
        )
    assert headers["Content-Encoding"] is None
    if status == 206:
        assert body == original[:100]
    else:
        assert status == 200 and body == original


def test_head_matches_get_without_body(gz_site: Path) -> None:
    with StaticServer(gz_site) as server:
        status, head, body = request(server.url + "big.wasm", "HEAD", **{"Accept-Encoding": "gzip"})
        _, get_headers, get_body = request(server.url + "big.wasm", **{"Accept-Encoding": "gzip"})
    assert status == 200 and body == b""
    for name in ("Content-Encoding", "Content-Type", "Content-Length", "Last-Modified"):
        assert head[name] == get_headers[name]
    assert int(head["Content-Length"]) == len(get_body)


def test_gzip_revalidation_is_304(gz_site: Path) -> None:
    with StaticServer(gz_site) as server:
        _, headers, _ = request(server.url + "big.wasm", **{"Accept-Encoding": "gzip"})
        status, _, body = request(
            server.url + "big.wasm",
            **{"Accept-Encoding": "gzip", "If-Modified-Since": headers["Last-Modified"]},
        )
        assert status == 304 and body == b""
        (gz_site / "big.wasm").write_bytes(b"\0asm" + b"new" * 1000)  # newer than the date
        later = time.time() + 10
        os.utime(gz_site / "big.wasm", (later, later))
        status, headers, body = request(
            server.url + "big.wasm",
            **{"Accept-Encoding": "gzip", "If-Modified-Since": headers["Last-Modified"]},
        )
    assert status == 200
    assert headers["Content-Encoding"] is None  # its .gz is now stale
    assert body == b"\0asm" + b"new" * 1000


def test_precompress_skips_what_does_not_pay(tmp_path: Path) -> None:
    (tmp_path / "small.js").write_text("x" * 100)
    (tmp_path / "lib.zip").write_bytes(b"PK" + b"\0" * 5000)
    (tmp_path / "noise.bin").write_bytes(secrets.token_bytes(50_000))
    (tmp_path / "text.json").write_text('{"key": "value"}' * 500)
    stats = precompress.precompress([tmp_path], log=lambda _msg: None, suffixes=[".gz"])
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["lib.zip", "noise.bin", "small.js", "text.json", "text.json.gz"]
    assert (stats.written, stats.skipped) == (1, 1)
    assert (
        gzip.decompress((tmp_path / "text.json.gz").read_bytes())
        == (tmp_path / "text.json").read_bytes()
    )


def test_precompress_skips_up_to_date_and_refreshes_stale(tmp_path: Path) -> None:
    src = tmp_path / "a.wasm"
    src.write_bytes(b"\0asm" + b"abc" * 2000)
    quiet: dict[str, Any] = {"log": lambda _msg: None, "suffixes": [".gz"]}
    assert precompress.precompress([tmp_path], **quiet).written == 1
    gz = tmp_path / "a.wasm.gz"
    before = gz.stat().st_mtime_ns
    again = precompress.precompress([tmp_path], **quiet)
    assert (again.written, again.up_to_date) == (0, 1)
    assert gz.stat().st_mtime_ns == before
    src.write_bytes(b"\0asm" + b"xyz" * 2000)
    later = time.time_ns() + 5_000_000_000
    os.utime(src, ns=(later, later))
    assert precompress.precompress([tmp_path], **quiet).written == 1
    assert gzip.decompress(gz.read_bytes()) == src.read_bytes()
    assert gz.stat().st_mtime_ns >= src.stat().st_mtime_ns


def test_precompress_big_files_in_worker_processes(tmp_path: Path) -> None:
    bodies = {
        name: (name.encode() + secrets.token_hex(1000).encode()) * 600
        for name in ("one.bin", "two.wasm", "three.js")
    }
    for name, body in bodies.items():
        (tmp_path / name).write_bytes(body)  # 1.2 MB each: over the process-pool threshold
    stats = precompress.precompress([tmp_path], log=lambda _msg: None, suffixes=[".gz"], workers=2)
    assert stats.written == 3
    for name, body in bodies.items():
        assert gzip.decompress((tmp_path / (name + ".gz")).read_bytes()) == body


@pytest.mark.parametrize(
    ("header", "coding", "expected"),
    [
        ("gzip, deflate, br, zstd", "br", True),
        ("gzip, deflate", "br", False),
        ("br;q=0, gzip", "br", False),
        ("*", "br", True),
        ("BR", "br", True),
        ("x-gzip", "br", False),
    ],
)
def test_accepts_other_codings(header: str, coding: str, expected: bool) -> None:
    assert static_server.accepts(header, coding) is expected


@pytest.fixture
def br_site(tmp_path: Path) -> Path:
    """A compressible .wasm with both .gz and .br siblings."""
    (tmp_path / "big.wasm").write_bytes(b"\0asm\1\0\0\0" + bytes(range(256)) * 400)
    stats = precompress.precompress([tmp_path], log=lambda _msg: None, suffixes=[".gz", ".br"])
    assert stats.written == 2
    return tmp_path


def test_brotli_preferred_when_accepted(br_site: Path) -> None:
    import brotli  # a pinned dev dependency: its absence must fail, not skip

    original = (br_site / "big.wasm").read_bytes()
    with StaticServer(br_site) as server:
        status, headers, body = request(
            server.url + "big.wasm", **{"Accept-Encoding": "gzip, deflate, br, zstd"}
        )
        _, gz_headers, gz_body = request(
            server.url + "big.wasm", **{"Accept-Encoding": "gzip, br;q=0"}
        )
    assert status == 200
    assert headers["Content-Encoding"] == "br"
    assert headers["Content-Type"] == "application/wasm"
    assert int(headers["Content-Length"]) == len(body)
    assert body == (br_site / "big.wasm.br").read_bytes()
    assert brotli.decompress(body) == original
    assert gz_headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(gz_body) == original


def test_stale_brotli_falls_back_to_fresh_gzip(br_site: Path) -> None:
    target = br_site / "big.wasm"
    old = target.stat().st_mtime_ns - 5_000_000_000
    os.utime(br_site / "big.wasm.br", ns=(old, old))
    with StaticServer(br_site) as server:
        _, headers, body = request(server.url + "big.wasm", **{"Accept-Encoding": "gzip, br"})
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == target.read_bytes()


def test_precompress_takes_stored_zips_only(tmp_path: Path) -> None:
    members = {f"pkg/mod{i}.pyc": (f"payload {i} " * 400).encode() for i in range(5)}
    for name, kind in (("stored.zip", zipfile.ZIP_STORED), ("deflated.zip", zipfile.ZIP_DEFLATED)):
        with zipfile.ZipFile(tmp_path / name, "w", kind) as archive:
            for member, data in members.items():
                archive.writestr(member, data)
    assert precompress.is_stored_zip(tmp_path / "stored.zip")
    assert not precompress.is_stored_zip(tmp_path / "deflated.zip")
    stats = precompress.precompress([tmp_path], log=lambda _msg: None, suffixes=[".gz"])
    assert stats.written == 1
    assert not (tmp_path / "deflated.zip.gz").exists()
    assert (
        gzip.decompress((tmp_path / "stored.zip.gz").read_bytes())
        == (tmp_path / "stored.zip").read_bytes()
    )


def test_precompress_cache_restores_siblings_of_rewritten_files(tmp_path: Path) -> None:
    """A file rewritten with the same bytes (fastboot, a checkout) costs no recompression."""
    site, cache = tmp_path / "site", tmp_path / "cache"
    site.mkdir()
    src = site / "a.wasm"
    src.write_bytes(b"\0asm" + b"abc" * 2000)
    noise = site / "noise.bin"
    noise.write_bytes(secrets.token_bytes(50_000))
    quiet: dict[str, Any] = {"log": lambda _msg: None, "suffixes": [".gz"], "cache": cache}
    first = precompress.precompress([site], **quiet)
    assert (first.written, first.skipped, first.from_cache) == (1, 1, 0)
    original = (site / "a.wasm.gz").read_bytes()
    (site / "a.wasm.gz").unlink()
    later = time.time_ns() + 5_000_000_000
    src.write_bytes(src.read_bytes())  # same bytes, newer file
    os.utime(src, ns=(later, later))
    os.utime(noise, ns=(later, later))
    again = precompress.precompress([site], **quiet)
    assert (again.written, again.from_cache, again.skipped) == (0, 2, 1)
    assert (site / "a.wasm.gz").read_bytes() == original
    assert (site / "a.wasm.gz").stat().st_mtime_ns >= src.stat().st_mtime_ns
    assert not (site / "noise.bin.gz").exists()
    # New bytes are a cache miss: compressed, and the sibling decodes to them.
    src.write_bytes(b"\0asm" + b"xyz" * 2000)
    os.utime(src, ns=(later + 10**9, later + 10**9))
    third = precompress.precompress([site], **quiet)
    assert (third.written, third.from_cache) == (1, 1)  # noise.bin: still a cached "skip"
    assert gzip.decompress((site / "a.wasm.gz").read_bytes()) == src.read_bytes()


def test_precompress_without_cache_compresses_again(tmp_path: Path) -> None:
    src = tmp_path / "a.js"
    src.write_text("export const a = 1;\n" * 300)
    quiet: dict[str, Any] = {"log": lambda _msg: None, "suffixes": [".gz"]}
    assert precompress.precompress([tmp_path], **quiet).written == 1
    later = time.time_ns() + 5_000_000_000
    os.utime(src, ns=(later, later))
    assert precompress.precompress([tmp_path], **quiet).written == 1
