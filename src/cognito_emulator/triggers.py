"""Custom authentication triggers (DefineAuthChallenge, CreateAuthChallenge,
VerifyAuthChallengeResponse) as Python callables.

Each trigger receives a Lambda-shaped event dict and returns it with ``response`` filled in,
just like the Lambda functions Cognito calls::

    define(event): event["request"]["session"] is a list of
        {"challengeName", "challengeResult", "challengeMetadata"};
        set event["response"] = {"challengeName", "issueTokens", "failAuthentication"}
    create(event): event["request"]["challengeName"]; set event["response"] =
        {"publicChallengeParameters", "privateChallengeParameters", "challengeMetadata"}
    verify(event): event["request"]["privateChallengeParameters"], ["challengeAnswer"];
        set event["response"] = {"answerCorrect": bool}

Configure them per pool with
``Emulator.set_custom_auth_triggers(pool_id, CustomAuthTriggers(...))``.
Pools without their own triggers use the built-in ones below (the emulator's test trigger):
an optional SRP_A -> PASSWORD_VERIFIER step, then one CUSTOM_CHALLENGE whose answer is a random
6-digit code delivered to the outbox (kind ``custom_challenge``), or the fixed answer set with
the pool's ``EmulatorCustomAuthAnswer`` (CreateUserPool extension field). Three wrong answers
fail the sign-in.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Event = dict[str, Any]
Trigger = Callable[[Event], Event]
MAX_WRONG_ANSWERS = 3


def builtin_define(event: Event) -> Event:
    """Built-in DefineAuthChallenge."""
    session = event["request"]["session"]
    response: dict[str, Any] = {
        "challengeName": None,
        "issueTokens": False,
        "failAuthentication": False,
    }
    wrong = sum(
        1 for s in session if s["challengeName"] == "CUSTOM_CHALLENGE" and not s["challengeResult"]
    )
    last = session[-1] if session else None
    if last is None:
        response["challengeName"] = "CUSTOM_CHALLENGE"
    elif last["challengeName"] == "SRP_A":
        response["challengeName"] = "PASSWORD_VERIFIER"
    elif last["challengeName"] == "PASSWORD_VERIFIER":
        if last["challengeResult"]:
            response["challengeName"] = "CUSTOM_CHALLENGE"
        else:
            response["failAuthentication"] = True
    elif last["challengeName"] == "CUSTOM_CHALLENGE" and last["challengeResult"]:
        response["issueTokens"] = True
    elif wrong >= MAX_WRONG_ANSWERS:
        response["failAuthentication"] = True
    else:
        response["challengeName"] = "CUSTOM_CHALLENGE"
    event["response"] = response
    return event


def builtin_create(event: Event) -> Event:
    """Built-in CreateAuthChallenge: a fresh 6-digit code (or the pool's fixed answer)."""
    fixed = event["request"].get("emulatorFixedAnswer")
    answer = fixed or f"{secrets.randbelow(1_000_000):06d}"
    event["response"] = {
        "publicChallengeParameters": {"hint": "enter the code from the outbox"},
        "privateChallengeParameters": {"answer": answer},
        "challengeMetadata": "EMULATOR_CODE",
        # Tells the emulator to deliver the answer (a real trigger would send it itself).
        "emulatorDeliver": None if fixed else answer,
    }
    return event


def builtin_verify(event: Event) -> Event:
    """Built-in VerifyAuthChallengeResponse: constant-time comparison with the answer."""
    expected = str(event["request"]["privateChallengeParameters"].get("answer", ""))
    given = str(event["request"].get("challengeAnswer", ""))
    event["response"] = {"answerCorrect": secrets.compare_digest(expected.encode(), given.encode())}
    return event


@dataclass
class CustomAuthTriggers:
    """The three custom-auth triggers of a pool."""

    define: Trigger = builtin_define
    create: Trigger = builtin_create
    verify: Trigger = builtin_verify


BUILTIN = CustomAuthTriggers()
