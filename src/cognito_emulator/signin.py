"""The sign-in state machine shared by every auth flow, and the tables flows register into.

``InitiateAuth`` looks the ``AuthFlow`` up in :data:`AUTH_FLOWS`, ``RespondToAuthChallenge``
looks the ``ChallengeName`` up in :data:`CHALLENGES`. A module adds a flow or a challenge by
registering a handler at import time (an ``ops_*`` module is imported at start-up)::

    from cognito_emulator.signin import FlowRequest, Turn, auth_flow, challenge

    @auth_flow("USER_AUTH")                 # client flag ALLOW_USER_AUTH is checked first
    def start_user_auth(req: FlowRequest) -> Params: ...

    @challenge("WEB_AUTHN")                 # the session is taken, its user loaded
    def answer_web_authn(turn: Turn) -> Params: ...

After its own first factor a handler continues with :func:`after_primary` (new password,
remembered device, MFA, tokens) or ends with :func:`finish` (tokens).
"""

from __future__ import annotations

import base64
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import codes, randomness, sessions, srp
from .errors import ServiceError, invalid_parameter, not_authorized
from .model import find_user, mask, owned_device, require_user, save_user
from .registry import Params, RequestContext
from .schema import required_names
from .store import user_prefix
from .tokens import issue_tokens
from .validation import need

Item = dict[str, Any]
TIMESTAMP_SKEW = 300.0
INCORRECT = "Incorrect username or password."
LOCKED = "Password attempts exceeded"


# ---------------------------------------------------------------- the dispatch tables


@dataclass(frozen=True)
class FlowRequest:
    """One InitiateAuth / AdminInitiateAuth call: the pool and client it names, its
    AuthParameters and ClientMetadata."""

    ctx: RequestContext
    pool: Item
    client: Item
    params: Params
    auth_parameters: dict[str, str]
    meta: dict[str, str]


@dataclass(frozen=True)
class Answer:
    """A RespondToAuthChallenge call before any session is taken (for challenges whose session
    is named by something else than ``Session``, like the SRP secret block)."""

    ctx: RequestContext
    pool: Item
    client: Item
    session_id: str | None
    responses: dict[str, str]


@dataclass(frozen=True)
class Turn:
    """One answer to a session-bound challenge: the request, its pool and client, the user the
    session names, and the session's state (already taken; restore it to allow a retry)."""

    ctx: RequestContext
    pool: Item
    client: Item
    user: Item
    state: Item
    session_id: str
    responses: dict[str, str]


FlowHandler = Callable[[FlowRequest], Params]
TurnHandler = Callable[[Turn], Params]
AnswerHandler = Callable[[Answer], Params]


@dataclass(frozen=True)
class AuthFlow:
    """A registered AuthFlow: its handler, the client flag it needs (``ALLOW_<flag>``), and
    whether only AdminInitiateAuth may start it."""

    handler: FlowHandler
    client_flag: str
    admin_only: bool = False


@dataclass(frozen=True)
class ChallengeHandler:
    """A registered ChallengeName: ``turn`` gets the taken session (the usual case), ``answer``
    the raw answer (the handler finds and takes its session itself)."""

    turn: TurnHandler | None = None
    answer: AnswerHandler | None = None


AUTH_FLOWS: dict[str, AuthFlow] = {}
CHALLENGES: dict[str, ChallengeHandler] = {}


def auth_flow(
    *names: str, client_flag: str | None = None, admin_only: bool = False
) -> Callable[[FlowHandler], FlowHandler]:
    """Register a handler for the AuthFlow values ``names`` (the first one names the client
    flag unless ``client_flag`` is given)."""

    def register(fn: FlowHandler) -> FlowHandler:
        entry = AuthFlow(fn, client_flag or names[0], admin_only)
        for name in names:
            _register(AUTH_FLOWS, name, entry, fn)
        return fn

    return register


def challenge(name: str) -> Callable[[TurnHandler], TurnHandler]:
    """Register the handler of a session-bound challenge answer."""

    def register(fn: TurnHandler) -> TurnHandler:
        _register(CHALLENGES, name, ChallengeHandler(turn=fn), fn)
        return fn

    return register


