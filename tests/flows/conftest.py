"""Fixtures for the flows tests."""

from __future__ import annotations

import pytest
from flows_helpers import CLIENT_ID, POOL_ID, FakeCognito, NoSleep

from amazon_cognito_identity import CognitoUserPool, MemoryStorage, MockTransport, RetryPolicy


@pytest.fixture
def fake() -> FakeCognito:
    return FakeCognito()


@pytest.fixture
def sleeps() -> NoSleep:
    return NoSleep()


@pytest.fixture
def pool(fake: FakeCognito, sleeps: NoSleep) -> CognitoUserPool:
    return CognitoUserPool(
        user_pool_id=POOL_ID,
        client_id=CLIENT_ID,
        storage=MemoryStorage(),
        transport=MockTransport(fake),
        retry=RetryPolicy(sleep=sleeps, rand=lambda: 0.5),
    )


@pytest.fixture(scope="module")
def emu():  # type: ignore[no-untyped-def]
    """One emulator per test module (pools are created per test)."""
    from cognito_emulator import testing

    with testing.EmulatorServer() as server:
        yield server
