"""InitiateAuth and RespondToAuthChallenge: the sign-in state machine.

Primary authentication (SRP, password, custom triggers) -> NEW_PASSWORD_REQUIRED when the user
was created by an admin -> DEVICE_SRP_AUTH for a remembered device -> MFA (SMS, TOTP, email,
SELECT_MFA_TYPE, MFA_SETUP) -> tokens (+ NewDeviceMetadata when the pool tracks devices).
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from . import codes, randomness, sessions, srp
from .errors import (
    ServiceError,
    invalid_parameter,
    not_authorized,
    resource_not_found,
    user_not_found,
)
from .model import (
    check_attributes,
    check_flow,
    check_password_policy,
    check_secret_hash,
    client_from_params,
    find_user,
    mask,
    owned_device,
    password_matches,
    pool_name,
    require_user,
    save_user,
    set_password,
    updating_user,
)
from .pool_settings import ROTATING, rotation
from .registry import Params, RequestContext, idp
from .tokens import issue_tokens
from .triggers import BUILTIN
from .validation import need, opt_str, req_str, str_map

Item = dict[str, Any]
TIMESTAMP_SKEW = 300.0
INCORRECT = "Incorrect username or password."
LOCKED = "Password attempts exceeded"


# ---------------------------------------------------------------- helpers


def _challenge(emu: Any, name: str, state: Item, parameters: dict[str, str]) -> Params:
    state["challenge"] = name
    session_id = sessions.new_session(emu, state)
    return {"ChallengeName": name, "Session": session_id, "ChallengeParameters": parameters}


def _state(
    pool: Item, client: Item, user: Item, meta: dict[str, str], device_key: str | None = None
) -> Item:
    return {
        "pool_id": pool["Id"],
        "client_id": client["ClientId"],
        "username": user["username"],
        "meta": meta,
        "device_key": device_key,
        "device_trusted": False,
        "custom": None,
    }


def _check_sign_in(emu: Any, client: Item, ap: dict[str, str], username: str, user: Item) -> None:
    """The checks every primary sign-in makes once the user is found: secret hash, then lockout."""
    check_secret_hash(client, username, ap.get("SECRET_HASH"))
    _check_lock(emu, user)


def _check_lock(emu: Any, user: Item) -> None:
    if user.get("locked_until", 0.0) > emu.now():
        raise not_authorized(LOCKED)


def _record_failure(emu: Any, pool: Item, username: str) -> None:
    with emu.store.transaction():
        user = find_user(emu, pool, username)
        if user is None:
            return
        user["failed"] = int(user.get("failed", 0)) + 1
        if user["failed"] >= emu.config.max_failed_sign_ins:
            user["locked_until"] = emu.now() + emu.config.lockout_seconds
        save_user(emu, pool, user)


def _record_success(emu: Any, pool: Item, user: Item) -> Item:
    if user.get("failed") or user.get("locked_until"):
        with emu.store.transaction():
            fresh = require_user(emu, pool, user["username"])
            fresh["failed"] = 0
            fresh["locked_until"] = 0.0
            save_user(emu, pool, fresh)
            return fresh
    return user


def _user_after_auth_checks(emu: Any, user: Item) -> None:
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


def _parse_a(text: str) -> int:
    try:
        value = srp.parse_hex_int(text)
    except ValueError:
        raise invalid_parameter("SRP_A is not a hexadecimal number") from None
    if value % srp.N == 0:
        raise invalid_parameter("SRP_A mod N must not be zero")
    return value


# ---------------------------------------------------------------- SRP


def _srp_challenge(
    ctx: RequestContext,
    name: str,
    state: Item,
    large_a: int,
    salt: int,
    verifier: int,
    parameters: dict[str, str],
) -> Params:
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


def _password_verifier_challenge(
    ctx: RequestContext, state: Item, large_a: int, user: Item
) -> Params:
    """PASSWORD_VERIFIER against the user's stored salt and verifier."""
    return _srp_challenge(
        ctx,
        "PASSWORD_VERIFIER",
        state,
        large_a,
        int(user["salt"], 16),
        int(user["verifier"], 16),
        {"USER_ID_FOR_SRP": user["username"], "USERNAME": user["username"]},
    )


def _claim_session(session_id: str | None, responses: dict[str, str]) -> str:
    """The session a PASSWORD_CLAIM_SECRET_BLOCK names; a Session sent too must be the same."""
    block_session = sessions.session_of_secret_block(need(responses, "PASSWORD_CLAIM_SECRET_BLOCK"))
    if session_id and session_id != block_session:
        raise not_authorized("Invalid session for the user.")
    return block_session