def sessionless_challenge(name: str) -> Callable[[AnswerHandler], AnswerHandler]:
    """Register the handler of a challenge answer that finds its own session."""

    def register(fn: AnswerHandler) -> AnswerHandler:
        _register(CHALLENGES, name, ChallengeHandler(answer=fn), fn)
        return fn

    return register


def _register(table: dict[str, Any], name: str, entry: Any, fn: Callable[..., Any]) -> None:
    old = table.get(name)
    handler = old and (getattr(old, "handler", None) or old.turn or old.answer)
    if old is not None and handler is not fn:
        raise ValueError(f"{name} registered twice")
    table[name] = entry


# ---------------------------------------------------------------- state and checks


def new_challenge(emu: Any, name: str, state: Item, parameters: dict[str, str]) -> Params:
    """Store ``state`` under a fresh session and answer with the challenge ``name``."""
    state["challenge"] = name
    session_id = sessions.new_session(emu, state)
    return {"ChallengeName": name, "Session": session_id, "ChallengeParameters": parameters}


def new_state(
    pool: Item, client: Item, user: Item, meta: dict[str, str], device_key: str | None = None
) -> Item:
    """The session state of a sign-in that has just found its user."""
    return {
        "pool_id": pool["Id"],
        "client_id": client["ClientId"],
        "username": user["username"],
        "meta": meta,
        "device_key": device_key,
        "device_trusted": False,
        "custom": None,
    }


def check_lock(emu: Any, user: Item) -> None:
    """NotAuthorizedException while the user is locked out after failed sign-ins."""
    if user.get("locked_until", 0.0) > emu.now():
        raise not_authorized(LOCKED)


PENDING_SECONDS = 30.0  # a reservation left by a crashed request stops counting after this
_WAIT_STEP = 0.005
_WAIT_LIMIT = 30.0


def checked_password(emu: Any, pool: Item, username: str, check: Callable[[Item], bool]) -> Item:
    """Run ``check(user)`` (a password check) as one counted attempt; the user as stored after
    it, or NotAuthorizedException for a wrong password or a locked user.

    The attempt is reserved before the check, in one transaction: with ``failed`` wrong answers
    so far, at most ``limit - failed`` checks of a user run at once and a further one waits for
    them to finish, so parallel wrong guesses can never check more passwords than the limit
    (parallel right ones just queue briefly)."""
    token = _reserve(emu, pool, username)
    try:
        ok = check(require_user(emu, pool, username))
    except BaseException:
        _settle(emu, pool, username, token, None)
        raise
    user = _settle(emu, pool, username, token, ok)
    if not ok:
        raise not_authorized(INCORRECT)
    return user


def _reserve(emu: Any, pool: Item, username: str) -> str:
    token = randomness.token_urlsafe(12)
    deadline = time.monotonic() + _WAIT_LIMIT
    while True:
        with emu.store.transaction():
            user = require_user(emu, pool, username)
            now = emu.now()
            if float(user.get("locked_until", 0.0)) > now:
                raise not_authorized(LOCKED)
            if user.get("locked_until"):  # a lockout that has ended: a fresh allowance
                user["failed"] = 0
                user["locked_until"] = 0.0
            pending = {
                k: t for k, t in (user.get("pending") or {}).items() if t > now - PENDING_SECONDS
            }
            if int(user.get("failed", 0)) + len(pending) < emu.config.max_failed_sign_ins:
                pending[token] = now
                user["pending"] = pending
                save_user(emu, pool, user)
                return token
        if time.monotonic() > deadline:
            raise not_authorized(LOCKED)
        time.sleep(_WAIT_STEP)


