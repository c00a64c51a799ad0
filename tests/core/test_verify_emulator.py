"""End to end: SRP sign-in against the emulator (its own, independent SRP server), then
verify_token on the tokens it issued, with the JWKS fetched over HTTP by the SDK transport."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from core_helpers import b64url

from amazon_cognito_identity import (
    AuthenticationDetails,
    CognitoUser,
    CognitoUserPool,
    CognitoUserSession,
    MemoryStorage,
)
from amazon_cognito_identity.errors import InvalidTokenError
from amazon_cognito_identity.tokens import b64url_decode
from amazon_cognito_identity.verify import (
    CryptographyBackend,
    JwksCache,
    PurePythonBackend,
    verify_token,
)

PASSWORD = "Passw0rd!core"


@pytest.fixture(scope="module")
def emu() -> Iterator[Any]:
    from cognito_emulator import testing

    with testing.EmulatorServer() as server:
        yield server


@pytest.mark.parametrize(
    "backend", [CryptographyBackend(), PurePythonBackend()], ids=lambda b: b.name
)
async def test_emulator_tokens_verify(emu: Any, backend: Any) -> None:
    pool_id = emu.create_pool("core-verify")
    client_id = emu.create_client(
        pool_id, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )
    emu.create_user(pool_id, "zoë", PASSWORD, email="zoe@example.com")
    pool = CognitoUserPool(
        user_pool_id=pool_id, client_id=client_id, endpoint=emu.endpoint, storage=MemoryStorage()
    )
    user = CognitoUser("zoë", pool)
    session = await user.authenticate_user(AuthenticationDetails("zoë", PASSWORD))
    assert isinstance(session, CognitoUserSession)
    id_token = session.get_id_token().get_jwt_token()
    access_token = session.get_access_token().get_jwt_token()

    issuer = f"{emu.endpoint.rstrip('/')}/{pool_id}"
    cache = JwksCache()
    common: dict[str, Any] = {
        "user_pool_id": pool_id,
        "client_id": client_id,
        "issuer": issuer,
        "cache": cache,
        "backend": backend,
    }
    claims = await verify_token(id_token, token_use="id", **common)
    assert claims["email"] == "zoe@example.com"
    assert claims["aud"] == client_id
    access = await verify_token(access_token, token_use="access", **common)
    assert access["client_id"] == client_id
    assert cache.fetch_count == 1  # one HTTP GET of the JWKS, then cached

    header, payload, sig = id_token.split(".")
    forged = json.loads(b64url_decode(payload))
    forged["email"] = "mallory@example.com"
    tampered = f"{header}.{b64url(json.dumps(forged).encode())}.{sig}"
    with pytest.raises(InvalidTokenError, match="signature"):
        await verify_token(tampered, token_use="id", **common)
    with pytest.raises(InvalidTokenError, match="token_use"):
        await verify_token(id_token, token_use="access", **common)
    with pytest.raises(InvalidTokenError, match="audience"):
        await verify_token(id_token, token_use="id", **{**common, "client_id": "someone-else"})
    # The AWS issuer is not the emulator's.
    with pytest.raises(InvalidTokenError, match="issuer"):
        await verify_token(id_token, token_use="id", **{**common, "issuer": None})


async def test_pool_verify_token_fetches_the_jwks_with_the_pools_transport(emu: Any) -> None:
    from amazon_cognito_identity import HttpRequest, HttpResponse, UrllibTransport

    pool_id = emu.create_pool("core-verify-pool")
    client_id = emu.create_client(
        pool_id, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )
    emu.create_user(pool_id, "ann", PASSWORD)
    sent: list[HttpRequest] = []

    class Recording(UrllibTransport):
        async def send(self, request: HttpRequest) -> HttpResponse:
            sent.append(request)
            return await super().send(request)

    pool = CognitoUserPool(
        user_pool_id=pool_id,
        client_id=client_id,
        endpoint=emu.endpoint,
        storage=MemoryStorage(),
        transport=Recording(),
    )
    session = await CognitoUser("ann", pool).authenticate_user(
        AuthenticationDetails("ann", PASSWORD)
    )
    assert isinstance(session, CognitoUserSession)
    issuer = f"{emu.endpoint.rstrip('/')}/{pool_id}"
    claims = await pool.verify_token(
        session.get_access_token().get_jwt_token(), "access", issuer=issuer, cache=JwksCache()
    )
    assert claims["client_id"] == client_id
    assert [r.method for r in sent][-1] == "GET"
    assert sent[-1].url == f"{issuer}/.well-known/jwks.json"
    with pytest.raises(InvalidTokenError, match="token_use"):
        await pool.verify_token(session.get_access_token().get_jwt_token(), "id", issuer=issuer)
