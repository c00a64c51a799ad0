"""The hosted UI: the OAuth 2.0 / OIDC endpoints Cognito serves on a user pool domain.

The emulator has no DNS, so a pool's "domain" is a path prefix on the emulator's own host:
``/<pool-id>/...`` always, and ``/<domain>/...`` for a prefix created with CreateUserPoolDomain.
Under it: ``oauth2/authorize`` (GET: the sign-in page, or straight back with a code when the
browser already has a hosted-UI session), ``login`` and ``login/challenge`` (the page's form
posts), ``oauth2/token``, ``oauth2/userInfo``, ``oauth2/revoke`` and ``logout``.

The sign-in page uses the emulator's real sign-in state machine (password, lockout, MFA codes,
new password), so the hosted page refuses what InitiateAuth refuses.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from . import hosted_pages, oauth_grants, randomness
from .errors import ServiceError
from .hosted_signin import answer, discard_api_tokens, start
from .model import find_user, get_pool
from .oauth_endpoints import (
    NO_STORE,
    Call,
    revoke_endpoint,
    token_endpoint,
    userinfo_endpoint,
)
from .oauth_endpoints import discovery as discovery  # the app serves it with the JWKS
from .oauth_grants import CodeGrant
from .ops_oauth import pool_of_domain
from .registry import RequestContext

if TYPE_CHECKING:
    from .app import EmulatorApp

Item = dict[str, Any]
Form = dict[str, str]
_PATH = re.compile(
    r"^/([\w-]+_[0-9a-zA-Z]+|[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)"
    r"/(oauth2/authorize|oauth2/token|oauth2/userInfo|oauth2/revoke|logout|login|login/challenge)$"
)
SESSION_COOKIE = "cognito"
CSRF_COOKIE = "XSRF-TOKEN"
SESSION_SECONDS = 3600.0
_AUTH_FIELDS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "scope",
    "code_challenge",
    "code_challenge_method",
    "nonce",
)


def handles(path: str) -> bool:
    """Whether a request path is one of the hosted UI's endpoints."""
    return bool(_PATH.match(path))


def _flat(pairs: dict[str, list[str]]) -> Form:
    return {k: v[0] for k, v in pairs.items() if v}


async def serve(
    app: EmulatorApp,
    scope: dict[str, Any],
    body: bytes,
    send: Callable[[dict[str, Any]], Awaitable[None]],
    cors: list[tuple[bytes, bytes]],
) -> None:
    """Answer one hosted-UI request whose body the app has read (within its size cap)."""
    request = Request(scope)
    match = _PATH.match(scope["path"])
    assert match is not None
    headers = {k.lower(): v for k, v in request.headers.items()}
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    form = _flat(parse_qs(body.decode("utf-8", "replace"))) if body else {}
    call = Call(
        ctx=RequestContext(
            emulator=app.emulator,
            issuer_base=app._issuer_base(scope, headers),
            source_ip=(scope.get("client") or ("127.0.0.1", 0))[0],
            headers=headers,
        ),
        prefix=match.group(1),
        endpoint=match.group(2),
        method=scope["method"],
        query=_flat(parse_qs(scope.get("query_string", b"").decode("utf-8", "replace"))),
        form=form,
        cookies=dict(request.cookies),
        content_type=content_type,
    )
    response = await app._run_plain(_dispatch, call)
    for name, value in cors:
        response.headers[name.decode()] = value.decode()
    await response(scope, _no_body, send)


async def _no_body() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


def _dispatch(call: Call) -> Response:
    try:
        pool = _pool(call)
    except ServiceError as err:
        return hosted_pages.error_page(err.message, 404)
    routes: dict[tuple[str, str], Callable[[Call, Item], Response]] = {
        ("GET", "oauth2/authorize"): _authorize,
        ("GET", "login"): _authorize,
        ("POST", "login"): _login,
        ("POST", "login/challenge"): _challenge,
        ("POST", "oauth2/token"): token_endpoint,
        ("GET", "oauth2/userInfo"): userinfo_endpoint,
        ("POST", "oauth2/userInfo"): userinfo_endpoint,
        ("POST", "oauth2/revoke"): revoke_endpoint,
        ("GET", "logout"): _logout,
    }
    handler = routes.get((call.method, call.endpoint))
    if handler is None:
        return JSONResponse(
            {"error": "invalid_request", "error_description": "Method not allowed"}, 405
        )
    return handler(call, pool)