def _settle(emu: Any, pool: Item, username: str, token: str, ok: bool | None) -> Item:
    """End a reserved attempt: ``ok`` clears the failures, ``False`` counts one (the limit
    locks the user), ``None`` (the check itself failed) counts nothing."""
    with emu.store.transaction():
        user = require_user(emu, pool, username)
        (user.get("pending") or {}).pop(token, None)
        if ok:
            user["failed"] = 0
            user["locked_until"] = 0.0
        elif ok is False:
            user["failed"] = int(user.get("failed", 0)) + 1
            if user["failed"] >= emu.config.max_failed_sign_ins:
                user["locked_until"] = emu.now() + emu.config.lockout_seconds
        save_user(emu, pool, user)
        return user


def record_failure(emu: Any, pool: Item, username: str) -> None:
    """Count a wrong custom-challenge answer (password checks count in checked_password)."""
    with emu.store.transaction():
        user = find_user(emu, pool, username)
        if user is None:
            return
        user["failed"] = int(user.get("failed", 0)) + 1
        if user["failed"] >= emu.config.max_failed_sign_ins:
            user["locked_until"] = emu.now() + emu.config.lockout_seconds
        save_user(emu, pool, user)


def user_after_auth_checks(emu: Any, user: Item) -> None:
    """After a good first factor: disabled, unconfirmed, reset-required, expired temporary."""
    if not user.get("enabled", True):
        raise not_authorized("User is disabled.")
    if user["status"] == "UNCONFIRMED":
        raise ServiceError("UserNotConfirmedException", "User is not confirmed.")
    if user["status"] == "RESET_REQUIRED":
        raise ServiceError("PasswordResetRequiredException", "Password reset required for the user")
    if user["status"] == "FORCE_CHANGE_PASSWORD" and user.get("temp_expires", 1e18) < emu.now():
        raise not_authorized(
            "Temporary password has expired and must be reset by an administrator."
        )


def parse_a(text: str) -> int:
    """SRP_A as an integer (InvalidParameterException when malformed or 0 mod N)."""
    try:
        value = srp.parse_hex_int(text)
    except ValueError:
        raise invalid_parameter("SRP_A is not a hexadecimal number") from None
    if value % srp.N == 0:
        raise invalid_parameter("SRP_A mod N must not be zero")
    return value


# ---------------------------------------------------------------- SRP


def srp_challenge(
    ctx: RequestContext,
    name: str,
    state: Item,
    large_a: int,
    salt: int,
    verifier: int,
    parameters: dict[str, str],
) -> Params:
    """A PASSWORD_VERIFIER-like challenge: server B, salt and a secret block naming the session."""
    emu = ctx.emulator
    small_b = srp.new_private_b()
    large_b = emu.compute(srp.compute_large_b, verifier, small_b)
    state["srp"] = {
        "A": format(large_a, "x"),
        "b": format(small_b, "x"),
        "B": format(large_b, "x"),
        "v": format(verifier, "x"),
    }
    state["challenge"] = name
    session_id = sessions.new_session(emu, state)
    params = {
        "SALT": format(salt, "x"),
        "SRP_B": format(large_b, "x"),
        "SECRET_BLOCK": sessions.secret_block_for(session_id),
        **parameters,
    }
    return {"ChallengeName": name, "Session": session_id, "ChallengeParameters": params}


def password_verifier_challenge(
    ctx: RequestContext, state: Item, large_a: int, user: Item
) -> Params:
    """PASSWORD_VERIFIER against the user's stored salt and verifier."""
    return srp_challenge(
        ctx,
        "PASSWORD_VERIFIER",
        state,
        large_a,
        int(user["salt"], 16),
        int(user["verifier"], 16),
        {"USER_ID_FOR_SRP": user["username"], "USERNAME": user["username"]},
    )


def claim_session(session_id: str | None, responses: dict[str, str]) -> str:
    """The session a PASSWORD_CLAIM_SECRET_BLOCK names; a Session sent too must be the same."""
    block_session = sessions.session_of_secret_block(need(responses, "PASSWORD_CLAIM_SECRET_BLOCK"))
    if session_id and session_id != block_session:
        raise not_authorized("Invalid session for the user.")
    return block_session


