"""OAuth 2.0 grants of the hosted UI: authorization codes, scoped tokens, refresh, revocation.

Tokens are signed with the pool's key like the API's, with the scopes of the grant: the access
token's ``scope`` claim lists them, an ID token exists only with ``openid``, and the user
claims of the ID token and of userInfo follow ``email`` / ``phone`` / ``profile`` (``openid``
alone gives every attribute, as Cognito's userInfo does).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jwt

from . import randomness
from .groups import group_claims
from .model import find_user
from .schema import readable

if TYPE_CHECKING:
    from .registry import RequestContext

Item = dict[str, Any]
CODE_SECONDS = 300.0  # "a one time use code that is valid for five minutes"
_EMAIL_CLAIMS = ("email", "email_verified")
_PHONE_CLAIMS = ("phone_number", "phone_number_verified")


class OAuthError(Exception):
    """An OAuth error answer: ``{"error": name, "error_description": ...}`` with ``status``."""

    def __init__(self, error: str, description: str = "", status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status


@dataclass(frozen=True)
class CodeGrant:
    """What an authorization code stands for until it is exchanged."""

    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    code_challenge: str | None
    nonce: str | None


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of a code verifier (RFC 7636)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def new_code(ctx: RequestContext, pool: Item, user: Item, grant: CodeGrant, auth_time: int) -> str:
    """Store a single-use, five-minute authorization code for the user and return it."""
    emu = ctx.emulator
    code = str(randomness.uuid4())
    emu.store.put(
        "oauth_code",
        code,
        {
            "pool_id": pool["Id"],
            "username": user["username"],
            "sub": user["attributes"]["sub"],
            "auth_time": auth_time,
            "client_id": grant.client_id,
            "redirect_uri": grant.redirect_uri,
            "scopes": list(grant.scopes),
            "code_challenge": grant.code_challenge,
            "nonce": grant.nonce,
            "expires": emu.now() + CODE_SECONDS,
        },
    )
    return code


def _verifier_matches(record: Item, verifier: str | None) -> bool:
    challenge = record.get("code_challenge")
    if challenge is None:
        return verifier is None
    if not verifier:
        return False
    try:
        computed = s256(verifier)
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(computed, str(challenge))


def exchange_code(
    ctx: RequestContext,
    pool: Item,
    client: Item,
    code: str,
    redirect_uri: str | None,
    verifier: str | None,
) -> Item:
    """Tokens for an authorization code; the code is used up by the first attempt, right or
    wrong (a guessed verifier gets one try)."""
    emu = ctx.emulator
    record = emu.store.take("oauth_code", code)
    if record is None or record["pool_id"] != pool["Id"]:
        raise OAuthError("invalid_grant", "Authorization code has been consumed or does not exist")
    if record["expires"] <= emu.now():
        raise OAuthError("invalid_grant", "Authorization code has expired")
    if record["client_id"] != client["ClientId"]:
        raise OAuthError("invalid_grant", "Authorization code was issued to another client")
    if redirect_uri != record["redirect_uri"]:
        raise OAuthError("invalid_grant", "redirect_uri does not match the authorization request")
    if not _verifier_matches(record, verifier):
        raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
    user = find_user(emu, pool, record["username"])
    if user is None or user["attributes"]["sub"] != record["sub"]:
        raise OAuthError("invalid_grant", "User does not exist.")
    if not user.get("enabled", True):
        raise OAuthError("invalid_grant", "User is disabled.")
    return mint(
        ctx,
        pool,
        client,
        user,
        scopes=record["scopes"],
        auth_time=int(record["auth_time"]),
        nonce=record.get("nonce"),
    )


def mint(
    ctx: RequestContext,
    pool: Item,
    client: Item,
    user: Item,
    *,
    scopes: list[str],
    auth_time: int,
    nonce: str | None,
) -> Item:
    """A new sign-in origin with its refresh token, and signed tokens for ``scopes``."""
    emu = ctx.emulator
    now = emu.now()
    origin_jti = str(randomness.uuid4())
    refresh = randomness.token_urlsafe(256)
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
                "auth_time": auth_time,
                "device_key": None,
                "expires": now + client["_refresh_seconds"],
                "scopes": scopes,
            },
        )
    out = sign(
        ctx,
        pool,
        client,
        user,
        scopes=scopes,
        auth_time=auth_time,
        origin_jti=origin_jti,
        nonce=nonce,
    )
    out["refresh_token"] = refresh
    return out


def refresh_grant(ctx: RequestContext, pool: Item, client: Item, token: str) -> Item:
    """New access (and ID) tokens for a refresh token, with the scopes of its first grant."""
    emu = ctx.emulator
    record = emu.store.get("refresh", token)
    if record is None or record["client_id"] != client["ClientId"]:
        raise OAuthError("invalid_grant", "Invalid Refresh Token")
    if record["expires"] <= emu.now():
        raise OAuthError("invalid_grant", "Refresh Token has expired")
    origin = emu.store.get("origin", record["origin_jti"])
    if origin is None or origin.get("revoked"):
        raise OAuthError("invalid_grant", "Refresh Token has been revoked")
    user = find_user(emu, pool, record["username"])
    if user is None or user["attributes"]["sub"] != record["sub"]:
        raise OAuthError("invalid_grant", "User does not exist.")
    if not user.get("enabled", True):
        raise OAuthError("invalid_grant", "User is disabled.")
    scopes = record.get("scopes") or ["aws.cognito.signin.user.admin", "openid"]
    return sign(
        ctx,
        pool,
        client,
        user,
        scopes=scopes,
        auth_time=int(record["auth_time"]),
        origin_jti=record["origin_jti"],
        nonce=None,
    )


def revoke(ctx: RequestContext, client: Item, token: str) -> None:
    """Revoke a refresh token of this client and every access token issued from it (an
    unknown token is not an error, as RFC 7009 says)."""
    emu = ctx.emulator
    with emu.store.transaction():
        record = emu.store.get("refresh", token)
        if record is None or record["client_id"] != client["ClientId"]:
            return
        origin = emu.store.get("origin", record["origin_jti"]) or {}
        origin["revoked"] = True
        emu.store.put("origin", record["origin_jti"], origin)
        emu.store.delete("refresh", token)


def client_credentials(ctx: RequestContext, pool: Item, client: Item, scopes: list[str]) -> Item:
    """An access token for the client itself (machine to machine): custom scopes only."""
    emu = ctx.emulator
    private, kid = emu.keys.key(pool["Id"])
    now = int(emu.now())
    claims = {
        "sub": client["ClientId"],
        "token_use": "access",
        "scope": " ".join(scopes),
        "auth_time": now,
        "iss": f"{ctx.issuer_base.rstrip('/')}/{pool['Id']}",
        "exp": now + client["_access_seconds"],
        "iat": now,
        "version": 2,
        "jti": str(randomness.uuid4()),
        "client_id": client["ClientId"],
    }
    token = jwt.encode(claims, private, algorithm="RS256", headers={"kid": kid})
    return {"access_token": token, "expires_in": client["_access_seconds"], "token_type": "Bearer"}


def user_claims(user: Item, scopes: list[str] | tuple[str, ...], client: Item | None) -> Item:
    """The user's attributes the scopes release, among those the app client may read
    (``ReadAttributes``), ``*_verified`` as booleans."""
    wanted = set(scopes)
    narrow = wanted & {"email", "phone", "profile"}
    out: Item = {"sub": user["attributes"]["sub"]}
    for name, value in readable(client, user["attributes"]).items():
        if name == "sub":
            continue
        if narrow:
            if name in _EMAIL_CLAIMS:
                if "email" not in wanted:
                    continue
            elif name in _PHONE_CLAIMS:
                if "phone" not in wanted:
                    continue
            elif "profile" not in wanted:
                continue
        out[name] = (value == "true") if name.endswith("_verified") else value
    return out


def _at_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def sign(
    ctx: RequestContext,
    pool: Item,
    client: Item,
    user: Item,
    *,
    scopes: list[str],
    auth_time: int,
    origin_jti: str,
    nonce: str | None,
) -> Item:
    """Signed access token (``scope`` = the grant's scopes) and, with ``openid``, ID token."""
    emu = ctx.emulator
    private, kid = emu.keys.key(pool["Id"])
    now = int(emu.now())
    iss = f"{ctx.issuer_base.rstrip('/')}/{pool['Id']}"
    event_id = str(randomness.uuid4())
    access = {
        "sub": user["attributes"]["sub"],
        "iss": iss,
        "version": 2,
        "client_id": client["ClientId"],
        "origin_jti": origin_jti,
        "event_id": event_id,
        "token_use": "access",
        "scope": " ".join(scopes),
        "auth_time": auth_time,
        "exp": now + client["_access_seconds"],
        "iat": now,
        "jti": str(randomness.uuid4()),
        "username": user["username"],
    }
    in_access, in_id = group_claims(emu, pool, user)
    access.update(in_access)
    headers = {"kid": kid}
    access_token = jwt.encode(access, private, algorithm="RS256", headers=headers)
    out: Item = {
        "access_token": access_token,
        "expires_in": client["_access_seconds"],
        "token_type": "Bearer",
    }
    if "openid" in scopes:
        ident = {**user_claims(user, scopes, client), **in_id}
        ident.update(
            {
                "at_hash": _at_hash(access_token),
                "iss": iss,
                "cognito:username": user["username"],
                "origin_jti": origin_jti,
                "aud": client["ClientId"],
                "event_id": event_id,
                "token_use": "id",
                "auth_time": auth_time,
                "exp": now + client["_id_seconds"],
                "iat": now,
                "jti": str(randomness.uuid4()),
            }
        )
        if nonce:
            ident["nonce"] = nonce
        out["id_token"] = jwt.encode(ident, private, algorithm="RS256", headers=headers)
    return out
