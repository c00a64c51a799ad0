"""Tokens: RS256 signatures checked against the published JWKS, claims, expiry, revocation."""

from __future__ import annotations

import base64
import json

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from .conftest import PoolSetup
from .srp_client import CognitoError, srp_sign_in

PASSWORD = "Passw0rd!"


def _sign_in(setup: PoolSetup) -> dict[str, str]:
    setup.server.create_user(setup.pool_id, "alice", PASSWORD, email="alice@example.com")
    return dict(
        srp_sign_in(setup.api, setup.pool_id, setup.client_id, "alice", PASSWORD)[
            "AuthenticationResult"
        ]
    )


def test_tokens_verify_with_jwks_and_have_cognito_claims(setup: PoolSetup) -> None:
    tokens = _sign_in(setup)
    iss = f"{setup.server.endpoint}{setup.pool_id}"
    conf = httpx.get(f"{iss}/.well-known/openid-configuration").json()
    assert conf["issuer"] == iss and conf["jwks_uri"] == f"{iss}/.well-known/jwks.json"
    jwks = httpx.get(conf["jwks_uri"]).json()
    keys = {k["kid"]: jwt.PyJWK(k) for k in jwks["keys"]}
    id_header = jwt.get_unverified_header(tokens["IdToken"])
    ident = jwt.decode(
        tokens["IdToken"],
        keys[id_header["kid"]].key,
        algorithms=["RS256"],
        audience=setup.client_id,
        issuer=iss,
    )
    access = jwt.decode(
        tokens["AccessToken"],
        keys[jwt.get_unverified_header(tokens["AccessToken"])["kid"]].key,
        algorithms=["RS256"],
        issuer=iss,
        options={"verify_aud": False},
    )
    for claim in (
        "sub",
        "iss",
        "aud",
        "token_use",
        "auth_time",
        "exp",
        "iat",
        "jti",
        "origin_jti",
        "cognito:username",
        "event_id",
        "email",
    ):
        assert claim in ident, claim
    for claim in (
        "sub",
        "iss",
        "client_id",
        "token_use",
        "auth_time",
        "exp",
        "iat",
        "jti",
        "origin_jti",
        "username",
        "event_id",
        "scope",
        "device_key",
    ):
        assert claim in access, claim
    assert ident["token_use"] == "id" and access["token_use"] == "access"
    assert ident["cognito:username"] == access["username"] == "alice"
    assert access["client_id"] == setup.client_id
    assert access["scope"] == "aws.cognito.signin.user.admin"
    assert ident["origin_jti"] == access["origin_jti"] and ident["sub"] == access["sub"]
    assert access["exp"] - access["iat"] == 3600


def _forge(token: str, key: rsa.RSAPrivateKey | None, **changes: object) -> str:
    header = jwt.get_unverified_header(token)
    payload = jwt.decode(token, options={"verify_signature": False})
    payload.update(changes)
    if key is None:  # alg=none

        def enc(d: dict[str, object]) -> str:
            return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()

        return f"{enc({'alg': 'none', 'typ': 'JWT'})}.{enc(payload)}."
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": header["kid"]})


def test_forged_tokens_rejected(setup: PoolSetup) -> None:
    access = _sign_in(setup)["AccessToken"]
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    head, _body, sig = access.split(".")
    tampered_payload = jwt.decode(access, options={"verify_signature": False})
    tampered_payload["username"] = "mallory"
    tampered = ".".join(
        [
            head,
            base64.urlsafe_b64encode(json.dumps(tampered_payload).encode()).rstrip(b"=").decode(),
            sig,
        ]
    )
    for bad in (_forge(access, None), _forge(access, other), tampered, "not.a.jwt", "abc"):
        with pytest.raises(CognitoError) as err:
            setup.api("GetUser", AccessToken=bad)
        assert err.value.name == "NotAuthorizedException", bad
    id_token = _sign_in_again(setup)["IdToken"]
    with pytest.raises(CognitoError) as err:  # an id token is not an access token
        setup.api("GetUser", AccessToken=id_token)
    assert err.value.name == "NotAuthorizedException"


def _sign_in_again(setup: PoolSetup) -> dict[str, str]:
    return dict(
        srp_sign_in(setup.api, setup.pool_id, setup.client_id, "alice", PASSWORD)[
            "AuthenticationResult"
        ]
    )


def test_expired_access_token(setup: PoolSetup) -> None:
    access = _sign_in(setup)["AccessToken"]
    setup.server.emulator.advance_clock(3601)
    with pytest.raises(CognitoError) as err:
        setup.api("GetUser", AccessToken=access)
    assert err.value.message == "Access Token has expired"


