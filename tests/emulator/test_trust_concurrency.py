"""Counting that holds under concurrency (issue 14): lockout and code attempts are counted
before the check, atomically, so that parallel guesses check no more than the limit; a TOTP
code signs in once; code reissues are throttled (LimitExceededException)."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pyotp
import pytest

from cognito_emulator import codes

from .conftest import PoolSetup
from .srp_client import Api, CognitoError, SrpSession, srp_sign_in

PASSWORD = "Passw0rd!"
GUESSES = 40


def _outcome(fn: Any) -> str:
    try:
        fn()
    except CognitoError as err:
        return f"{err.name}: {err.message}"
    return "ok"


def _parallel(calls: list[Any]) -> Counter[str]:
    with ThreadPoolExecutor(len(calls)) as pool:
        return Counter(pool.map(_outcome, calls))


def test_parallel_wrong_passwords_check_at_most_the_limit(setup: PoolSetup) -> None:
    setup.server.create_user(setup.pool_id, "alice", PASSWORD)
    limit = setup.server.emulator.config.max_failed_sign_ins

    def guess() -> None:
        setup.api(
            "InitiateAuth",
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=setup.client_id,
            AuthParameters={"USERNAME": "alice", "PASSWORD": "Wr0ng-guess!"},
        )

    seen = _parallel([guess] * GUESSES)
    assert seen["NotAuthorizedException: Incorrect username or password."] <= limit
    assert set(seen) <= {
        "NotAuthorizedException: Incorrect username or password.",
        "NotAuthorizedException: Password attempts exceeded",
    }
    # Locked: the right password is refused too.
    with pytest.raises(CognitoError) as err:
        srp_sign_in(setup.api, setup.pool_id, setup.client_id, "alice", PASSWORD)
    assert err.value.message == "Password attempts exceeded"


def test_parallel_wrong_srp_claims_check_at_most_the_limit(setup: PoolSetup) -> None:
    setup.server.create_user(setup.pool_id, "bob", PASSWORD)
    limit = setup.server.emulator.config.max_failed_sign_ins
    calls = []
    for _ in range(GUESSES):
        srp = SrpSession()
        init = setup.api(
            "InitiateAuth",
            AuthFlow="USER_SRP_AUTH",
            ClientId=setup.client_id,
            AuthParameters={"USERNAME": "bob", "SRP_A": format(srp.A, "x")},
        )
        cp = init["ChallengeParameters"]
        ts, sig = srp.claim(
            setup.pool_name, "bob", "Wr0ng-guess!", cp["SALT"], cp["SRP_B"], cp["SECRET_BLOCK"]
        )
        responses = {
            "USERNAME": "bob",
            "PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"],
            "TIMESTAMP": ts,
            "PASSWORD_CLAIM_SIGNATURE": sig,
        }

        def answer(r: dict[str, str] = responses, s: str = init["Session"]) -> None:
            setup.api(
                "RespondToAuthChallenge",
                ChallengeName="PASSWORD_VERIFIER",
                ClientId=setup.client_id,
                Session=s,
                ChallengeResponses=r,
            )

        calls.append(answer)
    seen = _parallel(calls)
    assert seen["NotAuthorizedException: Incorrect username or password."] <= limit
    assert seen["NotAuthorizedException: Password attempts exceeded"] >= GUESSES - limit


def test_parallel_wrong_codes_count_at_most_the_attempts(setup: PoolSetup) -> None:
    setup.server.create_user(setup.pool_id, "carol", PASSWORD, email="carol@example.com")
    setup.api("ForgotPassword", ClientId=setup.client_id, Username="carol")
    code = setup.server.last_code("carol", "forgot_password")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    def guess() -> None:
        setup.api(
            "ConfirmForgotPassword",
            ClientId=setup.client_id,
            Username="carol",
            ConfirmationCode=wrong,
            Password="New-Passw0rd!",
        )

    seen = _parallel([guess] * GUESSES)
    mismatches = seen["CodeMismatchException: Invalid code provided, please try again."]
    assert mismatches <= codes.MAX_ATTEMPTS
    # The attempts are used up: the right code no longer works.
    with pytest.raises(CognitoError):
        setup.api(
            "ConfirmForgotPassword",
            ClientId=setup.client_id,
            Username="carol",
            ConfirmationCode=code,
            Password="New-Passw0rd!",
        )


def _totp_user(setup: PoolSetup, name: str) -> str:
    setup.server.create_user(setup.pool_id, name, PASSWORD)
    out = srp_sign_in(setup.api, setup.pool_id, setup.client_id, name, PASSWORD)
    access = out["AuthenticationResult"]["AccessToken"]
    secret = str(setup.api("AssociateSoftwareToken", AccessToken=access)["SecretCode"])
    setup.api("VerifySoftwareToken", AccessToken=access, UserCode=pyotp.TOTP(secret).now())
    setup.api(
        "SetUserMFAPreference",
        AccessToken=access,
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    return secret


def _totp_challenge(setup: PoolSetup, name: str) -> str:
    first = srp_sign_in(setup.api, setup.pool_id, setup.client_id, name, PASSWORD)
    assert first["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    return str(first["Session"])


def test_a_totp_code_signs_in_once(setup: PoolSetup) -> None:
    secret = _totp_user(setup, "dora")
    emu = setup.server.emulator
    emu.advance_clock(30)  # a code of a new time step
    code = pyotp.TOTP(secret).at(emu.now())
    sessions = [_totp_challenge(setup, "dora") for _ in range(8)]

    def answer(session: str) -> Any:
        return lambda: setup.api(
            "RespondToAuthChallenge",
            ChallengeName="SOFTWARE_TOKEN_MFA",
            ClientId=setup.client_id,
            Session=session,
            ChallengeResponses={"USERNAME": "dora", "SOFTWARE_TOKEN_MFA_CODE": code},
        )

    seen = _parallel([answer(s) for s in sessions])
    assert seen["ok"] == 1
    assert seen["CodeMismatchException: Invalid code received for user"] == len(sessions) - 1
    # An older step (still inside the window) is refused too, the next step works.
    older = pyotp.TOTP(secret).at(emu.now() - 30)
    with pytest.raises(CognitoError) as err:
        setup.api(
            "RespondToAuthChallenge",
            ChallengeName="SOFTWARE_TOKEN_MFA",
            ClientId=setup.client_id,
            Session=_totp_challenge(setup, "dora"),
            ChallengeResponses={"USERNAME": "dora", "SOFTWARE_TOKEN_MFA_CODE": older},
        )
    assert err.value.name == "CodeMismatchException"
    emu.advance_clock(30)
    answer_next = setup.api(
        "RespondToAuthChallenge",
        ChallengeName="SOFTWARE_TOKEN_MFA",
        ClientId=setup.client_id,
        Session=_totp_challenge(setup, "dora"),
        ChallengeResponses={
            "USERNAME": "dora",
            "SOFTWARE_TOKEN_MFA_CODE": pyotp.TOTP(secret).at(emu.now()),
        },
    )
    assert "AccessToken" in answer_next["AuthenticationResult"]


@pytest.mark.parametrize("operation", ["ForgotPassword", "ResendConfirmationCode"])
def test_code_reissue_is_throttled(setup: PoolSetup, operation: str) -> None:
    setup.server.create_user(
        setup.pool_id,
        "erin",
        PASSWORD,
        confirmed=operation == "ForgotPassword",
        email="erin@example.com",
    )
    api: Api = setup.api
    for _ in range(codes.ISSUE_LIMIT):
        api(operation, ClientId=setup.client_id, Username="erin")
    with pytest.raises(CognitoError) as err:
        api(operation, ClientId=setup.client_id, Username="erin")
    assert err.value.name == "LimitExceededException"
    sent = len(setup.server.outbox("erin"))
    setup.server.emulator.advance_clock(codes.ISSUE_WINDOW + 1)
    api(operation, ClientId=setup.client_id, Username="erin")
    assert len(setup.server.outbox("erin")) == sent + 1
