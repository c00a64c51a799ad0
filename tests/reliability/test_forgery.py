"""Token forgery against the emulator's authenticated calls (and the SDK's verify_token
when the core provides it): every forged, expired or revoked token is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from reliability_helpers import Env, jwt_claims, new_env, sign_in

from amazon_cognito_identity import Client
from amazon_cognito_identity.errors import NotAuthorizedException


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segments(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    head, body, sig = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return (
        json.loads(base64.urlsafe_b64decode(pad(head))),
        json.loads(base64.urlsafe_b64decode(pad(body))),
        sig,
    )


def assemble(header: dict[str, Any], payload: dict[str, Any], sig: str) -> str:
    return f"{b64u(json.dumps(header).encode())}.{b64u(json.dumps(payload).encode())}.{sig}"


def public_pem(env: Env, kid: str) -> bytes:
    keys = env.emu.emulator.keys.jwks(env.pool_id)["keys"]
    jwk = next(k for k in keys if k["kid"] == kid)
    key = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(jwk))
    assert isinstance(key, rsa.RSAPublicKey)
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


FOREIGN_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def forge_none(env: Env, token: str) -> str:
    header, payload, _ = segments(token)
    return assemble({**header, "alg": "none"}, payload, "")


def forge_hs256_public_key(env: Env, token: str) -> str:
    header, payload, _ = segments(token)
    head = {**header, "alg": "HS256"}
    signing_input = f"{b64u(json.dumps(head).encode())}.{b64u(json.dumps(payload).encode())}"
    mac = hmac.new(public_pem(env, header["kid"]), signing_input.encode(), hashlib.sha256)
    return f"{signing_input}.{b64u(mac.digest())}"


def forge_foreign_key(env: Env, token: str) -> str:
    header, payload, _ = segments(token)
    return jwt.encode(payload, FOREIGN_KEY, algorithm="RS256", headers={"kid": header["kid"]})


def forge_tampered(env: Env, token: str) -> str:
    header, payload, sig = segments(token)
    return assemble(header, {**payload, "username": "admin", "sub": "0" * 36}, sig)


def forge_exp_extended(env: Env, token: str) -> str:
    header, payload, sig = segments(token)
    return assemble(header, {**payload, "exp": payload["exp"] + 10**6}, sig)


def forge_wrong_kid(env: Env, token: str) -> str:
    _header, payload, _ = segments(token)
    return jwt.encode(payload, FOREIGN_KEY, algorithm="RS256", headers={"kid": "other-kid"})


def forge_wrong_issuer(env: Env, token: str) -> str:
    header, payload, sig = segments(token)
    return assemble(header, {**payload, "iss": "https://evil.example/us-east-1_Evil"}, sig)


def forge_signature_dropped(env: Env, token: str) -> str:
    return token.rsplit(".", 1)[0] + "."


FORGERIES: dict[str, Callable[[Env, str], str]] = {
    "alg_none": forge_none,
    "hs256_with_public_key": forge_hs256_public_key,
    "foreign_key": forge_foreign_key,
    "tampered_payload": forge_tampered,
    "extended_exp": forge_exp_extended,
    "wrong_kid": forge_wrong_kid,
    "wrong_issuer": forge_wrong_issuer,
    "signature_dropped": forge_signature_dropped,
}


@pytest.fixture(scope="module")
def env(own_emulator: Any) -> Env:
    return new_env(own_emulator)


def api(env: Env) -> Client:
    return Client(region="us-east-1", endpoint=env.emu.endpoint)


async def get_user(env: Env, token: str) -> dict[str, Any]:
    return await api(env).call("GetUser", {"AccessToken": token}, retry=False)


async def tokens(env: Env) -> tuple[str, str, str]:
    pool = env.sdk_pool()
    user = await sign_in(pool, env.user())
    session = user.get_sign_in_user_session()
    assert session is not None
    return (
        session.get_access_token().get_jwt_token(),
        session.get_id_token().get_jwt_token(),
        session.get_refresh_token().get_token(),
    )


@pytest.mark.parametrize("name", list(FORGERIES))
async def test_emulator_refuses_forged_access_token(env: Env, name: str) -> None:
    access, _, _ = await tokens(env)
    assert (await get_user(env, access))["Username"]  # the genuine token works
    forged = FORGERIES[name](env, access)
    assert forged != access
    with pytest.raises(NotAuthorizedException):
        await get_user(env, forged)
    # ...and for a write, not only a read.
    with pytest.raises(NotAuthorizedException):
        await api(env).call(
            "UpdateUserAttributes",
            {"AccessToken": forged, "UserAttributes": [{"Name": "name", "Value": "x"}]},
            retry=False,
        )


async def test_emulator_refuses_id_token_as_access_token(env: Env) -> None:
    _, id_token, _ = await tokens(env)
    assert jwt_claims(id_token)["token_use"] == "id"
    with pytest.raises(NotAuthorizedException):
        await get_user(env, id_token)


async def test_emulator_refuses_token_of_another_pool_key(env: Env, own_emulator: Any) -> None:
    """A genuine token of pool B re-labelled as pool A (iss changed) fails A's key."""
    other = new_env(own_emulator)
    access, _, _ = await tokens(other)
    header, payload, sig = segments(access)
    relabelled = assemble(
        header, {**payload, "iss": payload["iss"].replace(other.pool_id, env.pool_id)}, sig
    )
    with pytest.raises(NotAuthorizedException):
        await get_user(env, relabelled)


