"""CUSTOM_AUTH with the built-in trigger, a fixed answer, and Python callables."""

from __future__ import annotations

from typing import Any

import pytest

from cognito_emulator.testing import EmulatorServer
from cognito_emulator.triggers import CustomAuthTriggers

from .srp_client import Api, CognitoError, srp_sign_in

PASSWORD = "Passw0rd!"


def _start(api: Api, client_id: str, name: str = "alice") -> dict[str, Any]:
    return api(
        "InitiateAuth",
        AuthFlow="CUSTOM_AUTH",
        ClientId=client_id,
        AuthParameters={"USERNAME": name},
    )


def _answer(api: Api, client_id: str, session: str, answer: str) -> dict[str, Any]:
    return api(
        "RespondToAuthChallenge",
        ChallengeName="CUSTOM_CHALLENGE",
        ClientId=client_id,
        Session=session,
        ChallengeResponses={"USERNAME": "alice", "ANSWER": answer},
    )


def test_builtin_trigger_code_from_outbox(emulator: EmulatorServer) -> None:
    pool_id = emulator.create_pool(EmulatorCustomAuth="BUILTIN")
    client_id = emulator.create_client(pool_id)
    emulator.create_user(pool_id, "alice", PASSWORD)
    api = Api(emulator.endpoint)
    first = _start(api, client_id)
    assert first["ChallengeName"] == "CUSTOM_CHALLENGE"
    code = emulator.last_code("alice", "custom_challenge")
    retry = _answer(api, client_id, first["Session"], "nope")
    assert retry["ChallengeName"] == "CUSTOM_CHALLENGE"
    new_code = emulator.last_code("alice", "custom_challenge")
    with pytest.raises(CognitoError):  # the first session is used up
        _answer(api, client_id, first["Session"], code)
    out = _answer(api, client_id, retry["Session"], new_code)
    assert "AccessToken" in out["AuthenticationResult"]


def test_three_wrong_answers_fail(emulator: EmulatorServer) -> None:
    pool_id = emulator.create_pool(EmulatorCustomAuth="BUILTIN")
    client_id = emulator.create_client(pool_id)
    emulator.create_user(pool_id, "alice", PASSWORD)
    api = Api(emulator.endpoint)
    session = _start(api, client_id)["Session"]
    for _ in range(2):
        session = _answer(api, client_id, session, "wrong")["Session"]
    with pytest.raises(CognitoError) as err:
        _answer(api, client_id, session, "wrong")
    assert err.value.name == "NotAuthorizedException"


def test_fixed_answer_and_srp_first(emulator: EmulatorServer) -> None:
    pool_id = emulator.create_pool(EmulatorCustomAuthAnswer="open-sesame")
    client_id = emulator.create_client(pool_id)
    emulator.create_user(pool_id, "alice", PASSWORD)
    api = Api(emulator.endpoint)
    out = srp_sign_in(api, pool_id, client_id, "alice", PASSWORD, flow="CUSTOM_AUTH")
    assert out["ChallengeName"] == "CUSTOM_CHALLENGE"
    done = _answer(api, client_id, out["Session"], "open-sesame")
    assert "AuthenticationResult" in done
    with pytest.raises(CognitoError) as err:  # SRP step still checks the password
        srp_sign_in(api, pool_id, client_id, "alice", "Wr0ng-pass!", flow="CUSTOM_AUTH")
    assert err.value.name == "NotAuthorizedException"


def test_python_callable_triggers(emulator: EmulatorServer) -> None:
    pool_id = emulator.create_pool()
    client_id = emulator.create_client(pool_id)
    emulator.create_user(pool_id, "alice", PASSWORD)
    seen: list[str] = []

    def define(event: dict[str, Any]) -> dict[str, Any]:
        session = event["request"]["session"]
        seen.append(f"define:{len(session)}")
        correct = sum(1 for s in session if s["challengeResult"])
        event["response"] = {
            "challengeName": "CUSTOM_CHALLENGE",
            "issueTokens": correct >= 2,
            "failAuthentication": len(session) - correct > 0,
        }
        return event

    def create(event: dict[str, Any]) -> dict[str, Any]:
        n = len(event["request"]["session"])
        event["response"] = {
            "publicChallengeParameters": {"question": f"{n}+{n}?"},
            "privateChallengeParameters": {"answer": str(2 * n)},
            "challengeMetadata": f"Q{n}",
        }
        return event

    def verify(event: dict[str, Any]) -> dict[str, Any]:
        req = event["request"]
        event["response"] = {
            "answerCorrect": req["challengeAnswer"] == req["privateChallengeParameters"]["answer"]
        }
        return event

    emulator.emulator.set_custom_auth_triggers(pool_id, CustomAuthTriggers(define, create, verify))
    api = Api(emulator.endpoint)
    first = _start(api, client_id)
    assert first["ChallengeParameters"]["question"] == "0+0?"
    second = _answer(api, client_id, first["Session"], "0")
    assert second["ChallengeParameters"]["question"] == "1+1?"
    done = _answer(api, client_id, second["Session"], "2")
    assert "AuthenticationResult" in done
    assert seen == ["define:0", "define:1", "define:2"]
    again = _start(api, client_id)
    with pytest.raises(CognitoError) as err:
        _answer(api, client_id, again["Session"], "5")
    assert err.value.name == "NotAuthorizedException"
