"""Every CognitoUser / CognitoUserPool method end to end against the local emulator."""

from __future__ import annotations

import asyncio
from typing import Any

import pyotp
import pytest
from emulator_helpers import PASSWORD, Setup, make_setup

from amazon_cognito_identity import (
    AuthenticationDetails,
    Challenge,
    CodeMismatchException,
    CognitoUser,
    CognitoUserAttribute,
    CognitoUserSession,
    NotAuthenticatedError,
    NotAuthorizedException,
    UsernameExistsException,
)


def prefix(s: Setup) -> str:
    return f"CognitoIdentityServiceProvider.{s.client_id}"


def stored(s: Setup, storage: Any = None) -> dict[str, str]:
    return dict((storage or s.pool.storage)._data)


async def sign_in(
    s: Setup, username: str, password: str = PASSWORD, flow: str = "USER_SRP_AUTH", pool: Any = None
) -> CognitoUser:
    user = CognitoUser(username, pool or s.pool)
    user.set_authentication_flow_type(flow)
    result = await user.authenticate_user(AuthenticationDetails(username, password))
    assert isinstance(result, CognitoUserSession), result
    return user


# ---------------------------------------------------------------- sign-up


async def test_sign_up_confirm_resend_and_srp_sign_in(emu: Any) -> None:
    s = make_setup(emu, {"AutoVerifiedAttributes": ["email"]})
    res = await s.pool.sign_up(
        "alice", PASSWORD, [CognitoUserAttribute("email", "alice@example.com")]
    )
    assert res.user_confirmed is False and res.user_sub
    assert res.code_delivery_details and res.code_delivery_details["DeliveryMedium"] == "EMAIL"
    with pytest.raises(UsernameExistsException):
        await s.pool.sign_up("alice", PASSWORD, {"email": "alice@example.com"})

    first_code = emu.last_code("alice", "signup")
    resent = await res.user.resend_confirmation_code()
    assert resent["CodeDeliveryDetails"]["AttributeName"] == "email"
    code = emu.last_code("alice", "signup")
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(CodeMismatchException):
        await res.user.confirm_registration(wrong)
    if first_code != code:
        with pytest.raises(CodeMismatchException):
            await res.user.confirm_registration(first_code)  # replaced by the resend
    assert await res.user.confirm_registration(code) == "SUCCESS"

    user = await sign_in(s, "alice")
    session = user.get_sign_in_user_session()
    assert session is not None and session.is_valid()
    assert user.get_username() == "alice"
    assert session.get_id_token().decode_payload()["email"] == "alice@example.com"
    st = stored(s)
    assert st[f"{prefix(s)}.LastAuthUser"] == "alice"
    assert st[f"{prefix(s)}.alice.idToken"] == session.get_id_token().get_jwt_token()
    assert int(st[f"{prefix(s)}.alice.clockDrift"]) in (-1, 0, 1)


async def test_wrong_password_and_unknown_user_write_nothing(emu: Any) -> None:
    s = make_setup(emu)
    emu.create_user(s.pool_id, "bob", PASSWORD)
    for flow in ("USER_SRP_AUTH", "USER_PASSWORD_AUTH"):
        user = CognitoUser("bob", s.pool)
        user.set_authentication_flow_type(flow)
        with pytest.raises(NotAuthorizedException):
            await user.authenticate_user(AuthenticationDetails("bob", "Wrong-Passw0rd"))
        assert stored(s) == {}
        assert user.get_sign_in_user_session() is None
    await sign_in(s, "bob", flow="USER_PASSWORD_AUTH")


async def test_srp_username_becomes_user_id_for_srp_with_email_alias(emu: Any) -> None:
    s = make_setup(emu, {"UsernameAttributes": ["email"], "AutoVerifiedAttributes": ["email"]})
    res = await s.pool.sign_up("carol@example.com", PASSWORD, {"email": "carol@example.com"})
    internal = emu.outbox()[-1]["username"]
    await res.user.confirm_registration(emu.last_code(internal, "signup"))
    user = await sign_in(s, "carol@example.com")
    assert user.get_username() == internal != "carol@example.com"
    assert stored(s)[f"{prefix(s)}.LastAuthUser"] == internal
    current = s.pool.get_current_user()
    assert current is not None
    session = await current.get_session()
    assert session.get_id_token().decode_payload()["email"] == "carol@example.com"


