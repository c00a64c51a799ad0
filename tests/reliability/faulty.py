"""FaultyTransport: wraps a real transport and breaks chosen requests in chosen ways."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from amazon_cognito_identity import HttpRequest, HttpResponse
from amazon_cognito_identity.errors import NetworkError, RequestTimeoutError
from amazon_cognito_identity.transport import Transport

AMZ_JSON = {"content-type": "application/x-amz-json-1.1"}
HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>"
)


def _json(status: int, name: str, message: str) -> HttpResponse:
    body = json.dumps({"__type": name, "message": message}).encode()
    return HttpResponse(status, dict(AMZ_JSON), body)


@dataclass(frozen=True)
class Fault:
    """One way to break a request.

    ``reaches_server``: the real request is sent first (the answer is lost or mangled on
    the way back), so the server's state may have changed. ``retryable``: the SDK's client
    is expected to retry it (network failures, 5xx, throttling).
    """

    name: str
    reaches_server: bool
    retryable: bool


# The faults injected around every flow.
DROP_BEFORE = Fault("drop_before_send", False, True)
DROP_AFTER = Fault("drop_after_send", True, True)  # the server acted, the answer is lost
TIMEOUT = Fault("timeout", False, True)
TIMEOUT_AFTER = Fault("timeout_after_send", True, True)
HTTP_500 = Fault("http_500", False, True)
HTTP_503 = Fault("http_503_html", False, True)
THROTTLE = Fault("throttling", False, True)
TRUNCATED = Fault("truncated_body", True, False)
NOT_JSON = Fault("non_json_200", True, False)
HTML_ERROR = Fault("html_error_page", False, True)
WRONG_TYPE = Fault("wrong_content_type", True, False)  # a real body labelled text/html
HUGE = Fault("huge_body", False, False)
EMPTY_500 = Fault("empty_500", False, True)

ALL_FAULTS = (
    DROP_BEFORE,
    DROP_AFTER,
    TIMEOUT,
    TIMEOUT_AFTER,
    HTTP_500,
    HTTP_503,
    THROTTLE,
    TRUNCATED,
    NOT_JSON,
    HTML_ERROR,
    WRONG_TYPE,
    HUGE,
    EMPTY_500,
)
HUGE_SIZE = 8 * 1024 * 1024


@dataclass
class FaultyTransport:
    """Sends through ``inner`` but applies ``fault`` to the requests whose 0-based index is
    in ``at`` (every request from ``at[0]`` on when ``always``).

    ``operations`` records the X-Amz-Target operation of each request; ``injected`` the
    indices that were broken.
    """

    inner: Transport
    fault: Fault | None = None
    at: frozenset[int] = frozenset()
    always: bool = False
    operations: list[str] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    injected: list[int] = field(default_factory=list)
    on_send: Callable[[HttpRequest], None] | None = None

    def _hit(self, index: int) -> bool:
        if self.fault is None:
            return False
        if self.always:
            return bool(self.at) and index >= min(self.at)
        return index in self.at

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Forward ``request``, breaking it when its index is chosen."""
        index = len(self.operations)
        self.operations.append(request.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1])
        self.bodies.append(request.body)
        if self.on_send is not None:
            self.on_send(request)
        if not self._hit(index):
            return await self.inner.send(request)
        assert self.fault is not None
        self.injected.append(index)
        name = self.fault.name
        if self.fault.reaches_server:
            real = await self.inner.send(request)
            if name == "drop_after_send":
                raise NetworkError("Network error: connection reset by peer")
            if name == "timeout_after_send":
                raise RequestTimeoutError("request timed out after 30.0s")
            if name == "truncated_body":
                return HttpResponse(real.status, real.headers, real.body[: len(real.body) // 2])
            if name == "non_json_200":
                return HttpResponse(200, {"content-type": "text/plain"}, b"OK")
            if name == "wrong_content_type":
                headers = {**real.headers, "content-type": "text/html; charset=utf-8"}
                return HttpResponse(real.status, headers, real.body)
            raise AssertionError(name)
        # Refused connections and connect timeouts: the transport knows nothing was sent.
        if name == "drop_before_send":
            raise NetworkError(
                "Network error: [Errno 111] Connection refused", reached_server=False
            )
        if name == "timeout":
            raise RequestTimeoutError("request timed out after 30.0s", reached_server=False)
        if name == "http_500":
            return _json(500, "InternalErrorException", "Internal server error")
        if name == "http_503_html":
            return HttpResponse(
                503,
                {"content-type": "text/html"},
                b"<html><body><h1>503 Service Unavailable</h1></body></html>",
            )
        if name == "throttling":
            return _json(400, "TooManyRequestsException", "Rate exceeded")
        if name == "html_error_page":
            return HttpResponse(502, {"content-type": "text/html"}, HTML_PAGE)
        if name == "huge_body":
            return HttpResponse(200, dict(AMZ_JSON), b"[" + b"1," * (HUGE_SIZE // 2) + b"1]")
        if name == "empty_500":
            return HttpResponse(500, {}, b"")
        raise AssertionError(name)
