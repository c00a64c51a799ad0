"""Concurrency: one refresh for 200 callers, two users sharing one storage, and 200 racing
sign-ups of one username."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from faulty import FaultyTransport
from reliability_helpers import PASSWORD, Env, check_storage, jwt_claims, new_env

from amazon_cognito_identity import (
    AuthenticationDetails,
    CognitoUser,
    CognitoUserAttribute,
    MemoryStorage,
    UrllibTransport,
)
from amazon_cognito_identity.errors import CognitoError, UsernameExistsException


@pytest.fixture(scope="module")
def env(own_emulator: Any) -> Env:
    return new_env(own_emulator)


async def expired_sign_in(env: Env, storage: MemoryStorage, name: str) -> None:
    """Sign ``name`` in with tokens that expired an hour ago (emulator clock moved back)."""
    emulator = env.emu.emulator
    emulator.clock_offset = -2 * 3600
    try:
        user = CognitoUser(name, env.sdk_pool(storage=storage))
        user.set_authentication_flow_type("USER_PASSWORD_AUTH")  # no SRP TIMESTAMP check
        await user.authenticate_user(AuthenticationDetails(name, PASSWORD))
    finally:
        emulator.clock_offset = 0.0
    # The SDK compensates clock drift (it would see the tokens as fresh): store no drift,
    # so the cached session reads as expired.
    storage.set_item(f"CognitoIdentityServiceProvider.{env.client_id}.{name}.clockDrift", "0")
    cached = CognitoUser(name, env.sdk_pool(storage=storage))._read_cached_session()
    assert cached is not None and not cached.is_valid()


async def test_200_concurrent_refreshes_make_one_request(env: Env) -> None:
    name = env.user()
    storage = MemoryStorage()
    await expired_sign_in(env, storage, name)
    transport = FaultyTransport(UrllibTransport())
    pool = env.sdk_pool(transport=transport, storage=storage)
    # 100 users objects of the same person plus 100 calls on one object.
    one = CognitoUser(name, pool)
    calls = [CognitoUser(name, pool).get_session() for _ in range(100)]
    calls += [one.get_session() for _ in range(100)]
    sessions = await asyncio.gather(*calls)
    assert transport.operations == ["InitiateAuth"]
    tokens = {s.get_access_token().get_jwt_token() for s in sessions}
    assert len(tokens) == 1 and all(s.is_valid() for s in sessions)
    check_storage(storage, env.client_id)


async def test_two_users_one_storage_never_mix(env: Env) -> None:
    alice, bob = env.user(), env.user()
    storage = MemoryStorage()
    await expired_sign_in(env, storage, alice)
    await expired_sign_in(env, storage, bob)
    pool = env.sdk_pool(storage=storage)
    users = {alice: CognitoUser(alice, pool), bob: CognitoUser(bob, pool)}

    async def work(name: str) -> None:
        user = users[name]
        for _ in range(5):
            session = await user.get_session()
            assert jwt_claims(session.get_access_token().get_jwt_token())["username"] == name
            assert jwt_claims(session.get_id_token().get_jwt_token())["cognito:username"] == name
            data = await user.get_user_data(bypass_cache=True)
            assert data["Username"] == name
            refreshed = await user.refresh_session(session.get_refresh_token())
            assert jwt_claims(refreshed.get_access_token().get_jwt_token())["username"] == name

    await asyncio.gather(work(alice), work(bob), work(alice), work(bob))
    stored = check_storage(storage, env.client_id)
    assert set(stored) == {alice, bob}
    # Bob signing out leaves Alice signed in.
    await users[bob].sign_out()
    stored = check_storage(storage, env.client_id)
    assert "accessToken" in stored[alice] and "accessToken" not in stored.get(bob, {})
    assert (await CognitoUser(alice, pool).get_session()).is_valid()


async def test_200_concurrent_sign_ups_one_winner(env: Env) -> None:
    pool = env.sdk_pool()
    attrs = [CognitoUserAttribute("email", "race@example.com")]

    async def attempt() -> object:
        try:
            return await pool.sign_up("racer", PASSWORD, attrs)
        except CognitoError as err:
            return err

    results = await asyncio.gather(*(attempt() for _ in range(200)))
    errors = [r for r in results if isinstance(r, CognitoError)]
    wins = [r for r in results if not isinstance(r, CognitoError)]
    assert len(wins) == 1, errors[:3]
    assert all(isinstance(e, UsernameExistsException) for e in errors), {type(e) for e in errors}
    users = env.emu.call("ListUsers", {"UserPoolId": env.pool_id, "Filter": 'username = "racer"'})
    assert len(users["Users"]) == 1