# ---------------------------------------------------------------- custom auth


async def test_custom_auth_with_srp_and_without(emu: Any) -> None:
    s = make_setup(emu, {"EmulatorCustomAuthAnswer": "42"})
    emu.create_user(s.pool_id, "dave", PASSWORD)
    user = CognitoUser("dave", s.pool)
    user.set_authentication_flow_type("CUSTOM_AUTH")
    assert user.get_authentication_flow_type() == "CUSTOM_AUTH"
    challenge = await user.authenticate_user(AuthenticationDetails("dave", PASSWORD))
    assert isinstance(challenge, Challenge) and challenge.name == "CUSTOM_CHALLENGE"
    again = await user.send_custom_challenge_answer("wrong")
    assert isinstance(again, Challenge) and again.name == "CUSTOM_CHALLENGE"
    session = await user.send_custom_challenge_answer("42")
    assert isinstance(session, CognitoUserSession)

    other = CognitoUser("dave", s.sdk_pool())
    challenge = await other.initiate_auth(AuthenticationDetails({"Username": "dave"}))
    assert isinstance(challenge, Challenge) and challenge.name == "CUSTOM_CHALLENGE"
    assert isinstance(await other.send_custom_challenge_answer("42"), CognitoUserSession)


# ---------------------------------------------------------------- MFA


async def test_sms_mfa_enable_disable_options_with_js_style_handler(emu: Any) -> None:
    s = make_setup(emu, {"MfaConfiguration": "OPTIONAL"})
    emu.create_user(s.pool_id, "erin", PASSWORD, phone_number="+15550001111")
    user = await sign_in(s, "erin")
    assert await user.enable_mfa() == "SUCCESS"
    options = await user.get_mfa_options()
    assert options == [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]
    await user.sign_out()

    # JS style: a sync handler answers with user.send_mfa_code(code, self).
    user = CognitoUser("erin", s.pool)
    done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    seen: list[str] = []

    class Handler:
        def on_success(self, session: CognitoUserSession) -> None:
            done.set_result(session)

        def on_failure(self, err: Exception) -> None:
            done.set_exception(err)

        def mfa_required(self, name: str, params: dict[str, Any]) -> None:
            seen.append(params["CODE_DELIVERY_DESTINATION"])
            user.send_mfa_code(emu.last_code("erin", "sms_mfa"), self)

    user.authenticate_user(AuthenticationDetails("erin", PASSWORD), Handler())
    session = await asyncio.wait_for(done, 10)
    assert session.is_valid() and seen and seen[0].endswith("1111")

    assert await user.disable_mfa() == "SUCCESS"
    assert not await user.get_mfa_options()
    await user.sign_out()
    await sign_in(s, "erin")  # no MFA any more


async def test_totp_setup_preference_select_and_sign_in(emu: Any) -> None:
    s = make_setup(emu, {"MfaConfiguration": "OPTIONAL"})
    emu.create_user(s.pool_id, "fay", PASSWORD, phone_number="+15550002222")
    user = await sign_in(s, "fay")
    secret = await user.associate_software_token()
    totp = pyotp.TOTP(secret)
    with pytest.raises(Exception) as info:
        await user.verify_software_token("000000" if totp.now() != "000000" else "111111", "x")
    assert info.value.code in ("EnableSoftwareTokenMFAException", "CodeMismatchException")
    answer = await user.verify_software_token(totp.now(), "My phone")
    assert answer["Status"] == "SUCCESS"
    assert (
        await user.set_user_mfa_preference(
            {"Enabled": True, "PreferredMfa": False}, {"Enabled": True, "PreferredMfa": False}
        )
        == "SUCCESS"
    )
    await user.sign_out()

    # Both enabled, none preferred: SELECT_MFA_TYPE.
    user = CognitoUser("fay", s.pool)
    challenge = await user.authenticate_user(AuthenticationDetails("fay", PASSWORD))
    assert isinstance(challenge, Challenge) and challenge.name == "SELECT_MFA_TYPE"
    totp_challenge = await user.send_mfa_selection_answer("SOFTWARE_TOKEN_MFA")
    assert isinstance(totp_challenge, Challenge)
    assert totp_challenge.name == "SOFTWARE_TOKEN_MFA"
    session = await user.send_mfa_code(totp.now(), None, "SOFTWARE_TOKEN_MFA")
    assert isinstance(session, CognitoUserSession)

    assert (
        await user.set_user_mfa_preference(None, {"Enabled": True, "PreferredMfa": True})
        == "SUCCESS"
    )
    await user.sign_out()
    user = CognitoUser("fay", s.pool)
    challenge = await user.authenticate_user(AuthenticationDetails("fay", PASSWORD))
    assert isinstance(challenge, Challenge) and challenge.name == "SOFTWARE_TOKEN_MFA"
    with pytest.raises(CodeMismatchException):
        await user.send_mfa_code("000000" if totp.now() != "000000" else "111111")
    assert stored(s).get(f"{prefix(s)}.fay.idToken") is None