def test_refresh_then_global_sign_out(setup: PoolSetup) -> None:
    tokens = _sign_in(setup)
    other_session = _sign_in_again(setup)
    out = setup.api(
        "InitiateAuth",
        AuthFlow="REFRESH_TOKEN_AUTH",
        ClientId=setup.client_id,
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
    )
    refreshed = out["AuthenticationResult"]
    assert "RefreshToken" not in refreshed
    origin = jwt.decode(tokens["AccessToken"], options={"verify_signature": False})["origin_jti"]
    new_claims = jwt.decode(refreshed["AccessToken"], options={"verify_signature": False})
    assert new_claims["origin_jti"] == origin
    setup.api("GetUser", AccessToken=refreshed["AccessToken"])
    setup.api("GlobalSignOut", AccessToken=refreshed["AccessToken"])
    for access in (tokens["AccessToken"], refreshed["AccessToken"], other_session["AccessToken"]):
        with pytest.raises(CognitoError) as err:
            setup.api("GetUser", AccessToken=access)
        assert err.value.message == "Access Token has been revoked"
    for refresh in (tokens["RefreshToken"], other_session["RefreshToken"]):
        with pytest.raises(CognitoError) as err:
            setup.api(
                "InitiateAuth",
                AuthFlow="REFRESH_TOKEN_AUTH",
                ClientId=setup.client_id,
                AuthParameters={"REFRESH_TOKEN": refresh},
            )
        assert err.value.message == "Refresh Token has been revoked"
    # A new sign-in works again.
    setup.api("GetUser", AccessToken=_sign_in_again(setup)["AccessToken"])


def test_revoke_token_only_that_session(setup: PoolSetup) -> None:
    one = _sign_in(setup)
    two = _sign_in_again(setup)
    setup.api("RevokeToken", Token=one["RefreshToken"], ClientId=setup.client_id)
    with pytest.raises(CognitoError):
        setup.api("GetUser", AccessToken=one["AccessToken"])
    with pytest.raises(CognitoError):
        setup.api(
            "InitiateAuth",
            AuthFlow="REFRESH_TOKEN_AUTH",
            ClientId=setup.client_id,
            AuthParameters={"REFRESH_TOKEN": one["RefreshToken"]},
        )
    setup.api("GetUser", AccessToken=two["AccessToken"])
    with pytest.raises(CognitoError) as err:
        setup.api("RevokeToken", Token=two["AccessToken"], ClientId=setup.client_id)
    assert err.value.name == "UnsupportedTokenTypeException"


def test_invalid_refresh_token(setup: PoolSetup) -> None:
    with pytest.raises(CognitoError) as err:
        setup.api(
            "InitiateAuth",
            AuthFlow="REFRESH_TOKEN_AUTH",
            ClientId=setup.client_id,
            AuthParameters={"REFRESH_TOKEN": "garbage"},
        )
    assert err.value.message == "Invalid Refresh Token"


def test_configured_issuer(tmp_path: object) -> None:
    from cognito_emulator.state import EmulatorConfig
    from cognito_emulator.testing import EmulatorServer

    from .srp_client import Api

    config = EmulatorConfig(print_outbox=False, issuer_base="https://auth.example.test")
    with EmulatorServer(config=config) as server:
        pool_id = server.create_pool()
        client_id = server.create_client(pool_id)
        server.create_user(pool_id, "bob", PASSWORD)
        out = srp_sign_in(Api(server.endpoint), pool_id, client_id, "bob", PASSWORD)
        claims = jwt.decode(
            out["AuthenticationResult"]["IdToken"], options={"verify_signature": False}
        )
        assert claims["iss"] == f"https://auth.example.test/{pool_id}"


def test_decode_id_token_for_other_services(setup: PoolSetup) -> None:
    from cognito_emulator.errors import ServiceError
    from cognito_emulator.tokens import decode_id_token

    tokens = _sign_in(setup)
    ctx = setup.server.ctx()
    claims = decode_id_token(ctx, tokens["IdToken"])
    assert claims["_pool_id"] == setup.pool_id and claims["cognito:username"] == "alice"
    with pytest.raises(ServiceError):
        decode_id_token(ctx, tokens["AccessToken"])  # not an ID token
    setup.api("GlobalSignOut", AccessToken=tokens["AccessToken"])
    with pytest.raises(ServiceError):
        decode_id_token(ctx, tokens["IdToken"])


def test_service_modules_are_discovered() -> None:
    from cognito_emulator import registry

    modules = registry.service_modules()
    assert "cognito_emulator.ops_auth" in modules
    registry.load_all()
    assert "AWSCognitoIdentityProviderService.InitiateAuth" in registry.targets()
