"""Choice-based sign-in: InitiateAuth ``USER_AUTH`` (``PREFERRED_CHALLENGE``, auto sign-in with
a ``ConfirmSignUp`` session), ``SELECT_CHALLENGE``, the first factors ``PASSWORD``,
``PASSWORD_SRP``, ``EMAIL_OTP`` and ``SMS_OTP``, and the answers to ``EMAIL_OTP`` (first factor,
email MFA, email MFA set-up) and ``SMS_OTP``. The first-factor table is in ``passwordless``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import sessions
from .errors import invalid_parameter, not_authorized, user_not_found
from .model import check_secret_hash, find_user, password_matches, updating_user
from .passwordless import (
    AUTO_SIGN_IN,
    FIRST_FACTORS,
    FactorStart,
    available_challenges,
    check_turn_code,
    code_challenge,
    first_factor,
    send_code,
)
from .registry import Params
from .signin import (
    INCORRECT,
    FlowRequest,
    Turn,
    after_primary,
    auth_flow,
    challenge,
    check_lock,
    checked_password,
    finish,
    new_challenge,
    new_state,
    parse_a,
    password_verifier_challenge,
    user_after_auth_checks,
)
from .validation import need, opt_str

Item = dict[str, Any]
# (challenge, user attribute, delivery medium, outbox kind, answer key) of the one-time codes
_OTPS = {
    "EMAIL_OTP": ("email", "EMAIL", "email_otp", "EMAIL_OTP_CODE"),
    "SMS_OTP": ("phone_number", "SMS", "sms_otp", "SMS_OTP_CODE"),
}


# ---------------------------------------------------------------- first factors


def _has_password(pool: Item, user: Item) -> bool:
    return bool(user.get("verifier"))


def _verified(attr: str) -> Callable[[Item, Item], bool]:
    def check(pool: Item, user: Item) -> bool:
        # One-time codes replace every factor: not offered where the pool requires MFA.
        attrs = user["attributes"]
        return (
            pool.get("MfaConfiguration", "OFF") != "ON"
            and bool(attrs.get(attr))
            and attrs.get(f"{attr}_verified") == "true"
        )

    return check


@first_factor("PASSWORD", policy="PASSWORD", available=_has_password)
def start_password(start: FactorStart) -> Params:
    """PASSWORD: the plain password came with the choice."""
    emu = start.ctx.emulator
    password = need(start.values, "PASSWORD")
    pool = start.pool
    user = checked_password(
        emu,
        pool,
        start.user["username"],
        lambda fresh: password_matches(emu, pool, fresh, password),
    )
    user_after_auth_checks(emu, user)
    return after_primary(start.ctx, start.pool, start.client, user, start.state)


@first_factor("PASSWORD_SRP", policy="PASSWORD", available=_has_password)
def start_password_srp(start: FactorStart) -> Params:
    """PASSWORD_SRP: SRP_A came with the choice; PASSWORD_VERIFIER follows."""
    large_a = parse_a(need(start.values, "SRP_A"))
    return password_verifier_challenge(start.ctx, start.state, large_a, start.user)


def _start_otp(start: FactorStart, name: str) -> Params:
    attr, medium, kind, _key = _OTPS[name]
    user = start.user
    user_after_auth_checks(start.ctx.emulator, user)
    destination = user["attributes"][attr]
    send_code(start.ctx, start.pool, user, kind, destination)
    start.state["otp"] = kind
    return code_challenge(start.ctx, name, start.state, medium, destination, user["username"])


@first_factor("EMAIL_OTP", policy="EMAIL_OTP", available=_verified("email"))
def start_email_otp(start: FactorStart) -> Params:
    """EMAIL_OTP: a code to the verified email address."""
    return _start_otp(start, "EMAIL_OTP")


@first_factor("SMS_OTP", policy="SMS_OTP", available=_verified("phone_number"))
def start_sms_otp(start: FactorStart) -> Params:
    """SMS_OTP: a code to the verified phone number."""
    return _start_otp(start, "SMS_OTP")


# ---------------------------------------------------------------- code answers


def _first_factor_code(turn: Turn, name: str) -> Params:
    _attr, _medium, kind, key = _OTPS[name]
    check_turn_code(turn, kind, need(turn.responses, key))
    user_after_auth_checks(turn.ctx.emulator, turn.user)
    # A one-time code is a complete sign-in: no MFA follows it.
    return finish(turn.ctx, turn.pool, turn.client, turn.user, turn.state)


@challenge("SMS_OTP")
def answer_sms_otp(turn: Turn) -> Params:
    """SMS_OTP_CODE of a first-factor SMS code."""
    if turn.state.get("otp") != "sms_otp":
        raise not_authorized("Invalid session for the user.")
    return _first_factor_code(turn, "SMS_OTP")


@challenge("EMAIL_OTP")
def answer_email_otp(turn: Turn) -> Params:
    """EMAIL_OTP_CODE: a first-factor code, an email MFA code, or the code that confirms the
    address of an email MFA set-up."""
    state = turn.state
    if state.get("otp") == "email_otp":
        return _first_factor_code(turn, "EMAIL_OTP")
    check_turn_code(turn, "email_mfa", need(turn.responses, "EMAIL_OTP_CODE"))
    user = turn.user
    email = state.pop("email_setup", None)
    if email:
        with updating_user(turn.ctx.emulator, turn.pool, user["username"]) as user:
            user["attributes"]["email"] = email
            user["attributes"]["email_verified"] = "true"
            user["mfa"]["email"] = True
            user["mfa"]["preferred"] = "EMAIL_OTP"
    return finish(turn.ctx, turn.pool, turn.client, user, state)


# ---------------------------------------------------------------- USER_AUTH


@auth_flow("USER_AUTH")
def start_user_auth(req: FlowRequest) -> Params:
    """InitiateAuth USER_AUTH: the preferred first factor when this user may use it, otherwise
    SELECT_CHALLENGE with AvailableChallenges; with a ConfirmSignUp Session, auto sign-in."""
    emu = req.ctx.emulator
    ap = req.auth_parameters
    username = need(ap, "USERNAME")
    preferred = ap.get("PREFERRED_CHALLENGE")
    if preferred is not None and preferred not in FIRST_FACTORS:
        raise invalid_parameter(f"Invalid PREFERRED_CHALLENGE: {preferred}")
    user = find_user(emu, req.pool, username)
    if user is None:
        if req.client.get("PreventUserExistenceErrors") == "ENABLED":
            raise not_authorized(INCORRECT)
        raise user_not_found()
    check_secret_hash(req.client, username, ap.get("SECRET_HASH"))
    check_lock(emu, user)
    state = new_state(req.pool, req.client, user, req.meta, ap.get("DEVICE_KEY"))
    session_id = opt_str(req.params, "Session")
    if session_id:
        return _auto_sign_in(req, user, state, session_id)
    offered = available_challenges(req.pool, user)
    if not offered:
        raise not_authorized("No sign-in method is available for the user.")
    if preferred in offered:
        return FIRST_FACTORS[preferred].start(
            FactorStart(req.ctx, req.pool, req.client, user, state, ap)
        )
    state["available"] = offered
    out = new_challenge(emu, "SELECT_CHALLENGE", state, {"USERNAME": user["username"]})
    out["AvailableChallenges"] = offered
    return out


@challenge("SELECT_CHALLENGE")
def answer_select_challenge(turn: Turn) -> Params:
    """SELECT_CHALLENGE: ANSWER names one of the AvailableChallenges; PASSWORD, PASSWORD_SRP
    and WEB_AUTHN bring their value in the same answer."""
    answer = need(turn.responses, "ANSWER")
    if answer not in (turn.state.get("available") or []):
        raise invalid_parameter(f"The challenge {answer} is not available for the user.")
    start = FactorStart(turn.ctx, turn.pool, turn.client, turn.user, turn.state, turn.responses)
    return FIRST_FACTORS[answer].start(start)


def _auto_sign_in(req: FlowRequest, user: Item, state: Item, session_id: str) -> Params:
    emu = req.ctx.emulator
    saved = sessions.take(emu, session_id, req.client["ClientId"], AUTO_SIGN_IN)
    if saved["username"] != user["username"]:
        raise not_authorized("Invalid session for the user.")
    user_after_auth_checks(emu, user)
    # The sign-up code was the first factor; MFA, when the pool asks for it, still follows.
    return after_primary(req.ctx, req.pool, req.client, user, state)
