"""HTTP transports: the only place the SDK touches the network.

A transport turns an :class:`HttpRequest` into an :class:`HttpResponse`. An HTTP error status
is still a response (the caller parses the error body); only a request that got no answer at
all raises :class:`~amazon_cognito_identity.errors.NetworkError` (or
:class:`~amazon_cognito_identity.errors.RequestTimeoutError`).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from .errors import NetworkError, RequestTimeoutError

__all__ = [
    "HttpRequest",
    "HttpResponse",
    "MockTransport",
    "PyfetchTransport",
    "Transport",
    "UrllibTransport",
    "default_transport",
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


class UrllibTransport:
    """CPython transport: ``urllib`` run in a worker thread so the event loop stays free."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout

    def _send_blocking(self, request: HttpRequest) -> HttpResponse:
        timeout = request.timeout if request.timeout is not None else self.timeout
        if not request.url.startswith(("http://", "https://")):
            raise NetworkError(f"unsupported URL scheme: {request.url!r}")
        req = urllib.request.Request(  # noqa: S310 - scheme checked above
            request.url, data=request.body, headers=request.headers, method=request.method
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
                return HttpResponse(resp.status, _lower_headers(resp.headers.items()), resp.read())
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
        """Send ``request`` from a worker thread."""
        return await asyncio.to_thread(self._send_blocking, request)


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
        try:
            coro = pyfetch(request.url, **options)
            resp = await asyncio.wait_for(coro, timeout)
            body = await asyncio.wait_for(resp.bytes(), timeout)
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
                raise AssertionError(f"MockTransport: no scripted answer for {request.url}")
            item = self._script.pop(0)
            if isinstance(item, BaseException):
                raise item
            return item
        result = self._handler(request)
        if inspect.isawaitable(result):
            result = await result
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


def default_transport(timeout: float = 30.0) -> Transport:
    """Pick the transport for this runtime: pyfetch under Pyodide, urllib elsewhere."""
    if sys.platform == "emscripten":
        return PyfetchTransport(timeout)
    return UrllibTransport(timeout)
