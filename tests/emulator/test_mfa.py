"""MFA challenges: SMS, TOTP, email, SELECT_MFA_TYPE, MFA_SETUP, NEW_PASSWORD_REQUIRED."""

from __future__ import annotations

import json

import pyotp
import pytest

from cognito_emulator.testing import EmulatorServer

from .conftest import PoolSetup
from .srp_client import Api, CognitoError, srp_sign_in

PASSWORD = "Passw0rd!"


def _tokens(setup: PoolSetup, name: str = "alice") -> dict[str, str]:
    return dict(
        srp_sign_in(setup.api, setup.pool_id, setup.client_id, name, PASSWORD)[
            "AuthenticationResult"
        ]
    )


def _totp_user(setup: PoolSetup) -> str:
    access = _tokens(setup)["AccessToken"]
    secret = setup.api("AssociateSoftwareToken", AccessToken=access)["SecretCode"]
    assert len(secret) >= 16
    with pytest.raises(CognitoError) as err:
        setup.api("VerifySoftwareToken", AccessToken=access, UserCode=pyotp.TOTP(secret).at(0))
    assert err.value.name == "EnableSoftwareTokenMFAException"
    assert (
        setup.api("VerifySoftwareToken", AccessToken=access, UserCode=pyotp.TOTP(secret).now())[
            "Status"
        ]
        == "SUCCESS"
    )
    setup.api(
        "SetUserMFAPreference",
        AccessToken=access,
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    return str(secret)


def test_sms_mfa(setup: PoolSetup) -> None:
    setup.server.create_user(setup.pool_id, "alice", PASSWORD, phone_number="+15550001234")
    access = _tokens(setup)["AccessToken"]
    setup.api(
        "SetUserSettings",
        AccessToken=access,
        MFAOptions=[{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}],
    )
    me = setup.api("GetUser", AccessToken=access)
    assert me["UserMFASettingList"] == ["SMS_MFA"]
    challenge = srp_sign_in(setup.api, setup.pool_id, setup.client_id, "alice", PASSWORD)
    assert challenge["ChallengeName"] == "SMS_MFA"
    assert challenge["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "+*******1234"
    code = setup.server.last_code("alice", "sms_mfa")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    answer = {
        "ChallengeName": "SMS_MFA",
        "ClientId": setup.client_id,
        "Session": challenge["Session"],
    }
    with pytest.raises(CognitoError) as err:
        setup.api(
            "RespondToAuthChallenge",
            **answer,
            ChallengeResponses={"USERNAME": "alice", "SMS_MFA_CODE": wrong},
        )
    assert err.value.name == "CodeMismatchException"
    out = setup.api(
        "RespondToAuthChallenge",
        **answer,
        ChallengeResponses={"USERNAME": "alice", "SMS_MFA_CODE": code},
    )
    assert "AccessToken" in out["AuthenticationResult"]
    with pytest.raises(CognitoError):  # the session and the code are used up
        setup.api(
            "RespondToAuthChallenge",
            **answer,
            ChallengeResponses={"USERNAME": "alice", "SMS_MFA_CODE": code},
        )


def test_totp_mfa(setup: PoolSetup) -> None:
    setup.server.create_user(setup.pool_id, "alice", PASSWORD)
    secret = _totp_user(setup)
    challenge = srp_sign_in(setup.api, setup.pool_id, setup.client_id, "alice", PASSWORD)
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    base = {
        "ChallengeName": "SOFTWARE_TOKEN_MFA",
        "ClientId": setup.client_id,
        "Session": challenge["Session"],
    }
    totp = pyotp.TOTP(secret)
    with pytest.raises(CognitoError) as err:
        setup.api(
            "RespondToAuthChallenge",
            **base,
            ChallengeResponses={
                "USERNAME": "alice",
                "SOFTWARE_TOKEN_MFA_CODE": totp.at(setup.server.emulator.now() - 600),
            },
        )
    assert err.value.name == "CodeMismatchException"
    out = setup.api(
        "RespondToAuthChallenge",
        **base,
        ChallengeResponses={"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": totp.now()},
    )
    assert "AuthenticationResult" in out


def test_select_mfa_type(setup: PoolSetup) -> None:
    setup.server.create_user(setup.pool_id, "alice", PASSWORD, phone_number="+15550001234")
    secret = _totp_user(setup)
    # Sign in (TOTP preferred) and enable SMS as well without preference.
    first = srp_sign_in(setup.api, setup.pool_id, setup.client_id, "alice", PASSWORD)
    access = setup.api(
        "RespondToAuthChallenge",
        ChallengeName="SOFTWARE_TOKEN_MFA",
        ClientId=setup.client_id,
        Session=first["Session"],
        ChallengeResponses={
            "USERNAME": "alice",
            "SOFTWARE_TOKEN_MFA_CODE": pyotp.TOTP(secret).now(),
        },
    )["AuthenticationResult"]["AccessToken"]
    setup.api(
        "SetUserMFAPreference",
        AccessToken=access,
        SMSMfaSettings={"Enabled": True, "PreferredMfa": False},
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": False},
    )
    challenge = srp_sign_in(setup.api, setup.pool_id, setup.client_id, "alice", PASSWORD)
    assert challenge["ChallengeName"] == "SELECT_MFA_TYPE"
    assert set(json.loads(challenge["ChallengeParameters"]["MFAS_CAN_CHOOSE"])) == {
        "SMS_MFA",
        "SOFTWARE_TOKEN_MFA",
    }
    sms = setup.api(
        "RespondToAuthChallenge",
        ChallengeName="SELECT_MFA_TYPE",
        ClientId=setup.client_id,
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "alice", "ANSWER": "SMS_MFA"},
    )
    assert sms["ChallengeName"] == "SMS_MFA"
    out = setup.api(
        "RespondToAuthChallenge",
        ChallengeName="SMS_MFA",
        ClientId=setup.client_id,
        Session=sms["Session"],
        ChallengeResponses={
            "USERNAME": "alice",
            "SMS_MFA_CODE": setup.server.last_code("alice", "sms_mfa"),
        },
    )
    assert "AuthenticationResult" in out


def test_email_otp(setup: PoolSetup) -> None:
    setup.server.create_user(setup.pool_id, "alice", PASSWORD, email="alice@example.com")
    access = _tokens(setup)["AccessToken"]
    setup.api(
        "SetUserMFAPreference",
        AccessToken=access,
        EmailMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    challenge = srp_sign_in(setup.api, setup.pool_id, setup.client_id, "alice", PASSWORD)
    assert challenge["ChallengeName"] == "EMAIL_OTP"
    out = setup.api(
        "RespondToAuthChallenge",
        ChallengeName="EMAIL_OTP",
        ClientId=setup.client_id,
        Session=challenge["Session"],
        ChallengeResponses={
            "USERNAME": "alice",
            "EMAIL_OTP_CODE": setup.server.last_code("alice", "email_mfa"),
        },
    )
    assert "AuthenticationResult" in out


def test_mfa_required_pool_mfa_setup(emulator: EmulatorServer) -> None:
    pool_id = emulator.create_pool(MfaConfiguration="ON")
    client_id = emulator.create_client(pool_id)
    emulator.create_user(pool_id, "alice", PASSWORD)
    api = Api(emulator.endpoint)
    challenge = srp_sign_in(api, pool_id, client_id, "alice", PASSWORD)
    assert challenge["ChallengeName"] == "MFA_SETUP"
    with pytest.raises(CognitoError):  # not verified yet
        api(
            "RespondToAuthChallenge",
            ChallengeName="MFA_SETUP",
            ClientId=client_id,
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": "alice"},
        )
    challenge = srp_sign_in(api, pool_id, client_id, "alice", PASSWORD)
    assoc = api("AssociateSoftwareToken", Session=challenge["Session"])
    with pytest.raises(CognitoError):  # the MFA_SETUP session was used up by Associate
        api("AssociateSoftwareToken", Session=challenge["Session"])
    verified = api(
        "VerifySoftwareToken",
        Session=assoc["Session"],
        UserCode=pyotp.TOTP(assoc["SecretCode"]).now(),
    )
    assert verified["Status"] == "SUCCESS"
    out = api(
        "RespondToAuthChallenge",
        ChallengeName="MFA_SETUP",
        ClientId=client_id,
        Session=verified["Session"],
        ChallengeResponses={"USERNAME": "alice"},
    )
    assert "AuthenticationResult" in out
    again = srp_sign_in(api, pool_id, client_id, "alice", PASSWORD)
    assert again["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def test_new_password_required(emulator: EmulatorServer) -> None:
    pool_id = emulator.create_pool()
    client_id = emulator.create_client(pool_id)
    emulator.call(
        "AdminCreateUser",
        {
            "UserPoolId": pool_id,
            "Username": "newbie",
            "UserAttributes": [{"Name": "email", "Value": "n@example.com"}],
        },
    )
    temp = emulator.last_code("newbie", "temporary_password")
    api = Api(emulator.endpoint)
    challenge = srp_sign_in(api, pool_id, client_id, "newbie", temp)
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    attrs = json.loads(challenge["ChallengeParameters"]["userAttributes"])
    assert attrs["email"] == "n@example.com"
    with pytest.raises(CognitoError) as err:
        api(
            "RespondToAuthChallenge",
            ChallengeName="NEW_PASSWORD_REQUIRED",
            ClientId=client_id,
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": "newbie", "NEW_PASSWORD": "weak"},
        )
    assert err.value.name == "InvalidPasswordException"
    challenge = srp_sign_in(api, pool_id, client_id, "newbie", temp)
    out = api(
        "RespondToAuthChallenge",
        ChallengeName="NEW_PASSWORD_REQUIRED",
        ClientId=client_id,
        Session=challenge["Session"],
        ChallengeResponses={
            "USERNAME": "newbie",
            "NEW_PASSWORD": "Final-Passw0rd!",
            "userAttributes.name": "New Bie",
        },
    )
    assert "AuthenticationResult" in out
    user = emulator.call("AdminGetUser", {"UserPoolId": pool_id, "Username": "newbie"})
    assert user["UserStatus"] == "CONFIRMED"
    assert {"Name": "name", "Value": "New Bie"} in user["UserAttributes"]
    srp_sign_in(api, pool_id, client_id, "newbie", "Final-Passw0rd!")
