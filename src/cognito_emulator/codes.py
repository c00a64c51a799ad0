"""Random 6-digit codes: single-use, expiring, attempt-limited, delivered to the outbox."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

import pyotp

from .errors import ServiceError, code_mismatch, expired_code
from .store import user_prefix

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


# Code (re)issues a user may ask for per kind within ISSUE_WINDOW seconds (ForgotPassword,
# ResendConfirmationCode): beyond, LimitExceededException, so that codes cannot be farmed.
ISSUE_LIMIT = 5
ISSUE_WINDOW = 3600.0
LIMIT_MESSAGE = "Attempt limit exceeded, please try after some time."


def throttle(emu: Emulator, pool_id: str, username: str, kind: str) -> None:
    """Count one request for a ``kind`` code; LimitExceededException past the limit."""
    key = user_prefix(pool_id, username) + kind
    now = emu.now()
    with emu.store.transaction():
        item = emu.store.get("code_issue", key) or {"times": []}
        times = [t for t in item["times"] if t > now - ISSUE_WINDOW]
        if len(times) >= ISSUE_LIMIT:
            error: ServiceError | None = ServiceError("LimitExceededException", LIMIT_MESSAGE)
        else:
            error = None
            times.append(now)
            emu.store.put("code_issue", key, {"times": times})
    if error is not None:
        raise error


def _key(pool_id: str, username: str, kind: str) -> str:
    return user_prefix(pool_id, username) + kind


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
                error = ServiceError("LimitExceededException", LIMIT_MESSAGE)
            else:
                emu.store.put("code", key, item)
                error = code_mismatch()
        else:
            emu.store.delete("code", key)
            emu.store.mark_outbox_used(pool_id, username, kind, code)
    if error is not None:
        raise error


def drop_codes(emu: Emulator, pool_id: str, username: str) -> None:
    """Forget every pending code of a user (deleted user)."""
    emu.store.delete_prefix("code", user_prefix(pool_id, username))


TOTP_STEP = 30


def use_totp(
    emu: Emulator,
    pool_id: str,
    username: str,
    secret: str | None,
    code: str,
    purpose: str = "sign_in",
) -> bool:
    """Whether ``code`` is the TOTP of ``secret`` at emulator time (one 30 s step either way)
    and its time step is newer than the last one this user used for ``purpose`` (``sign_in``
    or ``verify``): a code signs in once (RFC 6238 section 5.2), also when two requests race
    with it. The code that verified a new secret may still sign in once."""
    if not secret:
        return False
    totp = pyotp.TOTP(secret)
    now_step = int(emu.now()) // TOTP_STEP
    step = next(
        (
            s
            for s in (now_step - 1, now_step, now_step + 1)
            # bytes: compare_digest refuses non-ASCII str
            if secrets.compare_digest(totp.at(s * TOTP_STEP).encode(), code.encode())
        ),
        None,
    )
    if step is None:
        return False
    key = user_prefix(pool_id, username) + "totp_step/" + purpose
    with emu.store.transaction():
        last = emu.store.get("totp_used", key)
        if last is not None and int(last["step"]) >= step:
            return False
        emu.store.put("totp_used", key, {"step": step})
    return True