async def test_mfa_setup_during_sign_in(emu: Any) -> None:
    s = make_setup(emu, {"MfaConfiguration": "ON"})
    emu.create_user(s.pool_id, "gus", PASSWORD)
    user = CognitoUser("gus", s.pool)
    done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    class Handler:
        def mfa_setup(self, name: str, params: dict[str, Any]) -> None:
            user.associate_software_token(self)

        def associate_secret_code(self, secret: str) -> None:
            user.verify_software_token(pyotp.TOTP(secret).now(), "phone", self)

        def on_success(self, session: CognitoUserSession) -> None:
            done.set_result(session)

        def on_failure(self, err: Exception) -> None:
            done.set_exception(err)

    user.authenticate_user(AuthenticationDetails("gus", PASSWORD), Handler())
    session = await asyncio.wait_for(done, 10)
    assert isinstance(session, CognitoUserSession) and session.is_valid()
    assert stored(s)[f"{prefix(s)}.LastAuthUser"] == "gus"


async def test_new_password_required(emu: Any) -> None:
    s = make_setup(emu)
    emu.call(
        "AdminCreateUser",
        {
            "UserPoolId": s.pool_id,
            "Username": "hal",
            "TemporaryPassword": "Temp-Passw0rd",
            "MessageAction": "SUPPRESS",
            "UserAttributes": [{"Name": "email", "Value": "h@x.io"}],
        },
    )
    user = CognitoUser("hal", s.pool)
    challenge = await user.authenticate_user(AuthenticationDetails("hal", "Temp-Passw0rd"))
    assert isinstance(challenge, Challenge) and challenge.name == "NEW_PASSWORD_REQUIRED"
    assert challenge.user_attributes and challenge.user_attributes["email"] == "h@x.io"
    assert challenge.required_attributes == []
    session = await user.complete_new_password_challenge("Final-Passw0rd", {"name": "Hal"})
    assert isinstance(session, CognitoUserSession)
    await sign_in(s, "hal", "Final-Passw0rd", pool=s.sdk_pool())


# ---------------------------------------------------------------- attributes


async def test_attributes_and_verification(emu: Any) -> None:
    s = make_setup(emu)
    emu.create_user(s.pool_id, "ida", PASSWORD, email="ida@example.com")
    user = await sign_in(s, "ida")
    attrs = {a.get_name(): a.get_value() for a in await user.get_user_attributes()}
    assert attrs["email"] == "ida@example.com"
    data = await user.get_user_data()
    assert data["Username"] == "ida"
    assert f"{prefix(s)}.ida.userData" in stored(s)

    assert (
        await user.update_attributes(
            [CognitoUserAttribute("name", "Ida"), CognitoUserAttribute("email", "new@example.com")]
        )
        == "SUCCESS"
    )
    attrs = {a.get_name(): a.get_value() for a in await user.get_user_attributes()}
    assert attrs["name"] == "Ida" and attrs["email"] == "new@example.com"
    cached = (await user.get_user_data())["UserAttributes"]
    assert {"Name": "name", "Value": "Ida"} in cached  # cache refreshed by update

    details = await user.get_attribute_verification_code("email")
    assert details["CodeDeliveryDetails"]["AttributeName"] == "email"
    code = emu.last_code("ida", "verify_email")
    with pytest.raises(CodeMismatchException):
        await user.verify_attribute("email", "000000" if code != "000000" else "111111")
    assert await user.verify_attribute("email", code) == "SUCCESS"
    attrs = {a.get_name(): a.get_value() for a in await user.get_user_attributes()}
    assert attrs["email_verified"] == "true"

    assert await user.delete_attributes(["name"]) == "SUCCESS"
    attrs = {a.get_name(): a.get_value() for a in await user.get_user_attributes()}
    assert "name" not in attrs


