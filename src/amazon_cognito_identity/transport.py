"""HTTP transports: the only place the SDK touches the network.

A transport turns an :class:`HttpRequest` into an :class:`HttpResponse`. An HTTP error status
is still a response (the caller parses the error body); only a request that got no answer at
all raises :class:`~amazon_cognito_identity.errors.NetworkError` (or
:class:`~amazon_cognito_identity.errors.RequestTimeoutError`).
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from .aio import maybe_await
from .errors import InvalidResponseError, NetworkError, RequestTimeoutError, ScriptExhaustedError

__all__ = [
    "HttpRequest",
    "HttpResponse",
    "MockTransport",
    "PyfetchTransport",
    "Transport",
    "UrllibTransport",
    "http_fetch",
]


@dataclass
class HttpRequest:
    """One HTTP request, fully built (no I/O happened yet)."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    timeout: float | None = None


@dataclass
class HttpResponse:
    """One HTTP answer; header names are lower-cased."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """Return a header by case-insensitive name, or None."""
        return self.headers.get(name.lower())


@runtime_checkable
class Transport(Protocol):
    """Sends a request; raises NetworkError / RequestTimeoutError when no answer came."""

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` and return the answer, whatever its status."""
        ...


def _lower_headers(items: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in items}


def _read_body(resp: Any, deadline: float, timeout: float) -> bytes:
    """The whole body, read in chunks; past ``deadline`` a RequestTimeoutError (so a
    server that drips bytes cannot hold the worker thread long after the caller left)."""
    chunks: list[bytes] = []
    while True:
        if time.monotonic() >= deadline:
            raise RequestTimeoutError(f"request took longer than {timeout}s")
        chunk = resp.read1(_CHUNK) if hasattr(resp, "read1") else resp.read(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


_CHUNK = 64 * 1024


class UrllibTransport:
    """CPython transport: ``urllib`` run in a worker thread so the event loop stays free.

    ``timeout`` (or the request's) is a deadline for the whole request - connecting,
    sending, the answer's headers and body - not a limit per read.
    """

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout

    def _timeout(self, request: HttpRequest) -> float:
        return request.timeout if request.timeout is not None else self.timeout

    def _send_blocking(self, request: HttpRequest, deadline: float) -> HttpResponse:
        timeout = self._timeout(request)
        if not request.url.startswith(("http://", "https://")):
            raise NetworkError(f"unsupported URL scheme: {request.url!r}")
        req = urllib.request.Request(  # noqa: S310 - scheme checked above
            request.url, data=request.body, headers=request.headers, method=request.method
        )
        try:
            remaining = max(deadline - time.monotonic(), 0.001)
            with urllib.request.urlopen(req, timeout=remaining) as resp:  # noqa: S310
                body = _read_body(resp, deadline, timeout)
                return HttpResponse(resp.status, _lower_headers(resp.headers.items()), body)
        except urllib.error.HTTPError as err:
            # An HTTP error status is an answer: hand it back for the caller to parse.
            try:
                body = err.read()
            except (OSError, ValueError):
                body = b""
            return HttpResponse(err.code, _lower_headers(err.headers.items()), body)
        except TimeoutError as err:
            raise RequestTimeoutError(f"request timed out after {timeout}s") from err
        except urllib.error.URLError as err:
            # urllib raises URLError while connecting and sending: the request was never
            # sent whole, so the server cannot have acted on it.
            if isinstance(err.reason, TimeoutError):
                raise RequestTimeoutError(
                    f"request timed out after {timeout}s", reached_server=False
                ) from err
            raise NetworkError(f"Network error: {err.reason}", reached_server=False) from err
        except (OSError, ValueError) as err:
            # Connection reset mid-body, bad status line, http.client.IncompleteRead...
            raise NetworkError(f"Network error: {err}") from err

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` from a worker thread; RequestTimeoutError past the deadline."""
        timeout = self._timeout(request)
        deadline = time.monotonic() + timeout
        work = asyncio.to_thread(self._send_blocking, request, deadline)
        try:
            return await asyncio.wait_for(work, timeout)
        except TimeoutError as err:
            raise RequestTimeoutError(f"request took longer than {timeout}s") from err


class PyfetchTransport:
    """Pyodide transport over ``pyodide.http.pyfetch`` with an AbortController timeout."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` with the browser's fetch."""
        from js import AbortController
        from pyodide.http import pyfetch

        timeout = request.timeout if request.timeout is not None else self.timeout
        controller = AbortController.new()
        options: dict[str, Any] = {
            "method": request.method,
            "headers": request.headers,
            "mode": "cors",
            "signal": controller.signal,
        }
        # fetch() refuses any body on GET/HEAD; other bodies go as raw bytes (a Uint8Array),
        # so binary payloads (e.g. a signed S3 PUT) are sent unchanged.
        if request.body and request.method.upper() not in ("GET", "HEAD"):
            from pyodide.ffi import to_js

            options["body"] = to_js(request.body)

        async def fetch() -> tuple[Any, bytes]:
            resp = await pyfetch(request.url, **options)
            return resp, await resp.bytes()

        try:  # one deadline for the answer and its body; abort() stops the browser's fetch
            resp, body = await asyncio.wait_for(fetch(), timeout)
        except TimeoutError as err:
            controller.abort()
            raise RequestTimeoutError(f"request timed out after {timeout}s") from err
        except Exception as err:
            raise NetworkError(f"Network error: {err}") from err
        headers: dict[str, str] = {}
        try:
            for pair in resp.js_response.headers.entries():
                headers[str(pair[0]).lower()] = str(pair[1])
        except Exception:  # noqa: S110 - headers are best effort (CORS may hide them)
            pass
        return HttpResponse(int(resp.status), headers, bytes(body))


Handler = Callable[[HttpRequest], "HttpResponse | Awaitable[HttpResponse]"]


class MockTransport:
    """Scripted transport for tests: ``handler(request)`` answers; every request is recorded.

    ``handler`` may return an :class:`HttpResponse` or an awaitable of one, or raise (e.g.
    NetworkError). Instead of a callable, a list of responses/exceptions is played in order.
    """

    def __init__(self, handler: Handler | list[HttpResponse | BaseException]) -> None:
        self.requests: list[HttpRequest] = []
        if callable(handler):
            self._handler: Handler | None = handler
            self._script: list[HttpResponse | BaseException] = []
        else:
            self._handler = None
            self._script = list(handler)

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Record ``request`` and answer it from the script."""
        self.requests.append(request)
        if self._handler is None:
            if not self._script:
                raise ScriptExhaustedError(f"MockTransport: no scripted answer for {request.url}")
            item = self._script.pop(0)
            if isinstance(item, BaseException):
                raise item
            return item
        result = await maybe_await(self._handler(request))
        assert isinstance(result, HttpResponse)
        return result

    def targets(self) -> list[str]:
        """The X-Amz-Target operation names of the recorded requests, in order."""
        return [r.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1] for r in self.requests]


def json_response(
    status: int, data: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None
) -> HttpResponse:
    """Build a JSON 1.1 response (a helper for tests and MockTransport scripts)."""

    hdrs = {"content-type": "application/x-amz-json-1.1"}
    hdrs.update({k.lower(): v for k, v in (headers or {}).items()})
    return HttpResponse(status, hdrs, json.dumps(data or {}).encode())


def http_fetch(transport: Transport, timeout: float = 10.0) -> Callable[[str], Awaitable[bytes]]:
    """``async fetch(url) -> bytes``: a GET over ``transport`` (e.g. for a pool's JWKS);
    an answer other than 200 raises InvalidResponseError."""

    async def fetch(url: str) -> bytes:
        request = HttpRequest("GET", url, {"Accept": "application/json"}, b"", timeout)
        response = await transport.send(request)
        if response.status != 200:
            raise InvalidResponseError(
                f"GET {url} answered HTTP {response.status}", status_code=response.status
            )
        return response.body

    return fetch
