"""The OAuth 2.0 endpoints of the hosted UI that apps call directly (not through the browser's
pages): ``oauth2/token``, ``oauth2/userInfo``, ``oauth2/revoke``, and the discovery document.
Client authentication is ``client_secret_basic``, ``client_secret_post`` or a public client's
``client_id``; errors are OAuth's (``{"error": ..., "error_description": ...}``).
"""

from __future__ import annotations

import base64
import hmac
from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse, Response

from . import oauth_grants
from .errors import ServiceError
from .model import find_user, get_client
from .oauth_grants import OAuthError
from .oauth_settings import STANDARD_SCOPES
from .registry import RequestContext
from .tokens import ACCESS_SCOPE, decode_access_token

Item = dict[str, Any]
Form = dict[str, str]
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass(frozen=True)
class Call:
    """One hosted-UI request, read off the wire (handlers run on the worker pool)."""

    ctx: RequestContext
    prefix: str
    endpoint: str
    method: str
    query: Form
    form: Form
    cookies: dict[str, str]
    content_type: str

    @property
    def base(self) -> str:
        """The URL prefix this pool's endpoints live under."""
        return f"{self.ctx.issuer_base.rstrip('/')}/{self.prefix}"


def oauth_error(err: OAuthError) -> Response:
    body = {"error": err.error}
    if err.description:
        body["error_description"] = err.description
    return JSONResponse(body, err.status, headers=NO_STORE)


def _client_auth(call: Call, pool: Item) -> Item:
    """The calling client: HTTP Basic (client_secret_basic), client_id + client_secret in the
    body (client_secret_post), or client_id alone for a public client."""
    header = call.ctx.headers.get("authorization", "")
    client_id, secret = call.form.get("client_id"), call.form.get("client_secret")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        except ValueError:
            raise OAuthError("invalid_client", "Malformed Basic authorization", 401) from None
        basic_id, _, basic_secret = decoded.partition(":")
        if client_id is not None and client_id != basic_id:
            raise OAuthError("invalid_client", "client_id does not match the authorization", 401)
        client_id, secret = basic_id, basic_secret
    if not client_id:
        raise OAuthError("invalid_request", "client_id is required")
    try:
        _client_pool, client = get_client(call.ctx.emulator, client_id)
    except ServiceError:
        raise OAuthError("invalid_client", "Client does not exist", 401) from None
    if client["UserPoolId"] != pool["Id"]:
        raise OAuthError("invalid_client", "Client does not exist", 401)
    expected = str(client.get("ClientSecret") or "")
    if expected and not hmac.compare_digest(expected.encode(), (secret or "").encode()):
        raise OAuthError("invalid_client", "Client authentication failed", 401)
    return client


def token_endpoint(call: Call, pool: Item) -> Response:
    try:
        if call.content_type != "application/x-www-form-urlencoded":
            raise OAuthError(
                "invalid_request", "Content-Type must be application/x-www-form-urlencoded"
            )
        client = _client_auth(call, pool)
        grant_type = call.form.get("grant_type")
        flows = client.get("AllowedOAuthFlows") or []
        if grant_type not in ("authorization_code", "refresh_token", "client_credentials"):
            raise OAuthError("unsupported_grant_type", f"Unsupported grant_type {grant_type!r}")
        if not client.get("AllowedOAuthFlowsUserPoolClient"):
            raise OAuthError("unauthorized_client", "Client is not enabled for OAuth 2.0 flows")
        if grant_type == "authorization_code":
            if "code" not in flows:
                raise OAuthError("unauthorized_client", "Client is not allowed the code flow")
            code = call.form.get("code")
            if not code:
                raise OAuthError("invalid_request", "code is required")
            tokens = oauth_grants.exchange_code(
                call.ctx,
                pool,
                client,
                code,
                call.form.get("redirect_uri"),
                call.form.get("code_verifier"),
            )
        elif grant_type == "refresh_token":
            token = call.form.get("refresh_token")
            if not token:
                raise OAuthError("invalid_request", "refresh_token is required")
            tokens = oauth_grants.refresh_grant(call.ctx, pool, client, token)
        else:
            tokens = oauth_grants.client_credentials(
                call.ctx, pool, client, _m2m_scopes(call, client)
            )
    except OAuthError as err:
        return oauth_error(err)
    return JSONResponse(tokens, 200, headers=NO_STORE)


