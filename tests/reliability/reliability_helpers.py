"""Shared helpers for the reliability suite: emulator-backed pools and storage invariants."""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from typing import Any

from amazon_cognito_identity import (
    AuthenticationDetails,
    CognitoUser,
    CognitoUserPool,
    MemoryStorage,
    RetryPolicy,
    UrllibTransport,
)
from amazon_cognito_identity.storage import Storage
from amazon_cognito_identity.transport import Transport

PASSWORD = "Corr3ct-Horse!"


async def no_sleep(_seconds: float) -> None:
    """Retry delays cost nothing in tests."""


def fast_retry() -> RetryPolicy:
    """The SDK's default policy (5 retries), without the waiting."""
    return RetryPolicy(sleep=no_sleep, rand=lambda: 0.5)


@dataclass
class Env:
    """One fresh pool and app client on a running emulator."""

    emu: Any  # cognito_emulator.testing.EmulatorServer
    pool_id: str
    client_id: str

    def sdk_pool(
        self,
        transport: Transport | None = None,
        storage: Storage | None = None,
        retry: RetryPolicy | None = None,
    ) -> CognitoUserPool:
        """An SDK pool pointed at the emulator."""
        return CognitoUserPool(
            user_pool_id=self.pool_id,
            client_id=self.client_id,
            endpoint=self.emu.endpoint,
            storage=storage if storage is not None else MemoryStorage(),
            transport=transport if transport is not None else UrllibTransport(timeout=30),
            retry=retry if retry is not None else fast_retry(),
            device_name="reliability-tests",
        )

    def user(self, name: str | None = None, password: str = PASSWORD, **attrs: str) -> str:
        """Create a confirmed user (admin side, no HTTP); returns its username."""
        name = name or f"user{secrets.token_hex(4)}"
        attrs.setdefault("email", f"{name}@example.com")
        self.emu.create_user(self.pool_id, name, password, **attrs)
        return name

    def code(self, username: str, kind: str) -> str:
        """The newest code of ``kind`` sent to ``username`` in this env's pool."""
        items = [m for m in self.emu.outbox(username, self.pool_id) if m["kind"] == kind]
        assert items, f"no {kind} code for {username}"
        return str(items[-1]["code"])


def new_env(emu: Any, client: dict[str, Any] | None = None, **pool: Any) -> Env:
    """A new pool (``pool`` = CreateUserPool params) and client on ``emu``."""
    pool = {"AutoVerifiedAttributes": ["email"], **pool}
    pool_id = emu.create_pool(f"rel-{secrets.token_hex(3)}", **pool)
    params = {
        "ExplicitAuthFlows": [
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_CUSTOM_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ],
        **(client or {}),
    }
    return Env(emu, pool_id, emu.create_client(pool_id, **params))


async def sign_in(pool: CognitoUserPool, username: str, password: str = PASSWORD) -> CognitoUser:
    """SRP sign-in that must succeed without a challenge."""
    user = CognitoUser(username, pool)
    result = await user.authenticate_user(AuthenticationDetails(username, password))
    assert not hasattr(result, "name"), f"unexpected challenge {result!r}"
    return user


def jwt_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT, decoded here independently of the SDK."""
    part = token.split(".")[1]
    data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return data


TOKEN_KEYS = ("idToken", "accessToken", "refreshToken")


def storage_items(storage: MemoryStorage) -> dict[str, str]:
    """Every key and value of a memory storage."""
    keys = storage.keys()  # MemoryStorage.keys() is a method returning a list
    return {k: v for k in keys if (v := storage.get_item(k)) is not None}


def check_storage(storage: MemoryStorage, client_id: str) -> dict[str, dict[str, str]]:
    """Assert the storage holds only whole, single-user sessions; return them by user.

    - a user's tokens are all there or all absent (no session without its refresh token);
    - the id and access tokens both belong to the user whose key holds them;
    - LastAuthUser, when set, names a user with a whole session.
    """
    prefix = f"CognitoIdentityServiceProvider.{client_id}."
    users: dict[str, dict[str, str]] = {}
    last: str | None = None
    for key, value in storage_items(storage).items():
        assert key.startswith(prefix), f"foreign key {key!r}"
        rest = key[len(prefix) :]
        if rest == "LastAuthUser":
            last = value
            continue
        username, _, name = rest.rpartition(".")
        users.setdefault(username, {})[name] = value
    for username, items in users.items():
        present = [k for k in TOKEN_KEYS if k in items]
        assert present in ([], list(TOKEN_KEYS)), f"{username}: half a session {present}"
        if not present:
            continue
        assert items["refreshToken"], f"{username}: empty refresh token"
        id_claims = jwt_claims(items["idToken"])
        access_claims = jwt_claims(items["accessToken"])
        assert id_claims["cognito:username"] == username, (username, id_claims)
        assert access_claims["username"] == username, (username, access_claims)
        assert id_claims["sub"] == access_claims["sub"]
    if last is not None:
        assert last in users and "accessToken" in users[last], f"LastAuthUser {last} has none"
    return users
