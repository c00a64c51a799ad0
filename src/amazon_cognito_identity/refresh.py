"""Refreshing a session: one request across the tabs of an origin, adoption of tokens another
tab stored, refresh-token rotation, and the refresh events.

:func:`refresh_tokens` holds the user's refresh lock (:func:`.tabs.exclusive`), re-reads the
shared storage first (a tab that waited adopts the tokens the winner stored: with rotation the
old refresh token would be refused), then sends ``REFRESH_TOKEN_AUTH`` or, for app clients with
refresh-token rotation, ``GetTokensFromRefreshToken`` (``CognitoUserPool(...,
refresh_token_rotation=True)``; left at ``None`` the SDK switches by itself when the service
says the client rotates). A new refresh token in the answer replaces the old one.

The shared storage may lag behind the lock (localStorage in Chromium reaches the other tabs
asynchronously, see :mod:`.tabs`): the winner leaves in the lock's handoff note a digest of
the refresh token it spent and of the tokens it stored; a tab holding that spent token waits
until its storage shows those tokens (at most :data:`CATCH_UP_SECONDS`) before it decides.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .engine import refresh_request, session_from_result, tokens_request
from .errors import CognitoError, InvalidResponseError, NotAuthorizedException
from .tabs import Handoff, exclusive, lock_name

if TYPE_CHECKING:
    from .engine import Request
    from .tokens import CognitoUserSession
    from .user import CognitoUser

__all__ = ["CATCH_UP_SECONDS", "refresh_tokens", "rotation_refused"]

CATCH_UP_SECONDS = 10.0  # longest wait for another tab's stored tokens to reach this tab


def rotation_refused(err: CognitoError) -> bool:
    """True when REFRESH_TOKEN_AUTH was refused because the app client rotates refresh tokens."""
    text = err.message.lower()
    return isinstance(err, NotAuthorizedException) and (
        "gettokensfromrefreshtoken" in text or "rotation" in text
    )


def _adoptable(user: CognitoUser, token: str, stale: str | None) -> CognitoUserSession | None:
    """A valid session another tab (or task) stored since the caller found its own stale."""
    if stale is None:
        return None
    stored = user.store.read_session(user.username)
    if stored is None or not stored.is_valid(user.pool.clock()):
        return None
    if stored.get_access_token().get_jwt_token() == stale:
        return None
    return stored


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _stored_digest(user: CognitoUser) -> str | None:
    session = user.store.read_session(user.username)
    if session is None:
        return None
    return _digest(
        session.get_id_token().get_jwt_token(),
        session.get_access_token().get_jwt_token(),
        session.get_refresh_token().get_token(),
        str(session.get_clock_drift()),
    )


async def _catch_up(user: CognitoUser, handoff: Handoff, token: str) -> None:
    """When the last holder of the lock spent ``token``, wait until this tab's storage shows
    what it stored (or no session: signed out meanwhile)."""
    try:
        note = json.loads(await handoff.read() or "{}")
    except ValueError:
        return
    spent, wanted = (note.get("spent"), note.get("stored")) if isinstance(note, dict) else (0, 0)
    if not isinstance(spent, str) or not isinstance(wanted, str):
        return
    if not hmac.compare_digest(spent, _digest(token)):
        return
    deadline = time.monotonic() + CATCH_UP_SECONDS
    while time.monotonic() < deadline:
        stored = _stored_digest(user)
        if stored is None or hmac.compare_digest(stored, wanted):
            return
        await asyncio.sleep(0.01)


async def _leave_note(user: CognitoUser, handoff: Handoff, token: str) -> None:
    stored = _stored_digest(user)
    if stored is not None:
        await handoff.write(json.dumps({"spent": _digest(token), "stored": stored}))


def _request(user: CognitoUser, token: str, meta: Mapping[str, str] | None) -> Request:
    device = user.store.device_keys(user.username)
    key = device.key if device else None
    if user.pool.refresh_token_rotation:
        return tokens_request(user.pool.info(), token, key, user.pool.client_secret, meta)
    return refresh_request(user.pool.info(), user.username, token, key, meta)


async def _send(user: CognitoUser, token: str, meta: Mapping[str, str] | None) -> dict[str, Any]:
    request = _request(user, token, meta)
    try:
        return await user.client.call(request.operation, request.params)
    except NotAuthorizedException as err:
        if user.pool.refresh_token_rotation is not None or not rotation_refused(err):
            raise
    user.pool.refresh_token_rotation = True  # the client rotates: use its operation from now on
    request = _request(user, token, meta)
    return await user.client.call(request.operation, request.params)


async def refresh_tokens(
    user: CognitoUser, token: str, meta: Mapping[str, str] | None, stale: str | None = None
) -> CognitoUserSession:
    """Refresh ``user``'s session with ``token`` (``stale``: the expired access token the
    caller holds; a different valid one in storage is adopted instead of refreshing)."""
    events = user.pool.events
    async with exclusive(lock_name(user.pool.get_client_id(), user.username)) as handoff:
        if stale is not None:
            await _catch_up(user, handoff, token)
        adopted = _adoptable(user, token, stale)
        if adopted is not None:
            return adopted
        current = user.store.refresh_token(user.username)
        if stale is not None and current and current != token:
            token = current  # rotated by another tab, whose access token is already stale
        try:
            data = await _send(user, token, meta)
        except NotAuthorizedException as err:
            user.sign_in_user_session = None
            if user.store.refresh_token(user.username) in (token, None):
                user.store.clear_user(user.username)
            events.emit("token_refresh_failed", user.username, error=err)
            events.emit("session_expired", user.username, error=err)
            raise
        except CognitoError as err:
            events.emit("token_refresh_failed", user.username, error=err)
            raise
        result = data.get("AuthenticationResult")
        if not isinstance(result, dict):
            raise InvalidResponseError("the refresh answered no AuthenticationResult")
        result = {"RefreshToken": token, **{k: v for k, v in result.items() if v}}
        session = session_from_result(result, user.pool.clock())
        # A sign-in that happened while this refresh was in flight stored a newer session:
        # keep it rather than overwrite it with this one.
        if user.store.refresh_token(user.username) in (token, None):
            user.store.save_session(user.username, session)
            await _leave_note(user, handoff, token)
        events.emit("token_refreshed", user.username, source="this_tab")
        return session
