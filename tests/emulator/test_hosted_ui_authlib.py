"""An independent OAuth 2.0 / OIDC client (Authlib) against the hosted UI, driven only by the
pool's discovery document: code + PKCE S256, ID token checked against the JWKS with joserfc,
userInfo, refresh, revocation."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from cognito_emulator.testing import EmulatorServer

from .hosted_ui_helpers import CALLBACK, Browser, oauth_client, query_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from authlib.common.security import generate_token
    from authlib.integrations.httpx_client import OAuth2Client


@pytest.fixture
def hosted_browser() -> Iterator[Browser]:
    b = Browser()
    yield b
    b.close()


def test_authlib_code_pkce_refresh_userinfo(
    emulator: EmulatorServer, hosted_browser: Browser, request: pytest.FixtureRequest
) -> None:
    pool_id = emulator.create_pool()
    client_id = oauth_client(emulator, pool_id)
    emulator.create_user(pool_id, "alice", "Passw0rd!", email="alice@example.com", name="Alice")
    discovery = httpx.get(f"{emulator.endpoint}{pool_id}/.well-known/openid-configuration").json()
    assert discovery["code_challenge_methods_supported"] == ["S256"]

    client = OAuth2Client(
        client_id,
        scope="openid email aws.cognito.signin.user.admin",
        redirect_uri=CALLBACK,
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
    )
    request.addfinalizer(client.close)  # its keep-alive socket, not the garbage collector's job
    verifier = generate_token(48)
    nonce = generate_token(16)
    url, state = client.create_authorization_url(
        discovery["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    back = hosted_browser.sign_in(url, "alice", "Passw0rd!")
    assert back.status_code == 302
    location = back.headers["location"]
    assert location.startswith(CALLBACK + "?")
    assert query_of(location)["state"] == state

    token = client.fetch_token(
        discovery["token_endpoint"],
        authorization_response=location,
        code_verifier=verifier,
        state=state,
    )
    assert token["token_type"] == "Bearer"
    assert {"access_token", "id_token", "refresh_token"} <= set(token)

    keys = KeySet.import_key_set(httpx.get(discovery["jwks_uri"]).json())
    id_token = jwt.decode(token["id_token"], keys)
    claims = jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": discovery["issuer"]},
        aud={"essential": True, "value": client_id},
        nonce={"essential": True, "value": nonce},
    )
    claims.validate(id_token.claims)
    assert id_token.claims["email"] == "alice@example.com"
    assert "name" not in id_token.claims  # no profile scope asked
    access = jwt.decode(token["access_token"], keys).claims
    assert access["scope"].split() == ["openid", "email", "aws.cognito.signin.user.admin"]

    info = client.get(discovery["userinfo_endpoint"]).json()
    assert info["sub"] == id_token.claims["sub"]
    assert info["email"] == "alice@example.com"
    assert info["email_verified"] is True

    old_access = token["access_token"]
    refreshed = client.refresh_token(discovery["token_endpoint"])
    assert refreshed["access_token"] != old_access
    assert jwt.decode(refreshed["access_token"], keys).claims["scope"] == access["scope"]

    # Revocation ends the refresh token and every access token issued from it.
    client.revoke_token(discovery["revocation_endpoint"], refreshed["refresh_token"])
    again = httpx.post(
        discovery["token_endpoint"],
        data={
            "grant_type": "refresh_token",
            "client_id": client_id,
            "refresh_token": refreshed["refresh_token"],
        },
    )
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    info = httpx.get(
        discovery["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {refreshed['access_token']}"},
    )
    assert info.status_code == 401
    assert 'error="invalid_token"' in info.headers["www-authenticate"]


def test_discovery_lists_only_served_endpoints(emulator: EmulatorServer) -> None:
    pool_id = emulator.create_pool()
    discovery = httpx.get(f"{emulator.endpoint}{pool_id}/.well-known/openid-configuration").json()
    for key in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        assert discovery[key].startswith(emulator.endpoint.rstrip("/")), key
    # Each endpoint answers (an OAuth or HTML answer, never a 404).
    assert httpx.get(discovery["authorization_endpoint"]).status_code == 400
    assert httpx.post(discovery["token_endpoint"], data={}).status_code == 400
    assert httpx.get(discovery["userinfo_endpoint"]).status_code == 400
    assert httpx.post(discovery["revocation_endpoint"], data={}).status_code == 400
    assert httpx.get(discovery["jwks_uri"]).json()["keys"]
    assert discovery["response_types_supported"] == ["code"]
