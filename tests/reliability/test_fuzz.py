"""Hypothesis fuzzing: JWT decoding, corrupted storage, every response parser, and the
emulator's request handling (random JSON for every operation -> a 4xx JSON error, never 500)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
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
    with contextlib.suppress(InvalidTokenError):
        CognitoAccessToken(mangled).get_expiration()


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
    with contextlib.suppress(CognitoError):
        await user.get_user_data()


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
        except Exception:
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
# Found by this test in CI: a null SRP_B crashed the hex parser with AttributeError.
@example(
    script=[
        {"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": {"SALT": "", "SRP_B": None}}
    ],
    flow="USER_SRP_AUTH",
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
        with contextlib.suppress(CognitoError):
            await user.authenticate_user(AuthenticationDetails("alice", "pw"))

    asyncio.run(go())
    # Whatever happened, the storage holds no half session.
    keys = storage.keys()  # a method of MemoryStorage, not a dict
    stored = {k: storage.get_item(k) for k in keys}
    tokens = [k for k in stored if k.endswith((".idToken", ".accessToken", ".refreshToken"))]
    assert len(tokens) in (0, 3), stored


# ---------------------------------------------------------------- emulator request handling


FUZZ_PASSWORD = "Passw0rd!x"


def _fresh_context(emu: Any) -> tuple[Any, str, str, dict[str, Any]]:
    pool_id = emu.create_pool("fuzz", MfaConfiguration="OPTIONAL", DeviceConfiguration={})
    client_id = emu.create_client(
        pool_id,
        ExplicitAuthFlows=[
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ],
    )
    return _populate(emu, pool_id, client_id)


def _populate(emu: Any, pool_id: str, client_id: str) -> tuple[Any, str, str, dict[str, Any]]:
    """alice (signed in, with a forgot-password code waiting) and "pending" (a sign-up code
    waiting), so the code checks are reached too."""
    for name in ("alice", "pending"):
        with contextlib.suppress(Exception):
            emu.call("AdminDeleteUser", {"UserPoolId": pool_id, "Username": name})
    emu.create_user(pool_id, "alice", FUZZ_PASSWORD, email="a@example.com")
    emu.call(
        "SignUp",
        {
            "ClientId": client_id,
            "Username": "pending",
            "Password": FUZZ_PASSWORD,
            "UserAttributes": [{"Name": "email", "Value": "p@example.com"}],
        },
    )
    _fresh_code(emu, pool_id, "alice", "forgot_password")
    result: dict[str, Any] = emu.call(
        "InitiateAuth",
        {
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": client_id,
            "AuthParameters": {"USERNAME": "alice", "PASSWORD": FUZZ_PASSWORD},
        },
    )["AuthenticationResult"]
    return emu, pool_id, client_id, result


def _repair(ctx: tuple[Any, str, str, dict[str, Any]]) -> tuple[Any, str, str, dict[str, Any]]:
    emu, pool_id, client_id, result = ctx
    try:
        emu.call("GetUser", {"AccessToken": result["AccessToken"]})
        emu.call("DescribeUserPoolClient", {"UserPoolId": pool_id, "ClientId": client_id})
        return ctx
    except Exception:
        pass
    try:
        return _populate(emu, pool_id, client_id)
    except Exception:  # the pool itself is gone or now demands MFA
        return _fresh_context(emu)


@pytest.fixture(scope="module")
def fuzz_emulator() -> Any:
    from cognito_emulator import testing

    with testing.EmulatorServer() as emu:
        yield emu


# Operations that may destroy the pool, the user, her password or her tokens: they get a
# sacrificial context, rebuilt whenever it broke, so the others keep reaching deep code.
DESTRUCTIVE = {
    "DeleteUserPool",
    "DeleteUser",
    "AdminDeleteUser",
    "GlobalSignOut",
    "RevokeToken",
    "ChangePassword",
    "AdminSetUserPassword",
    "ConfirmForgotPassword",
    "ConfirmSignUp",
    "AdminConfirmSignUp",
    "SetUserPoolMfaConfig",
    "SetUserMFAPreference",
    "SetUserSettings",
    "AdminCreateUser",
}


class Contexts:
    """A stable context for harmless operations and a sacrificial one for the others."""

    def __init__(self, emu: Any) -> None:
        self.emu = emu
        self.stable = _fresh_context(emu)
        self.victim = _fresh_context(emu)

    def for_target(self, target: str) -> tuple[Any, str, str, dict[str, Any]]:
        name = target.rsplit(".", 1)[-1]
        if name not in DESTRUCTIVE:
            return self.stable
        self.victim = _repair(self.victim)
        emu, _pool_id, client_id, _result = self.victim
        # Fresh codes: wrong guesses must not have used them up before an odd value lands.
        # Issued directly: ResendConfirmationCode/ForgotPassword are throttled per user (as
        # Cognito's LimitExceededException), and this loop asks for far more codes than that.
        try:
            if name == "ConfirmSignUp":
                _fresh_code(emu, _pool_id, "pending", "signup")
            elif name == "ConfirmForgotPassword":
                _fresh_code(emu, _pool_id, "alice", "forgot_password")
        except Exception:  # e.g. "pending" got confirmed: start the users over
            self.victim = _populate(emu, _pool_id, client_id)
        return self.victim


def _fresh_code(emu: Any, pool_id: str, username: str, kind: str) -> None:
    """A new code of ``kind`` for a user that still waits for one (as the public operations
    would send, without their per-user throttle)."""
    from cognito_emulator.codes import issue_code

    user = emu.call("AdminGetUser", {"UserPoolId": pool_id, "Username": username})
    if kind == "signup" and user["UserStatus"] != "UNCONFIRMED":
        raise LookupError(f"{username} is {user['UserStatus']}")
    issue_code(emu.emulator, pool_id, username, kind, "x@example.com")


WEIRD = st.sampled_from(
    [
        "pending",
        "",
        "\u00e9\u4e2d\U0001f600",
        "\x00",
        "-1",
        "0",
        "1e9999",
        "x" * 300,
        " ",
        "null",
        "[]",
    ]
)
corrupt_values = st.one_of(WEIRD, WEIRD, json_values)


def plausible(ctx: tuple[Any, str, str, dict[str, Any]]) -> dict[str, Any]:
    """A request that names real things: every operation finds its required members, so the
    fuzzing reaches past the first validation step."""
    _emu, pool_id, client_id, result = ctx
    b64 = base64.b64encode(b"\x01" * 16).decode()
    return {
        "UserPoolId": pool_id,
        "ClientId": client_id,
        "Username": "alice",
        "Password": "Passw0rd!x",
        "AccessToken": result["AccessToken"],
        "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {
            "USERNAME": "alice",
            "PASSWORD": "Passw0rd!x",
            "SRP_A": format(pow(2, 12345, 2**3072 - 1), "x"),
            "REFRESH_TOKEN": result["RefreshToken"],
            "DEVICE_KEY": "us-east-1_dev",
        },
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeResponses": {
            "USERNAME": "alice",
            "PASSWORD_CLAIM_SECRET_BLOCK": b64,
            "PASSWORD_CLAIM_SIGNATURE": b64,
            "TIMESTAMP": "Tue Jan 1 06:06:09 UTC 2019",
            "SMS_MFA_CODE": "123456",
            "NEW_PASSWORD": "Passw0rd!y",
            "ANSWER": "SMS_MFA",
        },
        "Session": "c2Vzc2lvbg",
        "ConfirmationCode": "123456",
        "UserAttributes": [{"Name": "email", "Value": "a@example.com"}],
        "UserAttributeNames": ["name"],
        "AttributeName": "email",
        "Code": "123456",
        "DeviceKey": "us-east-1_dev",
        "DeviceSecretVerifierConfig": {"Salt": b64, "PasswordVerifier": b64},
        "DeviceName": "d",
        "DeviceRememberedStatus": "remembered",
        "Limit": 10,
        "PaginationToken": "1",
        "Token": result["RefreshToken"],
        "PreviousPassword": "Passw0rd!x",
        "ProposedPassword": "Passw0rd!y",
        "UserCode": "123456",
        "FriendlyDeviceName": "f",
        "SMSMfaSettings": {"Enabled": True, "PreferredMfa": True},
        "SoftwareTokenMfaSettings": {"Enabled": True, "PreferredMfa": False},
        "MFAOptions": [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}],
        "PoolName": "p",
        "ClientName": "c",
        "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"],
        "Policies": {"PasswordPolicy": {"MinimumLength": 8}},
        "TokenValidityUnits": {"AccessToken": "hours"},
        "AccessTokenValidity": 1,
        "DeviceConfiguration": {"ChallengeRequiredOnNewDevice": True},
        "MfaConfiguration": "OPTIONAL",
        "Filter": 'username = "alice"',
        "MessageAction": "SUPPRESS",
        "TemporaryPassword": "Passw0rd!t",
        "Permanent": True,
        "ClientMetadata": {"k": "v"},
        "ValidationData": [{"Name": "k", "Value": "v"}],
        "UserContextData": {"EncodedData": "x"},
        "SecretHash": "x",
        "ClientSecret": "x",
        "IdentityPoolId": "us-east-1:00000000-0000-0000-0000-000000000000",
        "IdentityId": "us-east-1:00000000-0000-0000-0000-000000000000",
        "Logins": {"x": "y"},
    }


def mutate(data: st.DataObject, value: Any, depth: int = 0) -> Any:
    """Keep, corrupt, or (inside containers) recurse into ``value``."""
    choice = data.draw(st.sampled_from(["keep", "keep", "corrupt", "inner"]))
    if choice == "corrupt":
        return data.draw(corrupt_values)
    if choice == "inner" and depth < 2:
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                if data.draw(st.integers(0, 9)) > 0:
                    out[k] = mutate(data, v, depth + 1)
            return out
        if isinstance(value, list):
            return [mutate(data, v, depth + 1) for v in value]
    return value


def fuzz_params(data: st.DataObject, base: dict[str, Any]) -> dict[str, Any]:
    params = {}
    for k, v in base.items():
        if data.draw(st.integers(0, 4)) > 0:  # drop one member in five
            params[k] = mutate(data, v)
    if "Username" in params and data.draw(st.booleans()):
        params["Username"] = "pending"  # the unconfirmed user
    return params


def _targets() -> list[str]:
    from cognito_emulator import registry

    registry.load_all()
    return registry.targets()


_contexts: dict[int, Contexts] = {}


# Slow (destructive operations rebuild their pool or user between examples): the default
# run relies on the one-odd-member sweep below, the long run adds this.
@pytest.mark.long
@pytest.mark.parametrize("target", _targets(), ids=lambda t: t.rsplit(".", 1)[-1])
def test_emulator_random_json_gives_4xx_never_500(fuzz_emulator: Any, target: str) -> None:
    from cognito_emulator.errors import ServiceError
    from cognito_emulator.registry import RequestContext, lookup

    emu = fuzz_emulator
    if id(emu) not in _contexts:
        _contexts.clear()
        _contexts[id(emu)] = Contexts(emu)
    contexts = _contexts[id(emu)]
    crashes: dict[str, str] = {}

    @settings(max_examples=150, deadline=None, database=None)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        params = fuzz_params(data, plausible(contexts.for_target(target)))
        handler = lookup(target)
        assert handler is not None
        ctx = RequestContext(emulator=emu.emulator, issuer_base=emu.endpoint.rstrip("/"))
        try:
            handler(ctx, json.loads(json.dumps(params)))
        except ServiceError as err:
            assert 400 <= err.status < 500, (target, params, err.name, err.message)
        except Exception as err:  # what the app would answer with a 500
            crashes.setdefault(type(err).__name__, f"{err} <- {params!r}")

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


ODD: list[Any] = ["\u00e9\u4e2d\U0001f600", "", "\x00", None, 7, [], {"x": "y"}]
Corruption = tuple[str, str | None, Any]


def _corruptions(base: dict[str, Any]) -> list[Corruption]:
    """One member (or one nested member) replaced by each odd value, one at a time: a
    systematic sweep where hypothesis would need luck to hit the right member."""
    out: list[Corruption] = []
    for k, v in base.items():
        out += [(k, None, value) for value in ODD]
        inner = v if isinstance(v, dict) else v[0] if isinstance(v, list) and v else None
        if isinstance(inner, dict):
            out += [(k, ik, value) for ik in inner for value in ODD]
    return out


def _apply(base: dict[str, Any], corruption: Corruption) -> dict[str, Any]:
    key, inner, value = corruption
    if inner is None:
        return {**base, key: value}
    current = base[key]
    if isinstance(current, list):
        return {**base, key: [{**current[0], inner: value}]}
    return {**base, key: {**current, inner: value}}


# Creating pools makes an RSA key each (~0.3 s): the hypothesis test above covers those.
SWEEP_SKIP = {"CreateUserPool", "CreateUserPoolClient", "DeleteUserPool"}
PENDING_OPS = {"ConfirmSignUp", "ResendConfirmationCode", "AdminConfirmSignUp"}


# Those rebuild the user after each call (a sign-in each): in the long run only.
SWEEP_LONG = DESTRUCTIVE - {"ConfirmSignUp", "ConfirmForgotPassword", "AdminConfirmSignUp"}


@pytest.mark.parametrize(
    "target",
    [
        pytest.param(t, marks=[pytest.mark.long] if t.rsplit(".", 1)[-1] in SWEEP_LONG else [])
        for t in _targets()
        if t.rsplit(".", 1)[-1] not in SWEEP_SKIP
    ],
    ids=lambda t: t.rsplit(".", 1)[-1],
)
def test_emulator_one_odd_member_gives_4xx(fuzz_emulator: Any, target: str) -> None:
    from cognito_emulator.errors import ServiceError
    from cognito_emulator.registry import RequestContext, lookup

    emu = fuzz_emulator
    if id(emu) not in _contexts:
        _contexts.clear()
        _contexts[id(emu)] = Contexts(emu)
    contexts = _contexts[id(emu)]
    handler = lookup(target)
    assert handler is not None
    name = target.rsplit(".", 1)[-1]
    username = "pending" if name in PENDING_OPS else "alice"
    crashes: dict[str, str] = {}
    for corruption in _corruptions(plausible(contexts.for_target(target))):
        # A destructive operation gets a repaired context before every call.
        base = {**plausible(contexts.for_target(target)), "Username": username}
        params = _apply(base, corruption)
        ctx = RequestContext(emulator=emu.emulator, issuer_base=emu.endpoint.rstrip("/"))
        try:
            handler(ctx, json.loads(json.dumps(params)))
        except ServiceError as err:
            assert 400 <= err.status < 500, (corruption, err.name, err.message)
        except Exception as err:
            member = corruption[0] + (f".{corruption[1]}" if corruption[1] else "")
            crashes.setdefault(member, f"{type(err).__name__}: {err}")
    assert crashes == {}


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("CreateUserPool", {"PoolName": "p", "Policies": {"PasswordPolicy": "x"}}),
        (
            "CreateUserPool",
            {"PoolName": "p", "Policies": {"PasswordPolicy": {"MinimumLength": "x"}}},
        ),
        ("CreateUserPool", {"PoolName": "p", "Policies": {"PasswordPolicy": {"MinimumLength": 0}}}),
        ("CreateUserPoolClient", {"ClientName": "c", "TokenValidityUnits": {"AccessToken": "x"}}),
    ],
)
def test_emulator_refuses_bad_pool_settings_with_4xx(
    fuzz_emulator: Any, operation: str, params: dict[str, Any]
) -> None:
    """Found by fuzzing: settings that used to be stored and break later requests with 500."""
    from cognito_emulator.errors import ServiceError

    if operation == "CreateUserPoolClient":
        params = {**params, "UserPoolId": _contexts_for(fuzz_emulator).stable[1]}
    with pytest.raises(ServiceError) as info:
        fuzz_emulator.call(operation, params)
    assert 400 <= info.value.status < 500


def _contexts_for(emu: Any) -> Contexts:
    if id(emu) not in _contexts:
        _contexts.clear()
        _contexts[id(emu)] = Contexts(emu)
    return _contexts[id(emu)]
