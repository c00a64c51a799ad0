"""The reference client for the modern flows, Amplify v6 (aws-amplify 6.22.1) under Node, against
the emulator: USER_AUTH with EMAIL_OTP, SMS_OTP, SELECT_CHALLENGE and PASSWORD, email MFA and
its set-up, autoSignIn after sign-up. Where Amplify and the emulator disagree, Amplify is right."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cognito_emulator.testing import EmulatorServer

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "node" / "amplify_flows.mjs"
NODE = shutil.which("node") or "/usr/bin/node"
PASSWORD = "Passw0rd!"
FACTORS = {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]}}
FLOWS = ["ALLOW_USER_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
EMAIL_MFA = {"Message": "Your code is {####}", "Subject": "Your sign-in code"}

pytestmark = pytest.mark.node


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer() as emulator:
        yield emulator


def _pool(server: EmulatorServer, mfa: str = "OFF", email_mfa: bool = False) -> dict[str, str]:
    pool_id = server.create_pool(
        "amplify", AutoVerifiedAttributes=["email"], Policies=FACTORS, MfaConfiguration=mfa
    )
    if email_mfa:
        server.call(
            "SetUserPoolMfaConfig",
            {"UserPoolId": pool_id, "MfaConfiguration": mfa, "EmailMfaConfiguration": EMAIL_MFA},
        )
    client_id = server.create_client(pool_id, ExplicitAuthFlows=FLOWS)
    return {"endpoint": server.endpoint, "poolId": pool_id, "clientId": client_id}


def _run(scenario: str, config: dict[str, Any]) -> dict[str, Any]:
    proc = subprocess.run(
        [NODE, str(SCRIPT), scenario, json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no result from node:\nstdout={proc.stdout}\nstderr={proc.stderr}"
    result: dict[str, Any] = json.loads(lines[-1])
    assert result["ok"], json.dumps(result, indent=2) + "\n" + proc.stderr
    assert proc.returncode == 0
    return result


def _user(
    server: EmulatorServer, config: dict[str, str], name: str, **attrs: str
) -> dict[str, Any]:
    user = server.create_user(config["poolId"], name, PASSWORD, **attrs)
    return {**config, "username": name, "password": PASSWORD, "sub": user["attributes"]["sub"]}


def _targets(result: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(c["target"], c["challenge"] or c["flow"]) for c in result["calls"]]


def test_email_otp(server: EmulatorServer) -> None:
    config = _user(server, _pool(server), "eve", email="eve@example.com")
    result = _run("email_otp", config)
    assert result["signedIn"] is True
    assert result["sub"] == config["sub"]
    assert result["destination"] == "eve@example.com"
    assert result["steps"] == ["CONFIRM_SIGN_IN_WITH_EMAIL_CODE", "DONE"]
    initiate = result["calls"][0]
    assert (initiate["flow"], initiate["preferred"]) == ("USER_AUTH", "EMAIL_OTP")
    assert ("RespondToAuthChallenge", "EMAIL_OTP") in _targets(result)
    assert "signedIn" in result["events"]


def test_sms_otp(server: EmulatorServer) -> None:
    config = _user(server, _pool(server), "sam", phone_number="+15550009876")
    result = _run("sms_otp", config)
    assert result["signedIn"] is True
    assert result["destination"] == "+15550009876"
    assert result["steps"] == ["CONFIRM_SIGN_IN_WITH_SMS_CODE", "DONE"]
    assert ("RespondToAuthChallenge", "SMS_OTP") in _targets(result)


def test_select_challenge(server: EmulatorServer) -> None:
    config = _user(
        server, _pool(server), "sel", email="sel@example.com", phone_number="+15550001111"
    )
    result = _run("select_challenge", config)
    assert result["available"] == ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "SMS_OTP"]
    assert result["signedIn"] is True
    assert result["steps"] == [
        "CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION",
        "CONFIRM_SIGN_IN_WITH_EMAIL_CODE",
        "DONE",
        "CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION",
        "CONFIRM_SIGN_IN_WITH_PASSWORD",
        "DONE",
    ]
    answers = [c["answer"] for c in result["calls"] if c["challenge"] == "SELECT_CHALLENGE"]
    assert answers == ["EMAIL_OTP", "PASSWORD_SRP"]
    assert ("RespondToAuthChallenge", "PASSWORD_VERIFIER") in _targets(result)


def test_password_first_factor(server: EmulatorServer) -> None:
    config = _user(server, _pool(server), "pat", email="pat@example.com")
    result = _run("password", config)
    assert result["signedIn"] is True
    assert _targets(result)[0] == ("InitiateAuth", "USER_AUTH")


def test_wrong_code_then_right_code(server: EmulatorServer) -> None:
    config = _user(server, _pool(server), "wes", email="wes@example.com")
    result = _run("wrong_code", config)
    assert result["error"] == "CodeMismatchException"
    assert result["signedIn"] is True


def test_email_mfa(server: EmulatorServer) -> None:
    config = _user(
        server, _pool(server, "OPTIONAL", email_mfa=True), "mia", email="mia@example.com"
    )
    result = _run("email_mfa", config)
    assert result["prefs"] == {"enabled": ["EMAIL"], "preferred": "EMAIL"}
    assert result["signedIn"] is True
    assert result["steps"] == ["DONE", "CONFIRM_SIGN_IN_WITH_EMAIL_CODE", "DONE"]
    assert ("RespondToAuthChallenge", "EMAIL_OTP") in _targets(result)


def test_email_mfa_setup(server: EmulatorServer) -> None:
    config = _user(server, _pool(server, "ON", email_mfa=True), "stu")
    config["email"] = "stu@example.org"
    result = _run("email_mfa_setup", config)
    assert result["allowed"] == ["TOTP", "EMAIL"]
    assert result["steps"] == [
        "CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION",
        "CONTINUE_SIGN_IN_WITH_EMAIL_SETUP",
        "CONFIRM_SIGN_IN_WITH_EMAIL_CODE",
        "DONE",
    ]
    assert result["destination"] == "stu@example.org"
    assert result["prefs"]["enabled"] == ["EMAIL"]
    assert result["signedIn"] is True


def test_auto_sign_in_after_sign_up(server: EmulatorServer) -> None:
    config = {**_pool(server), "username": "newbie", "password": PASSWORD}
    config["email"] = "newbie@example.com"
    result = _run("auto_sign_in", config)
    assert result["steps"] == ["CONFIRM_SIGN_UP", "COMPLETE_AUTO_SIGN_IN", "DONE"]
    assert result["signedIn"] is True
    assert result["username"] == "newbie"
    auto = [c for c in result["calls"] if c["target"] == "InitiateAuth"]
    assert [(c["flow"], c["session"]) for c in auto] == [("USER_AUTH", True)]
