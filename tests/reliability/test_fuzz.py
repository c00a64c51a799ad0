"""Hypothesis fuzzing: JWT decoding, corrupted storage, every response parser, and the
emulator's request handling (random JSON for every operation -> a 4xx JSON error, never 500)."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amazon_cognito_identity import (
    AuthenticationDetails,
    CognitoAccessToken,
    CognitoIdToken,
    CognitoRefreshToken,
    CognitoUser,
    CognitoUserPool,
    CognitoUserSession,
    CookieStorage,
    HttpRequest,
    HttpResponse,
    MemoryStorage,
    MockTransport,
    RetryPolicy,
    decode_jwt,
)
from amazon_cognito_identity.errors import CognitoError, InvalidTokenError
from amazon_cognito_identity.storage import MemoryCookieJar
from amazon_cognito_identity.wire import error_from_http, parse_response

POOL_ID = "us-east-1_Fuzz1"
CLIENT_ID = "fuzzclient"
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(header: Any, payload: Any, sig: bytes = b"sig") -> str:
    return f"{b64u(json.dumps(header).encode())}.{b64u(json.dumps(payload).encode())}.{b64u(sig)}"


def good_claims(username: str = "alice", **extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": "s", "iat": now, "exp": now + 3600, "username": username, **extra}


# ---------------------------------------------------------------- JWT decoding


@FUZZ
@given(st.text(max_size=200) | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_decode_jwt_arbitrary_text(text: str) -> None:
    try:
        decode_jwt(text)
    except InvalidTokenError as err:
        assert str(err)


claims = st.dictionaries(
    st.sampled_from(["exp", "iat", "sub", "token_use", "username", "origin_jti", "x"]),
    json_values,
    max_size=6,
)


@FUZZ
@given(header=json_values, payload=json_values | claims, sig=st.binary(max_size=40))
def test_tokens_and_sessions_from_wellformed_but_odd_jwts(
    header: Any, payload: Any, sig: bytes
) -> None:
    token = make_jwt(header, payload, sig)
    try:
        access = CognitoAccessToken(token)
        ident = CognitoIdToken(token)
    except InvalidTokenError:
        return
    try:
        access.get_expiration()
        access.get_issued_at()
        session = CognitoUserSession(
            id_token=ident, access_token=access, refresh_token=CognitoRefreshToken("r")
        )
        session.is_valid()
        session.calculate_clock_drift()
    except InvalidTokenError:
        pass


@FUZZ
@given(st.data())
def test_mangled_real_looking_tokens(data: st.DataObject) -> None:
    token = make_jwt({"alg": "RS256", "kid": "k"}, good_claims())
    pos = data.draw(st.integers(0, len(token)))
    cut = data.draw(st.booleans())
    junk = data.draw(st.text(max_size=5))
    mangled = token[:pos] if cut else token[:pos] + junk + token[pos:]
    try:
        CognitoAccessToken(mangled).get_expiration()
    except InvalidTokenError:
        pass


# ---------------------------------------------------------------- corrupted storage


def key(name: str, username: str = "alice") -> str:
    if name == "LastAuthUser":
        return f"CognitoIdentityServiceProvider.{CLIENT_ID}.LastAuthUser"
    return f"CognitoIdentityServiceProvider.{CLIENT_ID}.{username}.{name}"


def offline_pool(storage: Any) -> tuple[CognitoUserPool, MockTransport]:
    """A pool whose every request fails (a corrupted cache must not need the network)."""
    transport = MockTransport(
        lambda r: HttpResponse(
            400,
            {},
            json.dumps({"__type": "NotAuthorizedException", "message": "x"}).encode(),
        )
    )
    pool = CognitoUserPool(
        user_pool_id=POOL_ID,
        client_id=CLIENT_ID,
        storage=storage,
        transport=transport,
        retry=RetryPolicy.never(),
    )
    return pool, transport


VALID_ID = make_jwt({"alg": "RS256"}, good_claims(token_use="id"))
VALID_ACCESS = make_jwt({"alg": "RS256"}, good_claims(token_use="access"))

corruptions = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "",
            "null",
            "{",
            "undefined",
            "[object Object]",
            VALID_ID[: len(VALID_ID) // 2],
            VALID_ACCESS[:-3],
            VALID_ACCESS + "x",
            "a.b.c",
            "%E0%A4%A",
            "-1",
            "1e400",
            "NaN",
        ]
    ),
)
slots = ["idToken", "accessToken", "refreshToken", "clockDrift", "userData", "LastAuthUser"]


async def assert_signed_out_or_valid(pool: CognitoUserPool) -> None:
    """get_current_user / get_session / get_user_data: a user or signed out, never a crash."""
    user = pool.get_current_user()
    if user is None:
        return
    try:
        session = await user.get_session()
    except CognitoError:
        return  # signed out (or a refresh that the offline service refused)
    assert isinstance(session, CognitoUserSession) and session.is_valid()
    try:
        await user.get_user_data()
    except CognitoError:
        pass


@FUZZ
@given(values=st.dictionaries(st.sampled_from(slots), corruptions, min_size=1))
def test_corrupted_memory_storage_signs_out(values: dict[str, str]) -> None:
    storage = MemoryStorage()
    for name, good in (("idToken", VALID_ID), ("accessToken", VALID_ACCESS)):
        storage.set_item(key(name), good)
    storage.set_item(key("refreshToken"), "refresh")
    storage.set_item(key("LastAuthUser"), "alice")
    for name, value in values.items():
        storage.set_item(key(name), value)
    pool, _ = offline_pool(storage)
    asyncio.run(assert_signed_out_or_valid(pool))


cookie_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=80)


@FUZZ
@given(
    values=st.dictionaries(st.sampled_from(slots), corruptions, min_size=1),
    raw_cookies=st.lists(cookie_text, max_size=4),
    split=st.booleans(),
)
def test_corrupted_cookies_sign_out(
    values: dict[str, str], raw_cookies: list[str], split: bool
) -> None:
    jar = MemoryCookieJar()
    storage = CookieStorage(domain="example.com", jar=jar)
    storage.set_item(key("idToken"), VALID_ID * (3 if split else 1) if split else VALID_ID)
    storage.set_item(key("accessToken"), VALID_ACCESS)
    storage.set_item(key("refreshToken"), "refresh")
    storage.set_item(key("LastAuthUser"), "alice")
    for name, value in values.items():
        storage.set_item(key(name), value)
    for raw in raw_cookies:  # what another script on the page may write
        try:
            jar.write(raw)
        except Exception:  # noqa: S112 - the jar itself may refuse a malformed cookie
            continue
    if split:  # a chunk of a split value goes missing or is garbled
        jar.write(f"{key('idToken')}.2=%ZZ; path=/")
    pool, _ = offline_pool(storage)
    asyncio.run(assert_signed_out_or_valid(pool))


# ---------------------------------------------------------------- response parsers

bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(
        st.sampled_from(["__type", "code", "Code", "message", "Message", "x"]), json_values
    ).map(lambda v: json.dumps(v).encode()),
)
statuses = st.sampled_from([200, 201, 204, 301, 400, 401, 403, 404, 413, 429, 500, 502, 503, 599])
headers = st.dictionaries(
    st.sampled_from(["content-type", "x-amzn-errortype", "x"]), st.text(max_size=40), max_size=3
)


@FUZZ
@given(status=statuses, body=bodies, hdrs=headers)
def test_parse_response_never_crashes(status: int, body: bytes, hdrs: dict[str, str]) -> None:
    response = HttpResponse(status, hdrs, body)
    try:
        data = parse_response(response)
    except CognitoError as err:
        assert err.message or err.name
        assert not 200 <= status < 300 or err.status_code == status
        return
    assert 200 <= status < 300 and isinstance(data, dict)
    if status >= 300:
        raise AssertionError("an error status parsed as success")
    assert isinstance(error_from_http(HttpResponse(500, hdrs, body)), CognitoError)


# A service whose answers to the sign-in steps are random: every challenge handler and the
# success parser in challenges.py and user.py see them.
challenge_names = st.sampled_from(
    [
        "PASSWORD_VERIFIER",
        "DEVICE_SRP_AUTH",
        "DEVICE_PASSWORD_VERIFIER",
        "NEW_PASSWORD_REQUIRED",
        "SMS_MFA",
        "SOFTWARE_TOKEN_MFA",
        "SELECT_MFA_TYPE",
        "MFA_SETUP",
        "CUSTOM_CHALLENGE",
        "UNKNOWN",
    ]
)
param_values = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["0", "-1", "ff", "-ab", "zz", "", "[]", "{}", "not json", b64u(b"x")]),
    json_values,
)
challenge_params = st.dictionaries(
    st.sampled_from(
        [
            "SALT",
            "SRP_B",
            "SECRET_BLOCK",
            "USER_ID_FOR_SRP",
            "USERNAME",
            "userAttributes",
            "requiredAttributes",
            "MFAS_CAN_SETUP",
            "CODE_DELIVERY_DESTINATION",
        ]
    ),
    param_values,
)
auth_results = st.fixed_dictionaries(
    {},
    optional={
        "IdToken": st.sampled_from([VALID_ID, "x", ""]) | json_values,
        "AccessToken": st.sampled_from([VALID_ACCESS, "a.b.c"]) | json_values,
        "RefreshToken": json_values,
        "NewDeviceMetadata": json_values,
    },
)
answers = st.fixed_dictionaries(
    {},
    optional={
        "ChallengeName": challenge_names | json_values,
        "Session": json_values,
        "ChallengeParameters": challenge_params | json_values,
        "AuthenticationResult": auth_results | json_values,
    },
)


@settings(max_examples=100, deadline=None)
@given(
    script=st.lists(answers, min_size=1, max_size=4),
    flow=st.sampled_from(["USER_SRP_AUTH", "USER_PASSWORD_AUTH", "CUSTOM_AUTH"]),
)
def test_sign_in_parsers_survive_random_answers(script: list[dict[str, Any]], flow: str) -> None:
    replies = list(script)

    def answer(request: HttpRequest) -> HttpResponse:
        body = replies.pop(0) if replies else {"__type": "NotAuthorizedException"}
        status = 400 if "__type" in body else 200
        return HttpResponse(status, {}, json.dumps(body).encode())

    storage = MemoryStorage()
    pool = CognitoUserPool(
        user_pool_id=POOL_ID,
        client_id=CLIENT_ID,
        storage=storage,
        transport=MockTransport(answer),
        retry=RetryPolicy.never(),
    )
    user = CognitoUser("alice", pool)
    user.set_authentication_flow_type(flow)

    async def go() -> None:
        try:
            await user.authenticate_user(AuthenticationDetails("alice", "pw"))
        except CognitoError:
            pass

    asyncio.run(go())
    # Whatever happened, the storage holds no half session.
    stored = {k: storage.get_item(k) for k in storage.keys()}
    tokens = [k for k in stored if k.endswith((".idToken", ".accessToken", ".refreshToken"))]
    assert len(tokens) in (0, 3), stored


# ---------------------------------------------------------------- emulator request handling


@pytest.fixture(scope="module")
def fuzz_emulator() -> Any:
    testing = pytest.importorskip("cognito_emulator.testing")
    with testing.EmulatorServer() as emu:
        pool_id = emu.create_pool("fuzz", MfaConfiguration="OPTIONAL", DeviceConfiguration={})
        client_id = emu.create_client(
            pool_id,
            ExplicitAuthFlows=[
                "ALLOW_USER_PASSWORD_AUTH",
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
            ],
        )
        emu.create_user(pool_id, "alice", "Passw0rd!x", email="a@example.com")
        result = emu.call(
            "InitiateAuth",
            {
                "AuthFlow": "USER_PASSWORD_AUTH",
                "ClientId": client_id,
                "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!x"},
            },
        )["AuthenticationResult"]
        yield emu, pool_id, client_id, result


PARAM_NAMES = [
    "UserPoolId",
    "ClientId",
    "Username",
    "Password",
    "AccessToken",
    "AuthFlow",
    "AuthParameters",
    "ChallengeName",
    "ChallengeResponses",
    "Session",
    "ConfirmationCode",
    "UserAttributes",
    "UserAttributeNames",
    "AttributeName",
    "Code",
    "DeviceKey",
    "DeviceSecretVerifierConfig",
    "DeviceName",
    "Limit",
    "PaginationToken",
    "Token",
    "ClientSecret",
    "SecretHash",
    "ClientMetadata",
    "ValidationData",
    "PreviousPassword",
    "ProposedPassword",
    "UserCode",
    "FriendlyDeviceName",
    "SMSMfaSettings",
    "SoftwareTokenMfaSettings",
    "MFAOptions",
    "DeviceRememberedStatus",
    "PoolName",
    "ClientName",
    "ExplicitAuthFlows",
    "Filter",
    "MessageAction",
    "TemporaryPassword",
    "Permanent",
    "UserContextData",
    "IdentityPoolId",
    "IdentityId",
    "Logins",
    "IdentityPoolName",
    "AllowUnauthenticatedIdentities",
    "MfaConfiguration",
]


def emulator_values(ctx: tuple[Any, str, str, dict[str, Any]]) -> st.SearchStrategy[Any]:
    _emu, pool_id, client_id, result = ctx
    real = st.sampled_from(
        [
            pool_id,
            client_id,
            "alice",
            "Passw0rd!x",
            result["AccessToken"],
            result["RefreshToken"],
            "USER_SRP_AUTH",
            "USER_PASSWORD_AUTH",
            "REFRESH_TOKEN_AUTH",
            "CUSTOM_AUTH",
            "PASSWORD_VERIFIER",
            "SMS_MFA",
            "123456",
            "\u00e9\u4e2d\U0001f600",
            "0",
            "-1",
        ]
    )
    nested = st.dictionaries(
        st.sampled_from(
            [
                "USERNAME",
                "PASSWORD",
                "SRP_A",
                "REFRESH_TOKEN",
                "SECRET_HASH",
                "DEVICE_KEY",
                "Name",
                "Value",
                "Enabled",
                "PreferredMfa",
                "Salt",
                "PasswordVerifier",
                "PASSWORD_CLAIM_SIGNATURE",
                "PASSWORD_CLAIM_SECRET_BLOCK",
                "TIMESTAMP",
                "SMS_MFA_CODE",
                "ANSWER",
                "NEW_PASSWORD",
            ]
        ),
        real | json_values,
        max_size=5,
    )
    return real | json_values | nested | st.lists(nested | real, max_size=3)


def test_emulator_random_json_gives_4xx_never_500(fuzz_emulator: Any) -> None:
    from cognito_emulator import registry
    from cognito_emulator.errors import ServiceError
    from cognito_emulator.registry import RequestContext

    emu = fuzz_emulator[0]
    registry.load_all()
    targets = registry.targets()
    assert len(targets) >= 30
    values = emulator_values(fuzz_emulator)
    crashes: dict[str, str] = {}

    @settings(max_examples=1500, deadline=None, database=None)
    @given(
        target=st.sampled_from(targets),
        params=st.dictionaries(st.sampled_from(PARAM_NAMES), values, max_size=6),
    )
    def run(target: str, params: dict[str, Any]) -> None:
        handler = registry.lookup(target)
        assert handler is not None
        ctx = RequestContext(emulator=emu.emulator, issuer_base=emu.endpoint.rstrip("/"))
        try:
            handler(ctx, json.loads(json.dumps(params)))
        except ServiceError as err:
            assert 400 <= err.status < 500, (target, params, err.name, err.message)
        except Exception as err:  # what the app would answer with a 500
            crashes.setdefault(target, f"{type(err).__name__}: {err} <- {params!r}")

    run()
    assert crashes == {}


@settings(max_examples=60, deadline=None)
@given(
    body=st.binary(max_size=100) | json_values.map(lambda v: json.dumps(v).encode()),
    target=st.sampled_from(
        [
            "AWSCognitoIdentityProviderService.InitiateAuth",
            "AWSCognitoIdentityProviderService.Nope",
            "",
            "x",
        ]
    ),
)
def test_emulator_app_bad_bodies_get_json_4xx(body: bytes, target: str) -> None:
    from cognito_emulator.app import EmulatorApp
    from cognito_emulator.state import Emulator, EmulatorConfig

    app = _app_cache.get("app")
    if app is None:
        app = _app_cache["app"] = EmulatorApp(Emulator(EmulatorConfig(print_outbox=False)))
    status, payload = asyncio.run(asgi_post(app, body, target))
    assert 400 <= status < 500, (status, payload)
    assert isinstance(payload.get("__type"), str) and payload["__type"]


_app_cache: dict[str, Any] = {}


async def asgi_post(app: Any, body: bytes, target: str) -> tuple[int, dict[str, Any]]:
    """POST / through the ASGI app, in process."""
    headers = [(b"content-type", b"application/x-amz-json-1.1"), (b"host", b"127.0.0.1:1")]
    if target:
        headers.append((b"x-amz-target", target.encode()))
    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers, "query_string": b""}
    sent: list[dict[str, Any]] = []
    done = False

    async def receive() -> dict[str, Any]:
        nonlocal done
        if done:
            await asyncio.sleep(3600)
        done = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    status = sent[0]["status"]
    payload = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
    return status, payload