def _verify_claim(
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


def _start_user_srp(
    ctx: RequestContext,
    pool: Item,
    client: Item,
    ap: dict[str, str],
    meta: dict[str, str],
    custom: list[Item] | None,
) -> Params:
    emu = ctx.emulator
    username = need(ap, "USERNAME")
    large_a = _parse_a(need(ap, "SRP_A"))
    user = find_user(emu, pool, username)
    if user is None:
        if client.get("PreventUserExistenceErrors") == "ENABLED":
            # Answer like for a real user (random salt and verifier); the verifier step then fails.
            fake = {
                "username": username,
                "attributes": {"sub": ""},
                "salt": format(srp.new_salt(), "x"),
                "verifier": format(srp.compute_verifier(secrets.randbits(256)), "x"),
            }
            state = _state(pool, client, fake, meta)
            state["fake"] = True
            return _password_verifier_challenge(ctx, state, large_a, fake)
        raise user_not_found()
    _check_sign_in(emu, client, ap, username, user)
    if not user.get("verifier"):
        raise not_authorized(INCORRECT)
    state = _state(pool, client, user, meta, ap.get("DEVICE_KEY"))
    state["custom"] = custom
    return _password_verifier_challenge(ctx, state, large_a, user)


@dataclass(frozen=True)
class _ClaimAnswer:
    """An answer to an SRP verifier challenge: its session is named by the secret block."""

    ctx: RequestContext
    pool: Item
    client: Item
    session_id: str | None
    responses: dict[str, str]


def _respond_password_verifier(answer: _ClaimAnswer) -> Params:
    ctx, pool, client, responses = answer.ctx, answer.pool, answer.client, answer.responses
    emu = ctx.emulator
    block_session = _claim_session(answer.session_id, responses)
    peeked = sessions.peek(emu, block_session)
    device_key = responses.get("DEVICE_KEY")
    if device_key and not peeked.get("fake"):
        user = require_user(emu, pool, peeked["username"])
        if owned_device(emu, pool, user, device_key) is None:
            # Not using up the session: the JS SDK retries the same answer without DEVICE_KEY.
            raise resource_not_found("Device does not exist.")
    state = sessions.take(emu, block_session, client["ClientId"], "PASSWORD_VERIFIER")
    name = need(responses, "USERNAME")
    if name.lower() != str(state["username"]).lower():
        raise not_authorized(INCORRECT)
    if state.get("fake"):
        raise not_authorized(INCORRECT)
    user = require_user(emu, pool, state["username"])
    _check_lock(emu, user)
    ok = _verify_claim(ctx, state, responses, pool_name(pool["Id"]), user["username"])
    if state.get("custom") is not None:
        state["custom"].append(
            {"challengeName": "PASSWORD_VERIFIER", "challengeResult": ok, "challengeMetadata": ""}
        )
    if not ok:
        _record_failure(emu, pool, user["username"])
        raise not_authorized(INCORRECT)
    user = _record_success(emu, pool, user)
    _user_after_auth_checks(emu, user)
    if device_key:
        state["device_key"] = device_key
    if state.get("custom") is not None:
        return _custom_next(ctx, pool, client, user, state)
    return _after_primary(ctx, pool, client, user, state)


# ---------------------------------------------------------------- after the password


def _after_primary(
    ctx: RequestContext, pool: Item, client: Item, user: Item, state: Item
) -> Params:
    emu = ctx.emulator
    if user["status"] == "FORCE_CHANGE_PASSWORD":
        attrs = {k: v for k, v in user["attributes"].items() if k not in ("sub",)}
        return _challenge(
            emu,
            "NEW_PASSWORD_REQUIRED",
            state,
            {
                "USER_ID_FOR_SRP": user["username"],
                "requiredAttributes": "[]",
                "userAttributes": json.dumps(attrs),
            },
        )
    device_key = state.get("device_key")
    if device_key and not state.get("device_trusted"):
        device = owned_device(emu, pool, user, device_key)
        if device is None or not device.get("confirmed"):
            state["device_key"] = None
        elif device.get("remembered"):
            return _challenge(emu, "DEVICE_SRP_AUTH", state, {"USERNAME": user["username"]})
    return _mfa_step(ctx, pool, client, user, state)


def _enabled_mfas(user: Item) -> list[str]:
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


def _mfa_step(ctx: RequestContext, pool: Item, client: Item, user: Item, state: Item) -> Params:
    emu = ctx.emulator
    config = pool.get("MfaConfiguration", "OFF")
    device_cfg = pool.get("DeviceConfiguration") or {}
    if state.get("device_trusted") and device_cfg.get("ChallengeRequiredOnNewDevice"):
        # A remembered device stands in for the second factor.
        return _finish(ctx, pool, client, user, state)
    if config == "OFF":
        return _finish(ctx, pool, client, user, state)
    enabled = _enabled_mfas(user)
    if not enabled:
        if config != "ON":
            return _finish(ctx, pool, client, user, state)
        if user["attributes"].get("phone_number"):
            enabled = ["SMS_MFA"]
        else:
            return _challenge(
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
        return _mfa_challenge(ctx, pool, user, state, preferred)
    if len(enabled) == 1:
        return _mfa_challenge(ctx, pool, user, state, enabled[0])
    return _challenge(
        emu,
        "SELECT_MFA_TYPE",
        state,
        {
            "MFAS_CAN_CHOOSE": json.dumps(enabled),
            "USER_ID_FOR_SRP": user["username"],
        },
    )


def _mfa_challenge(ctx: RequestContext, pool: Item, user: Item, state: Item, kind: str) -> Params:
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
    return _challenge(emu, kind, state, params)


def _finish(ctx: RequestContext, pool: Item, client: Item, user: Item, state: Item) -> Params:
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
        emu.store.put("user_origin", f"{pool['Id']}/{user['username']}/{origin_jti}", {})
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
                f"{pool['Id']}/{user['username']}/{new_device['DeviceKey']}",
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


# ---------------------------------------------------------------- custom auth


def _trigger_event(pool: Item, client: Item, user: Item, source: str, request: Item) -> Item:
    attrs = dict(user["attributes"])
    attrs["cognito:user_status"] = user["status"]
    return {
        "version": "1",
        "region": pool["Id"].split("_", 1)[0],
        "userPoolId": pool["Id"],
        "userName": user["username"],
        "callerContext": {"awsSdkVersion": "emulator", "clientId": client["ClientId"]},
        "triggerSource": source,
        "request": {"userAttributes": attrs, "userNotFound": False, **request},
        "response": {},
    }


def _custom_next(ctx: RequestContext, pool: Item, client: Item, user: Item, state: Item) -> Params:
    emu = ctx.emulator
    triggers = emu.triggers.get(pool["Id"], BUILTIN)
    event = triggers.define(
        _trigger_event(
            pool,
            client,
            user,
            "DefineAuthChallenge_Authentication",
            {"session": state["custom"], "clientMetadata": state["meta"]},
        )
    )
    decision = event.get("response") or {}
    if decision.get("failAuthentication"):
        raise not_authorized(INCORRECT)
    if decision.get("issueTokens"):
        return _finish(ctx, pool, client, user, state)
    name = decision.get("challengeName")
    if name == "PASSWORD_VERIFIER" and state.get("srp_a"):
        return _password_verifier_challenge(ctx, state, int(state["srp_a"], 16), user)
    if name != "CUSTOM_CHALLENGE":
        raise invalid_parameter(f"DefineAuthChallenge returned an unsupported challenge: {name}")
    request = {"challengeName": name, "session": state["custom"], "clientMetadata": state["meta"]}
    if pool.get("EmulatorCustomAuthAnswer"):
        request["emulatorFixedAnswer"] = pool["EmulatorCustomAuthAnswer"]
    created = triggers.create(
        _trigger_event(pool, client, user, "CreateAuthChallenge_Authentication", request)
    )["response"]
    deliver = created.pop("emulatorDeliver", None)
    if deliver:
        emu.deliver(
            pool["Id"],
            user["username"],
            "custom_challenge",
            str(deliver),
            user["attributes"].get("email") or user["username"],
        )
    state["private"] = created.get("privateChallengeParameters") or {}
    state["metadata"] = created.get("challengeMetadata") or ""
    public = {str(k): str(v) for k, v in (created.get("publicChallengeParameters") or {}).items()}
    public["USERNAME"] = user["username"]
    return _challenge(emu, "CUSTOM_CHALLENGE", state, public)


def _start_custom(
    ctx: RequestContext, pool: Item, client: Item, ap: dict[str, str], meta: dict[str, str]
) -> Params:
    emu = ctx.emulator
    username = need(ap, "USERNAME")
    user = find_user(emu, pool, username)
    if user is None:
        raise user_not_found()
    _check_sign_in(emu, client, ap, username, user)
    state = _state(pool, client, user, meta, ap.get("DEVICE_KEY"))
    if ap.get("CHALLENGE_NAME") == "SRP_A":
        state["srp_a"] = format(_parse_a(need(ap, "SRP_A")), "x")
        state["custom"] = [
            {"challengeName": "SRP_A", "challengeResult": True, "challengeMetadata": ""}
        ]
    else:
        _user_after_auth_checks(emu, user)
        state["custom"] = []
    return _custom_next(ctx, pool, client, user, state)


# ---------------------------------------------------------------- operations


@idp("InitiateAuth")
def initiate_auth(ctx: RequestContext, params: Params) -> Params:
    """InitiateAuth: USER_SRP_AUTH, USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH, CUSTOM_AUTH."""
    pool, client = client_from_params(ctx, params)
    flow = req_str(params, "AuthFlow")
    ap = str_map(params, "AuthParameters")
    meta = str_map(params, "ClientMetadata")
    if flow == "USER_SRP_AUTH":
        check_flow(client, "USER_SRP_AUTH")
        return _start_user_srp(ctx, pool, client, ap, meta, None)
    if flow == "USER_PASSWORD_AUTH":
        check_flow(client, "USER_PASSWORD_AUTH")
        return _password_auth(ctx, pool, client, ap, meta)
    if flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        check_flow(client, "REFRESH_TOKEN_AUTH")
        if rotation(client)[0]:
            raise not_authorized(ROTATING)
        return _refresh(ctx, pool, client, ap)
    if flow == "CUSTOM_AUTH":
        check_flow(client, "CUSTOM_AUTH")
        return _start_custom(ctx, pool, client, ap, meta)
    if flow in ("ADMIN_NO_SRP_AUTH", "ADMIN_USER_PASSWORD_AUTH"):
        raise invalid_parameter(
            f"Initiate Auth method not supported: {flow} (use AdminInitiateAuth)"
        )
    raise invalid_parameter(
        f"1 validation error detected: Value '{flow}' at 'authFlow' failed to satisfy constraint:"
        " Member must satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN,"
        " CUSTOM_AUTH, USER_PASSWORD_AUTH]"
    )


def _password_auth(
    ctx: RequestContext, pool: Item, client: Item, ap: dict[str, str], meta: dict[str, str]
) -> Params:
    emu = ctx.emulator
    username = need(ap, "USERNAME")
    password = need(ap, "PASSWORD")
    user = find_user(emu, pool, username)
    if user is None:
        if client.get("PreventUserExistenceErrors") == "ENABLED":
            raise not_authorized(INCORRECT)
        raise user_not_found()
    _check_sign_in(emu, client, ap, username, user)
    if not password_matches(emu, pool, user, password):
        _record_failure(emu, pool, user["username"])
        raise not_authorized(INCORRECT)
    user = _record_success(emu, pool, user)
    _user_after_auth_checks(emu, user)
    state = _state(pool, client, user, meta, ap.get("DEVICE_KEY"))
    return _after_primary(ctx, pool, client, user, state)


def _refresh(ctx: RequestContext, pool: Item, client: Item, ap: dict[str, str]) -> Params:
    emu = ctx.emulator
    token = need(ap, "REFRESH_TOKEN")
    record = emu.store.get("refresh", token)
    if record is None or record["client_id"] != client["ClientId"]:
        raise not_authorized("Invalid Refresh Token")
    if record["expires"] <= emu.now():
        raise not_authorized("Refresh Token has expired")
    origin = emu.store.get("origin", record["origin_jti"])
    if origin is None or origin.get("revoked"):
        raise not_authorized("Refresh Token has been revoked")
    user = find_user(emu, pool, record["username"])
    if user is None or user["attributes"]["sub"] != record["sub"]:
        raise not_authorized("User does not exist.")
    if ap.get("SECRET_HASH") or client.get("ClientSecret"):
        check_secret_hash(client, ap.get("USERNAME") or user["username"], ap.get("SECRET_HASH"))
    if not user.get("enabled", True):
        raise not_authorized("User is disabled.")
    result = issue_tokens(
        ctx,
        pool,
        client,
        user,
        auth_time=int(record["auth_time"]),
        origin_jti=record["origin_jti"],
        device_key=record.get("device_key"),
        refresh_token=None,
    )
    return {"AuthenticationResult": result, "ChallengeParameters": {}}


@idp("RespondToAuthChallenge")
def respond_to_auth_challenge(ctx: RequestContext, params: Params) -> Params:
    """RespondToAuthChallenge for every challenge the emulator issues."""
    emu = ctx.emulator
    pool, client = client_from_params(ctx, params)
    name = req_str(params, "ChallengeName")
    responses = str_map(params, "ChallengeResponses")
    session_id = opt_str(params, "Session")
    if "USERNAME" in responses:
        check_secret_hash(client, responses["USERNAME"], responses.get("SECRET_HASH"))
    if name == "PASSWORD_VERIFIER":
        return _respond_password_verifier(_ClaimAnswer(ctx, pool, client, session_id, responses))
    if name == "DEVICE_PASSWORD_VERIFIER":
        return _respond_device_verifier(_ClaimAnswer(ctx, pool, client, session_id, responses))
    handlers = {
        "SMS_MFA": _respond_code,
        "EMAIL_OTP": _respond_code,
        "SOFTWARE_TOKEN_MFA": _respond_totp,
        "SELECT_MFA_TYPE": _respond_select,
        "MFA_SETUP": _respond_mfa_setup,
        "NEW_PASSWORD_REQUIRED": _respond_new_password,
        "CUSTOM_CHALLENGE": _respond_custom,
        "DEVICE_SRP_AUTH": _respond_device_srp,
    }
    handler = handlers.get(name)
    if handler is None:
        raise invalid_parameter(f"Unsupported challenge: {name}")
    if not session_id:
        raise invalid_parameter("Missing required parameter Session")
    state = sessions.take(emu, session_id, client["ClientId"], name)
    user = find_user(emu, pool, state["username"])
    if user is None:
        raise user_not_found()
    given = responses.get("USERNAME")
    if given is not None:
        named = find_user(emu, pool, given)
        if named is None or named["username"] != user["username"]:
            raise not_authorized("Invalid session for the user.")
    return handler(_Turn(ctx, pool, client, user, state, session_id, responses))


@dataclass(frozen=True)
class _Turn:
    """One answer to a session-bound challenge: the request, its pool and client, the user the
    session names, and the session's state (already taken; restore it to allow a retry)."""

    ctx: RequestContext
    pool: Item
    client: Item
    user: Item
    state: Item
    session_id: str
    responses: dict[str, str]


def _respond_code(turn: _Turn) -> Params:
    emu = turn.ctx.emulator
    if turn.state["challenge"] == "SMS_MFA":
        key, kind = "SMS_MFA_CODE", "sms_mfa"
    else:
        key, kind = "EMAIL_OTP_CODE", "email_mfa"
    code = need(turn.responses, key)
    try:
        codes.check_code(emu, turn.pool["Id"], turn.user["username"], kind, code)
    except ServiceError as err:
        if err.name == "CodeMismatchException":
            sessions.restore(emu, turn.session_id, turn.state)  # a typo may be retried
        raise
    return _finish(turn.ctx, turn.pool, turn.client, turn.user, turn.state)


def _respond_totp(turn: _Turn) -> Params:
    emu = turn.ctx.emulator
    state = turn.state
    code = need(turn.responses, "SOFTWARE_TOKEN_MFA_CODE")
    secret = turn.user.get("totp_secret")
    if not codes.totp_matches(emu, secret, code):
        state["totp_attempts"] = int(state.get("totp_attempts", 0)) + 1
        if state["totp_attempts"] < 5:
            sessions.restore(emu, turn.session_id, state)
        raise ServiceError("CodeMismatchException", "Invalid code received for user")
    return _finish(turn.ctx, turn.pool, turn.client, turn.user, state)


def _respond_select(turn: _Turn) -> Params:
    answer = need(turn.responses, "ANSWER")
    if answer not in _enabled_mfas(turn.user):
        raise invalid_parameter(f"Invalid MFA type: {answer}")
    return _mfa_challenge(turn.ctx, turn.pool, turn.user, turn.state, answer)


def _respond_mfa_setup(turn: _Turn) -> Params:
    if not turn.state.get("totp_verified"):
        raise not_authorized("Software token MFA is not verified: call VerifySoftwareToken first")
    return _finish(turn.ctx, turn.pool, turn.client, turn.user, turn.state)


def _respond_new_password(turn: _Turn) -> Params:
    emu = turn.ctx.emulator
    pool = turn.pool
    password = need(turn.responses, "NEW_PASSWORD")
    check_password_policy(pool, password)
    attrs = {
        k[len("userAttributes.") :]: v
        for k, v in turn.responses.items()
        if k.startswith("userAttributes.")
    }
    check_attributes(pool, attrs)
    with updating_user(emu, pool, turn.user["username"]) as fresh:
        set_password(emu, pool, fresh, password)
        fresh["status"] = "CONFIRMED"
        fresh.pop("temp_expires", None)
        fresh["attributes"].update(attrs)
    return _after_primary(turn.ctx, pool, turn.client, fresh, turn.state)


def _respond_custom(turn: _Turn) -> Params:
    emu = turn.ctx.emulator
    pool, client, user, state = turn.pool, turn.client, turn.user, turn.state
    answer = need(turn.responses, "ANSWER")
    triggers = emu.triggers.get(pool["Id"], BUILTIN)
    event = triggers.verify(
        _trigger_event(
            pool,
            client,
            user,
            "VerifyAuthChallengeResponse_Authentication",
            {
                "privateChallengeParameters": state.get("private") or {},
                "challengeAnswer": answer,
                "clientMetadata": state["meta"],
            },
        )
    )
    correct = bool((event.get("response") or {}).get("answerCorrect"))
    state["custom"].append(
        {
            "challengeName": "CUSTOM_CHALLENGE",
            "challengeResult": correct,
            "challengeMetadata": state.get("metadata", ""),
        }
    )
    if not correct:
        _record_failure(emu, pool, user["username"])
    return _custom_next(turn.ctx, pool, client, user, state)


def _respond_device_srp(turn: _Turn) -> Params:
    user = turn.user
    device_key = need(turn.responses, "DEVICE_KEY")
    large_a = _parse_a(need(turn.responses, "SRP_A"))
    device = owned_device(turn.ctx.emulator, turn.pool, user, device_key)
    if device is None or not device.get("verifier"):
        raise resource_not_found("Device does not exist.")
    turn.state["device_key"] = device_key
    return _srp_challenge(
        turn.ctx,
        "DEVICE_PASSWORD_VERIFIER",
        turn.state,
        large_a,
        int(device["salt"], 16),
        int(device["verifier"], 16),
        {"USERNAME": user["username"], "DEVICE_KEY": device_key},
    )


def _respond_device_verifier(answer: _ClaimAnswer) -> Params:
    ctx, pool, client, responses = answer.ctx, answer.pool, answer.client, answer.responses
    emu = ctx.emulator
    block_session = _claim_session(answer.session_id, responses)
    state = sessions.take(emu, block_session, client["ClientId"], "DEVICE_PASSWORD_VERIFIER")
    user = require_user(emu, pool, state["username"])
    device_key = need(responses, "DEVICE_KEY")
    device = owned_device(emu, pool, user, device_key)
    if device is None or device_key != state.get("device_key"):
        raise resource_not_found("Device does not exist.")
    if not _verify_claim(ctx, state, responses, device["group_key"], device_key):
        raise not_authorized(INCORRECT)
    state["device_trusted"] = bool(device.get("remembered"))
    return _mfa_step(ctx, pool, client, user, state)


@idp("AdminInitiateAuth")
def admin_initiate_auth(ctx: RequestContext, params: Params) -> Params:
    """AdminInitiateAuth: ADMIN_USER_PASSWORD_AUTH / ADMIN_NO_SRP_AUTH (password checked against
    the verifier, no client flow flag needed beyond ALLOW_ADMIN_USER_PASSWORD_AUTH), or any
    InitiateAuth flow."""
    pool, client = client_from_params(ctx, params)
    if client["UserPoolId"] != req_str(params, "UserPoolId"):
        raise invalid_parameter("ClientId does not belong to UserPoolId")
    flow = req_str(params, "AuthFlow")
    if flow in ("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"):
        check_flow(client, "ADMIN_USER_PASSWORD_AUTH")
        ap = str_map(params, "AuthParameters")
        return _password_auth(ctx, pool, client, ap, str_map(params, "ClientMetadata"))
    return initiate_auth(ctx, params)


@idp("AdminRespondToAuthChallenge")
def admin_respond_to_auth_challenge(ctx: RequestContext, params: Params) -> Params:
    """AdminRespondToAuthChallenge: RespondToAuthChallenge with the pool named."""
    _pool, client = client_from_params(ctx, params)
    if client["UserPoolId"] != req_str(params, "UserPoolId"):
        raise invalid_parameter("ClientId does not belong to UserPoolId")
    return respond_to_auth_challenge(ctx, params)
