"""Challenge.fields / Challenge.delivery and CognitoUser.answer, over a scripted service.

Every challenge of the DESIGN table: what a UI renders (fields, delivery) and what answering
the fields sends; the pool's clock is the SDK's only "now".
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from flows_helpers import CLIENT_ID, POOL_ID, FakeCognito, auth_result

from amazon_cognito_identity import (
    AuthenticationDetails,
    Challenge,
    Choice,
    CodeDelivery,
    CognitoUser,
    CognitoUserPool,
    CognitoUserSession,
    Field,
    InvalidParameterError,
    MemoryStorage,
    MockTransport,
)

PASSWORD_FLOW = "USER_PASSWORD_AUTH"


def challenge(name: str, params: dict[str, Any], session: str = "s1") -> dict[str, Any]:
    return {"ChallengeName": name, "ChallengeParameters": params, "Session": session}


async def start(pool: CognitoUserPool, fake: FakeCognito, first: dict[str, Any]) -> Any:
    fake.routes["InitiateAuth"] = lambda b: first
    user = CognitoUser("bob", pool)
    user.set_authentication_flow_type(PASSWORD_FLOW)
    result = await user.authenticate_user(AuthenticationDetails("bob", "pw"))
    return user, result


def responses(fake: FakeCognito) -> list[dict[str, Any]]:
    return [b["ChallengeResponses"] for b in fake.bodies("RespondToAuthChallenge")]


@pytest.mark.parametrize(
    ("name", "key", "medium"),
    [
        ("SMS_MFA", None, "SMS"),
        ("SOFTWARE_TOKEN_MFA", "SOFTWARE_TOKEN_MFA_CODE", "TOTP"),
        ("EMAIL_OTP", "EMAIL_OTP_CODE", "EMAIL"),
        ("SMS_OTP", "SMS_OTP_CODE", "SMS"),
    ],
)
async def test_code_challenges(
    pool: CognitoUserPool, fake: FakeCognito, name: str, key: str | None, medium: str
) -> None:
    params = {"USER_ID_FOR_SRP": "bob"}
    if medium != "TOTP":
        params["CODE_DELIVERY_DELIVERY_MEDIUM"] = medium
        params["CODE_DELIVERY_DESTINATION"] = "+*******1234" if medium == "SMS" else "b***@x.io"
    user, result = await start(pool, fake, challenge(name, params))
    assert isinstance(result, Challenge) and result.name == name
    assert result.fields == (
        Field("code", "code", "Code", autocomplete="one-time-code", input_mode="numeric"),
    )
    assert result.delivery == CodeDelivery(medium, params.get("CODE_DELIVERY_DESTINATION"))
    fake.routes["RespondToAuthChallenge"] = lambda b: {"AuthenticationResult": auth_result()}
    session = await user.answer({"code": "123456"}, {"meta": "1"})
    assert isinstance(session, CognitoUserSession)
    body = fake.bodies("RespondToAuthChallenge")[0]
    assert body["ChallengeName"] == name and body["Session"] == "s1"
    assert body["ClientMetadata"] == {"meta": "1"}
    expected = {"USERNAME": "bob", "SMS_MFA_CODE": "123456"}
    if key:
        expected[key] = "123456"
    assert body["ChallengeResponses"] == expected
    assert user.challenge is None


async def test_code_challenge_refuses_missing_and_unknown_values(
    pool: CognitoUserPool, fake: FakeCognito
) -> None:
    user, _ = await start(pool, fake, challenge("SMS_MFA", {}))
    with pytest.raises(InvalidParameterError, match="code"):
        await user.answer({})
    with pytest.raises(InvalidParameterError, match="code"):
        await user.answer({"code": ""})
    with pytest.raises(InvalidParameterError, match="no field pin"):
        await user.answer({"pin": "1"})
    assert fake.bodies("RespondToAuthChallenge") == []


async def test_answer_without_challenge_is_refused(pool: CognitoUserPool) -> None:
    with pytest.raises(InvalidParameterError, match="no challenge"):
        await CognitoUser("bob", pool).answer({"code": "1"})


async def test_select_mfa_type_offers_the_pools_choices(
    pool: CognitoUserPool, fake: FakeCognito
) -> None:
    mfas = json.dumps(["SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP"])
    user, result = await start(pool, fake, challenge("SELECT_MFA_TYPE", {"MFAS_CAN_CHOOSE": mfas}))
    (field,) = result.fields
    assert (field.name, field.kind) == ("mfa_type", "choice")
    assert [c.value for c in field.choices] == ["SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]
    assert all(isinstance(c, Choice) and c.label for c in field.choices)
    assert result.delivery is None
    with pytest.raises(InvalidParameterError, match="not one of"):
        await user.answer({"mfa_type": "VOICE"})
    fake.routes["RespondToAuthChallenge"] = lambda b: challenge("SOFTWARE_TOKEN_MFA", {}, "s2")
    nxt = await user.answer({"mfa_type": "SOFTWARE_TOKEN_MFA"})
    assert isinstance(nxt, Challenge) and nxt.name == "SOFTWARE_TOKEN_MFA"
    assert nxt.delivery == CodeDelivery("TOTP", None)
    assert responses(fake) == [{"USERNAME": "bob", "ANSWER": "SOFTWARE_TOKEN_MFA"}]
    assert user.challenge is nxt


async def test_new_password_required_fields_per_required_attribute(
    pool: CognitoUserPool, fake: FakeCognito
) -> None:
    params = {
        "userAttributes": json.dumps({"email": "b@x.io"}),
        "requiredAttributes": json.dumps(["userAttributes.name", "userAttributes.custom:team"]),
    }
    user, result = await start(pool, fake, challenge("NEW_PASSWORD_REQUIRED", params))
    assert [(f.name, f.kind) for f in result.fields] == [
        ("new_password", "new_password"),
        ("name", "attribute"),
        ("custom:team", "attribute"),
    ]
    assert result.fields[0].autocomplete == "new-password"
    assert result.required_attributes == ["name", "custom:team"]
    assert result.user_attributes == {"email": "b@x.io"}
    with pytest.raises(InvalidParameterError, match="custom:team"):
        await user.answer({"new_password": "N3w!pass", "name": "Bob"})
    fake.routes["RespondToAuthChallenge"] = lambda b: {"AuthenticationResult": auth_result()}
    values = {"new_password": "N3w!pass", "name": "Bob", "custom:team": "blue", "nickname": "b"}
    assert isinstance(await user.answer(values), CognitoUserSession)
    assert responses(fake) == [
        {
            "USERNAME": "bob",
            "NEW_PASSWORD": "N3w!pass",
            "userAttributes.name": "Bob",
            "userAttributes.custom:team": "blue",
            "userAttributes.nickname": "b",
        }
    ]


async def test_custom_challenge_answer_field(pool: CognitoUserPool, fake: FakeCognito) -> None:
    user, result = await start(pool, fake, challenge("CUSTOM_CHALLENGE", {"question": "2+2"}))
    assert [(f.name, f.kind) for f in result.fields] == [("answer", "text")]
    assert result.parameters == {"question": "2+2"}
    fake.routes["RespondToAuthChallenge"] = lambda b: challenge("CUSTOM_CHALLENGE", {}, "s2")
    again = await user.answer({"answer": "4"})
    assert isinstance(again, Challenge) and again.name == "CUSTOM_CHALLENGE"
    assert responses(fake) == [{"USERNAME": "bob", "ANSWER": "4"}]
    assert fake.bodies("RespondToAuthChallenge")[0]["Session"] == "s1"


async def test_mfa_setup_totp_only_associates_and_shows_the_secret(
    pool: CognitoUserPool, fake: FakeCognito
) -> None:
    fake.routes["AssociateSoftwareToken"] = lambda b: {
        "SecretCode": "JBSWY3DPEHPK3PXP",
        "Session": "s2",
    }
    params = {"MFAS_CAN_SETUP": json.dumps(["SMS_MFA", "SOFTWARE_TOKEN_MFA"])}
    user, result = await start(pool, fake, challenge("MFA_SETUP", params))
    assert fake.bodies("AssociateSoftwareToken") == [{"Session": "s1"}]
    assert [(f.name, f.kind, f.required) for f in result.fields] == [
        ("secret", "secret", False),
        ("code", "code", True),
        ("device_name", "text", False),
    ]
    secret = result.fields[0]
    assert secret.value == "JBSWY3DPEHPK3PXP"
    assert secret.uri == "otpauth://totp/bob?secret=JBSWY3DPEHPK3PXP"
    assert result.delivery == CodeDelivery("TOTP", None)
    # The legacy JS call gives the same secret without another request.
    assert await user.associate_software_token() == "JBSWY3DPEHPK3PXP"
    assert len(fake.bodies("AssociateSoftwareToken")) == 1
    fake.routes["VerifySoftwareToken"] = lambda b: {"Status": "SUCCESS", "Session": "s3"}
    fake.routes["RespondToAuthChallenge"] = lambda b: {"AuthenticationResult": auth_result()}
    session = await user.answer({"code": "123456", "device_name": "Phone"})
    assert isinstance(session, CognitoUserSession)
    assert fake.bodies("VerifySoftwareToken") == [
        {"Session": "s2", "UserCode": "123456", "FriendlyDeviceName": "Phone"}
    ]
    body = fake.bodies("RespondToAuthChallenge")[0]
    assert (body["ChallengeName"], body["Session"]) == ("MFA_SETUP", "s3")
    assert body["ChallengeResponses"] == {"USERNAME": "bob"}


async def test_mfa_setup_choice_then_email(pool: CognitoUserPool, fake: FakeCognito) -> None:
    params = {"MFAS_CAN_SETUP": json.dumps(["SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP"])}
    user, result = await start(pool, fake, challenge("MFA_SETUP", params))
    (field,) = result.fields
    assert field.name == "mfa_type"
    assert [c.value for c in field.choices] == ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]
    assert fake.ops() == ["InitiateAuth"]  # nothing associated before the user picks
    email_step = await user.answer({"mfa_type": "EMAIL_OTP"})
    assert isinstance(email_step, Challenge) and email_step.name == "MFA_SETUP"
    assert [(f.name, f.kind) for f in email_step.fields] == [("email", "attribute")]
    assert fake.ops() == ["InitiateAuth"]
    fake.routes["RespondToAuthChallenge"] = lambda b: challenge(
        "EMAIL_OTP",
        {"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": "b***@x.io"},
        "s2",
    )
    otp = await user.answer({"email": "bob@x.io"})
    assert isinstance(otp, Challenge) and otp.name == "EMAIL_OTP"
    assert otp.delivery == CodeDelivery("EMAIL", "b***@x.io")
    assert responses(fake) == [{"USERNAME": "bob", "EMAIL": "bob@x.io"}]
    assert fake.bodies("RespondToAuthChallenge")[0]["ChallengeName"] == "MFA_SETUP"


async def test_mfa_setup_choice_then_totp(pool: CognitoUserPool, fake: FakeCognito) -> None:
    params = {"MFAS_CAN_SETUP": json.dumps(["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"])}
    user, _ = await start(pool, fake, challenge("MFA_SETUP", params))
    fake.routes["AssociateSoftwareToken"] = lambda b: {"SecretCode": "ABC", "Session": "s2"}
    step = await user.answer({"mfa_type": "SOFTWARE_TOKEN_MFA"})
    assert isinstance(step, Challenge)
    assert [f.name for f in step.fields] == ["secret", "code", "device_name"]
    assert step.fields[0].value == "ABC"


def test_challenge_built_by_hand_is_described() -> None:
    c = Challenge("SMS_MFA", {"CODE_DELIVERY_DESTINATION": "+***9"})
    assert c.delivery == CodeDelivery("SMS", "+***9")
    assert [f.name for f in c.fields] == ["code"]
    unknown = Challenge("SOMETHING_NEW", {})
    assert unknown.fields == () and unknown.delivery is None


# ---- the pool's clock -----------------------------------------------------------------


def clocked_pool(fake: FakeCognito, now: list[float]) -> CognitoUserPool:
    return CognitoUserPool(
        user_pool_id=POOL_ID,
        client_id=CLIENT_ID,
        storage=MemoryStorage(),
        transport=MockTransport(fake),
        clock=lambda: now[0],
    )


async def test_clock_drives_session_validity_and_refresh(fake: FakeCognito) -> None:
    now = [1_000_000.0]
    pool = clocked_pool(fake, now)
    result = auth_result(iat=1_000_000, exp=1_003_600)
    fake.routes["InitiateAuth"] = lambda b: (
        {"AuthenticationResult": auth_result(iat=int(now[0]), exp=int(now[0]) + 3600)}
        if b["AuthFlow"] == "REFRESH_TOKEN_AUTH"
        else {"AuthenticationResult": result}
    )
    user = CognitoUser("bob", pool)
    user.set_authentication_flow_type(PASSWORD_FLOW)
    session = await user.authenticate_user(AuthenticationDetails("bob", "pw"))
    assert isinstance(session, CognitoUserSession)
    assert session.get_clock_drift() == 0  # computed from the pool's clock, not time.time
    assert await user.get_session() is session
    now[0] += 3601  # the pool's clock passes exp: the session is refreshed
    refreshed = await user.get_session()
    assert refreshed is not session
    assert fake.bodies("InitiateAuth")[-1]["AuthFlow"] == "REFRESH_TOKEN_AUTH"


async def test_clock_is_the_srp_timestamp(fake: FakeCognito) -> None:
    now = [0.0]
    pool = clocked_pool(fake, now)
    fake.routes["InitiateAuth"] = lambda b: {
        "ChallengeName": "PASSWORD_VERIFIER",
        "Session": "s",
        "ChallengeParameters": {
            "USER_ID_FOR_SRP": "bob",
            "SRP_B": format(pow(2, 12345, 2**3071 - 1) + 7, "x"),
            "SALT": "1a2b",
            "SECRET_BLOCK": base64.b64encode(b"block").decode(),
        },
    }
    fake.routes["RespondToAuthChallenge"] = lambda b: {"AuthenticationResult": auth_result()}
    await CognitoUser("bob", pool).authenticate_user(AuthenticationDetails("bob", "pw"))
    stamp = fake.bodies("RespondToAuthChallenge")[0]["ChallengeResponses"]["TIMESTAMP"]
    assert stamp == "Thu Jan 1 00:00:00 UTC 1970"


def test_mfa_lists_not_written_as_json_are_still_read() -> None:
    c = Challenge("SELECT_MFA_TYPE", {"MFAS_CAN_CHOOSE": "['SMS_MFA', 'EMAIL_OTP']"})
    assert [ch.value for ch in c.fields[0].choices] == ["SMS_MFA", "EMAIL_OTP"]