def _pool(call: Call) -> Item:
    prefix = call.prefix
    if "_" in prefix:
        return get_pool(call.ctx.emulator, prefix)
    pool_id = pool_of_domain(call.ctx, prefix)
    if pool_id is None:
        raise ServiceError("ResourceNotFoundException", f"Domain {prefix} does not exist.")
    return get_pool(call.ctx.emulator, pool_id)


# ---------------------------------------------------------------- the authorization request


class _Refusal(Exception):
    """An authorization request refused: redirected to the client when its redirect_uri is
    trusted, otherwise shown on an error page."""

    def __init__(self, error: str, description: str, redirect: str | None, state: str | None):
        super().__init__(error)
        self.error = error
        self.description = description
        self.redirect = redirect
        self.state = state

    def response(self) -> Response:
        if self.redirect is None:
            return hosted_pages.error_page(f"{self.error}: {self.description}", 400)
        params = {"error": self.error, "error_description": self.description}
        if self.state is not None:
            params["state"] = self.state
        return _redirect_with(self.redirect, params)


def _redirect_with(uri: str, params: Form) -> Response:
    joiner = "&" if "?" in uri else "?"
    return RedirectResponse(uri + joiner + urlencode(params), 302, headers=NO_STORE)


@dataclass(frozen=True)
class AuthRequest:
    """A checked authorization request."""

    client: Item
    grant: CodeGrant
    state: str | None
    params: Form  # the original parameters, carried through the sign-in forms


def _scopes(raw: str | None, client: Item) -> tuple[str, ...] | None:
    allowed = list(client.get("AllowedOAuthScopes") or [])
    if not raw:
        return tuple(allowed)
    asked = tuple(dict.fromkeys(raw.split()))
    if any(s not in allowed for s in asked):
        return None
    if set(asked) & {"email", "phone", "profile"} and "openid" not in asked:
        return None
    return asked


def check_authorize(call: Call, pool: Item, params: Form) -> AuthRequest:
    """Check an authorization request the way Cognito's /oauth2/authorize does."""
    state = params.get("state")
    client_id = params.get("client_id") or ""
    client = call.ctx.emulator.store.get("client", client_id) if client_id else None
    if client is None or client["UserPoolId"] != pool["Id"]:
        raise _Refusal(
            "invalid_request", "Client does not exist or client_id is missing", None, None
        )
    redirect_uri = params.get("redirect_uri") or ""
    if redirect_uri not in (client.get("CallbackURLs") or []):
        raise _Refusal(
            "redirect_mismatch", "redirect_uri is not a callback URL of the client", None, None
        )
    if not client.get("AllowedOAuthFlowsUserPoolClient"):
        raise _Refusal(
            "unauthorized_client", "Client is not enabled for OAuth 2.0 flows", redirect_uri, state
        )
    response_type = params.get("response_type")
    if response_type not in ("code", "token"):
        raise _Refusal("invalid_request", "response_type must be code", redirect_uri, state)
    wanted_flow = "code" if response_type == "code" else "implicit"
    if wanted_flow not in (client.get("AllowedOAuthFlows") or []):
        raise _Refusal(
            "unauthorized_client",
            f"Client is not allowed the {wanted_flow} flow",
            redirect_uri,
            state,
        )
    if response_type == "token":
        raise _Refusal(
            "unsupported_response_type",
            "The emulator serves the code flow only",
            redirect_uri,
            state,
        )
    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method")
    if method is not None and method != "S256":
        raise _Refusal("invalid_request", "code_challenge_method must be S256", redirect_uri, state)
    if challenge is not None and method is None:
        raise _Refusal("invalid_request", "code_challenge_method is required", redirect_uri, state)
    if method is not None and not re.fullmatch(r"[A-Za-z0-9_-]{43}", challenge or ""):
        raise _Refusal(
            "invalid_request", "code_challenge is not an S256 challenge", redirect_uri, state
        )
    if challenge is None and not client.get("ClientSecret"):
        raise _Refusal(
            "invalid_request",
            "PKCE (code_challenge, S256) is required for public clients",
            redirect_uri,
            state,
        )
    provider = params.get("identity_provider")
    if provider is not None and provider != "COGNITO":
        raise _Refusal(
            "invalid_request", f"Unknown identity_provider {provider}", redirect_uri, state
        )
    scopes = _scopes(params.get("scope"), client)
    if scopes is None:
        raise _Refusal(
            "invalid_scope", "A scope is unknown or not allowed to the client", redirect_uri, state
        )
    grant = CodeGrant(client["ClientId"], redirect_uri, scopes, challenge, params.get("nonce"))
    kept = {k: params[k] for k in _AUTH_FIELDS if params.get(k) is not None}
    return AuthRequest(client, grant, state, kept)