async def test_emulator_refuses_expired_access_token(env: Env) -> None:
    access, _, _ = await tokens(env)
    emulator = env.emu.emulator
    emulator.advance_clock(3601)
    try:
        with pytest.raises(NotAuthorizedException):
            await get_user(env, access)
    finally:
        emulator.clock_offset = 0.0
    assert (await get_user(env, access))["Username"]


async def test_global_sign_out_revokes_access_and_refresh(env: Env) -> None:
    pool = env.sdk_pool()
    user = await sign_in(pool, env.user())
    session = user.get_sign_in_user_session()
    assert session is not None
    access = session.get_access_token().get_jwt_token()
    refresh = session.get_refresh_token().get_token()
    await user.global_sign_out()
    with pytest.raises(NotAuthorizedException):
        await get_user(env, access)
    with pytest.raises(NotAuthorizedException):
        await user.refresh_session(refresh)


async def test_revoke_token_revokes_its_access_token(env: Env) -> None:
    pool = env.sdk_pool()
    name = env.user()
    user = await sign_in(pool, name)
    other = await sign_in(env.sdk_pool(), name)  # a second session of the same user
    session, kept = user.get_sign_in_user_session(), other.get_sign_in_user_session()
    assert session is not None and kept is not None
    access = session.get_access_token().get_jwt_token()
    await user.sign_out()  # RevokeToken on the refresh token
    with pytest.raises(NotAuthorizedException):
        await get_user(env, access)
    with pytest.raises(NotAuthorizedException):
        await api(env).call(
            "InitiateAuth",
            {
                "AuthFlow": "REFRESH_TOKEN_AUTH",
                "ClientId": env.client_id,
                "AuthParameters": {"REFRESH_TOKEN": session.get_refresh_token().get_token()},
            },
            retry=False,
        )
    # Only that session: the other one still works.
    assert (await get_user(env, kept.get_access_token().get_jwt_token()))["Username"] == name


# ---------------------------------------------------------------- the SDK's verify_token


def _backends() -> list[Any]:
    from amazon_cognito_identity import verify

    return [verify.PurePythonBackend(), verify.CryptographyBackend()]


@pytest.mark.parametrize("backend", _backends(), ids=lambda b: type(b).__name__)
async def test_sdk_verify_token_refuses_forgeries(env: Env, backend: Any) -> None:
    from amazon_cognito_identity.errors import InvalidTokenError
    from amazon_cognito_identity.verify import verify_token

    access, id_token, _ = await tokens(env)
    jwks = env.emu.emulator.keys.jwks(env.pool_id)
    iss = jwt_claims(access)["iss"]
    common: dict[str, Any] = {
        "user_pool_id": env.pool_id,
        "issuer": iss,
        "backend": backend,
    }
    ok = {"client_id": env.client_id, **common}
    assert (await verify_token(access, jwks, token_use="access", **ok))["sub"]
    assert (await verify_token(id_token, jwks, token_use="id", **ok))["sub"]
    other_jwks = {"keys": [{**k, "kid": "someone-else"} for k in jwks["keys"]]}
    # (label, token, token_use, keyword arguments, key set)
    bad: list[tuple[str, str, str, dict[str, Any], Any]] = [
        (name, FORGERIES[name](env, access), "access", ok, jwks) for name in FORGERIES
    ]
    bad += [
        ("id token as access", id_token, "access", ok, jwks),
        ("access token as id", access, "id", ok, jwks),
        ("wrong audience", id_token, "id", {**common, "client_id": "another-client"}, jwks),
        ("wrong client", access, "access", {**common, "client_id": "another-client"}, jwks),
        ("unknown kid", access, "access", ok, other_jwks),
        ("other issuer", access, "access", {**ok, "issuer": iss + "x"}, jwks),
        ("expired", access, "access", {**ok, "now": jwt_claims(access)["exp"] + 3600}, jwks),
    ]
    for label, token, use, kw, keys in bad:
        with pytest.raises(InvalidTokenError):
            await verify_token(token, keys, token_use=use, **kw)
        assert label
