"""CognitoIdentityCredentials against a scripted cognito-identity (MockTransport)."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from amazon_cognito_identity.errors import NotAuthorizedException, ResourceNotFoundException
from amazon_cognito_identity.identity import (
    CognitoIdentityCredentials,
    aws_fetch,
    identity_provider_name,
)
from amazon_cognito_identity.sigv4 import AwsCredentials, signing_key
from amazon_cognito_identity.storage import MemoryStorage
from amazon_cognito_identity.transport import HttpRequest, HttpResponse, MockTransport

POOL = "eu-west-1:11111111-2222-3333-4444-555555555555"
USER_POOL = "eu-west-1_TestPool9"
PROVIDER = f"cognito-idp.eu-west-1.amazonaws.com/{USER_POOL}"
ID_KEY = f"aws.cognito.identity-id.{POOL}"
PROVIDERS_KEY = f"aws.cognito.identity-providers.{POOL}"


class FakeIdentityService:
    """A scripted cognito-identity: answers GetId/GetCredentialsForIdentity, counts calls."""

    def __init__(self, *, lifetime: float = 3600.0, now: float = 1_700_000_000.0) -> None:
        self.lifetime = lifetime
        self.now = now
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.gate: asyncio.Event | None = None
        self.fail: dict[str, tuple[str, str]] = {}
        self.known_ids = {"eu-west-1:identity-1"}
        self.next_id = 1

    async def __call__(self, request: HttpRequest) -> HttpResponse:
        target = request.headers["X-Amz-Target"]
        assert target.startswith("AWSCognitoIdentityService.")
        assert request.headers["Content-Type"] == "application/x-amz-json-1.1"
        assert "Authorization" not in request.headers  # these calls are unsigned
        op = target.split(".", 1)[1]
        params = json.loads(request.body)
        self.calls.append((op, params))
        if self.gate is not None:
            await self.gate.wait()
        if op in self.fail:
            name, message = self.fail.pop(op)
            return _json(400, {"__type": name, "message": message})
        if op == "GetId":
            assert params["IdentityPoolId"] == POOL
            return _json(200, {"IdentityId": f"eu-west-1:identity-{self.next_id}"})
        assert op == "GetCredentialsForIdentity"
        if params["IdentityId"] not in self.known_ids:
            return _json(400, {"__type": "ResourceNotFoundException", "message": "no identity"})
        n = len(self.calls)
        return _json(
            200,
            {
                "IdentityId": params["IdentityId"],
                "Credentials": {
                    "AccessKeyId": f"ASIA{n:016d}",
                    "SecretKey": f"secret-{n}",
                    "SessionToken": f"token-{n}",
                    "Expiration": self.now + self.lifetime,
                },
            },
        )

    def ops(self) -> list[str]:
        return [op for op, _ in self.calls]


def _json(status: int, data: dict[str, Any]) -> HttpResponse:
    return HttpResponse(
        status, {"content-type": "application/x-amz-json-1.1"}, json.dumps(data).encode()
    )


class Store(MemoryStorage):
    """MemoryStorage with its contents visible as a dict."""

    @property
    def data(self) -> dict[str, str]:
        return {k: self.get_item(k) or "" for k in self.keys()}


def _creds(
    service: FakeIdentityService, storage: Store | None = None, **kw: Any
) -> CognitoIdentityCredentials:
    return CognitoIdentityCredentials(
        POOL,
        kw.pop("logins", {PROVIDER: "id-token"}),
        storage=storage if storage is not None else Store(),
        transport=MockTransport(service),
        clock=lambda: service.now,
        **kw,
    )


def test_provider_name() -> None:
    assert identity_provider_name(USER_POOL) == PROVIDER
    assert (
        identity_provider_name("us-east-2_x", "us-east-2")
        == "cognito-idp.us-east-2.amazonaws.com/us-east-2_x"
    )


async def test_enhanced_flow_and_request_shape() -> None:
    svc = FakeIdentityService()
    store = Store()
    c = _creds(svc, store)
    assert c.region == "eu-west-1"
    got = await c.refresh()
    assert svc.ops() == ["GetId", "GetCredentialsForIdentity"]
    assert svc.calls[0][1] == {"IdentityPoolId": POOL, "Logins": {PROVIDER: "id-token"}}
    assert svc.calls[1][1] == {
        "IdentityId": "eu-west-1:identity-1",
        "Logins": {PROVIDER: "id-token"},
    }
    assert got.access_key_id == c.access_key_id == "ASIA0000000000000002"
    assert c.secret_access_key == "secret-2" and c.session_token == "token-2"
    assert c.expire_time == datetime.fromtimestamp(svc.now + 3600, tz=UTC)
    assert c.identity_id == "eu-west-1:identity-1"
    # The JS SDK's storage keys.
    assert store.data == {ID_KEY: "eu-west-1:identity-1", PROVIDERS_KEY: PROVIDER}
    req = c._client.transport.requests[0]  # type: ignore[attr-defined]
    assert req.url == "https://cognito-identity.eu-west-1.amazonaws.com/"


async def test_cached_identity_id_skips_get_id() -> None:
    svc = FakeIdentityService()
    store = Store()
    await _creds(svc, store).refresh()
    svc.calls.clear()
    again = _creds(svc, store)
    assert again.identity_id == "eu-west-1:identity-1"
    await again.refresh()
    assert svc.ops() == ["GetCredentialsForIdentity"]


async def test_cached_id_from_other_provider_is_not_reused() -> None:
    svc = FakeIdentityService()
    store = Store()
    await _creds(svc, store).refresh()
    svc.calls.clear()
    other = _creds(svc, store, logins={"accounts.google.com": "g-token"})
    assert other.identity_id is None
    await other.refresh()
    assert svc.ops() == ["GetId", "GetCredentialsForIdentity"]
    assert store.data[PROVIDERS_KEY] == "accounts.google.com"


async def test_concurrent_refreshes_share_one_request() -> None:
    svc = FakeIdentityService()
    svc.gate = asyncio.Event()
    c = _creds(svc)
    tasks = [asyncio.create_task(c.refresh()) for _ in range(8)]
    tasks += [asyncio.create_task(c.get()) for _ in range(4)]
    await asyncio.sleep(0.01)
    svc.gate.set()
    results = await asyncio.gather(*tasks)
    assert svc.ops() == ["GetId", "GetCredentialsForIdentity"]
    assert c.refresh_count == 1
    assert all(r is results[0] for r in results)


async def test_concurrent_failure_reaches_every_waiter() -> None:
    svc = FakeIdentityService()
    svc.gate = asyncio.Event()
    svc.fail["GetId"] = ("NotAuthorizedException", "Invalid login token.")
    c = _creds(svc)
    tasks = [asyncio.create_task(c.refresh()) for _ in range(3)]
    await asyncio.sleep(0.01)
    svc.gate.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, NotAuthorizedException) for r in results)
    assert svc.ops() == ["GetId"]


async def test_get_refreshes_only_near_expiry() -> None:
    svc = FakeIdentityService(lifetime=100)
    c = _creds(svc, expiry_window=15)
    first = await c.get()
    svc.now += 80  # 20 s left: still fresh
    assert await c.get() is first
    svc.now += 6  # 14 s left: inside the window
    assert c.expired
    second = await c.get()
    assert second is not first
    assert svc.ops() == ["GetId", "GetCredentialsForIdentity", "GetCredentialsForIdentity"]


async def test_not_authorized_clears_cached_id() -> None:
    svc = FakeIdentityService()
    store = Store()
    await _creds(svc, store).refresh()
    svc.fail["GetCredentialsForIdentity"] = ("NotAuthorizedException", "Token expired")
    c = _creds(svc, store)
    with pytest.raises(NotAuthorizedException) as info:
        await c.refresh()
    assert info.value.status_code == 400
    assert ID_KEY not in store.data and PROVIDERS_KEY not in store.data
    assert c.identity_id is None


async def test_vanished_cached_identity_gets_a_new_one() -> None:
    svc = FakeIdentityService()
    store = Store()
    store.set_item(ID_KEY, "eu-west-1:deleted")
    store.set_item(PROVIDERS_KEY, PROVIDER)
    c = _creds(svc, store)
    await c.refresh()
    assert svc.ops() == ["GetCredentialsForIdentity", "GetId", "GetCredentialsForIdentity"]
    assert store.data[ID_KEY] == "eu-west-1:identity-1"


async def test_fresh_identity_not_found_is_raised() -> None:
    svc = FakeIdentityService()
    svc.known_ids = set()
    with pytest.raises(ResourceNotFoundException):
        await _creds(svc).refresh()
    assert svc.ops() == ["GetId", "GetCredentialsForIdentity"]


async def test_clear_on_sign_out() -> None:
    svc = FakeIdentityService()
    store = Store()
    store.set_item("unrelated", "kept")
    c = _creds(svc, store)
    await c.refresh()
    c.clear()
    assert c.credentials is None and c.identity_id is None and c.logins == {}
    assert store.data == {"unrelated": "kept"}
    assert c.expired


async def test_clear_during_refresh_keeps_nothing() -> None:
    svc = FakeIdentityService()
    svc.gate = asyncio.Event()
    store = Store()
    c = _creds(svc, store)
    task = asyncio.create_task(c.refresh())
    await asyncio.sleep(0.01)
    c.clear()
    svc.gate.set()
    await task
    assert c.credentials is None
    assert store.data == {}


async def test_auto_refresh_in_background() -> None:
    svc = FakeIdentityService(lifetime=15.05)
    c = _creds(svc, expiry_window=15.0, auto_refresh=True)
    await c.refresh()
    for _ in range(100):
        if c.refresh_count >= 2:
            break
        await asyncio.sleep(0.01)
    assert c.refresh_count >= 2
    assert svc.ops()[:3] == ["GetId", "GetCredentialsForIdentity", "GetCredentialsForIdentity"]
    c.clear()


async def test_unauthenticated_identity_sends_no_logins() -> None:
    svc = FakeIdentityService()
    store = Store()
    c = _creds(svc, store, logins={})
    await c.refresh()
    assert svc.calls[0][1] == {"IdentityPoolId": POOL}
    assert "Logins" not in svc.calls[1][1]
    assert PROVIDERS_KEY not in store.data


async def test_aws_fetch_signs_with_identity_credentials() -> None:
    svc = FakeIdentityService()
    c = _creds(svc)
    sent: list[HttpRequest] = []

    def api(request: HttpRequest) -> HttpResponse:
        sent.append(request)
        return HttpResponse(200, {}, b"ok")

    resp = await aws_fetch(
        "https://abc.execute-api.eu-west-1.amazonaws.com/prod/items?x=1",
        credentials=c,
        service="execute-api",
        method="POST",
        body=b'{"a": 1}',
        transport=MockTransport(api),
    )
    assert resp.status == 200 and resp.body == b"ok"
    (req,) = sent
    assert req.headers["X-Amz-Security-Token"] == c.session_token
    auth = req.headers["Authorization"]
    assert auth.startswith(f"AWS4-HMAC-SHA256 Credential={c.access_key_id}/")
    assert "/eu-west-1/execute-api/aws4_request" in auth
    assert req.body == b'{"a": 1}'
    # Check the signature independently from the string to sign that was hashed.
    date = req.headers["X-Amz-Date"]
    creq = "\n".join(
        [
            "POST",
            "/prod/items",
            "x=1",
            f"host:abc.execute-api.eu-west-1.amazonaws.com\nx-amz-date:{date}\n"
            f"x-amz-security-token:{c.session_token}\n",
            "host;x-amz-date;x-amz-security-token",
            hashlib.sha256(b'{"a": 1}').hexdigest(),
        ]
    )
    sts = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            date,
            f"{date[:8]}/eu-west-1/execute-api/aws4_request",
            hashlib.sha256(creq.encode()).hexdigest(),
        ]
    )
    import hmac as _hmac

    key = signing_key(c.secret_access_key or "", date[:8], "eu-west-1", "execute-api")
    assert auth.endswith("Signature=" + _hmac.new(key, sts.encode(), hashlib.sha256).hexdigest())


async def test_aws_fetch_with_plain_credentials_needs_region() -> None:
    from amazon_cognito_identity.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError):
        await aws_fetch(
            "https://h/",
            credentials=AwsCredentials("a", "b"),
            service="s3",
            transport=MockTransport([]),
        )


async def test_js_style_callbacks() -> None:
    svc = FakeIdentityService()
    c = _creds(svc)
    seen: list[object] = []
    task = c.refresh(lambda err: seen.append(err))
    assert await task is c.credentials
    assert seen == [None]

    async def async_cb(err: object) -> None:
        seen.append(err)

    svc.fail["GetCredentialsForIdentity"] = ("NotAuthorizedException", "Token expired")
    c.credentials = None
    assert await c.get(async_cb) is None  # the error goes to the callback, not raised
    assert isinstance(seen[-1], NotAuthorizedException)


def test_credentials_from_response_expiration_forms() -> None:
    base = {"AccessKeyId": "A", "SecretKey": "S", "SessionToken": "T"}
    when = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert AwsCredentials.from_response({**base, "Expiration": when.timestamp()}).expiration == when
    iso = AwsCredentials.from_response({**base, "Expiration": "2030-01-02T03:04:05Z"})
    assert iso.expiration == when
    assert AwsCredentials.from_response(base).expiration is None
    from amazon_cognito_identity.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError):
        AwsCredentials.from_response({**base, "Expiration": "soon"})
    with pytest.raises(InvalidParameterError):
        AwsCredentials.from_response({"AccessKeyId": "A"})