def _code_redirect(
    call: Call, pool: Item, auth: AuthRequest, user: Item, auth_time: int
) -> Response:
    code = oauth_grants.new_code(call.ctx, pool, user, auth.grant, auth_time)
    params = {"code": code}
    if auth.state is not None:
        params["state"] = auth.state
    return _redirect_with(auth.grant.redirect_uri, params)


def _session_user(call: Call, pool: Item) -> tuple[Item, int] | None:
    session_id = call.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    emu = call.ctx.emulator
    record = emu.store.get("hosted_session", session_id)
    if record is None or record["pool_id"] != pool["Id"] or record["expires"] <= emu.now():
        return None
    user = find_user(emu, pool, record["username"])
    if user is None or not user.get("enabled", True) or user["attributes"]["sub"] != record["sub"]:
        return None
    return user, int(record["auth_time"])


def _authorize(call: Call, pool: Item) -> Response:
    try:
        auth = check_authorize(call, pool, call.query)
    except _Refusal as refusal:
        return refusal.response()
    signed_in = _session_user(call, pool)
    if signed_in is not None:
        return _code_redirect(call, pool, auth, *signed_in)
    return _login_page(call, auth, None)


def _login_page(call: Call, auth: AuthRequest, error: str | None) -> Response:
    csrf = call.cookies.get(CSRF_COOKIE) or randomness.token_urlsafe(24)
    response = hosted_pages.login_page(
        action=f"{call.base}/login",
        hidden={**auth.params, "_csrf": csrf},
        error=error,
        client_name=str(auth.client.get("ClientName", "")),
        username=call.form.get("username", "").strip() if error else "",
    )
    _set_cookie(call, response, CSRF_COOKIE, csrf, None)
    return response


def _set_cookie(call: Call, response: Response, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=f"/{call.prefix}/",
        httponly=True,
        samesite="lax",
        secure=call.ctx.issuer_base.startswith("https:"),
    )


def _csrf_ok(call: Call) -> bool:
    cookie = call.cookies.get(CSRF_COOKIE, "")
    given = call.form.get("_csrf", "")
    return bool(cookie) and hmac.compare_digest(cookie.encode(), given.encode())


# ---------------------------------------------------------------- signing in on the page


def _signed_in(call: Call, pool: Item, auth: AuthRequest, username: str) -> Response:
    emu = call.ctx.emulator
    user = find_user(emu, pool, username)
    if user is None:
        return _login_page(call, auth, "User does not exist.")
    auth_time = int(emu.now())
    session_id = randomness.token_urlsafe(32)
    emu.store.put(
        "hosted_session",
        session_id,
        {
            "pool_id": pool["Id"],
            "username": user["username"],
            "sub": user["attributes"]["sub"],
            "auth_time": auth_time,
            "expires": emu.now() + SESSION_SECONDS,
        },
    )
    response = _code_redirect(call, pool, auth, user, auth_time)
    _set_cookie(call, response, SESSION_COOKIE, session_id, int(SESSION_SECONDS))
    return response


