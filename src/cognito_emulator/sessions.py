"""Sign-in challenge sessions: opaque, single-use, expiring (3 minutes like Cognito)."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from . import randomness
from .errors import not_authorized

if TYPE_CHECKING:
    from .state import Emulator

Item = dict[str, Any]
USED = "Invalid session for the user, session can only be used once."
EXPIRED = "Invalid session for the user, session is expired."


def new_session(emu: Emulator, state: Item) -> str:
    """Store a session state under a fresh random id and return the id."""
    session_id = randomness.token_urlsafe(96)
    state["expires"] = emu.now() + emu.config.session_seconds
    emu.store.put("auth_session", session_id, state)
    return session_id


def restore(emu: Emulator, session_id: str, state: Item) -> None:
    """Put a session back (a retry is allowed after a wrong MFA code)."""
    emu.store.put("auth_session", session_id, state)


def secret_block_for(session_id: str) -> str:
    """The SECRET_BLOCK handed out with an SRP challenge names its session."""
    return base64.b64encode(session_id.encode()).decode()


def session_of_secret_block(secret_block: str) -> str:
    """Session id of a PASSWORD_CLAIM_SECRET_BLOCK (raises NotAuthorized when malformed)."""
    try:
        return base64.b64decode(secret_block, validate=True).decode()
    except ValueError:  # binascii.Error, UnicodeDecodeError, or non-ASCII text
        raise not_authorized("Invalid PASSWORD_CLAIM_SECRET_BLOCK") from None


def peek(emu: Emulator, session_id: str) -> Item:
    """Read a session without using it up."""
    state = emu.store.get("auth_session", session_id)
    if state is None:
        raise not_authorized(USED)
    return state


def take(emu: Emulator, session_id: str, client_id: str, challenge: str) -> Item:
    """Use a session up: it must exist, be fresh, and belong to this client and challenge."""
    state = emu.store.take("auth_session", session_id)
    if state is None:
        raise not_authorized(USED)
    if state["expires"] <= emu.now():
        raise not_authorized(EXPIRED)
    if state["client_id"] != client_id:
        raise not_authorized("Invalid session for the user.")
    if state["challenge"] != challenge:
        raise not_authorized(
            f"Invalid session for the user: expected challenge {state['challenge']}"
        )
    return state
