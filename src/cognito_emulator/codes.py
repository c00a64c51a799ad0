"""Random 6-digit codes: single-use, expiring, attempt-limited, delivered to the outbox."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

import pyotp

from .errors import ServiceError, code_mismatch, expired_code

if TYPE_CHECKING:
    from .state import Emulator

MAX_ATTEMPTS = 5
# Lifetimes in seconds, as Cognito documents them.
TTL = {
    "signup": 24 * 3600,
    "forgot_password": 3600,
    "verify_email": 24 * 3600,
    "verify_phone_number": 24 * 3600,
    "sms_mfa": 180,
    "email_mfa": 180,
}


def _key(pool_id: str, username: str, kind: str) -> str:
    return f"{pool_id}/{username}/{kind}"


def new_code() -> str:
    """A uniformly random 6-digit code."""
    return f"{secrets.randbelow(1_000_000):06d}"


def issue_code(emu: Emulator, pool_id: str, username: str, kind: str, destination: str) -> str:
    """Make a new code (replacing an older one of the same kind) and deliver it."""
    code = new_code()
    expires = emu.now() + TTL.get(kind, 3600)
    emu.store.put(
        "code", _key(pool_id, username, kind), {"code": code, "expires": expires, "attempts": 0}
    )
    emu.deliver(pool_id, username, kind, code, destination)
    return code


def check_code(emu: Emulator, pool_id: str, username: str, kind: str, code: str) -> None:
    """Accept the code once, or raise CodeMismatch / ExpiredCode / LimitExceeded."""
    key = _key(pool_id, username, kind)
    error: ServiceError | None = None
    # Decide inside the transaction, raise after it: a failed attempt must be committed.
    with emu.store.transaction():
        item = emu.store.get("code", key)
        if item is None:
            error = expired_code()
        elif item["expires"] <= emu.now():
            emu.store.delete("code", key)
            error = expired_code()
        # bytes: compare_digest refuses non-ASCII str (a 500 on a code like "é")
        elif not secrets.compare_digest(str(item["code"]).encode(), code.encode()):
            item["attempts"] += 1
            if item["attempts"] >= MAX_ATTEMPTS:
                emu.store.delete("code", key)
                error = ServiceError(
                    "LimitExceededException", "Attempt limit exceeded, please try after some time."
                )
            else:
                emu.store.put("code", key, item)
                error = code_mismatch()
        else:
            emu.store.delete("code", key)
    if error is not None:
        raise error


def drop_codes(emu: Emulator, pool_id: str, username: str) -> None:
    """Forget every pending code of a user (deleted user)."""
    emu.store.delete_prefix("code", f"{pool_id}/{username}/")


def totp_matches(emu: Emulator, secret: str | None, code: str) -> bool:
    """Whether ``code`` is the TOTP of ``secret`` at emulator time (one 30 s step either way)."""
    if not secret:
        return False
    return bool(pyotp.TOTP(secret).verify(code, for_time=int(emu.now()), valid_window=1))