def _outcome(call: Call, pool: Item, auth: AuthRequest, username: str, result: Item) -> Response:
    """After a sign-in step: signed in (back to the app with a code) or the next challenge."""
    if "AuthenticationResult" in result:
        # The API's tokens are not what the app gets: it gets the code's scoped tokens.
        discard_api_tokens(call.ctx, result["AuthenticationResult"])
        return _signed_in(call, pool, auth, username)
    name = str(result.get("ChallengeName"))
    if name not in hosted_pages.CHALLENGES:
        return _login_page(
            call, auth, f"The hosted page cannot answer {name}; sign in with the app."
        )
    return hosted_pages.challenge_page(
        action=f"{call.base}/login/challenge",
        hidden={
            **auth.params,
            "_csrf": call.cookies.get(CSRF_COOKIE, ""),
            "session": result["Session"],
            "challenge": name,
            "username": username,
        },
        challenge=name,
        parameters=result.get("ChallengeParameters") or {},
        error=None,
    )


def _login(call: Call, pool: Item) -> Response:
    try:
        auth = check_authorize(call, pool, call.form)
    except _Refusal as refusal:
        return refusal.response()
    if not _csrf_ok(call):
        return _login_page(call, auth, "Your sign-in form expired; please try again.")
    username = call.form.get("username", "").strip()
    password = call.form.get("password", "")
    if not username or not password:
        return _login_page(call, auth, "Enter your username and password.")
    try:
        result = start(call.ctx, pool, auth.client, username, password)
    except ServiceError as err:
        return _login_page(call, auth, err.message)
    return _outcome(call, pool, auth, str(result.pop("_username", username)), result)


def _challenge(call: Call, pool: Item) -> Response:
    try:
        auth = check_authorize(call, pool, call.form)
    except _Refusal as refusal:
        return refusal.response()
    if not _csrf_ok(call):
        return _login_page(call, auth, "Your sign-in form expired; please try again.")
    name = call.form.get("challenge", "")
    username = call.form.get("username", "")
    try:
        result = answer(
            call.ctx, auth.client, name, call.form.get("session", ""), username, call.form
        )
    except ServiceError as err:
        if err.name == "CodeMismatchException":
            return hosted_pages.challenge_page(
                action=f"{call.base}/login/challenge",
                hidden={
                    k: call.form[k]
                    for k in (*auth.params, "_csrf", "session", "challenge", "username")
                    if k in call.form
                },
                challenge=name,
                parameters={},
                error=err.message,
            )
        return _login_page(call, auth, err.message)
    return _outcome(call, pool, auth, username, result)


# ---------------------------------------------------------------- logout


def _logout(call: Call, pool: Item) -> Response:
    client_id = call.query.get("client_id") or ""
    client = call.ctx.emulator.store.get("client", client_id) if client_id else None
    if client is None or client["UserPoolId"] != pool["Id"]:
        return hosted_pages.error_page("invalid_request: client_id is missing or unknown", 400)
    logout_uri = call.query.get("logout_uri")
    if logout_uri is not None:
        if logout_uri not in (client.get("LogoutURLs") or []):
            return hosted_pages.error_page(
                "invalid_request: logout_uri is not a sign-out URL of the client", 400
            )
        target = logout_uri
    elif call.query.get("redirect_uri") is not None:
        try:
            check_authorize(call, pool, call.query)
        except _Refusal as refusal:
            return refusal.response()
        target = f"{call.base}/oauth2/authorize?{urlencode(call.query)}"
    else:
        return hosted_pages.error_page(
            "invalid_request: logout_uri or redirect_uri is required", 400
        )
    session_id = call.cookies.get(SESSION_COOKIE)
    if session_id:
        call.ctx.emulator.store.delete("hosted_session", session_id)
    response = RedirectResponse(target, 302, headers=NO_STORE)
    response.delete_cookie(SESSION_COOKIE, path=f"/{call.prefix}/")
    return response