def _m2m_scopes(call: Call, client: Item) -> list[str]:
    if "client_credentials" not in (client.get("AllowedOAuthFlows") or []):
        raise OAuthError("unauthorized_client", "Client is not allowed the client_credentials flow")
    allowed = list(client.get("AllowedOAuthScopes") or [])
    raw = call.form.get("scope")
    if not raw:
        return allowed
    asked = list(dict.fromkeys(raw.split()))
    if any(s not in allowed or s in STANDARD_SCOPES for s in asked):
        raise OAuthError("invalid_scope", "A scope is unknown or not allowed to the client")
    return asked


def userinfo_endpoint(call: Call, pool: Item) -> Response:
    header = call.ctx.headers.get("authorization", "")
    if not header.lower().startswith("bearer ") or not header[7:].strip():
        return _bearer_error(400, "invalid_request", "Bad OAuth2 request at UserInfo Endpoint")
    try:
        claims = decode_access_token(call.ctx, header[7:].strip(), scope=None)
    except ServiceError:
        return _bearer_error(
            401,
            "invalid_token",
            "Access token is expired, disabled, or deleted, or the user has globally signed out.",
        )
    scopes = str(claims.get("scope", "")).split()
    if claims["_pool_id"] != pool["Id"] or not {"openid", ACCESS_SCOPE} & set(scopes):
        return _bearer_error(401, "invalid_token", "Access token does not have the openid scope")
    user = find_user(call.ctx.emulator, pool, str(claims.get("username", "")))
    if (
        user is None
        or user["attributes"]["sub"] != claims.get("sub")
        or not user.get("enabled", True)
    ):
        return _bearer_error(401, "invalid_token", "User does not exist or is disabled")
    client = call.ctx.emulator.store.get("client", str(claims.get("client_id", "")))
    info = oauth_grants.user_claims(user, scopes if "openid" in scopes else ["openid"], client)
    info["username"] = user["username"]
    return JSONResponse(info, 200, headers=NO_STORE)


def _bearer_error(status: int, error: str, description: str) -> Response:
    value = f'Bearer error="{error}", error_description="{description}"'
    return JSONResponse(
        {"error": error, "error_description": description},
        status,
        headers={"WWW-Authenticate": value, **NO_STORE},
    )


def revoke_endpoint(call: Call, pool: Item) -> Response:
    try:
        client = _client_auth(call, pool)
        token = call.form.get("token")
        if not token:
            raise OAuthError("invalid_request", "token is required")
        if not client.get("EnableTokenRevocation", True):
            raise OAuthError("invalid_request", "Token revocation is not enabled for the client")
        if token.count(".") == 2:
            raise OAuthError("unsupported_token_type", "Only refresh tokens can be revoked")
        oauth_grants.revoke(call.ctx, client, token)
    except OAuthError as err:
        return oauth_error(err)
    return Response(b"", 200, headers=NO_STORE)


def discovery(ctx: RequestContext, pool: Item) -> Item:
    """The pool's OpenID configuration: only what the emulator serves."""
    iss = f"{ctx.issuer_base.rstrip('/')}/{pool['Id']}"
    base = f"{ctx.issuer_base.rstrip('/')}/{pool.get('Domain') or pool['Id']}"
    return {
        "issuer": iss,
        "jwks_uri": f"{iss}/.well-known/jwks.json",
        "authorization_endpoint": f"{base}/oauth2/authorize",
        "token_endpoint": f"{base}/oauth2/token",
        "userinfo_endpoint": f"{base}/oauth2/userInfo",
        "revocation_endpoint": f"{base}/oauth2/revoke",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": list(STANDARD_SCOPES),
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        "claims_supported": [
            "sub",
            "iss",
            "aud",
            "token_use",
            "auth_time",
            "exp",
            "iat",
            "nonce",
            "at_hash",
            "cognito:username",
            "email",
            "email_verified",
            "phone_number",
            "phone_number_verified",
        ],
    }
