"""The pytest plugin's fixtures, used as a user's test file would use them (no conftest help:
these fixtures come from the pytest11 entry point of the installed distribution)."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import jwt
import pytest

from amazon_cognito_identity import (
    AuthenticationDetails,
    Challenge,
    CodeMismatchException,
    CognitoUser,
    CognitoUserSession,
    InvalidPasswordException,
    NotAuthorizedException,
    verify_token,
)
from cognito_emulator.testkit import CognitoEmulator, CustomAuthTriggers, PoolUser, UserPool


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


async def sdk_sign_in(user_pool: UserPool, username: str, password: str) -> Any:
    user = CognitoUser(username, user_pool.pool())
    return user, await user.authenticate_user(AuthenticationDetails(username, password))


def test_user_pool_defaults(cognito_emulator: CognitoEmulator, user_pool: UserPool) -> None:
    described = cognito_emulator.admin.describe_user_pool(UserPoolId=user_pool.user_pool_id)
    pool = described["UserPool"]
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert not pool.get("UsernameAttributes")
    assert not pool.get("AliasAttributes")
    assert pool["MfaConfiguration"] == "OFF"
    client = cognito_emulator.admin.describe_user_pool_client(
        UserPoolId=user_pool.user_pool_id, ClientId=user_pool.client_id
    )["UserPoolClient"]
    assert "ClientSecret" not in client and user_pool.client_secret is None
    assert user_pool.endpoint == cognito_emulator.endpoint
    assert user_pool.endpoint.startswith("http://127.0.0.1:")
    assert user_pool.user_pool_id.startswith(cognito_emulator.region + "_")


def test_each_test_gets_a_fresh_pool(
    user_pool: UserPool, user_pool_factory: Any, cognito_emulator: CognitoEmulator
) -> None:
    other = user_pool_factory()
    assert other.user_pool_id != user_pool.user_pool_id
    assert other.client_id != user_pool.client_id
    ids = {p["Id"] for p in cognito_emulator.admin.list_user_pools(MaxResults=60)["UserPools"]}
    assert {user_pool.user_pool_id, other.user_pool_id} <= ids


async def test_sign_up_sends_a_code_and_outbox_lists_codes_newest_first(
    user_pool: UserPool, cognito_emulator: CognitoEmulator
) -> None:
    pool = user_pool.pool()
    result = await pool.sign_up("carol", "Passw0rd!x", {"email": "carol@example.com"})
    assert result.user_confirmed is False
    assert result.code_delivery_details is not None
    assert result.code_delivery_details["DeliveryMedium"] == "EMAIL"
    first = user_pool.outbox("carol", kind="signup")
    assert len(first) == 1 and first[0].isdigit() and len(first[0]) == 6
    await result.user.resend_confirmation_code()
    codes = cognito_emulator.outbox(username="carol", kind="signup")
    assert len(codes) == 2 and codes[1] == first[0]
    if codes[0] != codes[1]:  # the older code was replaced: Cognito refuses it
        with pytest.raises(CodeMismatchException):
            await result.user.confirm_registration(codes[1])
    await result.user.confirm_registration(codes[0])
    _, session = await sdk_sign_in(user_pool, "carol", "Passw0rd!x")
    assert isinstance(session, CognitoUserSession)
    assert session.get_id_token().decode_payload()["email_verified"] is True


async def test_cognito_user_signs_in_with_the_sdk(
    user_pool: UserPool, cognito_user: PoolUser
) -> None:
    assert cognito_user.email == f"{cognito_user.username}@example.com"
    _, session = await sdk_sign_in(user_pool, cognito_user.username, cognito_user.password)
    assert isinstance(session, CognitoUserSession)
    claims = session.get_id_token().decode_payload()
    assert claims["cognito:username"] == cognito_user.username
    assert claims["email"] == cognito_user.email
    assert claims["sub"] == cognito_user.sub
    with pytest.raises(NotAuthorizedException):
        await sdk_sign_in(user_pool, cognito_user.username, cognito_user.password + "x")


def test_factory_makes_more_users(cognito_user_factory: Any, cognito_user: PoolUser) -> None:
    bob = cognito_user_factory("bob", "An0ther-pass", email="bob@example.org", name="Bob")
    assert (bob.username, bob.password, bob.email) == ("bob", "An0ther-pass", "bob@example.org")
    assert bob.attributes["name"] == "Bob"
    assert bob.attributes["email_verified"] == "true"
    assert bob.sub and bob.sub != cognito_user.sub
    assert bob.sign_in().id_claims["name"] == "Bob"
    unconfirmed = cognito_user_factory(confirmed=False)
    with pytest.raises(Exception, match="UserNotConfirmedException"):
        unconfirmed.sign_in()


def test_sign_in_helper_tokens_verify_against_the_jwks(
    user_pool: UserPool, cognito_user: PoolUser
) -> None:
    tokens = cognito_user.sign_in()
    served = get_json(user_pool.jwks_url)
    assert served == user_pool.jwks()
    keys = jwt.PyJWKSet.from_dict(served)
    header = jwt.get_unverified_header(tokens.id_token)
    key = next(k for k in keys.keys if k.key_id == header["kid"])
    claims = jwt.decode(
        tokens.id_token,
        key.key,
        algorithms=["RS256"],
        audience=user_pool.client_id,
        issuer=user_pool.issuer,
    )
    assert claims["token_use"] == "id" and claims["email"] == cognito_user.email
    access = tokens.access_claims
    assert access["client_id"] == user_pool.client_id and access["token_use"] == "access"
    assert tokens.refresh_token


async def test_expired_tokens_are_refused_by_verifiers(
    user_pool: UserPool, cognito_user: PoolUser
) -> None:
    tokens = cognito_user.expired_tokens()
    assert tokens.id_claims["exp"] < time.time()
    keys = jwt.PyJWKSet.from_dict(user_pool.jwks())
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(
            tokens.id_token,
            keys.keys[0].key,
            algorithms=["RS256"],
            audience=user_pool.client_id,
            issuer=user_pool.issuer,
        )
    with pytest.raises(Exception, match="xpired"):
        await verify_token(
            tokens.access_token,
            user_pool.jwks(),
            user_pool_id=user_pool.user_pool_id,
            client_id=user_pool.client_id,
            token_use="access",
            issuer=user_pool.issuer,
        )
    with pytest.raises(Exception, match="NotAuthorizedException"):
        user_pool.emulator.admin.get_user(AccessToken=tokens.access_token)
    # The emulator's clock is back at real time: a fresh sign-in is valid now.
    assert cognito_user.sign_in().id_claims["exp"] > time.time()


async def test_revoked_tokens_verify_but_the_service_refuses_them(
    user_pool: UserPool, cognito_user: PoolUser, cognito_emulator: CognitoEmulator
) -> None:
    tokens = cognito_user.revoked_tokens()
    claims = await verify_token(
        tokens.access_token,
        user_pool.jwks(),
        user_pool_id=user_pool.user_pool_id,
        client_id=user_pool.client_id,
        token_use="access",
        issuer=user_pool.issuer,
    )
    assert claims["username"] == cognito_user.username
    with pytest.raises(cognito_emulator.admin.exceptions.NotAuthorizedException):
        cognito_emulator.admin.get_user(AccessToken=tokens.access_token)
    with pytest.raises(cognito_emulator.admin.exceptions.NotAuthorizedException):
        cognito_emulator.admin.initiate_auth(
            ClientId=user_pool.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens.refresh_token},
        )


@pytest.mark.cognito_pool(mfa="OPTIONAL")
async def test_totp_user_gets_the_challenge_and_the_kit_answers_it(
    user_pool: UserPool, cognito_user_factory: Any
) -> None:
    dana = cognito_user_factory("dana", totp=True)
    assert dana.totp_secret
    user, challenge = await sdk_sign_in(user_pool, "dana", dana.password)
    assert isinstance(challenge, Challenge) and challenge.name == "SOFTWARE_TOKEN_MFA"
    session = await user.send_mfa_code(dana.totp_code(), mfa_type="SOFTWARE_TOKEN_MFA")
    assert isinstance(session, CognitoUserSession)
    assert dana.sign_in().access_claims["username"] == "dana"  # the helper answers TOTP too
    user_pool.emulator.advance_clock(60)  # each code signs in once: later steps, new codes
    assert dana.sign_in().access_claims["username"] == "dana"


@pytest.mark.cognito_pool(mfa="ON")
def test_mfa_on_pool_sms_challenge_answered_from_the_outbox(
    user_pool: UserPool, cognito_user_factory: Any
) -> None:
    erin = cognito_user_factory("erin", phone_number="+15555550123")
    assert erin.totp_secret is None
    tokens = erin.sign_in()
    assert tokens.id_claims["phone_number"] == "+15555550123"
    assert len(user_pool.outbox("erin", kind="sms_mfa")) == 1


@pytest.mark.cognito_pool(mfa="ON")
async def test_mfa_on_pool_users_get_totp_set_up(
    user_pool: UserPool, cognito_user: PoolUser
) -> None:
    assert cognito_user.totp_secret
    user, challenge = await sdk_sign_in(user_pool, cognito_user.username, cognito_user.password)
    assert isinstance(challenge, Challenge) and challenge.name == "SOFTWARE_TOKEN_MFA"
    session = await user.send_mfa_code(cognito_user.totp_code(), mfa_type="SOFTWARE_TOKEN_MFA")
    assert isinstance(session, CognitoUserSession)


@pytest.mark.cognito_pool(username_attributes=["email"])
async def test_email_as_username(user_pool: UserPool, cognito_user_factory: Any) -> None:
    frank = cognito_user_factory("frank@example.com")
    assert frank.email == "frank@example.com"
    _, session = await sdk_sign_in(user_pool, "frank@example.com", frank.password)
    assert isinstance(session, CognitoUserSession)
    assert session.get_id_token().decode_payload()["email"] == "frank@example.com"


@pytest.mark.cognito_pool(password_policy={"MinimumLength": 16})
async def test_password_policy_marker(user_pool: UserPool) -> None:
    with pytest.raises(InvalidPasswordException):
        await user_pool.pool().sign_up("gina", "Short-Passw0rd!", {"email": "g@example.com"})
    await user_pool.pool().sign_up("gina", "Long-enough-Passw0rd!", {"email": "g@example.com"})


@pytest.mark.cognito_pool(mfa="OPTIONAL")
class TestMarkersNest:
    @pytest.mark.cognito_pool(access_token_minutes=5)
    def test_closest_marker_wins_and_markers_merge(
        self, user_pool: UserPool, cognito_emulator: CognitoEmulator
    ) -> None:
        pool = cognito_emulator.admin.describe_user_pool(UserPoolId=user_pool.user_pool_id)
        assert pool["UserPool"]["MfaConfiguration"] == "OPTIONAL"
        assert user_pool.client["AccessTokenValidity"] == 5


@pytest.mark.cognito_pool(device_tracking="always")
async def test_device_tracking(user_pool: UserPool, cognito_user: PoolUser) -> None:
    user, session = await sdk_sign_in(user_pool, cognito_user.username, cognito_user.password)
    assert isinstance(session, CognitoUserSession)
    assert user.device_key
    devices = user_pool.emulator.admin.list_devices(
        AccessToken=session.get_access_token().get_jwt_token()
    )
    assert [d["DeviceKey"] for d in devices["Devices"]] == [user.device_key]


def _answer_is_42(event: dict[str, Any]) -> dict[str, Any]:
    answer = event["request"].get("challengeAnswer")
    event["response"] = {"answerCorrect": answer == "42"}
    return event


@pytest.mark.cognito_pool(triggers=CustomAuthTriggers(verify=_answer_is_42))
async def test_custom_auth_triggers(user_pool: UserPool, cognito_user: PoolUser) -> None:
    pool = user_pool.pool()
    user = CognitoUser(cognito_user.username, pool)
    user.set_authentication_flow_type("CUSTOM_AUTH")
    challenge = await user.initiate_auth(AuthenticationDetails(cognito_user.username, ""))
    assert isinstance(challenge, Challenge) and challenge.name == "CUSTOM_CHALLENGE"
    challenge = await user.send_custom_challenge_answer("41")
    assert isinstance(challenge, Challenge)
    session = await user.send_custom_challenge_answer("42")
    assert isinstance(session, CognitoUserSession)


def test_advance_clock_expires_tokens_at_the_emulator(
    cognito_emulator: CognitoEmulator, cognito_user: PoolUser
) -> None:
    tokens = cognito_user.sign_in()
    assert cognito_emulator.admin.get_user(AccessToken=tokens.access_token)["Username"]
    cognito_emulator.advance_clock(3 * 3600)
    assert cognito_emulator.now() > time.time() + 3 * 3600 - 60
    with pytest.raises(cognito_emulator.admin.exceptions.NotAuthorizedException, match="xpired"):
        cognito_emulator.admin.get_user(AccessToken=tokens.access_token)


async def test_advance_clock_moves_the_sdk_clock_too(
    cognito_emulator: CognitoEmulator, user_pool: UserPool, cognito_user: PoolUser
) -> None:
    """The SDK judges expiry on the client: after advance_clock, a CognitoUserPool from
    user_pool.pool() sees the session expired and refreshes it (and stays at emulator time)."""
    user, session = await sdk_sign_in(user_pool, cognito_user.username, cognito_user.password)
    assert isinstance(session, CognitoUserSession)
    assert session.is_valid(user.pool.clock())
    cognito_emulator.advance_clock(2 * 3600)
    assert user.pool.clock() > time.time() + 2 * 3600 - 60
    assert not session.is_valid(user.pool.clock())
    refreshed = await user.get_session()
    assert (
        refreshed.get_access_token().get_jwt_token() != session.get_access_token().get_jwt_token()
    )
    assert refreshed.get_access_token().get_issued_at() > time.time() + 2 * 3600 - 60
    assert refreshed.is_valid(user.pool.clock())
    attributes = await user.get_user_attributes()  # the emulator accepts the new token
    assert {a.get_name(): a.get_value() for a in attributes}["email"] == cognito_user.email


def test_the_next_test_starts_at_real_time(cognito_emulator: CognitoEmulator) -> None:
    # Runs after the tests above, which moved the clock hours ahead.
    assert abs(cognito_emulator.now() - time.time()) < 60


def test_reset_forgets_everything(user_pool_factory: Any) -> None:
    with CognitoEmulator.running() as own:
        pool = own.create_user_pool()
        pool.create_user("henry")
        own.advance_clock(100)
        own.reset()
        assert own.admin.list_user_pools(MaxResults=60)["UserPools"] == []
        assert own.outbox() == []
        assert abs(own.now() - time.time()) < 60


def test_admin_client_answers_as_boto3_does(
    cognito_emulator: CognitoEmulator, user_pool: UserPool, cognito_user: PoolUser
) -> None:
    """The same calls through boto3 (botocore's serializer and error parser) and through
    .admin give the same data and the same error codes."""
    import boto3
    import botocore.exceptions

    real = boto3.client(
        "cognito-idp",
        endpoint_url=cognito_emulator.endpoint,
        region_name=cognito_emulator.region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    ours = cognito_emulator.admin
    args = {"UserPoolId": user_pool.user_pool_id, "Username": cognito_user.username}
    theirs = real.admin_get_user(**args)
    mine = ours.admin_get_user(**args)
    assert mine["UserAttributes"] == theirs["UserAttributes"]
    assert (mine["Username"], mine["UserStatus"]) == (theirs["Username"], theirs["UserStatus"])
    missing = {**args, "Username": "nobody"}
    with pytest.raises(botocore.exceptions.ClientError) as boto_error:
        real.admin_get_user(**missing)
    with pytest.raises(ours.exceptions.UserNotFoundException) as our_error:
        ours.admin_get_user(**missing)
    assert our_error.value.response["Error"] == boto_error.value.response["Error"]
    assert isinstance(our_error.value, ours.exceptions.ClientError)
    tokens = cognito_user.sign_in()
    ours.set_user_mfa_preference(  # SetUserMFAPreference: botocore's name for the operation
        AccessToken=tokens.access_token, SMSMfaSettings={"Enabled": False}
    )


def test_admin_method_names_map_to_every_cognito_operation() -> None:
    """Each boto3 method name of cognito-idp maps back to its operation (botocore's model)."""
    import botocore.session
    from botocore import xform_name

    from cognito_emulator.admin import operation_name

    model = botocore.session.get_session().get_service_model("cognito-idp")
    names = list(model.operation_names)
    assert len(names) > 100
    assert [operation_name(xform_name(op)) for op in names] == names


def test_users_join_groups_and_tokens_say_so(
    cognito_user_factory: Any, user_pool: UserPool
) -> None:
    eve = cognito_user_factory("eve", groups=["admins"])
    assert eve.sign_in().access_claims["cognito:groups"] == ["admins"]
    role = "arn:aws:iam::123456789012:role/auditors"
    user_pool.add_to_group("eve", "auditors", RoleArn=role, Precedence=0)
    ident = eve.sign_in().id_claims
    assert ident["cognito:groups"] == ["auditors", "admins"]  # precedence 0 first, unset last
    assert ident["cognito:preferred_role"] == role
