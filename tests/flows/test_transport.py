"""Transports: urllib timeouts and failures, pyfetch with stand-in js/pyodide modules."""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
import types
from typing import Any

import pytest

from amazon_cognito_identity import (
    HttpRequest,
    NetworkError,
    PyfetchTransport,
    RequestTimeoutError,
    UrllibTransport,
    default_transport,
)


def _req(url: str, timeout: float | None = None) -> HttpRequest:
    return HttpRequest("POST", url, {"Content-Type": "application/x-amz-json-1.1"}, b"{}", timeout)


async def test_urllib_timeout_when_server_never_answers() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)  # accepts the connection (backlog) but never answers
        port = server.getsockname()[1]
        with pytest.raises(RequestTimeoutError):
            await UrllibTransport(30.0).send(_req(f"http://127.0.0.1:{port}/", timeout=0.3))


async def test_urllib_http_error_is_a_response() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await reader.readexactly(2)
        body = b'{"__type":"NotAuthorizedException","message":"no"}'
        writer.write(
            b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.1\r\n"
            b"X-Amzn-ErrorType: NotAuthorizedException\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        resp = await UrllibTransport(5.0).send(_req(f"http://127.0.0.1:{port}/"))
    assert resp.status == 400
    assert resp.header("X-Amzn-ErrorType") == "NotAuthorizedException"
    assert b"NotAuthorizedException" in resp.body


async def test_urllib_rejects_non_http_urls() -> None:
    with pytest.raises(NetworkError):
        await UrllibTransport().send(_req("file:///etc/passwd"))


def test_default_transport_per_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    from amazon_cognito_identity import runtime

    assert isinstance(default_transport(), UrllibTransport)
    monkeypatch.setattr(runtime, "IS_PYODIDE", True)
    assert isinstance(default_transport(), PyfetchTransport)


class FakeFetchResponse:
    def __init__(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.status = status
        self._body = body
        entries = [(k, v) for k, v in headers.items()]
        self.js_response = types.SimpleNamespace(
            headers=types.SimpleNamespace(entries=lambda: entries)
        )

    async def bytes(self) -> bytes:
        return self._body


@pytest.fixture
def fake_pyodide(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Stand-ins for ``js.AbortController`` and ``pyodide.http.pyfetch``."""
    state: dict[str, Any] = {"aborted": 0, "calls": []}

    class Controller:
        signal = "sig"

        @classmethod
        def new(cls) -> Controller:
            return cls()

        def abort(self) -> None:
            state["aborted"] += 1

    async def pyfetch(url: str, **kwargs: Any) -> Any:
        state["calls"].append((url, kwargs))
        return await state["behaviour"](url, kwargs)

    js = types.ModuleType("js")
    js.AbortController = Controller  # type: ignore[attr-defined]
    pyodide = types.ModuleType("pyodide")
    http = types.ModuleType("pyodide.http")
    http.pyfetch = pyfetch  # type: ignore[attr-defined]
    pyodide.http = http  # type: ignore[attr-defined]
    ffi = types.ModuleType("pyodide.ffi")
    # Stands in for the Uint8Array that the real to_js makes of bytes.
    ffi.to_js = lambda value: ("Uint8Array", bytes(value))  # type: ignore[attr-defined]
    pyodide.ffi = ffi  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "js", js)
    monkeypatch.setitem(sys.modules, "pyodide", pyodide)
    monkeypatch.setitem(sys.modules, "pyodide.http", http)
    monkeypatch.setitem(sys.modules, "pyodide.ffi", ffi)
    return state


async def test_pyfetch_success(fake_pyodide: dict[str, Any]) -> None:
    async def ok(url: str, kwargs: dict[str, Any]) -> Any:
        return FakeFetchResponse(200, b'{"a":1}', {"Content-Type": "application/json"})

    fake_pyodide["behaviour"] = ok
    resp = await PyfetchTransport().send(_req("http://127.0.0.1:1/"))
    assert (resp.status, resp.body, resp.header("content-type")) == (
        200,
        b'{"a":1}',
        "application/json",
    )
    url, kwargs = fake_pyodide["calls"][0]
    assert url == "http://127.0.0.1:1/"
    assert kwargs["method"] == "POST" and kwargs["signal"] == "sig"
    assert kwargs["body"] == ("Uint8Array", b"{}")
    assert kwargs["headers"]["Content-Type"] == "application/x-amz-json-1.1"


@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_pyfetch_sends_no_body_on_get_and_head(
    fake_pyodide: dict[str, Any], method: str
) -> None:
    # fetch() throws "Request with GET/HEAD method cannot have body" when one is given.
    async def ok(url: str, kwargs: dict[str, Any]) -> Any:
        return FakeFetchResponse(200, b"", {})

    fake_pyodide["behaviour"] = ok
    request = HttpRequest(method, "http://127.0.0.1:1/x", {}, b"", None)
    await PyfetchTransport().send(request)
    _, kwargs = fake_pyodide["calls"][0]
    assert "body" not in kwargs and kwargs["method"] == method


async def test_pyfetch_sends_binary_body_unchanged(fake_pyodide: dict[str, Any]) -> None:
    async def ok(url: str, kwargs: dict[str, Any]) -> Any:
        return FakeFetchResponse(200, b"", {})

    fake_pyodide["behaviour"] = ok
    payload = bytes(range(256))  # not valid UTF-8
    await PyfetchTransport().send(HttpRequest("PUT", "http://127.0.0.1:1/o", {}, payload, None))
    assert fake_pyodide["calls"][0][1]["body"] == ("Uint8Array", payload)


async def test_pyfetch_failure_is_network_error(fake_pyodide: dict[str, Any]) -> None:
    async def fail(url: str, kwargs: dict[str, Any]) -> Any:
        raise OSError("TypeError: Failed to fetch")  # what a CORS/refused fetch looks like

    fake_pyodide["behaviour"] = fail
    with pytest.raises(NetworkError) as info:
        await PyfetchTransport().send(_req("http://127.0.0.1:1/"))
    assert not isinstance(info.value, RequestTimeoutError)


async def test_pyfetch_timeout_aborts(fake_pyodide: dict[str, Any]) -> None:
    async def hang(url: str, kwargs: dict[str, Any]) -> Any:
        await asyncio.sleep(10)

    fake_pyodide["behaviour"] = hang
    with pytest.raises(RequestTimeoutError):
        await PyfetchTransport(timeout=0.05).send(_req("http://127.0.0.1:1/"))
    assert fake_pyodide["aborted"] == 1


# ---- a deadline per request, not per read (issue 12) ----------------------------------


class DripServer:
    """Answers every connection with a valid HTTP response, one byte every ``gap`` s."""

    def __init__(self, gap: float, body: bytes = b'{"ok":true}') -> None:
        self.gap = gap
        self.response = (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                for i in range(len(self.response)):
                    if self.stop.wait(self.gap):
                        return
                    conn.sendall(self.response[i : i + 1])
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        self.thread.join()


async def test_urllib_deadline_covers_a_dripping_answer() -> None:
    # ~150 bytes at 20 ms: each read is quick (far below the timeout) but the whole answer
    # takes ~3 s, longer than the 1 s deadline. A per-read timeout would wait and succeed.
    server = DripServer(gap=0.02)
    try:
        request = HttpRequest("POST", f"http://127.0.0.1:{server.port}/", {}, b"{}", 1.0)
        with pytest.raises(RequestTimeoutError):
            await UrllibTransport(timeout=30).send(request)
    finally:
        server.close()


async def test_urllib_answer_within_deadline_is_whole() -> None:
    server = DripServer(gap=0.0005)
    try:
        request = HttpRequest("POST", f"http://127.0.0.1:{server.port}/", {}, b"{}", 30.0)
        resp = await UrllibTransport().send(request)
        assert (resp.status, resp.body) == (200, b'{"ok":true}')
    finally:
        server.close()


async def test_pyfetch_one_deadline_for_answer_and_body(fake_pyodide: dict[str, Any]) -> None:
    class SlowBody(FakeFetchResponse):
        async def bytes(self) -> bytes:
            await asyncio.sleep(0.4)
            return self._body

    async def slow(url: str, kwargs: dict[str, Any]) -> Any:
        await asyncio.sleep(0.4)  # each half is within the timeout, the whole is not
        return SlowBody(200, b"{}", {})

    fake_pyodide["behaviour"] = slow
    with pytest.raises(RequestTimeoutError):
        await PyfetchTransport(timeout=0.6).send(_req("http://127.0.0.1:1/"))
    assert fake_pyodide["aborted"] == 1