# ---------------------------------------------------------------- password and account


async def test_change_forgot_confirm_password_and_delete_user(emu: Any) -> None:
    s = make_setup(emu)
    emu.create_user(s.pool_id, "jay", PASSWORD, email="jay@example.com")
    user = await sign_in(s, "jay")
    with pytest.raises(NotAuthorizedException):
        await user.change_password("Wrong-Passw0rd", "Other-Passw0rd")
    assert await user.change_password(PASSWORD, "Second-Passw0rd") == "SUCCESS"
    await sign_in(s, "jay", "Second-Passw0rd", pool=s.sdk_pool())

    anon = CognitoUser("jay", s.sdk_pool())
    got: list[Any] = []
    await anon.forgot_password({"input_verification_code": got.append, "on_failure": got.append})
    assert got and got[0]["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    code = emu.last_code("jay", "forgot_password")
    with pytest.raises(CodeMismatchException):
        await anon.confirm_password("000000" if code != "000000" else "111111", "Third-Passw0rd")
    assert await anon.confirm_password(code, "Third-Passw0rd") == "SUCCESS"
    await sign_in(s, "jay", "Third-Passw0rd", pool=s.sdk_pool())

    user = await sign_in(s, "jay", "Third-Passw0rd")
    assert await user.delete_user() == "SUCCESS"
    assert not any(k.startswith(f"{prefix(s)}.jay.") for k in stored(s))
    with pytest.raises(Exception) as info:
        await sign_in(s, "jay", "Third-Passw0rd", pool=s.sdk_pool())
    assert info.value.code in ("UserNotFoundException", "NotAuthorizedException")


# ---------------------------------------------------------------- sessions


async def test_get_session_from_storage_and_refresh(emu: Any) -> None:
    s = make_setup(emu)
    emu.create_user(s.pool_id, "kim", PASSWORD)
    user = await sign_in(s, "kim")
    first = user.get_sign_in_user_session()
    assert first is not None
    # A new object on the same storage finds the session without a request.
    before = len(s.transport.sent)
    current = s.pool.get_current_user()
    assert current is not None
    assert (await current.get_session()).get_access_token().get_jwt_token() == (
        first.get_access_token().get_jwt_token()
    )
    assert len(s.transport.sent) == before
    refreshed = await user.refresh_session(first.get_refresh_token())
    assert refreshed.get_refresh_token().get_token() == first.get_refresh_token().get_token()
    assert s.transport.count("InitiateAuth", "REFRESH_TOKEN_AUTH") == 1
    assert stored(s)[f"{prefix(s)}.kim.accessToken"] == (
        refreshed.get_access_token().get_jwt_token()
    )


async def test_fifty_concurrent_get_session_on_expired_session_one_refresh(emu: Any) -> None:
    s = make_setup(emu)
    emu.create_user(s.pool_id, "lee", PASSWORD)
    await sign_in(s, "lee")
    # Make the cached session look expired: the local clock 2 h behind the service's.
    s.pool.storage.set_item(f"{prefix(s)}.lee.clockDrift", "-7200")
    users = [s.pool.get_current_user() for _ in range(50)]
    assert all(u is not None for u in users)
    sessions = await asyncio.gather(*[u.get_session() for u in users if u])
    assert s.transport.count("InitiateAuth", "REFRESH_TOKEN_AUTH") == 1
    assert len({x.get_access_token().get_jwt_token() for x in sessions}) == 1
    assert sessions[0].is_valid()
    assert stored(s)[f"{prefix(s)}.lee.clockDrift"] != "-7200"


async def test_expired_refresh_token_raises_and_clears(emu: Any) -> None:
    s = make_setup(emu)
    emu.create_user(s.pool_id, "max", PASSWORD)
    user = await sign_in(s, "max")
    session = user.get_sign_in_user_session()
    assert session is not None
    emu.emulator.advance_clock(31 * 86400)
    try:
        with pytest.raises(NotAuthorizedException):
            await user.refresh_session(session.get_refresh_token())
    finally:
        emu.emulator.advance_clock(-31 * 86400)
    assert not any(k.startswith(f"{prefix(s)}.max.") and "Token" in k for k in stored(s))
    assert s.pool.get_current_user() is None
    with pytest.raises(NotAuthenticatedError):
        await CognitoUser("max", s.pool).get_session()


# ---------------------------------------------------------------- sign-out


async def test_sign_out_revokes_and_global_sign_out(emu: Any) -> None:
    s = make_setup(emu)
    emu.create_user(s.pool_id, "ned", PASSWORD)
    user = await sign_in(s, "ned")
    session = user.get_sign_in_user_session()
    assert session is not None
    await user.sign_out()
    assert s.transport.count("RevokeToken") == 1
    assert s.pool.get_current_user() is None
    with pytest.raises(NotAuthorizedException):
        await CognitoUser("ned", s.sdk_pool()).refresh_session(session.get_refresh_token())

    user = await sign_in(s, "ned")
    other = await sign_in(s, "ned", pool=s.sdk_pool())
    assert await user.global_sign_out() == "SUCCESS"
    assert s.pool.get_current_user() is None
    other_session = other.get_sign_in_user_session()
    assert other_session is not None
    with pytest.raises(NotAuthorizedException):
        await other.get_user_attributes()  # access token revoked everywhere


# ---------------------------------------------------------------- devices


async def test_devices_remembered_and_device_srp(emu: Any) -> None:
    s = make_setup(
        emu,
        {
            "DeviceConfiguration": {
                "ChallengeRequiredOnNewDevice": True,
                "DeviceOnlyRememberedOnUserPrompt": True,
            }
        },
    )
    emu.create_user(s.pool_id, "ola", PASSWORD)
    user = await sign_in(s, "ola")
    assert s.transport.count("ConfirmDevice") == 1
    p = prefix(s)
    st = stored(s)
    device_key = st[f"{p}.ola.deviceKey"]
    assert st[f"{p}.ola.deviceGroupKey"] and st[f"{p}.ola.randomPasswordKey"]
    assert user.device_key == device_key

    device = await user.get_device()
    assert device["Device"]["DeviceKey"] == device_key
    listed = await user.list_devices(10, None)
    assert [d["DeviceKey"] for d in listed["Devices"]] == [device_key]
    assert await user.set_device_status_remembered() == "SUCCESS"
    await user.sign_out()
    assert stored(s)[f"{p}.ola.deviceKey"] == device_key  # device keys survive sign-out

    # Next sign-in uses the device keys: DEVICE_SRP_AUTH + DEVICE_PASSWORD_VERIFIER.
    again = await sign_in(s, "ola")
    assert s.transport.count("RespondToAuthChallenge", "DEVICE_SRP_AUTH") == 1
    assert s.transport.count("RespondToAuthChallenge", "DEVICE_PASSWORD_VERIFIER") == 1
    assert s.transport.count("ConfirmDevice") == 1  # not a new device

    assert await again.set_device_status_not_remembered() == "SUCCESS"
    status = await again.get_device()
    attrs = {a["Name"]: a["Value"] for a in status["Device"]["DeviceAttributes"]}
    assert attrs["dev:device_remembered_status"] == "not_remembered"
    assert await again.forget_device() == "SUCCESS"
    assert f"{p}.ola.deviceKey" not in stored(s)
    assert (await again.list_devices(10))["Devices"] == []


async def test_forget_specific_device_and_wrong_device_password(emu: Any) -> None:
    s = make_setup(
        emu,
        {
            "DeviceConfiguration": {
                "ChallengeRequiredOnNewDevice": False,
                "DeviceOnlyRememberedOnUserPrompt": False,
            }
        },
    )
    emu.create_user(s.pool_id, "pia", PASSWORD)
    a = await sign_in(s, "pia")
    b = await sign_in(s, "pia", pool=s.sdk_pool())
    assert a.device_key and b.device_key and a.device_key != b.device_key
    assert await a.forget_specific_device(b.device_key) == "SUCCESS"
    keys = [d["DeviceKey"] for d in (await a.list_devices(10))["Devices"]]
    assert keys == [a.device_key]


# ---------------------------------------------------------------- client secret


async def test_client_with_secret(emu: Any) -> None:
    s = make_setup(emu, {"AutoVerifiedAttributes": ["email"]}, {"GenerateSecret": True})
    secret = emu.call("DescribeUserPoolClient", {"UserPoolId": s.pool_id, "ClientId": s.client_id})[
        "UserPoolClient"
    ]["ClientSecret"]
    no_secret = s.sdk_pool()
    with pytest.raises(NotAuthorizedException):
        await no_secret.sign_up("quinn", PASSWORD, {"email": "q@example.com"})
    pool = s.sdk_pool(client_secret=secret)
    res = await pool.sign_up("quinn", PASSWORD, {"email": "q@example.com"})
    await res.user.confirm_registration(emu.last_code("quinn", "signup"))
    for flow in ("USER_SRP_AUTH", "USER_PASSWORD_AUTH"):
        user = await sign_in(s, "quinn", flow=flow, pool=pool)
    session = user.get_sign_in_user_session()
    assert session is not None
    assert (await user.refresh_session(session.get_refresh_token())).is_valid()
    await user.forgot_password()
    await user.confirm_password(emu.last_code("quinn", "forgot_password"), "Another-Passw0rd")
    await sign_in(s, "quinn", "Another-Passw0rd", pool=pool)


async def test_user_context_data_is_accepted(emu: Any) -> None:
    class AdvancedSecurityData:  # what the page's AmazonCognitoAdvancedSecurityData offers
        def __init__(self) -> None:
            self.calls: list[tuple[str, str, str]] = []

        def getData(self, username: str, pool_id: str, client_id: str) -> str:
            self.calls.append((username, pool_id, client_id))
            return "eyJhc2YiOiJkYXRhIn0="

    s = make_setup(emu, {"AutoVerifiedAttributes": ["email"]})
    asf = AdvancedSecurityData()
    pool = s.sdk_pool(advanced_security_data=asf)
    assert pool.get_user_context_data("rae") == {"EncodedData": "eyJhc2YiOiJkYXRhIn0="}
    res = await pool.sign_up("rae", PASSWORD, {"email": "r@example.com"})
    await res.user.confirm_registration(emu.last_code("rae", "signup"))
    await sign_in(s, "rae", pool=pool)
    assert {c[0] for c in asf.calls} == {"rae"}
    assert {c[1:] for c in asf.calls} == {(s.pool_id, s.client_id)}
    off = s.sdk_pool(advanced_security_data=asf, advanced_security_data_collection_flag=False)
    assert off.get_user_context_data("rae") is None


async def test_forgotten_device_is_dropped_and_sign_in_retried(emu: Any) -> None:
    s = make_setup(
        emu,
        {
            "DeviceConfiguration": {
                "ChallengeRequiredOnNewDevice": False,
                "DeviceOnlyRememberedOnUserPrompt": False,
            }
        },
    )
    emu.create_user(s.pool_id, "sam", PASSWORD)
    user = await sign_in(s, "sam")
    old_key = user.device_key
    assert old_key
    # Another session forgets this device on the service; the keys stay in our storage.
    other = await sign_in(s, "sam", pool=s.sdk_pool())
    await other.forget_specific_device(old_key)
    assert stored(s)[f"{prefix(s)}.sam.deviceKey"] == old_key
    before = s.transport.count("RespondToAuthChallenge", "PASSWORD_VERIFIER")
    again = await sign_in(s, "sam")
    # PASSWORD_VERIFIER with the stale DEVICE_KEY, then once more without it.
    assert s.transport.count("RespondToAuthChallenge", "PASSWORD_VERIFIER") == before + 2
    assert again.device_key and again.device_key != old_key  # a new device was confirmed
    assert stored(s)[f"{prefix(s)}.sam.deviceKey"] == again.device_key
