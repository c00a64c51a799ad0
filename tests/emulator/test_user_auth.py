"""Choice-based sign-in (InitiateAuth USER_AUTH), passwordless codes, email MFA and auto sign-in,
from the API reference (InitiateAuth, RespondToAuthChallenge, ChallengeResponseType,
SignInPolicyType, ConfirmSignUp, SetUserMFAPreference, EmailMfaSettingsType)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from cognito_emulator.testing import EmulatorServer

from .srp_client import Api, CognitoError, SrpSession

PASSWORD = "Passw0rd!"
ALL_FACTORS = ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]
FLOWS = ["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


@dataclass
class Env:
    server: EmulatorServer
    api: Api
    pool_id: str
    client_id: str

    def start(self, username: str = "alice", **extra: str) -> dict[str, Any]:
        return self.api(
            "InitiateAuth",
            ClientId=self.client_id,
            AuthFlow="USER_AUTH",
            AuthParameters={"USERNAME": username, **extra},
        )

    def respond(self, name: str, session: str, **responses: str) -> dict[str, Any]:
        return self.api(
            "RespondToAuthChallenge",
            ClientId=self.client_id,
            ChallengeName=name,
            Session=session,
            ChallengeResponses={"USERNAME": "alice", **responses},
        )

    def code(self, kind: str, username: str = "alice") -> str:
        return self.server.last_code(username, kind)

    def outbox(self, kind: str, username: str = "alice") -> list[Any]:
        return [m for m in self.server.outbox(username) if m["kind"] == kind]


def _make(server: EmulatorServer, pool: dict[str, Any], flows: list[str] = FLOWS) -> Env:
    pool_id = server.create_pool(AutoVerifiedAttributes=["email"], **pool)
    client_id = server.create_client(pool_id, ExplicitAuthFlows=flows)
    return Env(server, Api(server.endpoint), pool_id, client_id)


@pytest.fixture
def env(emulator: EmulatorServer) -> Any:
    e = _make(emulator, {"Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ALL_FACTORS}}})
    emulator.create_user(
        e.pool_id, "alice", PASSWORD, email="alice@example.com", phone_number="+15550001234"
    )
    yield e
    e.api.http.close()


def _error(fn: Any, *args: Any, **kwargs: Any) -> CognitoError:
    with pytest.raises(CognitoError) as err:
        fn(*args, **kwargs)
    return err.value


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# ---------------------------------------------------------------- choosing a first factor


def test_without_preference_the_user_selects_from_the_available_challenges(env: Env) -> None:
    out = env.start()
    assert out["ChallengeName"] == "SELECT_CHALLENGE"
    assert out["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "SMS_OTP"]
    assert out["Session"]
    chosen = env.respond("SELECT_CHALLENGE", out["Session"], ANSWER="EMAIL_OTP")
    assert chosen["ChallengeName"] == "EMAIL_OTP"
    params = chosen["ChallengeParameters"]
    assert params["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL"
    assert params["CODE_DELIVERY_DESTINATION"] == "a***@e***"
    done = env.respond("EMAIL_OTP", chosen["Session"], EMAIL_OTP_CODE=env.code("email_otp"))
    assert {"AccessToken", "IdToken", "RefreshToken"} <= set(done["AuthenticationResult"])


def test_select_password_carries_the_password(env: Env) -> None:
    session = env.start()["Session"]
    done = env.respond("SELECT_CHALLENGE", session, ANSWER="PASSWORD", PASSWORD=PASSWORD)
    assert "AccessToken" in done["AuthenticationResult"]
    session = env.start()["Session"]
    err = _error(env.respond, "SELECT_CHALLENGE", session, ANSWER="PASSWORD", PASSWORD="nope")
    assert (err.name, err.message) == ("NotAuthorizedException", "Incorrect username or password.")


def test_select_password_srp_leads_to_password_verifier(env: Env) -> None:
    srp = SrpSession()
    session = env.start()["Session"]
    out = env.respond("SELECT_CHALLENGE", session, ANSWER="PASSWORD_SRP", SRP_A=format(srp.A, "x"))
    assert out["ChallengeName"] == "PASSWORD_VERIFIER"
    cp = out["ChallengeParameters"]
    ts, sig = srp.claim(
        env.pool_id.split("_", 1)[1],
        cp["USER_ID_FOR_SRP"],
        PASSWORD,
        cp["SALT"],
        cp["SRP_B"],
        cp["SECRET_BLOCK"],
    )
    done = env.respond(
        "PASSWORD_VERIFIER",
        out["Session"],
        PASSWORD_CLAIM_SECRET_BLOCK=cp["SECRET_BLOCK"],
        TIMESTAMP=ts,
        PASSWORD_CLAIM_SIGNATURE=sig,
    )
    assert "AccessToken" in done["AuthenticationResult"]


@pytest.mark.parametrize(
    ("preferred", "kind", "key", "medium"),
    [
        ("EMAIL_OTP", "email_otp", "EMAIL_OTP_CODE", "EMAIL"),
        ("SMS_OTP", "sms_otp", "SMS_OTP_CODE", "SMS"),
    ],
)
def test_preferred_code_challenge(
    env: Env, preferred: str, kind: str, key: str, medium: str
) -> None:
    out = env.start(PREFERRED_CHALLENGE=preferred)
    assert out["ChallengeName"] == preferred
    assert out["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == medium
    [message] = env.outbox(kind)
    assert message["destination"] in ("alice@example.com", "+15550001234")
    done = env.respond(preferred, out["Session"], **{key: message["code"]})
    assert "AccessToken" in done["AuthenticationResult"]


def test_preferred_password_in_initiate_auth(env: Env) -> None:
    out = env.start(PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)
    assert "AccessToken" in out["AuthenticationResult"]
    err = _error(env.start, PREFERRED_CHALLENGE="PASSWORD")
    assert err.name == "InvalidParameterException"  # the password must come along


def test_unavailable_preference_falls_back_to_selection(env: Env) -> None:
    env.server.create_user(env.pool_id, "bob", PASSWORD)  # no email, no phone
    out = env.start("bob", PREFERRED_CHALLENGE="EMAIL_OTP")
    assert out["ChallengeName"] == "SELECT_CHALLENGE"
    assert out["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]


# ---------------------------------------------------------------- what is refused


def test_factor_not_allowed_by_the_pool(emulator: EmulatorServer) -> None:
    env = _make(emulator, {"Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]}}})
    emulator.create_user(env.pool_id, "alice", PASSWORD, email="alice@example.com")
    out = env.start(PREFERRED_CHALLENGE="EMAIL_OTP")
    assert out["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]
    err = _error(env.respond, "SELECT_CHALLENGE", out["Session"], ANSWER="EMAIL_OTP")
    assert err.name == "InvalidParameterException"
    assert env.outbox("email_otp") == []


def test_client_without_allow_user_auth(emulator: EmulatorServer) -> None:
    env = _make(emulator, {}, flows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    emulator.create_user(env.pool_id, "alice", PASSWORD, email="alice@example.com")
    err = _error(env.start)
    assert err.name == "InvalidParameterException"


def test_pool_without_sign_in_policy_offers_passwords_only(emulator: EmulatorServer) -> None:
    env = _make(emulator, {})
    emulator.create_user(env.pool_id, "alice", PASSWORD, email="alice@example.com")
    assert env.start()["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]


def test_lite_pool_refuses_passwordless_factors(emulator: EmulatorServer) -> None:
    api = Api(emulator.endpoint)
    policy = {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}}
    err = _error(api, "CreateUserPool", PoolName="lite", UserPoolTier="LITE", Policies=policy)
    assert err.name == "FeatureUnavailableInTierException"
    pool = api("CreateUserPool", PoolName="plus", UserPoolTier="PLUS", Policies=policy)
    assert pool["UserPool"]["UserPoolTier"] == "PLUS"
    assert api("CreateUserPool", PoolName="d")["UserPool"]["UserPoolTier"] == "ESSENTIALS"
    err = _error(api, "CreateUserPool", PoolName="x", UserPoolTier="GOLD")
    assert err.name == "InvalidParameterException"
    bad = {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "SOFTWARE_TOKEN_MFA"]}}
    assert _error(api, "CreateUserPool", PoolName="y", Policies=bad).name == (
        "InvalidParameterException"
    )


def test_unknown_preference_and_unknown_user(env: Env) -> None:
    assert _error(env.start, PREFERRED_CHALLENGE="TOTP").name == "InvalidParameterException"
    assert _error(env.start, "nobody").name == "UserNotFoundException"


def test_unconfirmed_user_gets_no_code(env: Env) -> None:
    env.server.create_user(
        env.pool_id, "carol", PASSWORD, confirmed=False, email="carol@example.com"
    )
    err = _error(env.start, "carol", PREFERRED_CHALLENGE="EMAIL_OTP")
    assert err.name == "UserNotConfirmedException"
    assert env.outbox("email_otp", "carol") == []


def test_mfa_required_pool_offers_no_passwordless_factor(emulator: EmulatorServer) -> None:
    env = _make(
        emulator,
        {
            "MfaConfiguration": "ON",
            "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ALL_FACTORS}},
        },
    )
    emulator.create_user(env.pool_id, "alice", PASSWORD, email="alice@example.com")
    assert env.start()["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]


# ---------------------------------------------------------------- the codes


def test_wrong_code_may_be_retried_then_the_right_one_works_once(env: Env) -> None:
    out = env.start(PREFERRED_CHALLENGE="EMAIL_OTP")
    code = env.code("email_otp")
    err = _error(env.respond, "EMAIL_OTP", out["Session"], EMAIL_OTP_CODE=_wrong(code))
    assert err.name == "CodeMismatchException"
    done = env.respond("EMAIL_OTP", out["Session"], EMAIL_OTP_CODE=code)
    assert "AccessToken" in done["AuthenticationResult"]
    # Reused: the session (and the code) are used up.
    err = _error(env.respond, "EMAIL_OTP", out["Session"], EMAIL_OTP_CODE=code)
    assert err.name == "NotAuthorizedException"


def test_code_of_an_earlier_sign_in_is_not_accepted(env: Env) -> None:
    first = env.start(PREFERRED_CHALLENGE="EMAIL_OTP")
    old = env.code("email_otp")
    second = env.start(PREFERRED_CHALLENGE="EMAIL_OTP")
    new = env.code("email_otp")
    if new == old:  # one chance in a million: the test would prove nothing
        pytest.skip("the two random codes are equal")
    err = _error(env.respond, "EMAIL_OTP", second["Session"], EMAIL_OTP_CODE=old)
    assert err.name == "CodeMismatchException"
    assert (
        "AccessToken"
        in env.respond("EMAIL_OTP", second["Session"], EMAIL_OTP_CODE=new)["AuthenticationResult"]
    )
    err = _error(env.respond, "EMAIL_OTP", first["Session"], EMAIL_OTP_CODE=new)
    assert err.name == "ExpiredCodeException"  # the code was used by the second sign-in


def test_expired_code(env: Env) -> None:
    out = env.start(PREFERRED_CHALLENGE="SMS_OTP")
    code = env.code("sms_otp")
    env.server.emulator.advance_clock(181)
    err = _error(env.respond, "SMS_OTP", out["Session"], SMS_OTP_CODE=code)
    assert err.name == "NotAuthorizedException"  # the session expired with the code


def test_attempts_are_limited(env: Env) -> None:
    out = env.start(PREFERRED_CHALLENGE="EMAIL_OTP")
    code = env.code("email_otp")
    names = []
    for _ in range(5):
        names.append(
            _error(env.respond, "EMAIL_OTP", out["Session"], EMAIL_OTP_CODE=_wrong(code)).name
        )
    assert names == ["CodeMismatchException"] * 4 + ["LimitExceededException"]
    err = _error(env.respond, "EMAIL_OTP", out["Session"], EMAIL_OTP_CODE=code)
    assert err.name == "NotAuthorizedException"  # nothing left to answer


def test_resend_flood_is_limited_per_user(env: Env) -> None:
    for _ in range(5):
        env.start(PREFERRED_CHALLENGE="EMAIL_OTP")
    err = _error(env.start, PREFERRED_CHALLENGE="EMAIL_OTP")
    assert err.name == "LimitExceededException"
    assert len(env.outbox("email_otp")) == 5
    # Another user, and another kind of code, are not affected.
    env.server.create_user(env.pool_id, "bob", PASSWORD, email="bob@example.com")
    assert env.start("bob", PREFERRED_CHALLENGE="EMAIL_OTP")["ChallengeName"] == "EMAIL_OTP"
    assert env.start(PREFERRED_CHALLENGE="SMS_OTP")["ChallengeName"] == "SMS_OTP"
    env.server.emulator.advance_clock(3601)
    assert env.start(PREFERRED_CHALLENGE="EMAIL_OTP")["ChallengeName"] == "EMAIL_OTP"


def test_sms_session_does_not_answer_email(env: Env) -> None:
    out = env.start(PREFERRED_CHALLENGE="SMS_OTP")
    err = _error(env.respond, "EMAIL_OTP", out["Session"], EMAIL_OTP_CODE=env.code("sms_otp"))
    assert err.name == "NotAuthorizedException"


# ---------------------------------------------------------------- email MFA


def _access(env: Env) -> str:
    out = env.start(PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)
    return str(out["AuthenticationResult"]["AccessToken"])


def test_email_mfa_after_the_password(emulator: EmulatorServer) -> None:
    env = _make(emulator, {"MfaConfiguration": "OPTIONAL"})
    emulator.create_user(env.pool_id, "alice", PASSWORD, email="alice@example.com")
    access = _access(env)
    env.api(
        "SetUserMFAPreference",
        AccessToken=access,
        EmailMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    me = env.api("GetUser", AccessToken=access)
    assert me["UserMFASettingList"] == ["EMAIL_OTP"]
    assert me["PreferredMfaSetting"] == "EMAIL_OTP"
    out = env.start(PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)
    assert out["ChallengeName"] == "EMAIL_OTP"
    assert out["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL"
    code = env.code("email_mfa")
    err = _error(env.respond, "EMAIL_OTP", out["Session"], EMAIL_OTP_CODE=_wrong(code))
    assert err.name == "CodeMismatchException"
    done = env.respond("EMAIL_OTP", out["Session"], EMAIL_OTP_CODE=code)
    assert "AccessToken" in done["AuthenticationResult"]
    # The administrator turns it off again.
    env.api(
        "AdminSetUserMFAPreference",
        UserPoolId=env.pool_id,
        Username="alice",
        EmailMfaSettings={"Enabled": False},
    )
    assert "AuthenticationResult" in env.start(PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)


def test_email_mfa_refused_without_email_or_on_lite(emulator: EmulatorServer) -> None:
    env = _make(emulator, {"MfaConfiguration": "OPTIONAL"})
    emulator.create_user(env.pool_id, "alice", PASSWORD)
    err = _error(
        env.api,
        "SetUserMFAPreference",
        AccessToken=_access(env),
        EmailMfaSettings={"Enabled": True},
    )
    assert err.name == "InvalidParameterException"
    lite = _make(emulator, {"UserPoolTier": "LITE"})
    emulator.create_user(lite.pool_id, "alice", PASSWORD, email="a@example.com")
    err = _error(
        lite.api,
        "AdminSetUserMFAPreference",
        UserPoolId=lite.pool_id,
        Username="alice",
        EmailMfaSettings={"Enabled": True},
    )
    assert err.name == "FeatureUnavailableInTierException"
    err = _error(
        lite.api,
        "SetUserPoolMfaConfig",
        UserPoolId=lite.pool_id,
        EmailMfaConfiguration={"Message": "{####}", "Subject": "code"},
    )
    assert err.name == "FeatureUnavailableInTierException"


def test_email_mfa_set_up_where_mfa_is_required(emulator: EmulatorServer) -> None:
    env = _make(emulator, {"MfaConfiguration": "ON"})
    env.api(
        "SetUserPoolMfaConfig",
        UserPoolId=env.pool_id,
        MfaConfiguration="ON",
        EmailMfaConfiguration={"Message": "Your code is {####}", "Subject": "Sign-in code"},
    )
    emulator.create_user(env.pool_id, "alice", PASSWORD)  # no email yet
    out = env.start(PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)
    assert out["ChallengeName"] == "MFA_SETUP"
    assert "EMAIL_OTP" in out["ChallengeParameters"]["MFAS_CAN_SETUP"]
    err = _error(env.respond, "MFA_SETUP", out["Session"], EMAIL="not an address")
    assert err.name == "InvalidParameterException"
    out = env.start(PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)
    step = env.respond("MFA_SETUP", out["Session"], EMAIL="alice@example.org")
    assert step["ChallengeName"] == "EMAIL_OTP"
    [message] = env.outbox("email_mfa")
    assert message["destination"] == "alice@example.org"
    done = env.respond("EMAIL_OTP", step["Session"], EMAIL_OTP_CODE=message["code"])
    access = done["AuthenticationResult"]["AccessToken"]
    me = env.api("GetUser", AccessToken=access)
    attrs = {a["Name"]: a["Value"] for a in me["UserAttributes"]}
    assert (attrs["email"], attrs["email_verified"]) == ("alice@example.org", "true")
    assert me["UserMFASettingList"] == ["EMAIL_OTP"]
    # From now on the password is followed by an email code.
    again = env.start(PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)
    assert again["ChallengeName"] == "EMAIL_OTP"


def test_mfa_setup_without_email_mfa_config_lists_sms_and_totp(emulator: EmulatorServer) -> None:
    env = _make(emulator, {"MfaConfiguration": "ON"})
    emulator.create_user(env.pool_id, "alice", PASSWORD)
    out = env.start(PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)
    assert out["ChallengeParameters"]["MFAS_CAN_SETUP"] == '["SMS_MFA", "SOFTWARE_TOKEN_MFA"]'


# ---------------------------------------------------------------- auto sign-in


def _sign_up(env: Env) -> tuple[str, dict[str, Any]]:
    env.api(
        "SignUp",
        ClientId=env.client_id,
        Username="dave",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "dave@example.com"}],
    )
    confirmed = env.api(
        "ConfirmSignUp",
        ClientId=env.client_id,
        Username="dave",
        ConfirmationCode=env.code("signup", "dave"),
    )
    return str(confirmed["Session"]), confirmed


def _auto(env: Env, session: str, username: str = "dave") -> dict[str, Any]:
    return env.api(
        "InitiateAuth",
        ClientId=env.client_id,
        AuthFlow="USER_AUTH",
        AuthParameters={"USERNAME": username},
        Session=session,
    )


def test_auto_sign_in_after_confirmation_works_once(env: Env) -> None:
    session, _ = _sign_up(env)
    done = _auto(env, session)
    assert "AccessToken" in done["AuthenticationResult"]
    err = _error(_auto, env, session)
    assert err.name == "NotAuthorizedException"


def test_sign_up_answers_a_session_for_this_user_that_waits_for_confirmation(env: Env) -> None:
    """SignUp's Session (API reference: passed to ConfirmSignUp, or to USER_AUTH once the user
    is confirmed) is refused while the user is unconfirmed and for another user."""
    up = env.api(
        "SignUp",
        ClientId=env.client_id,
        Username="dave",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "dave@example.com"}],
    )
    assert isinstance(up["Session"], str) and up["Session"]
    assert _error(_auto, env, up["Session"]).name == "UserNotConfirmedException"
    again = env.api(
        "SignUp",
        ClientId=env.client_id,
        Username="erin",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "erin@example.com"}],
    )
    assert _error(_auto, env, again["Session"], "alice").name == "NotAuthorizedException"
    confirmed = env.api(
        "ConfirmSignUp",
        ClientId=env.client_id,
        Username="erin",
        ConfirmationCode=env.code("signup", "erin"),
        Session=again["Session"],
    )
    assert confirmed["Session"] not in ("", again["Session"])
    assert "AccessToken" in _auto(env, confirmed["Session"], "erin")["AuthenticationResult"]


def test_auto_sign_in_session_expires(env: Env) -> None:
    session, _ = _sign_up(env)
    env.server.emulator.advance_clock(181)
    err = _error(_auto, env, session)
    assert (err.name, err.message) == (
        "NotAuthorizedException",
        "Invalid session for the user, session is expired.",
    )


def test_auto_sign_in_session_is_for_its_user_and_client(env: Env) -> None:
    session, _ = _sign_up(env)
    err = _error(_auto, env, session, "alice")
    assert err.name == "NotAuthorizedException"
    other = env.server.create_client(env.pool_id, ExplicitAuthFlows=FLOWS)
    session, _ = _sign_up_again(env)
    err = _error(
        env.api,
        "InitiateAuth",
        ClientId=other,
        AuthFlow="USER_AUTH",
        AuthParameters={"USERNAME": "dave"},
        Session=session,
    )
    assert err.name == "NotAuthorizedException"


def _sign_up_again(env: Env) -> tuple[str, dict[str, Any]]:
    env.server.call("AdminDeleteUser", {"UserPoolId": env.pool_id, "Username": "dave"})
    return _sign_up(env)


def test_a_sign_in_session_is_no_auto_sign_in_session(env: Env) -> None:
    challenge = env.start(PREFERRED_CHALLENGE="EMAIL_OTP")
    err = _error(_auto, env, challenge["Session"], "alice")
    assert err.name == "NotAuthorizedException"
