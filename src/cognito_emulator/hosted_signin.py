"""The hosted page's sign-in: the emulator's own InitiateAuth / RespondToAuthChallenge state
machine, driven with the app client's secret hash, whatever the client's ExplicitAuthFlows
(Cognito's managed login does not need ALLOW_USER_PASSWORD_AUTH either)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import jwt

from . import ops_auth
from .model import find_user
from .registry import RequestContext
from .signin import FlowRequest

Item = dict[str, Any]

# The form field of each challenge the page asks, and the ChallengeResponses key it fills.
ANSWER_KEYS = {
    "SMS_MFA": ("code", "SMS_MFA_CODE"),
    "EMAIL_OTP": ("code", "EMAIL_OTP_CODE"),
    "SOFTWARE_TOKEN_MFA": ("code", "SOFTWARE_TOKEN_MFA_CODE"),
    "SELECT_MFA_TYPE": ("mfa_type", "ANSWER"),
    "NEW_PASSWORD_REQUIRED": ("new_password", "NEW_PASSWORD"),
}


def _secret_hash(client: Item, username: str) -> dict[str, str]:
    secret = client.get("ClientSecret")
    if not secret:
        return {}
    digest = hmac.new(
        str(secret).encode(), (username + client["ClientId"]).encode(), hashlib.sha256
    ).digest()
    return {"SECRET_HASH": base64.b64encode(digest).decode()}


def start(ctx: RequestContext, pool: Item, client: Item, username: str, password: str) -> Item:
    """Check the password like USER_PASSWORD_AUTH: tokens, or the next challenge. The result
    carries ``_username``, the user's real username (the page may get an alias)."""
    user = find_user(ctx.emulator, pool, username)
    canonical = user["username"] if user is not None else username
    params = {"USERNAME": username, "PASSWORD": password, **_secret_hash(client, username)}
    result = ops_auth.password_auth(FlowRequest(ctx, pool, client, {}, params, {}))
    result["_username"] = canonical
    return result


def answer(
    ctx: RequestContext, client: Item, name: str, session: str, username: str, form: dict[str, str]
) -> Item:
    """Answer the page's current challenge through RespondToAuthChallenge."""
    field, key = ANSWER_KEYS.get(name, ("", ""))
    responses = {"USERNAME": username, **_secret_hash(client, username)}
    if key:
        responses[key] = form.get(field, "")
    return ops_auth.respond_to_auth_challenge(
        ctx,
        {
            "ClientId": client["ClientId"],
            "ChallengeName": name,
            "Session": session,
            "ChallengeResponses": responses,
        },
    )


def discard_api_tokens(ctx: RequestContext, result: Item) -> None:
    """Revoke the API tokens the state machine issued: the app gets the code's tokens instead."""
    store = ctx.emulator.store
    claims = jwt.decode(result["AccessToken"], options={"verify_signature": False})
    jti = str(claims.get("origin_jti"))
    with store.transaction():
        origin = store.get("origin", jti) or {}
        origin["revoked"] = True
        store.put("origin", jti, origin)
        if result.get("RefreshToken"):
            store.delete("refresh", result["RefreshToken"])
