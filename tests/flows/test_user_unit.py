"""CognitoUser / CognitoUserPool over a scripted service: request shapes and semantics."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import warnings
from typing import Any

import pytest
from flows_helpers import CLIENT_ID, POOL_ID, FakeCognito, NoSleep, auth_result, error, make_jwt

from amazon_cognito_identity import (
    AuthenticationDetails,
    Challenge,
    CognitoUser,
    CognitoUserAttribute,
    CognitoUserPool,
    CognitoUserSession,
    InvalidParameterError,
    MemoryStorage,
    MockTransport,
    NotAuthenticatedError,
    NotAuthorizedException,
    RetryPolicy,
    StorageError,
)

PREFIX = f"CognitoIdentityServiceProvider.{CLIENT_ID}"


def srp_challenge(user_id: str = "real-name") -> dict[str, Any]:
    return {
        "ChallengeName": "PASSWORD_VERIFIER",
        "Session": "s-pv",
        "ChallengeParameters": {
            "USER_ID_FOR_SRP": user_id,
            "SRP_B": format(pow(2, 12345, 2**3071 - 1) + 7, "x"),
            "SALT": "-1a2b3c",
            "SECRET_BLOCK": base64.b64encode(b"secret-block").decode(),
        },
    }


def token_keys(username: str) -> list[str]:
    return [f"{PREFIX}.{username}.{k}" for k in ("idToken", "accessToken", "refreshToken")]


async def test_srp_sign_in_request_shapes_and_storage(
    pool: CognitoUserPool, fake: FakeCognito
) -> None:
    fake.routes["InitiateAuth"] = lambda b: srp_challenge()
    fake.routes["RespondToAuthChallenge"] = lambda b: {"AuthenticationResult": auth_result()}
    user = CognitoUser("alias@example.com", pool)
    details = AuthenticationDetails(
        {"Username": "alias@example.com", "Password": "pw", "ClientMetadata": {"k": "v"}}
    )
    session = await user.authenticate_user(details)
    assert isinstance(session, CognitoUserSession) and session.is_valid()
    init = fake.bodies("InitiateAuth")[0]
    assert init["AuthFlow"] == "USER_SRP_AUTH"
    assert init["ClientId"] == CLIENT_ID
    assert init["AuthParameters"]["USERNAME"] == "alias@example.com"
    assert int(init["AuthParameters"]["SRP_A"], 16) > 0
    assert init["ClientMetadata"] == {"k": "v"}
    resp = fake.bodies("RespondToAuthChallenge")[0]
    assert resp["ChallengeName"] == "PASSWORD_VERIFIER"
    assert resp["Session"] == "s-pv"
    answers = resp["ChallengeResponses"]
    assert answers["USERNAME"] == "real-name"  # USER_ID_FOR_SRP from now on
    assert set(answers) == {
        "USERNAME",
        "PASSWORD_CLAIM_SECRET_BLOCK",
        "TIMESTAMP",
        "PASSWORD_CLAIM_SIGNATURE",
    }
    assert len(base64.b64decode(answers["PASSWORD_CLAIM_SIGNATURE"])) == 32
    assert resp["ClientMetadata"] == {"k": "v"}
    # Tokens cached under the JS keys, for USER_ID_FOR_SRP.
    assert user.get_username() == "real-name"
    st = pool.storage
    assert st.get_item(f"{PREFIX}.LastAuthUser") == "real-name"
    assert (
        st.get_item(f"{PREFIX}.real-name.accessToken") == session.get_access_token().get_jwt_token()
    )
    assert st.get_item(f"{PREFIX}.real-name.refreshToken") == "refresh-1"
    assert st.get_item(f"{PREFIX}.real-name.clockDrift") in {"0", "1", "-1"}
    assert st.get_item(f"{PREFIX}.alias@example.com.idToken") is None
    current = pool.get_current_user()
    assert current is not None and current.get_username() == "real-name"
    assert (await current.get_session()).get_id_token().get_jwt_token() == (
        session.get_id_token().get_jwt_token()
    )


async def test_validation_data_replaces_client_metadata(
    pool: CognitoUserPool, fake: FakeCognito
) -> None:
    fake.routes["InitiateAuth"] = lambda b: {"AuthenticationResult": auth_result()}
    user = CognitoUser("bob", pool)
    user.set_authentication_flow_type("USER_PASSWORD_AUTH")
    details = AuthenticationDetails(
        "bob",
        "pw",
        validation_data=[CognitoUserAttribute("vk", "vv")],
        client_metadata={"k": "v"},
    )
    await user.authenticate_user(details)
    body = fake.bodies("InitiateAuth")[0]
    assert body["AuthFlow"] == "USER_PASSWORD_AUTH"
    assert body["AuthParameters"] == {"USERNAME": "bob", "PASSWORD": "pw"}
    assert body["ClientMetadata"] == {"vk": "vv"}


async def test_wrong_password_raises_and_writes_nothing(
    pool: CognitoUserPool, fake: FakeCognito, sleeps: NoSleep
) -> None:
    fake.routes["InitiateAuth"] = lambda b: srp_challenge("bob")
    fake.routes["RespondToAuthChallenge"] = lambda b: error(
        400, "NotAuthorizedException", "Incorrect username or password."
    )
    user = CognitoUser("bob", pool)
    with pytest.raises(NotAuthorizedException) as info:
        await user.authenticate_user(AuthenticationDetails("bob", "wrong"))
    assert info.value.message == "Incorrect username or password."
    assert dict(pool.storage._data) == {}  # type: ignore[attr-defined]
    assert fake.ops().count("RespondToAuthChallenge") == 1  # not retried
    assert sleeps.delays == []


async def test_missing_password_and_bad_flow_fail_before_any_request(
    pool: CognitoUserPool, fake: FakeCognito
) -> None:
    user = CognitoUser("bob", pool)
    with pytest.raises(InvalidParameterError):
        await user.authenticate_user(AuthenticationDetails("bob", ""))
    user.set_authentication_flow_type("NOPE")
    with pytest.raises(InvalidParameterError):
        await user.authenticate_user(AuthenticationDetails("bob", "pw"))
    assert fake.calls == []


async def test_sms_mfa_awaited_style(pool: CognitoUserPool, fake: FakeCognito) -> None:
    fake.routes["InitiateAuth"] = lambda b: {
        "ChallengeName": "SMS_MFA",
        "Session": "s1",
        "ChallengeParameters": {"CODE_DELIVERY_DESTINATION": "+*****1234"},
    }
    fake.routes["RespondToAuthChallenge"] = lambda b: {"AuthenticationResult": auth_result()}
    user = CognitoUser("bob", pool)
    user.set_authentication_flow_type("USER_PASSWORD_AUTH")
    result = await user.authenticate_user(AuthenticationDetails("bob", "pw"))
    assert isinstance(result, Challenge) and result.name == "SMS_MFA"
    assert result.parameters["CODE_DELIVERY_DESTINATION"] == "+*****1234"
    session = await user.send_mfa_code("123456", client_metadata={"m": "1"})
    assert isinstance(session, CognitoUserSession)
    body = fake.bodies("RespondToAuthChallenge")[0]
    assert body["ChallengeName"] == "SMS_MFA" and body["Session"] == "s1"
    assert body["ChallengeResponses"] == {"USERNAME": "bob", "SMS_MFA_CODE": "123456"}
    assert body["ClientMetadata"] == {"m": "1"}


async def test_totp_with_sync_handler_using_self(pool: CognitoUserPool, fake: FakeCognito) -> None:
    """A sync JS-style handler calls user.send_mfa_code(code, self), like JS `this`."""
    fake.routes["InitiateAuth"] = lambda b: {
        "ChallengeName": "SOFTWARE_TOKEN_MFA",
        "Session": "s1",
        "ChallengeParameters": {},
    }
    fake.routes["RespondToAuthChallenge"] = lambda b: {"AuthenticationResult": auth_result()}
    user = CognitoUser("bob", pool)
    user.set_authentication_flow_type("USER_PASSWORD_AUTH")
    done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    seen: list[tuple[str, Any]] = []

    class Handler:
        def on_success(self, session: CognitoUserSession) -> None:
            done.set_result(session)

        def on_failure(self, err: Exception) -> None:
            done.set_exception(err)

        def totp_required(self, name: str, params: dict[str, Any]) -> None:
            seen.append((name, params))
            user.send_mfa_code("654321", self, "SOFTWARE_TOKEN_MFA")

    user.authenticate_user(AuthenticationDetails("bob", "pw"), Handler())
    session = await asyncio.wait_for(done, 5)
    assert isinstance(session, CognitoUserSession)
    assert seen == [("SOFTWARE_TOKEN_MFA", {})]
    answers = fake.bodies("RespondToAuthChallenge")[0]["ChallengeResponses"]
    assert answers == {
        "USERNAME": "bob",
        "SMS_MFA_CODE": "654321",
        "SOFTWARE_TOKEN_MFA_CODE": "654321",
    }


async def test_mapping_handlers_async_and_camel_case(
    pool: CognitoUserPool, fake: FakeCognito
) -> None:
    fake.routes["InitiateAuth"] = lambda b: error(400, "NotAuthorizedException", "nope")
    user = CognitoUser("bob", pool)
    user.set_authentication_flow_type("USER_PASSWORD_AUTH")
    failures: list[Exception] = []

    async def on_failure(err: Exception) -> None:
        failures.append(err)

    result = await user.authenticate_user(
        AuthenticationDetails("bob", "pw"), {"onSuccess": lambda s: None, "onFailure": on_failure}
    )
    assert result is None
    assert len(failures) == 1 and isinstance(failures[0], NotAuthorizedException)


async def test_new_password_required(pool: CognitoUserPool, fake: FakeCognito) -> None:
    fake.routes["InitiateAuth"] = lambda b: {
        "ChallengeName": "NEW_PASSWORD_REQUIRED",
        "Session": "s1",
        "ChallengeParameters": {
            "userAttributes": json.dumps({"email": "b@x.io"}),
            "requiredAttributes": json.dumps(["userAttributes.name"]),
        },
    }
    fake.routes["RespondToAuthChallenge"] = lambda b: {"AuthenticationResult": auth_result()}
    user = CognitoUser("bob", pool)
    user.set_authentication_flow_type("USER_PASSWORD_AUTH")
    got: list[Any] = []
    done = asyncio.Event()

    handler = {
        "new_password_required": lambda attrs, req: (
            got.append((attrs, req))
            or user.complete_new_password_challenge("NewPw1!", {"name": "Bob"}, handler)
        ),
        "on_success": lambda s: done.set(),
        "on_failure": lambda e: done.set(),
    }
    user.authenticate_user(AuthenticationDetails("bob", "pw"), handler)
    await asyncio.wait_for(done.wait(), 5)
    assert got == [({"email": "b@x.io"}, ["name"])]
    answers = fake.bodies("RespondToAuthChallenge")[0]["ChallengeResponses"]
    assert answers == {"userAttributes.name": "Bob", "NEW_PASSWORD": "NewPw1!", "USERNAME": "bob"}
    assert pool.storage.get_item(f"{PREFIX}.bob.idToken")


async def test_select_mfa_type_sends_no_client_metadata(
    pool: CognitoUserPool, fake: FakeCognito
) -> None:
    answers = iter(
        [
            {"ChallengeName": "SELECT_MFA_TYPE", "Session": "s1", "ChallengeParameters": {}},
        ]
    )
    fake.routes["InitiateAuth"] = lambda b: next(answers)
    fake.routes["RespondToAuthChallenge"] = lambda b: {
        "ChallengeName": "SOFTWARE_TOKEN_MFA",
        "Session": "s2",
        "ChallengeParameters": {},
    }
    user = CognitoUser("bob", pool)
    user.set_authentication_flow_type("USER_PASSWORD_AUTH")
    first = await user.authenticate_user(
        AuthenticationDetails("bob", "pw", client_metadata={"a": "b"})
    )
    assert isinstance(first, Challenge) and first.name == "SELECT_MFA_TYPE"
    second = await user.send_mfa_selection_answer("SOFTWARE_TOKEN_MFA")
    assert isinstance(second, Challenge) and second.name == "SOFTWARE_TOKEN_MFA"
    body = fake.bodies("RespondToAuthChallenge")[0]
    assert "ClientMetadata" not in body
    assert body["ChallengeResponses"] == {"USERNAME": "bob", "ANSWER": "SOFTWARE_TOKEN_MFA"}
    assert user.Session == "s2"


async def test_new_device_is_confirmed_then_used_and_forgotten_device_retried(
    pool: CognitoUserPool, fake: FakeCognito
) -> None:
    result = auth_result()
    result["NewDeviceMetadata"] = {"DeviceKey": "us-east-1_dev1", "DeviceGroupKey": "grp1"}
    fake.routes["InitiateAuth"] = lambda b: {"AuthenticationResult": result}
    fake.routes["ConfirmDevice"] = lambda b: {"UserConfirmationNecessary": False}
    user = CognitoUser("bob", pool)
    user.set_authentication_flow_type("USER_PASSWORD_AUTH")
    await user.authenticate_user(AuthenticationDetails("bob", "pw"))
    confirm = fake.bodies("ConfirmDevice")[0]
    assert confirm["DeviceKey"] == "us-east-1_dev1"
    assert confirm["AccessToken"] == result["AccessToken"]
    cfg = confirm["DeviceSecretVerifierConfig"]
    assert len(base64.b64decode(cfg["Salt"])) in (16, 17)
    assert len(base64.b64decode(cfg["PasswordVerifier"])) >= 380
    st = pool.storage
    assert st.get_item(f"{PREFIX}.bob.deviceKey") == "us-east-1_dev1"
    assert st.get_item(f"{PREFIX}.bob.deviceGroupKey") == "grp1"
    assert len(base64.b64decode(st.get_item(f"{PREFIX}.bob.randomPasswordKey") or "")) == 40

    # Next sign-in (new object, same storage) sends the device key; the service has
    # forgotten the device: keys are dropped and the sign-in is retried once without it.
    fake.calls.clear()

    def initiate(body: dict[str, Any]) -> Any:
        if "DEVICE_KEY" in body["AuthParameters"]:
            return error(400, "ResourceNotFoundException", "Device does not exist.")
        return {"AuthenticationResult": auth_result()}

    fake.routes["InitiateAuth"] = initiate
    user2 = CognitoUser("bob", pool)
    user2.set_authentication_flow_type("USER_PASSWORD_AUTH")
    session = await user2.authenticate_user(AuthenticationDetails("bob", "pw"))
    assert isinstance(session, CognitoUserSession)
    bodies = fake.bodies("InitiateAuth")
    assert bodies[0]["AuthParameters"]["DEVICE_KEY"] == "us-east-1_dev1"
    assert "DEVICE_KEY" not in bodies[1]["AuthParameters"]
    assert len(bodies) == 2
    assert st.get_item(f"{PREFIX}.bob.deviceKey") is None


async def test_password_verifier_device_not_found_retries_once(
    pool: CognitoUserPool, fake: FakeCognito
) -> None:
    st = pool.storage
    st.set_item(f"{PREFIX}.real.deviceKey", "dk")
    st.set_item(f"{PREFIX}.real.deviceGroupKey", "gk")
    st.set_item(f"{PREFIX}.real.randomPasswordKey", "rp")
    fake.routes["InitiateAuth"] = lambda b: srp_challenge("real")

    def respond(body: dict[str, Any]) -> Any:
        if "DEVICE_KEY" in body["ChallengeResponses"]:
            return error(400, "ResourceNotFoundException", "Device does not exist.")
        return {"AuthenticationResult": auth_result()}

    fake.routes["RespondToAuthChallenge"] = respond
    user = CognitoUser("alias", pool)
    await user.authenticate_user(AuthenticationDetails("alias", "pw"))
    bodies = fake.bodies("RespondToAuthChallenge")
    assert [("DEVICE_KEY" in b["ChallengeResponses"]) for b in bodies] == [True, False]
    assert fake.ops().count("InitiateAuth") == 1
    assert st.get_item(f"{PREFIX}.real.deviceKey") is None


def _expired_session_storage(pool: CognitoUserPool, username: str = "bob") -> None:
    st = pool.storage
    old = {"iat": 1_000_000, "exp": 1_003_600}
    st.set_item(f"{PREFIX}.{username}.idToken", make_jwt(**old))
    st.set_item(f"{PREFIX}.{username}.accessToken", make_jwt(**old))
    st.set_item(f"{PREFIX}.{username}.refreshToken", "refresh-old")
    st.set_item(f"{PREFIX}.{username}.clockDrift", "0")
    st.set_item(f"{PREFIX}.LastAuthUser", username)


async def test_fifty_concurrent_get_session_make_one_refresh(
    pool: CognitoUserPool, fake: FakeCognito
) -> None:
    _expired_session_storage(pool)

    # Keep the refresh in flight while the other calls arrive.
    async def transport_handler(request: Any) -> Any:
        op = request.headers["X-Amz-Target"].rsplit(".", 1)[-1]
        if op == "InitiateAuth":
            await asyncio.sleep(0.05)
        return fake(request)

    fake.routes["InitiateAuth"] = lambda b: {"AuthenticationResult": auth_result(refresh=None)}
    pool.client.transport = MockTransport(transport_handler)
    users = [pool.get_current_user() for _ in range(25)]
    one = CognitoUser("bob", pool)
    sessions = await asyncio.gather(
        *[u.get_session() for u in users if u], *[one.get_session() for _ in range(25)]
    )
    assert fake.ops() == ["InitiateAuth"]
    body = fake.bodies("InitiateAuth")[0]
    assert body["AuthFlow"] == "REFRESH_TOKEN_AUTH"
    assert body["AuthParameters"] == {"REFRESH_TOKEN": "refresh-old"}
    assert len({id(s) for s in sessions}) == 1 and sessions[0].is_valid()
    # No RefreshToken came back: the old one is kept.
    assert pool.storage.get_item(f"{PREFIX}.bob.refreshToken") == "refresh-old"
    # A later call uses the fresh session: no new request.
    await one.get_session()
    assert len(fake.calls) == 1


async def test_expired_refresh_token_raises_and_clears_user(
    pool: CognitoUserPool, fake: FakeCognito
) -> None:
    _expired_session_storage(pool)
    pool.storage.set_item(f"{PREFIX}.bob.deviceKey", "dk")
    fake.routes["InitiateAuth"] = lambda b: error(
        400, "NotAuthorizedException", "Refresh Token has expired"
    )
    user = CognitoUser("bob", pool)
    with pytest.raises(NotAuthorizedException):
        await user.get_session()
    assert fake.bodies("InitiateAuth")[0]["AuthParameters"]["DEVICE_KEY"] == "dk"
    st = pool.storage
    for key in [*token_keys("bob"), f"{PREFIX}.bob.clockDrift", f"{PREFIX}.LastAuthUser"]:
        assert st.get_item(key) is None
    assert st.get_item(f"{PREFIX}.bob.deviceKey") == "dk"  # device keys survive
    with pytest.raises(NotAuthenticatedError):
        await user.get_session()


async def test_storage_failure_leaves_previous_session_whole(
    pool: CognitoUserPool, fake: FakeCognito
) -> None:
    class FlakyStorage(MemoryStorage):
        fail_on: str | None = None

        def set_item(self, key: str, value: str) -> None:
            if self.fail_on and key.endswith(self.fail_on):
                raise OSError("quota exceeded")
            super().set_item(key, value)

    st = FlakyStorage()
    pool.storage = st
    fake.routes["InitiateAuth"] = lambda b: {"AuthenticationResult": auth_result("r1")}
    user = CognitoUser("bob", pool, storage=st)
    user.set_authentication_flow_type("USER_PASSWORD_AUTH")
    await user.authenticate_user(AuthenticationDetails("bob", "pw"))
    before = dict(st._data)  # type: ignore[attr-defined]
    fake.routes["InitiateAuth"] = lambda b: {"AuthenticationResult": auth_result("r2")}
    st.fail_on = ".clockDrift"
    with pytest.raises(StorageError):
        await user.authenticate_user(AuthenticationDetails("bob", "pw"))
    assert dict(st._data) == before  # type: ignore[attr-defined]


async def test_sign_out_revokes_when_origin_jti_and_keeps_device_keys(
    pool: CognitoUserPool, fake: FakeCognito
) -> None:
    fake.routes["InitiateAuth"] = lambda b: {"AuthenticationResult": auth_result(origin_jti="j1")}
    fake.routes["RevokeToken"] = lambda b: {}
    user = CognitoUser("bob", pool)
    user.set_authentication_flow_type("USER_PASSWORD_AUTH")
    await user.authenticate_user(AuthenticationDetails("bob", "pw"))
    pool.storage.set_item(f"{PREFIX}.bob.deviceKey", "dk")
    await user.sign_out()
    assert fake.bodies("RevokeToken") == [{"Token": "refresh-1", "ClientId": CLIENT_ID}]
    assert pool.storage.get_item(f"{PREFIX}.bob.idToken") is None
    assert pool.storage.get_item(f"{PREFIX}.LastAuthUser") is None
    assert pool.storage.get_item(f"{PREFIX}.bob.deviceKey") == "dk"
    assert pool.get_current_user() is None


async def test_sign_out_without_origin_jti_does_not_revoke(
    pool: CognitoUserPool, fake: FakeCognito
) -> None:
    fake.routes["InitiateAuth"] = lambda b: {"AuthenticationResult": auth_result()}
    user = CognitoUser("bob", pool)
    user.set_authentication_flow_type("USER_PASSWORD_AUTH")
    await user.authenticate_user(AuthenticationDetails("bob", "pw"))
    await user.sign_out()
    assert "RevokeToken" not in fake.ops()
    assert pool.storage.get_item(f"{PREFIX}.bob.idToken") is None


async def test_clearing_one_user_keeps_other_last_auth_user(
    pool: CognitoUserPool, fake: FakeCognito
) -> None:
    fake.routes["InitiateAuth"] = lambda b: {"AuthenticationResult": auth_result()}
    a, b = CognitoUser("alice", pool), CognitoUser("bob", pool)
    for u in (a, b):
        u.set_authentication_flow_type("USER_PASSWORD_AUTH")
        await u.authenticate_user(AuthenticationDetails(u.username, "pw"))
    await a.sign_out()
    assert pool.storage.get_item(f"{PREFIX}.LastAuthUser") == "bob"
    assert pool.storage.get_item(f"{PREFIX}.bob.idToken")


def test_secret_hash_and_pool_forms(fake: FakeCognito) -> None:
    pool = CognitoUserPool(
        {"UserPoolId": POOL_ID, "ClientId": CLIENT_ID, "Storage": MemoryStorage()},
    )
    assert pool.get_user_pool_name() == "TestPool1"
    assert pool.client.endpoint == "https://cognito-idp.us-east-1.amazonaws.com/"
    secret = CognitoUserPool(user_pool_id=POOL_ID, client_id=CLIENT_ID, client_secret="s3")
    expected = base64.b64encode(
        hmac.new(b"s3", f"bob{CLIENT_ID}".encode(), hashlib.sha256).digest()
    ).decode()
    assert secret.secret_hash("bob") == expected
    assert pool.secret_hash("bob") is None
    with pytest.raises(InvalidParameterError):
        CognitoUserPool(user_pool_id="bad", client_id="c")
    with pytest.raises(InvalidParameterError):
        CognitoUserPool({"UserPoolId": POOL_ID})


async def test_secret_hash_and_user_context_data_are_sent(fake: FakeCognito) -> None:
    class Asf:
        def getData(self, username: str, pool_id: str, client_id: str) -> str:
            return f"asf:{username}:{pool_id}:{client_id}"

    pool = CognitoUserPool(
        user_pool_id=POOL_ID,
        client_id=CLIENT_ID,
        client_secret="s3",
        storage=MemoryStorage(),
        transport=MockTransport(fake),
        advanced_security_data=Asf(),
    )
    fake.routes["SignUp"] = lambda b: {
        "UserConfirmed": False,
        "UserSub": "u-1",
        "CodeDeliveryDetails": {"DeliveryMedium": "EMAIL"},
    }
    fake.routes["InitiateAuth"] = lambda b: srp_challenge("bob")
    fake.routes["RespondToAuthChallenge"] = lambda b: {"AuthenticationResult": auth_result()}
    res = await pool.sign_up("bob", "pw", [CognitoUserAttribute("email", "b@x.io")], {"vd": "1"})
    assert (res.user.get_username(), res.user_confirmed, res.user_sub) == ("bob", False, "u-1")
    assert res.code_delivery_details == {"DeliveryMedium": "EMAIL"}
    signup = fake.bodies("SignUp")[0]
    assert signup["UserAttributes"] == [{"Name": "email", "Value": "b@x.io"}]
    assert signup["ValidationData"] == [{"Name": "vd", "Value": "1"}]
    assert signup["SecretHash"] == pool.secret_hash("bob")
    assert signup["UserContextData"] == {"EncodedData": f"asf:bob:{POOL_ID}:{CLIENT_ID}"}
    await res.user.authenticate_user(AuthenticationDetails("bob", "pw"))
    init = fake.bodies("InitiateAuth")[0]
    assert init["AuthParameters"]["SECRET_HASH"] == pool.secret_hash("bob")
    assert "UserContextData" in init
    respond = fake.bodies("RespondToAuthChallenge")[0]
    assert respond["ChallengeResponses"]["SECRET_HASH"] == pool.secret_hash("bob")
    assert "UserContextData" in respond


async def test_node_style_callback(pool: CognitoUserPool, fake: FakeCognito) -> None:
    fake.routes["ConfirmSignUp"] = lambda b: {}
    got: list[Any] = []
    user = CognitoUser("bob", pool)
    await user.confirm_registration("123", True, lambda err, res: got.append((err, res)))
    assert got == [(None, "SUCCESS")]
    assert fake.bodies("ConfirmSignUp")[0]["ForceAliasCreation"] is True
    fake.routes["ConfirmSignUp"] = lambda b: error(400, "CodeMismatchException", "bad code")
    await user.confirm_registration("999", False, lambda err, res: got.append((err, res)))
    assert got[1][0].code == "CodeMismatchException" and got[1][1] is None


async def test_methods_needing_a_session_fail_fast(
    pool: CognitoUserPool, fake: FakeCognito
) -> None:
    user = CognitoUser("bob", pool)
    with pytest.raises(NotAuthenticatedError):
        await user.get_user_attributes()
    with pytest.raises(NotAuthenticatedError):
        await user.change_password("a", "b")
    assert fake.calls == []


async def test_expired_in_memory_session_refreshes_before_authed_call(
    pool: CognitoUserPool, fake: FakeCognito
) -> None:
    _expired_session_storage(pool)
    user = CognitoUser("bob", pool)
    user.sign_in_user_session = user._read_cached_session()
    fake.routes["InitiateAuth"] = lambda b: {"AuthenticationResult": auth_result("r-new")}
    fake.routes["GetUser"] = lambda b: {
        "Username": "bob",
        "UserAttributes": [{"Name": "email", "Value": "b@x.io"}],
    }
    attrs = await user.get_user_attributes()
    assert attrs == [CognitoUserAttribute("email", "b@x.io")]
    assert fake.ops() == ["InitiateAuth", "GetUser"]
    assert pool.storage.get_item(f"{PREFIX}.bob.refreshToken") == "r-new"


def test_attribute_and_details_js_forms() -> None:
    a = CognitoUserAttribute({"Name": "email", "Value": "x"})
    assert (a.get_name(), a.get_value()) == ("email", "x")
    assert json.loads(str(a)) == {"Name": "email", "Value": "x"}
    assert a.set_value("y").to_json() == {"Name": "email", "Value": "y"}
    d = AuthenticationDetails({"Username": "u", "Password": "p", "ValidationData": {"a": "b"}})
    assert (d.get_username(), d.get_password(), d.get_validation_data()) == ("u", "p", {"a": "b"})
    assert d.get_client_metadata() == {}


def test_retry_policy_delays_follow_js_formula() -> None:
    p = RetryPolicy(rand=lambda: 0.0)
    assert [p.delay(n) for n in range(1, 7)] == [0.2, 0.4, 0.8, 1.6, 3.2, None]


async def test_two_pool_objects_on_one_storage_share_the_refresh(
    pool: CognitoUserPool, fake: FakeCognito
) -> None:
    _expired_session_storage(pool)
    transport = pool.client.transport

    async def slow(request: Any) -> Any:
        await asyncio.sleep(0.05)
        return fake(request)

    fake.routes["InitiateAuth"] = lambda b: {"AuthenticationResult": auth_result("r2")}
    other = CognitoUserPool(
        user_pool_id=POOL_ID,
        client_id=CLIENT_ID,
        storage=pool.storage,
        transport=MockTransport(slow),
    )
    pool.client.transport = MockTransport(slow)
    del transport
    a, b = pool.get_current_user(), other.get_current_user()
    assert a is not None and b is not None
    s1, s2 = await asyncio.gather(a.get_session(), b.get_session())
    assert fake.ops() == ["InitiateAuth"]
    assert s1 is s2


async def test_refresh_does_not_overwrite_a_newer_sign_in(
    pool: CognitoUserPool, fake: FakeCognito
) -> None:
    _expired_session_storage(pool)
    newer = auth_result("r-newer")
    user = CognitoUser("bob", pool)

    def refresh_while_signing_in(body: dict[str, Any]) -> Any:
        # Another tab signs in while the refresh is in flight.
        pool.storage.set_item(f"{PREFIX}.bob.refreshToken", "r-newer")
        pool.storage.set_item(f"{PREFIX}.bob.idToken", newer["IdToken"])
        if body["AuthParameters"]["REFRESH_TOKEN"] == "refresh-old":
            return error(400, "NotAuthorizedException", "Refresh Token has been revoked")
        return {"AuthenticationResult": auth_result()}

    fake.routes["InitiateAuth"] = refresh_while_signing_in
    with pytest.raises(NotAuthorizedException):
        await user.refresh_session("refresh-old")
    # The failed refresh of the old token must not wipe the newer session.
    assert pool.storage.get_item(f"{PREFIX}.bob.refreshToken") == "r-newer"
    assert pool.storage.get_item(f"{PREFIX}.bob.idToken") == newer["IdToken"]

    fake.routes["InitiateAuth"] = lambda b: {"AuthenticationResult": auth_result("r-from-old")}
    pool.storage.set_item(f"{PREFIX}.bob.refreshToken", "r-newer")
    session = await user.refresh_session("another-old-token")
    assert session.get_refresh_token().get_token() == "r-from-old"
    assert pool.storage.get_item(f"{PREFIX}.bob.refreshToken") == "r-newer"


def test_client_secret_warns_in_browser(monkeypatch: pytest.MonkeyPatch) -> None:

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CognitoUserPool(user_pool_id=POOL_ID, client_id=CLIENT_ID, client_secret="s")
    from amazon_cognito_identity import runtime

    monkeypatch.setattr(runtime, "IS_PYODIDE", True)
    with pytest.warns(UserWarning, match="secret"):
        CognitoUserPool(
            user_pool_id=POOL_ID,
            client_id=CLIENT_ID,
            client_secret="s",
            storage=MemoryStorage(),
            transport=MockTransport([]),
        )


async def test_handler_missing_for_challenge_goes_to_on_failure(
    pool: CognitoUserPool, fake: FakeCognito
) -> None:
    fake.routes["InitiateAuth"] = lambda b: {
        "ChallengeName": "SMS_MFA",
        "Session": "s",
        "ChallengeParameters": {},
    }
    user = CognitoUser("bob", pool)
    user.set_authentication_flow_type("USER_PASSWORD_AUTH")
    errors: list[Exception] = []
    await user.authenticate_user(
        AuthenticationDetails("bob", "pw"), {"on_success": print, "on_failure": errors.append}
    )
    assert len(errors) == 1 and isinstance(errors[0], InvalidParameterError)
    assert "mfa_required" in str(errors[0])


async def test_sign_out_js_style_callback(pool: CognitoUserPool, fake: FakeCognito) -> None:
    fake.routes["InitiateAuth"] = lambda b: {"AuthenticationResult": auth_result(origin_jti="j")}
    fake.routes["RevokeToken"] = lambda b: error(500, "InternalErrorException", "down")
    user = CognitoUser("bob", pool)
    user.set_authentication_flow_type("USER_PASSWORD_AUTH")
    await user.authenticate_user(AuthenticationDetails("bob", "pw"))
    got: list[Any] = []
    await user.sign_out(lambda err: got.append(err))
    assert len(got) == 1 and got[0].code == "InternalErrorException"
    assert pool.get_current_user() is None  # signed out locally all the same
    assert fake.ops().count("RevokeToken") == 6  # 5xx retried with backoff, as JS
    fake.routes["RevokeToken"] = lambda b: {}
    await user.authenticate_user(AuthenticationDetails("bob", "pw"))
    await user.sign_out(lambda err=None: got.append(err))
    assert got[1:] == [None]


async def test_confirm_device_failure_still_signs_in_without_device(
    pool: CognitoUserPool, fake: FakeCognito
) -> None:
    result = auth_result()
    result["NewDeviceMetadata"] = {"DeviceKey": "us-east-1_d", "DeviceGroupKey": "g"}
    fake.routes["InitiateAuth"] = lambda b: {"AuthenticationResult": result}
    fake.routes["ConfirmDevice"] = lambda b: error(400, "InvalidParameterException", "bad")
    user = CognitoUser("bob", pool)
    user.set_authentication_flow_type("USER_PASSWORD_AUTH")
    with pytest.warns(UserWarning, match="ConfirmDevice failed"):
        session = await user.authenticate_user(AuthenticationDetails("bob", "pw"))
    assert isinstance(session, CognitoUserSession)
    assert user.device_error is not None and user.device_error.code == "InvalidParameterException"
    assert pool.storage.get_item(f"{PREFIX}.bob.idToken") == result["IdToken"]
    assert pool.storage.get_item(f"{PREFIX}.bob.deviceKey") is None
    assert user.device_key is None