def verify_claim(
    ctx: RequestContext, state: Item, responses: dict[str, str], srp_pool: str, user_id: str
) -> bool:
    """Check TIMESTAMP and PASSWORD_CLAIM_SIGNATURE against the session's SRP values."""
    emu = ctx.emulator
    timestamp = need(responses, "TIMESTAMP")
    try:
        when = srp.parse_timestamp(timestamp).timestamp()
    except ValueError:
        raise invalid_parameter(f"Invalid TIMESTAMP: {timestamp}") from None
    if abs(when - emu.now()) > TIMESTAMP_SKEW:
        raise not_authorized("TIMESTAMP is more than 5 minutes away from the server time.")
    s = state["srp"]
    large_a, large_b = int(s["A"], 16), int(s["B"], 16)
    u = srp.compute_u(large_a, large_b)
    if u == 0:
        return False
    big_s = emu.compute(srp.compute_server_s, large_a, int(s["v"], 16), u, int(s["b"], 16))
    key = srp.hkdf_key(u, big_s)
    expected = srp.claim_signature(
        key, srp_pool, user_id, need(responses, "PASSWORD_CLAIM_SECRET_BLOCK"), timestamp
    )
    try:
        given = base64.b64decode(need(responses, "PASSWORD_CLAIM_SIGNATURE"), validate=True)
    except ValueError:  # binascii.Error, or non-ASCII text
        return False
    return hmac.compare_digest(expected, given)


# ---------------------------------------------------------------- after the password


def after_primary(ctx: RequestContext, pool: Item, client: Item, user: Item, state: Item) -> Params:
    """After the first factor: NEW_PASSWORD_REQUIRED, DEVICE_SRP_AUTH, then MFA or tokens."""
    emu = ctx.emulator
    if user["status"] == "FORCE_CHANGE_PASSWORD":
        attrs = {k: v for k, v in user["attributes"].items() if k not in ("sub",)}
        missing = [f"userAttributes.{n}" for n in required_names(pool) if not attrs.get(n)]
        return new_challenge(
            emu,
            "NEW_PASSWORD_REQUIRED",
            state,
            {
                "USER_ID_FOR_SRP": user["username"],
                "requiredAttributes": json.dumps(missing),
                "userAttributes": json.dumps(attrs),
            },
        )
    device_key = state.get("device_key")
    if device_key and not state.get("device_trusted"):
        device = owned_device(emu, pool, user, device_key)
        if device is None or not device.get("confirmed"):
            state["device_key"] = None
        elif device.get("remembered"):
            return new_challenge(emu, "DEVICE_SRP_AUTH", state, {"USERNAME": user["username"]})
    return mfa_step(ctx, pool, client, user, state)


def enabled_mfas(user: Item) -> list[str]:
    """The MFA kinds the user has enabled and can receive."""
    mfa = user["mfa"]
    attrs = user["attributes"]
    out = []
    if mfa.get("sms") and attrs.get("phone_number"):
        out.append("SMS_MFA")
    if mfa.get("totp") and user.get("totp_secret"):
        out.append("SOFTWARE_TOKEN_MFA")
    if mfa.get("email") and attrs.get("email"):
        out.append("EMAIL_OTP")
    return out


def mfa_step(ctx: RequestContext, pool: Item, client: Item, user: Item, state: Item) -> Params:
    """The second factor the pool and user call for (or tokens when none)."""
    emu = ctx.emulator
    config = pool.get("MfaConfiguration", "OFF")
    device_cfg = pool.get("DeviceConfiguration") or {}
    if state.get("device_trusted") and device_cfg.get("ChallengeRequiredOnNewDevice"):
        # A remembered device stands in for the second factor.
        return finish(ctx, pool, client, user, state)
    if config == "OFF":
        return finish(ctx, pool, client, user, state)
    enabled = enabled_mfas(user)
    if not enabled:
        if config != "ON":
            return finish(ctx, pool, client, user, state)
        if user["attributes"].get("phone_number"):
            enabled = ["SMS_MFA"]
        else:
            return new_challenge(
                emu,
                "MFA_SETUP",
                state,
                {
                    "MFAS_CAN_SETUP": json.dumps(["SMS_MFA", "SOFTWARE_TOKEN_MFA"]),
                    "USER_ID_FOR_SRP": user["username"],
                },
            )
    preferred = user["mfa"].get("preferred")
    if preferred in enabled:
        return mfa_challenge(ctx, pool, user, state, preferred)
    if len(enabled) == 1:
        return mfa_challenge(ctx, pool, user, state, enabled[0])
    return new_challenge(
        emu,
        "SELECT_MFA_TYPE",
        state,
        {
            "MFAS_CAN_CHOOSE": json.dumps(enabled),
            "USER_ID_FOR_SRP": user["username"],
        },
    )


