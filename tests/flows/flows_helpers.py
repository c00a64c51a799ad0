"""Helpers for the flows tests: a scripted Cognito over MockTransport and JWT factories."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

from amazon_cognito_identity import (
    HttpRequest,
    HttpResponse,
)

POOL_ID = "us-east-1_TestPool1"
CLIENT_ID = "testclient123"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def make_jwt(**claims: Any) -> str:
    """An unsigned JWT with iat/exp defaults (now, now + 1 h); claims override."""
    now = int(time.time())
    payload = {"iat": now, "exp": now + 3600, "sub": "sub-1", **claims}
    return f"{_b64({'alg': 'RS256', 'kid': 'k'})}.{_b64(payload)}.c2ln"


def auth_result(refresh: str | None = "refresh-1", **claims: Any) -> dict[str, Any]:
    """An AuthenticationResult with fresh tokens."""
    result: dict[str, Any] = {
        "IdToken": make_jwt(token_use="id", **claims),
        "AccessToken": make_jwt(token_use="access", **claims),
        "ExpiresIn": 3600,
        "TokenType": "Bearer",
    }
    if refresh is not None:
        result["RefreshToken"] = refresh
    return result


Route = Callable[[dict[str, Any]], Any]


class FakeCognito:
    """A scripted service: ``routes[operation](body) -> dict | (status, dict) | exception``.

    Records ``calls`` as (operation, body) pairs.
    """

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, request: HttpRequest) -> HttpResponse:
        op = request.headers["X-Amz-Target"].rsplit(".", 1)[-1]
        body = json.loads(request.body)
        self.calls.append((op, body))
        route = self.routes.get(op)
        if route is None:
            return error(400, "UnsupportedOperationException", f"no route for {op}")
        out = route(body)
        if isinstance(out, HttpResponse):
            return out
        if isinstance(out, BaseException):
            raise out
        return HttpResponse(
            200, {"content-type": "application/x-amz-json-1.1"}, json.dumps(out).encode()
        )

    def ops(self) -> list[str]:
        return [op for op, _ in self.calls]

    def bodies(self, op: str) -> list[dict[str, Any]]:
        return [b for o, b in self.calls if o == op]


def error(status: int, name: str, message: str) -> HttpResponse:
    """A JSON error answer as Cognito sends it."""
    body = json.dumps({"__type": name, "message": message}).encode()
    return HttpResponse(status, {"content-type": "application/x-amz-json-1.1"}, body)


class NoSleep:
    """Records retry delays instead of sleeping."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
