"""The sign-in dispatcher: answers SRP steps itself, hands challenges to the caller."""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .challenges import Challenge
from .errors import CognitoError, InvalidParameterError, InvalidResponseError
from .srp import AuthenticationHelper, format_timestamp, parse_srp_int, password_claim_signature
from .tokens import CognitoUserSession

if TYPE_CHECKING:
    from .user import CognitoUser

__all__ = ["HANDLERS", "SignInContext", "dispatch", "is_device_not_found"]


@dataclass
class SignInContext:
    """What a sign-in carries from one step to the next."""

    password: str | None = None
    client_metadata: Mapping[str, str] | None = None
    helper: AuthenticationHelper | None = None


Result = CognitoUserSession | Challenge
Handler = Callable[["CognitoUser", dict[str, Any], SignInContext], Awaitable[Result]]


def is_device_not_found(err: CognitoError) -> bool:
    """True for the service's "device does not exist" answer."""
    return err.code == "ResourceNotFoundException" and "device" in err.message.lower()


async def dispatch(user: CognitoUser, data: dict[str, Any], ctx: SignInContext) -> Result:
    """Route one sign-in answer to the handler of its challenge (or finish the sign-in)."""
    name = data.get("ChallengeName")
    if data.get("AuthenticationResult") or not name:
        return await _success(user, data, ctx)
    if not isinstance(name, str):
        raise InvalidResponseError(f"ChallengeName is not a string: {type(name).__name__}")
    handler = HANDLERS.get(name, _pause)
    return await handler(user, data, ctx)


def _params(data: dict[str, Any]) -> dict[str, Any]:
    params = data.get("ChallengeParameters") or {}
    if not isinstance(params, dict):
        raise InvalidResponseError("ChallengeParameters is not an object")
    return params


async def _pause(user: CognitoUser, data: dict[str, Any], ctx: SignInContext) -> Result:
    """Every challenge the caller answers: hand it over, described by its unit."""
    user.Session = data.get("Session")
    user.challenge_name = data["ChallengeName"]
    challenge = Challenge(data["ChallengeName"], _params(data))
    user.challenge = challenge
    return await user._prepare_challenge(challenge)


def _claim(
    now: float,
    helper: AuthenticationHelper,
    pool_name: str,
    user_id: str,
    password: str,
    params: dict[str, Any],
) -> dict[str, str]:
    """The PASSWORD_CLAIM answer of one SRP exchange (shared by user and device SRP)."""
    try:
        server_b = parse_srp_int(params["SRP_B"])
        salt = parse_srp_int(params["SALT"])
        secret_block = params["SECRET_BLOCK"]
    except (KeyError, ValueError, TypeError) as err:
        raise InvalidResponseError(f"bad SRP challenge parameters: {err}") from err
    key = helper.get_password_authentication_key(user_id, password, server_b, salt)
    timestamp = format_timestamp(datetime.fromtimestamp(now, UTC))
    return {
        "PASSWORD_CLAIM_SECRET_BLOCK": secret_block,
        "TIMESTAMP": timestamp,
        "PASSWORD_CLAIM_SIGNATURE": password_claim_signature(
            key, pool_name, user_id, secret_block, timestamp
        ),
    }


async def _password_verifier(user: CognitoUser, data: dict[str, Any], ctx: SignInContext) -> Result:
    params = _params(data)
    if ctx.helper is None or ctx.password is None:
        raise InvalidParameterError("PASSWORD_VERIFIER needs the SRP helper and the password")
    # Cognito names the user by USER_ID_FOR_SRP from now on; storage keys follow it.
    user._set_username(str(params.get("USER_ID_FOR_SRP") or user.username))
    user._load_device_keys()
    answers = {"USERNAME": user.username}
    answers.update(
        _claim(
            user.pool.clock(),
            ctx.helper,
            user.pool.get_user_pool_name(),
            user.username,
            ctx.password,
            params,
        )
    )
    if user.device_key:
        answers["DEVICE_KEY"] = user.device_key
    try:
        reply = await user._respond(
            "PASSWORD_VERIFIER", answers, data.get("Session"), ctx.client_metadata
        )
    except CognitoError as err:
        if not (answers.get("DEVICE_KEY") and is_device_not_found(err)):
            raise
        # The service forgot this device: drop its keys and answer once more without it.
        user._clear_device_keys()
        del answers["DEVICE_KEY"]
        reply = await user._respond(
            "PASSWORD_VERIFIER", answers, data.get("Session"), ctx.client_metadata
        )
    return await dispatch(user, reply, ctx)


async def _device_srp_auth(user: CognitoUser, data: dict[str, Any], ctx: SignInContext) -> Result:
    user._load_device_keys()
    if not (user.device_key and user.device_group_key and user.random_password):
        raise InvalidParameterError("DEVICE_SRP_AUTH asked but no device keys are stored")
    helper = AuthenticationHelper(user.device_group_key)
    first = await user._respond(
        "DEVICE_SRP_AUTH",
        {
            "USERNAME": user.username,
            "DEVICE_KEY": user.device_key,
            "SRP_A": helper.get_large_a_hex(),
        },
        data.get("Session"),
        None,  # never ClientMetadata on DEVICE_* (as the JS SDK)
    )
    answers = {"USERNAME": user.username, "DEVICE_KEY": user.device_key}
    answers.update(
        _claim(
            user.pool.clock(),
            helper,
            user.device_group_key,
            user.device_key,
            user.random_password,
            _params(first),
        )
    )
    reply = await user._respond("DEVICE_PASSWORD_VERIFIER", answers, first.get("Session"), None)
    return await dispatch(user, reply, ctx)


async def _success(user: CognitoUser, data: dict[str, Any], ctx: SignInContext) -> Result:
    result = data.get("AuthenticationResult")
    if not isinstance(result, dict):
        raise InvalidResponseError("sign-in answer has neither a challenge nor tokens")
    session = user._session_from_result(result)
    device = result.get("NewDeviceMetadata")
    device_keys: dict[str, str] | None = None
    user.user_confirmation_necessary = False
    if isinstance(device, dict) and device.get("DeviceKey") and device.get("DeviceGroupKey"):
        try:
            device_keys = await user._confirm_new_device(session, device)
        except CognitoError as err:
            # Remembering the device is a bonus: the sign-in itself succeeded.
            warnings.warn(f"ConfirmDevice failed, device not remembered: {err}", stacklevel=2)
            user.device_error = err
    user.Session = None
    user.challenge_name = None
    user.challenge = None
    user._commit_sign_in(session, device_keys)
    return session


#: Challenge name -> its handler. Names not listed are handed to the caller as-is.
HANDLERS: dict[str, Handler] = {
    "SMS_MFA": _pause,
    "SOFTWARE_TOKEN_MFA": _pause,
    "SELECT_MFA_TYPE": _pause,
    "MFA_SETUP": _pause,
    "CUSTOM_CHALLENGE": _pause,
    "NEW_PASSWORD_REQUIRED": _pause,
    "PASSWORD_VERIFIER": _password_verifier,
    "DEVICE_SRP_AUTH": _device_srp_auth,
}
