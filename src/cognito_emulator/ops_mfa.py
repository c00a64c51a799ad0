"""MFA settings and TOTP (software token) association."""

from __future__ import annotations

from typing import Any

import pyotp

from . import codes, sessions
from .access import caller
from .errors import ServiceError, invalid_parameter
from .model import get_pool, updating_user
from .registry import Params, RequestContext, idp
from .validation import opt_dict, opt_list, opt_str, req_str

_KINDS = {
    "SMSMfaSettings": ("sms", "SMS_MFA"),
    "SoftwareTokenMfaSettings": ("totp", "SOFTWARE_TOKEN_MFA"),
    "EmailMfaSettings": ("email", "EMAIL_OTP"),
}


@idp("SetUserSettings")
def set_user_settings(ctx: RequestContext, params: Params) -> Params:
    """SetUserSettings: MFAOptions with SMS turns SMS MFA on, an empty list turns it off."""
    emu = ctx.emulator
    pool, user, _claims = caller(ctx, params)
    options = opt_list(params, "MFAOptions")
    if "MFAOptions" not in params:
        raise invalid_parameter(
            "1 validation error detected: Value null at 'mFAOptions' failed to satisfy "
            "constraint: Member must not be null"
        )
    sms = any(isinstance(o, dict) and o.get("DeliveryMedium") == "SMS" for o in options)
    with updating_user(emu, pool, user["username"]) as user:
        user["mfa"]["sms"] = sms
        if not sms and user["mfa"].get("preferred") == "SMS_MFA":
            user["mfa"]["preferred"] = None
    return {}


@idp("SetUserMFAPreference")
def set_user_mfa_preference(ctx: RequestContext, params: Params) -> Params:
    """SetUserMFAPreference for SMS, TOTP and email MFA."""
    emu = ctx.emulator
    pool, user, _claims = caller(ctx, params)
    with updating_user(emu, pool, user["username"]) as user:
        mfa = user["mfa"]
        for field, (flag, name) in _KINDS.items():
            settings = opt_dict(params, field)
            if not settings:
                continue
            enabled = settings.get("Enabled")
            preferred = settings.get("PreferredMfa")
            if flag == "totp" and (enabled or preferred) and not user.get("totp_secret"):
                raise invalid_parameter("User has not verified software token mfa")
            if (
                flag == "sms"
                and (enabled or preferred)
                and not user["attributes"].get("phone_number")
            ):
                raise invalid_parameter("User does not have a phone number")
            if enabled is not None:
                mfa[flag] = bool(enabled)
            if preferred:
                mfa[flag] = True
                mfa["preferred"] = name
            elif preferred is False and mfa.get("preferred") == name:
                mfa["preferred"] = None
            if not mfa[flag] and mfa.get("preferred") == name:
                mfa["preferred"] = None
    return {}


def _setup_session(ctx: RequestContext, params: Params) -> tuple[str, dict[str, Any]] | None:
    session_id = opt_str(params, "Session")
    if not session_id or params.get("AccessToken"):
        return None
    state = sessions.peek(ctx.emulator, session_id)
    state = sessions.take(ctx.emulator, session_id, state["client_id"], "MFA_SETUP")
    return session_id, state


@idp("AssociateSoftwareToken")
def associate_software_token(ctx: RequestContext, params: Params) -> Params:
    """AssociateSoftwareToken with an AccessToken or an MFA_SETUP Session."""
    emu = ctx.emulator
    secret = pyotp.random_base32(32)
    setup = _setup_session(ctx, params)
    if setup is not None:
        _old, state = setup
        state["totp_pending"] = secret
        return {"SecretCode": secret, "Session": sessions.new_session(emu, state)}
    if not params.get("AccessToken"):
        raise invalid_parameter("Either AccessToken or Session is required")
    pool, user, _claims = caller(ctx, params)
    with updating_user(emu, pool, user["username"]) as user:
        user["totp_pending"] = secret
    return {"SecretCode": secret}


def _check_totp(emu: Any, pool_id: str, username: str, secret: str | None, code: str) -> None:
    if not codes.use_totp(emu, pool_id, username, secret, code, "verify"):
        raise ServiceError(
            "EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA"
        )


@idp("VerifySoftwareToken")
def verify_software_token(ctx: RequestContext, params: Params) -> Params:
    """VerifySoftwareToken: RFC 6238 check of the first code from the new secret."""
    emu = ctx.emulator
    code = req_str(params, "UserCode")
    opt_str(params, "FriendlyDeviceName")
    setup = _setup_session(ctx, params)
    if setup is not None:
        _old, state = setup
        _check_totp(emu, state["pool_id"], state["username"], state.get("totp_pending"), code)
        pool = get_pool(emu, state["pool_id"])
        with updating_user(emu, pool, state["username"]) as user:
            user["totp_secret"] = state.pop("totp_pending")
            user["mfa"]["totp"] = True
            user["mfa"]["preferred"] = "SOFTWARE_TOKEN_MFA"
        state["totp_verified"] = True
        return {"Status": "SUCCESS", "Session": sessions.new_session(emu, state)}
    if not params.get("AccessToken"):
        raise invalid_parameter("Either AccessToken or Session is required")
    pool, user, _claims = caller(ctx, params)
    _check_totp(emu, pool["Id"], user["username"], user.get("totp_pending"), code)
    with updating_user(emu, pool, user["username"]) as user:
        user["totp_secret"] = user.pop("totp_pending", None)
    return {"Status": "SUCCESS"}
