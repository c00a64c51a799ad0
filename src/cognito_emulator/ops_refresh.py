"""GetTokensFromRefreshToken, with the app client's refresh-token rotation.

With ``RefreshTokenRotation.Feature = ENABLED`` every refresh returns a new refresh token of the
same sign-in (same ``origin_jti``: revoking one revokes the family) and the submitted one stops
working ``RetryGracePeriodSeconds`` (0-60) later: after that it answers
``RefreshTokenReuseException``. Such a client refuses ``REFRESH_TOKEN_AUTH``. Without rotation the
operation returns new ID and access tokens only, like ``REFRESH_TOKEN_AUTH``.
"""

from __future__ import annotations

import hmac
from typing import Any

from . import randomness
from .errors import ServiceError, not_authorized
from .model import client_from_params, find_user
from .pool_settings import rotation
from .registry import Params, RequestContext, idp
from .tokens import issue_tokens
from .validation import opt_str, req_str, str_map

Item = dict[str, Any]


def _check_client_secret(client: Item, given: str | None) -> None:
    expected = str(client.get("ClientSecret") or "")
    if expected and not hmac.compare_digest((given or "").encode(), expected.encode()):
        raise not_authorized(f"Client {client['ClientId']} is configured with secret")


def _usable_record(ctx: RequestContext, client: Item, token: str) -> Item:
    """The stored refresh token, or Cognito's refusal."""
    emu = ctx.emulator
    record: Item | None = emu.store.get("refresh", token)
    if record is None or record["client_id"] != client["ClientId"]:
        raise not_authorized("Invalid Refresh Token")
    rotated = record.get("rotated_at")
    if rotated is not None and emu.now() >= rotated + int(record.get("grace", 0)):
        raise ServiceError("RefreshTokenReuseException", "Refresh token has been reused.")
    if record["expires"] <= emu.now():
        raise not_authorized("Refresh Token has expired")
    origin = emu.store.get("origin", record["origin_jti"])
    if origin is None or origin.get("revoked"):
        raise not_authorized("Refresh Token has been revoked")
    return record


def _rotate(ctx: RequestContext, client: Item, token: str, record: Item, grace: int) -> str:
    """Store a new refresh token of the same sign-in; the old one ends after ``grace``."""
    emu = ctx.emulator
    fresh = randomness.token_urlsafe(256)
    now = emu.now()
    with emu.store.transaction():
        emu.store.put(
            "refresh",
            fresh,
            {**record, "expires": now + client["_refresh_seconds"], "rotated_at": None},
        )
        if record.get("rotated_at") is None:  # a retry in the grace period keeps the first end
            emu.store.put("refresh", token, {**record, "rotated_at": now, "grace": grace})
    return fresh


@idp("GetTokensFromRefreshToken")
def get_tokens_from_refresh_token(ctx: RequestContext, params: Params) -> Params:
    """New ID and access tokens (and, with rotation, a new refresh token)."""
    emu = ctx.emulator
    token = req_str(params, "RefreshToken")
    pool, client = client_from_params(ctx, params)
    _check_client_secret(client, opt_str(params, "ClientSecret"))
    opt_str(params, "DeviceKey")
    str_map(params, "ClientMetadata")
    record = _usable_record(ctx, client, token)
    user = find_user(emu, pool, record["username"])
    if user is None or user["attributes"]["sub"] != record["sub"]:
        raise not_authorized("User does not exist.")
    if not user.get("enabled", True):
        raise not_authorized("User is disabled.")
    rotating, grace = rotation(client)
    result = issue_tokens(
        ctx,
        pool,
        client,
        user,
        auth_time=int(record["auth_time"]),
        origin_jti=record["origin_jti"],
        device_key=record.get("device_key"),
        refresh_token=_rotate(ctx, client, token, record, grace) if rotating else None,
    )
    return {"AuthenticationResult": result}
