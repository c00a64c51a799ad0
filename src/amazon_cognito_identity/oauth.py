"""The hosted UI's OAuth 2.0 protocol, sans I/O: PKCE, state, the URLs and requests.

``domain`` is the pool's hosted-UI base URL: ``https://<prefix>.auth.<region>.amazoncognito.com``
(a bare host gets ``https://``), or the emulator's ``http://127.0.0.1:9229/<pool-id>``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from ._random import random_bytes
from .errors import InvalidParameterError, InvalidResponseError, error_from_response
from .transport import HttpRequest, HttpResponse

__all__ = [
    "DEFAULT_SCOPES",
    "OAuthConfig",
    "RedirectResult",
    "authorize_url",
    "code_challenge",
    "logout_url",
    "new_pkce_verifier",
    "new_state",
    "parse_redirect",
    "parse_token_response",
    "revoke_request",
    "token_request",
]

DEFAULT_SCOPES = ("openid", "email", "profile", "aws.cognito.signin.user.admin")
_FORM = "application/x-www-form-urlencoded"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class OAuthConfig:
    """Where the hosted UI lives and where it sends the browser back.

    Attributes:
        domain: the hosted-UI base URL (see the module docstring).
        redirect_sign_in: the callback URL (one of the app client's CallbackURLs).
        redirect_sign_out: where ``/logout`` returns (one of the client's LogoutURLs).
        scopes: the scopes to ask for (the client must allow them).
    """

    domain: str
    redirect_sign_in: str
    redirect_sign_out: str | None = None
    scopes: tuple[str, ...] = DEFAULT_SCOPES

    @property
    def base(self) -> str:
        """The domain as an absolute URL without a trailing slash."""
        domain = self.domain.strip().rstrip("/")
        if not domain:
            raise InvalidParameterError("OAuthConfig.domain is required")
        return domain if "://" in domain else f"https://{domain}"


def new_pkce_verifier() -> str:
    """A PKCE code verifier: 32 random bytes, base64url (43 characters, RFC 7636)."""
    return _b64url(random_bytes(32))


def code_challenge(verifier: str) -> str:
    """The S256 code challenge of a verifier."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def new_state() -> str:
    """An unguessable ``state`` value (24 random bytes, base64url)."""
    return _b64url(random_bytes(24))


def authorize_url(
    config: OAuthConfig,
    client_id: str,
    *,
    state: str,
    challenge: str,
    provider: str | None = None,
) -> str:
    """The ``/oauth2/authorize`` URL of a code + PKCE S256 sign-in."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": config.redirect_sign_in,
        "state": state,
        "scope": " ".join(config.scopes),
        "code_challenge_method": "S256",
        "code_challenge": challenge,
    }
    if provider:
        params["identity_provider"] = provider
    return f"{config.base}/oauth2/authorize?{urlencode(params)}"


@dataclass(frozen=True)
class RedirectResult:
    """What the hosted UI put in the callback URL."""

    code: str | None
    state: str | None
    error: str | None
    error_description: str | None


def parse_redirect(url: str) -> RedirectResult:
    """Read ``code``/``state`` (or ``error``) from the callback URL's query."""
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items() if v}
    return RedirectResult(
        query.get("code"), query.get("state"), query.get("error"), query.get("error_description")
    )


def _form(url: str, fields: Mapping[str, str], client_secret: str | None) -> HttpRequest:
    headers = {"Content-Type": _FORM, "Accept": "application/json"}
    body = dict(fields)
    if client_secret:
        basic = f"{fields['client_id']}:{client_secret}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(basic).decode("ascii")
    return HttpRequest("POST", url, headers, urlencode(body).encode(), None)


def token_request(
    config: OAuthConfig,
    client_id: str,
    *,
    code: str,
    verifier: str,
    client_secret: str | None = None,
) -> HttpRequest:
    """The ``/oauth2/token`` request that exchanges an authorization code."""
    fields = {
        "grant_type": "authorization_code",
        "client_id": client_id,
        "code": code,
        "redirect_uri": config.redirect_sign_in,
        "code_verifier": verifier,
    }
    return _form(f"{config.base}/oauth2/token", fields, client_secret)


def revoke_request(
    config: OAuthConfig, client_id: str, token: str, client_secret: str | None = None
) -> HttpRequest:
    """The ``/oauth2/revoke`` request for a refresh token."""
    return _form(
        f"{config.base}/oauth2/revoke", {"token": token, "client_id": client_id}, client_secret
    )


def parse_token_response(response: HttpResponse) -> dict[str, str]:
    """The tokens of a token-endpoint answer; an OAuth error becomes a typed service error
    whose ``code`` is the OAuth name (``invalid_grant``...)."""
    try:
        body = json.loads(response.body or b"null")
    except ValueError as err:
        raise InvalidResponseError(
            f"token endpoint answered non-JSON (HTTP {response.status})",
            status_code=response.status,
        ) from err
    if not isinstance(body, dict):
        raise InvalidResponseError(
            "token endpoint answered no JSON object", status_code=response.status
        )
    if response.status != 200 or "error" in body:
        name = str(body.get("error") or "invalid_request")
        return_text = str(body.get("error_description") or name)
        raise error_from_response(name, return_text, response.status)
    if not isinstance(body.get("access_token"), str):
        raise InvalidResponseError("token endpoint answered no access_token")
    return {k: v for k, v in body.items() if isinstance(v, str)}


def logout_url(config: OAuthConfig, client_id: str) -> str:
    """The ``/logout`` URL that ends the hosted-UI session and returns to redirect_sign_out."""
    if not config.redirect_sign_out:
        raise InvalidParameterError("OAuthConfig.redirect_sign_out is required to sign out")
    query = urlencode({"client_id": client_id, "logout_uri": config.redirect_sign_out})
    return f"{config.base}/logout?{query}"
