"""Helpers for the end-to-end tests against the local emulator."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from amazon_cognito_identity import (
    CognitoUserPool,
    HttpRequest,
    HttpResponse,
    MemoryStorage,
    UrllibTransport,
)

PASSWORD = "Passw0rd!x"
ALL_FLOWS = [
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
]


class CountingTransport(UrllibTransport):
    """urllib, recording (operation, AuthFlow or ChallengeName) of every request."""

    def __init__(self, timeout: float = 10.0) -> None:
        super().__init__(timeout)
        self.sent: list[tuple[str, str | None]] = []
        self.bodies: list[tuple[str, dict[str, Any]]] = []

    async def send(self, request: HttpRequest) -> HttpResponse:
        op = request.headers["X-Amz-Target"].rsplit(".", 1)[-1]
        body = json.loads(request.body)
        self.sent.append((op, body.get("AuthFlow") or body.get("ChallengeName")))
        self.bodies.append((op, body))
        return await super().send(request)

    def count(self, op: str, detail: str | None = None) -> int:
        return sum(1 for o, d in self.sent if o == op and (detail is None or d == detail))


@dataclass
class Setup:
    """A fresh pool + client on the shared emulator, and an SDK pool bound to it."""

    emu: Any
    pool_id: str
    client_id: str
    pool: CognitoUserPool
    transport: CountingTransport
    extra: dict[str, Any] = field(default_factory=dict)

    def sdk_pool(self, **kwargs: Any) -> CognitoUserPool:
        """Another SDK pool object on the same user pool (own storage unless given)."""
        kwargs.setdefault("storage", MemoryStorage())
        kwargs.setdefault("transport", self.transport)
        return CognitoUserPool(
            user_pool_id=self.pool_id,
            client_id=self.client_id,
            endpoint=self.emu.endpoint,
            **kwargs,
        )


def make_setup(
    emu: Any, pool_args: dict[str, Any] | None = None, client_args: dict[str, Any] | None = None
) -> Setup:
    pool_id = emu.create_pool(**(pool_args or {}))
    client_id = emu.create_client(pool_id, ExplicitAuthFlows=ALL_FLOWS, **(client_args or {}))
    transport = CountingTransport()
    pool = CognitoUserPool(
        user_pool_id=pool_id,
        client_id=client_id,
        endpoint=emu.endpoint,
        storage=MemoryStorage(),
        transport=transport,
    )
    return Setup(emu, pool_id, client_id, pool, transport)
