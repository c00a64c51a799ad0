"""The identity flow end to end on CPython: emulator user pool -> identity pool -> credentials."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from identity_helpers import IdentitySetup

from amazon_cognito_identity.errors import NotAuthorizedException, ServiceError
from amazon_cognito_identity.identity import CognitoIdentityCredentials
from amazon_cognito_identity.storage import MemoryStorage
from amazon_cognito_identity.transport import HttpRequest, HttpResponse, UrllibTransport


class CountingTransport:
    """UrllibTransport that records each X-Amz-Target it sends."""

    def __init__(self) -> None:
        self.inner = UrllibTransport(timeout=10)
        self.ops: list[str] = []

    async def send(self, request: HttpRequest) -> HttpResponse:
        self.ops.append(request.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1])
        return await self.inner.send(request)


def _sign_in(
    setup: IdentitySetup,
    pool: str | None = None,
    client: str | None = None,
    user: str | None = None,
) -> dict[str, Any]:
    """USER_PASSWORD_AUTH through boto3 (an independent client) -> AuthenticationResult."""
    resp = setup.boto("cognito-idp").initiate_auth(
        ClientId=client or setup.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user or setup.username, "PASSWORD": setup.password},
    )
    return dict(resp["AuthenticationResult"])


def _creds(
    setup: IdentitySetup,
    token: str | None,
    *,
    storage: MemoryStorage | None = None,
    pool_id: str | None = None,
    transport: Any = None,
) -> CognitoIdentityCredentials:
    return CognitoIdentityCredentials(
        pool_id or setup.identity_pool_id,
        {setup.provider: token} if token else {},
        endpoint=setup.endpoint,
        storage=storage if storage is not None else MemoryStorage(),
        transport=transport or UrllibTransport(timeout=10),
    )


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_sign_in_then_credentials_and_cached_identity(identity_setup: IdentitySetup) -> None:
    token = _sign_in(identity_setup)["IdToken"]
    storage = MemoryStorage()
    counter = CountingTransport()
    creds = _creds(identity_setup, token, storage=storage, transport=counter)
    got = await creds.refresh()
    assert counter.ops == ["GetId", "GetCredentialsForIdentity"]
    assert got.access_key_id.startswith("ASIA") and len(got.access_key_id) == 20
    assert got.secret_access_key and got.session_token
    assert got.expiration is not None
    assert abs(got.expiration.timestamp() - (time.time() + 3600)) < 120
    assert creds.identity_id is not None and creds.identity_id.startswith("us-east-1:")
    key = f"aws.cognito.identity-id.{identity_setup.identity_pool_id}"
    assert storage.get_item(key) == creds.identity_id
    assert (
        storage.get_item(f"aws.cognito.identity-providers.{identity_setup.identity_pool_id}")
        == identity_setup.provider
    )

    # A new instance on the same storage reuses the identity id: no GetId.
    counter2 = CountingTransport()
    again = _creds(identity_setup, token, storage=storage, transport=counter2)
    second = await again.refresh()
    assert counter2.ops == ["GetCredentialsForIdentity"]
    assert again.identity_id == creds.identity_id
    assert second.access_key_id != got.access_key_id  # fresh keys each time

    # Sign-out clears the cached id and the keys.
    again.clear()
    assert storage.get_item(key) is None and again.credentials is None


async def test_same_user_same_identity_also_through_boto3(identity_setup: IdentitySetup) -> None:
    token = _sign_in(identity_setup)["IdToken"]
    first = _creds(identity_setup, token)
    await first.refresh()
    second = _creds(identity_setup, _sign_in(identity_setup)["IdToken"])
    await second.refresh()
    assert first.identity_id == second.identity_id
    # boto3's cognito-identity client, an independent implementation, agrees.
    cid = identity_setup.boto("cognito-identity")
    logins = {identity_setup.provider: token}
    boto_id = cid.get_id(IdentityPoolId=identity_setup.identity_pool_id, Logins=logins)[
        "IdentityId"
    ]
    assert boto_id == first.identity_id
    out = cid.get_credentials_for_identity(IdentityId=boto_id, Logins=logins)
    assert out["IdentityId"] == boto_id
    assert out["Credentials"]["AccessKeyId"].startswith("ASIA")


async def test_concurrent_refreshes_send_one_request_each(identity_setup: IdentitySetup) -> None:
    token = _sign_in(identity_setup)["IdToken"]
    counter = CountingTransport()
    creds = _creds(identity_setup, token, transport=counter)
    results = await asyncio.gather(
        *(creds.refresh() for _ in range(10)), *(creds.get() for _ in range(5))
    )
    assert counter.ops == ["GetId", "GetCredentialsForIdentity"]
    assert len({r.access_key_id for r in results}) == 1


def _forgeries(setup: IdentitySetup) -> dict[str, str]:
    real = _sign_in(setup)
    token = real["IdToken"]
    header_b64, payload_b64, sig = token.split(".")
    header = json.loads(base64.urlsafe_b64decode(header_b64 + "=="))
    claims = json.loads(base64.urlsafe_b64decode(payload_b64 + "=="))
    stranger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = _sign_in(setup, setup.other_user_pool_id, setup.other_client_id, "mallory")["IdToken"]
    return {
        # Claims changed after signing (another user's sub).
        "tampered_sub": f"{header_b64}.{_b64({**claims, 'sub': 'someone-else'})}.{sig}",
        # Same claims and kid, signed by a key that is not the pool's.
        "foreign_key": jwt.encode(
            claims, stranger_key, algorithm="RS256", headers={"kid": header["kid"]}
        ),
        # No signature at all.
        "alg_none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload_b64}.",
        # A real, valid access token is not an ID token.
        "access_token": real["AccessToken"],
        # A real ID token of another user pool, sent under this pool's provider name.
        "other_pool": other,
        "garbage": "not-a-jwt",
    }


async def test_forged_tokens_are_rejected(identity_setup: IdentitySetup) -> None:
    forgeries = _forgeries(identity_setup)
    # An identity that exists, to check GetCredentialsForIdentity as well as GetId.
    good = _creds(identity_setup, _sign_in(identity_setup)["IdToken"])
    await good.refresh()
    cid = identity_setup.boto("cognito-identity")
    for name, forged in forgeries.items():
        with pytest.raises(NotAuthorizedException):
            await _creds(identity_setup, forged).refresh()
        with pytest.raises(cid.exceptions.NotAuthorizedException):
            cid.get_credentials_for_identity(
                IdentityId=good.identity_id, Logins={identity_setup.provider: forged}
            )
        print("rejected", name)


async def test_expired_token_is_rejected(identity_setup: IdentitySetup) -> None:
    token = _sign_in(identity_setup)["IdToken"]
    storage = MemoryStorage()
    creds = _creds(identity_setup, token, storage=storage)
    await creds.refresh()
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    emulator = identity_setup.server.emulator
    shift = exp - time.time() + 5
    emulator.advance_clock(shift)
    try:
        with pytest.raises(NotAuthorizedException) as info:
            await creds.refresh()
        assert "expired" in info.value.message.lower()
        # As in the JS SDK, NotAuthorized drops the cached identity id.
        assert (
            storage.get_item(f"aws.cognito.identity-id.{identity_setup.identity_pool_id}") is None
        )
        with pytest.raises(NotAuthorizedException):
            await _creds(identity_setup, token).refresh()
    finally:
        emulator.advance_clock(-shift)


async def test_guest_access_only_where_allowed(identity_setup: IdentitySetup) -> None:
    guest = _creds(identity_setup, None, pool_id=identity_setup.guest_pool_id)
    got = await guest.refresh()
    assert got.access_key_id.startswith("ASIA")
    with pytest.raises(NotAuthorizedException):
        await _creds(identity_setup, None).refresh()


async def test_pool_without_role_is_a_configuration_error(identity_setup: IdentitySetup) -> None:
    token = _sign_in(identity_setup)["IdToken"]
    with pytest.raises(ServiceError) as info:
        await _creds(identity_setup, token, pool_id=identity_setup.roleless_pool_id).refresh()
    assert info.value.code == "InvalidIdentityPoolConfigurationException"


async def test_unknown_identity_pool(identity_setup: IdentitySetup) -> None:
    token = _sign_in(identity_setup)["IdToken"]
    from amazon_cognito_identity.errors import ResourceNotFoundException

    with pytest.raises(ResourceNotFoundException):
        await _creds(
            identity_setup, token, pool_id="us-east-1:00000000-0000-0000-0000-000000000000"
        ).refresh()


async def test_concurrent_first_get_id_yields_one_identity(identity_setup: IdentitySetup) -> None:
    """Eight clients racing GetId for a user never seen before all get the same identity."""
    idp = identity_setup.boto("cognito-idp")
    idp.admin_create_user(
        UserPoolId=identity_setup.user_pool_id, Username="racer", MessageAction="SUPPRESS"
    )
    idp.admin_set_user_password(
        UserPoolId=identity_setup.user_pool_id,
        Username="racer",
        Password=identity_setup.password,
        Permanent=True,
    )
    token = _sign_in(identity_setup, user="racer")["IdToken"]
    racers = [_creds(identity_setup, token) for _ in range(8)]
    await asyncio.gather(*(r.refresh() for r in racers))
    assert len({r.identity_id for r in racers}) == 1
