"""The events API (pool.events): subscribe/unsubscribe, sync and async listeners, failures."""

from __future__ import annotations

import asyncio
import logging

import pytest

from amazon_cognito_identity.errors import InvalidParameterError
from amazon_cognito_identity.events import EVENT_NAMES, AuthEvent, Events


def test_names_are_the_contract() -> None:
    assert {
        "signed_in",
        "signed_out",
        "token_refreshed",
        "token_refresh_failed",
        "session_expired",
        "mfa_changed",
    } == EVENT_NAMES


def test_sync_listener_gets_the_event_and_unsubscribes() -> None:
    events = Events()
    seen: list[AuthEvent] = []
    unsubscribe = events.subscribe("signed_in", seen.append)
    events.emit("signed_in", "alice", source="this_tab")
    events.emit("signed_out", "alice")  # another name: not delivered
    assert seen == [AuthEvent("signed_in", "alice", {"source": "this_tab"})]
    unsubscribe()
    events.emit("signed_in", "bob")
    assert len(seen) == 1
    unsubscribe()  # twice is harmless


def test_unknown_names_are_refused() -> None:
    events = Events()
    with pytest.raises(InvalidParameterError):
        events.subscribe("signedIn", print)
    with pytest.raises(InvalidParameterError):
        events.emit("tokenRefresh")


async def test_async_listener_runs_on_the_loop() -> None:
    events = Events()
    seen: list[str | None] = []

    async def listener(event: AuthEvent) -> None:
        await asyncio.sleep(0)
        seen.append(event.username)

    events.subscribe("token_refreshed", listener)
    events.emit("token_refreshed", "alice")
    await events.drain()
    assert seen == ["alice"]


def test_async_listener_without_a_loop_runs_to_its_end() -> None:
    events = Events()
    seen: list[str] = []

    async def listener(event: AuthEvent) -> None:
        seen.append(event.name)

    events.subscribe("session_expired", listener)
    events.emit("session_expired", "alice")
    assert seen == ["session_expired"]


async def test_a_failing_listener_is_logged_and_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events = Events()
    seen: list[str] = []

    def broken(event: AuthEvent) -> None:
        raise RuntimeError("listener bug")

    async def broken_async(event: AuthEvent) -> None:
        raise RuntimeError("async listener bug")

    events.subscribe("mfa_changed", broken)
    events.subscribe("mfa_changed", broken_async)
    events.subscribe("mfa_changed", lambda e: seen.append(e.name))
    with caplog.at_level(logging.ERROR, logger="amazon_cognito_identity.events"):
        events.emit("mfa_changed", "alice", preferred="EMAIL_OTP")
        await events.drain()
    assert seen == ["mfa_changed"]
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["listener of mfa_changed failed", "listener of mfa_changed failed"]


def test_a_listener_may_unsubscribe_while_being_called() -> None:
    events = Events()
    seen: list[str] = []
    unsubscribe = events.subscribe("signed_out", lambda e: (seen.append("a"), unsubscribe()))
    events.subscribe("signed_out", lambda e: seen.append("b"))
    events.emit("signed_out")
    events.emit("signed_out")
    assert seen == ["a", "b", "b"]