def mfa_challenge(ctx: RequestContext, pool: Item, user: Item, state: Item, kind: str) -> Params:
    """Send the code of an MFA kind (SMS, email) and answer with its challenge."""
    emu = ctx.emulator
    params = {"USER_ID_FOR_SRP": user["username"]}
    if kind == "SMS_MFA":
        phone = user["attributes"]["phone_number"]
        codes.issue_code(emu, pool["Id"], user["username"], "sms_mfa", phone)
        params.update(CODE_DELIVERY_DELIVERY_MEDIUM="SMS", CODE_DELIVERY_DESTINATION=mask(phone))
    elif kind == "EMAIL_OTP":
        email = user["attributes"]["email"]
        codes.issue_code(emu, pool["Id"], user["username"], "email_mfa", email)
        params.update(CODE_DELIVERY_DELIVERY_MEDIUM="EMAIL", CODE_DELIVERY_DESTINATION=mask(email))
    return new_challenge(emu, kind, state, params)


def finish(ctx: RequestContext, pool: Item, client: Item, user: Item, state: Item) -> Params:
    """Issue tokens, a refresh token and (when devices are tracked) new device metadata."""
    emu = ctx.emulator
    now = emu.now()
    origin_jti = str(randomness.uuid4())
    refresh = randomness.token_urlsafe(256)
    device_key = state.get("device_key")
    new_device: Item | None = None
    if not device_key and pool.get("DeviceConfiguration"):
        device_key = f"{pool['Id'].split('_', 1)[0]}_{randomness.uuid4()}"
        new_device = {
            "DeviceKey": device_key,
            "pool_id": pool["Id"],
            "username": user["username"],
            "group_key": user["device_group_key"],
            "confirmed": False,
            "remembered": False,
            "created": now,
            "modified": now,
            "last_auth": now,
            "last_ip": ctx.source_ip,
        }
    with emu.store.transaction():
        emu.store.put(
            "origin",
            origin_jti,
            {"revoked": False, "pool_id": pool["Id"], "username": user["username"]},
        )
        emu.store.put("user_origin", user_prefix(pool["Id"], user["username"]) + origin_jti, {})
        emu.store.put(
            "refresh",
            refresh,
            {
                "pool_id": pool["Id"],
                "client_id": client["ClientId"],
                "username": user["username"],
                "sub": user["attributes"]["sub"],
                "origin_jti": origin_jti,
                "auth_time": int(now),
                "device_key": device_key,
                "expires": now + client["_refresh_seconds"],
            },
        )
        if new_device is not None:
            emu.store.put("device", new_device["DeviceKey"], new_device)
            emu.store.put(
                "user_device",
                user_prefix(pool["Id"], user["username"]) + new_device["DeviceKey"],
                {"DeviceKey": new_device["DeviceKey"]},
            )
        elif device_key:
            device = emu.store.get("device", device_key)
            if device is not None:
                device["last_auth"] = now
                device["last_ip"] = ctx.source_ip
                emu.store.put("device", device_key, device)
    result = issue_tokens(
        ctx,
        pool,
        client,
        user,
        auth_time=int(now),
        origin_jti=origin_jti,
        device_key=device_key,
        refresh_token=refresh,
    )
    if new_device is not None:
        result["NewDeviceMetadata"] = {
            "DeviceKey": new_device["DeviceKey"],
            "DeviceGroupKey": new_device["group_key"],
        }
    return {"AuthenticationResult": result, "ChallengeParameters": {}}
