"""Resolving the caller of an authenticated (AccessToken) operation."""

from __future__ import annotations

from typing import Any

from .errors import not_authorized
from .model import find_user, get_pool
from .registry import RequestContext
from .tokens import decode_access_token
from .validation import req_str

Item = dict[str, Any]


def caller(ctx: RequestContext, params: dict[str, Any]) -> tuple[Item, Item, Item]:
    """(pool, user, claims) for params['AccessToken'], fully verified."""
    claims = decode_access_token(ctx, req_str(params, "AccessToken"))
    pool = get_pool(ctx.emulator, claims["_pool_id"])
    user = find_user(ctx.emulator, pool, str(claims.get("username", "")))
    if user is None or user["attributes"].get("sub") != claims.get("sub"):
        raise not_authorized("User does not exist.")
    if not user.get("enabled", True):
        raise not_authorized("User is disabled.")
    return pool, user, claims
