"""Request-for-request parity with amazon-cognito-identity-js.

The reference SDK (node_modules, 6.3.21) and this SDK run the same scripted scenarios
against the same scripted answers; every request body they send must match, after
normalising what is random by design (SRP_A, signatures, timestamps, device verifiers) and
what JSON.stringify leaves that carries no meaning (nulls, empty ClientMetadata objects).
This pins ClientMetadata/ValidationData placement, challenge answers, USERNAME after SRP,
device confirmation, refresh and revoke bodies to the JS SDK's behaviour.
"""

from __future__ import annotations

import inspect
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from flows_helpers import CLIENT_ID, POOL_ID, auth_result

from amazon_cognito_identity import (
    AuthenticationDetails,
    CognitoError,
    CognitoRefreshToken,
    CognitoUser,
    CognitoUserAttribute,
    CognitoUserPool,
    HttpRequest,
    HttpResponse,
    MemoryStorage,
    MockTransport,
    RetryPolicy,
)

pytestmark = pytest.mark.node

ROOT = Path(__file__).resolve().parents[2]
CB = "$CB"
RANDOM_KEYS = {
    "SRP_A",
    "PASSWORD_CLAIM_SIGNATURE",
    "TIMESTAMP",
    "DeviceSecretVerifierConfig",
    "DeviceName",
}
SNAKE = {
    "sendMFACode": "send_mfa_code",
    "sendMFASelectionAnswer": "send_mfa_selection_answer",
    "enableMFA": "enable_mfa",
    "disableMFA": "disable_mfa",
    "getMFAOptions": "get_mfa_options",
}


def snake(name: str) -> str:
    if name in SNAKE:
        return SNAKE[name]
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def ok(body: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"status": 200, "body": body or {}}


def success(**claims: Any) -> dict[str, Any]:
    return ok({"AuthenticationResult": FIXED_RESULT})


# One fixed set of tokens (with origin_jti, so sign-out revokes) shared by both SDKs.
FIXED_RESULT = auth_result(origin_jti="origin-1")


def challenge(name: str, params: dict[str, Any] | None = None, session: str = "sess") -> dict:
    return ok({"ChallengeName": name, "ChallengeParameters": params or {}, "Session": session})


SRP_PARAMS = {
    "USER_ID_FOR_SRP": "bob-internal",
    "SRP_B": format(pow(3, 4567, 2**3071) + 11, "x"),
    "SALT": "1a2b3c4d5e6f",
    "SECRET_BLOCK": "c2VjcmV0LWJsb2Nr",
}

PASSWORD_FLOW = {"method": "setAuthenticationFlowType", "args": ["USER_PASSWORD_AUTH"]}
DETAILS = {
    "$details": {
        "Username": "bob",
        "Password": "Passw0rd!",
        "ValidationData": {"v": "1"},
        "ClientMetadata": {"c": "2"},
    }
}
PLAIN_DETAILS = {
    "$details": {"Username": "bob", "Password": "Passw0rd!", "ClientMetadata": {"c": "2"}}
}
META = {"k": "v"}


def step(method: str, *args: Any, on: str = "user") -> dict[str, Any]:
    return {"method": method, "args": list(args), "on": on}


SCENARIOS: dict[str, dict[str, Any]] = {
    "password_sms_mfa": {
        "steps": [
            PASSWORD_FLOW,
            step("authenticateUser", DETAILS, CB),
            step("sendMFACode", "123456", CB, "SMS_MFA", {"m": "3"}),
        ],
        "responses": [challenge("SMS_MFA", {"CODE_DELIVERY_DESTINATION": "+***1"}), success()],
    },
    "srp_new_device_and_device_ops": {
        "steps": [
            step("authenticateUser", PLAIN_DETAILS, CB),
            step("getDevice", CB),
            step("setDeviceStatusRemembered", CB),
            step("setDeviceStatusNotRemembered", CB),
            step("forgetDevice", CB),
        ],
        "responses": [
            challenge("PASSWORD_VERIFIER", SRP_PARAMS, "s1"),
            ok(
                {
                    "AuthenticationResult": {
                        **FIXED_RESULT,
                        "NewDeviceMetadata": {
                            "DeviceKey": "us-east-1_dev",
                            "DeviceGroupKey": "grp",
                        },
                    }
                }
            ),
            ok({"UserConfirmationNecessary": True}),
            ok({"Device": {"DeviceKey": "us-east-1_dev"}}),
            ok(),
            ok(),
            ok(),
        ],
    },
    "new_password_required": {
        "steps": [
            PASSWORD_FLOW,
            step("authenticateUser", PLAIN_DETAILS, CB),
            step("completeNewPasswordChallenge", "NewPassw0rd!", {"name": "Bob"}, CB, META),
        ],
        "responses": [
            challenge(
                "NEW_PASSWORD_REQUIRED",
                {
                    "userAttributes": json.dumps({"email": "b@x.io"}),
                    "requiredAttributes": json.dumps(["userAttributes.name"]),
                },
            ),
            success(),
        ],
    },
    "custom_auth": {
        "steps": [
            step("setAuthenticationFlowType", "CUSTOM_AUTH"),
            step(
                "initiateAuth",
                {
                    "$details": {
                        "Username": "bob",
                        "AuthParameters": {"X": "y"},
                        "ClientMetadata": {"c": "2"},
                    }
                },
                CB,
            ),
            step("sendCustomChallengeAnswer", "42", CB, META),
        ],
        "responses": [challenge("CUSTOM_CHALLENGE", {"q": "?"}), success()],
    },
    "custom_auth_with_srp": {
        "steps": [
            step("setAuthenticationFlowType", "CUSTOM_AUTH"),
            step("authenticateUser", DETAILS, CB),
            step("sendCustomChallengeAnswer", "42", CB),
        ],
        "responses": [
            challenge("PASSWORD_VERIFIER", SRP_PARAMS, "s1"),
            challenge("CUSTOM_CHALLENGE", {"q": "?"}, "s2"),
            success(),
        ],
    },
    "select_mfa_then_totp": {
        "steps": [
            PASSWORD_FLOW,
            step("authenticateUser", PLAIN_DETAILS, CB),
            step("sendMFASelectionAnswer", "SOFTWARE_TOKEN_MFA", CB),
            step("sendMFACode", "654321", CB, "SOFTWARE_TOKEN_MFA"),
        ],
        "responses": [
            challenge("SELECT_MFA_TYPE", {"MFAS_CAN_CHOOSE": "[]"}),
            challenge("SOFTWARE_TOKEN_MFA", {}, "s2"),
            success(),
        ],
    },
    "mfa_setup": {
        "steps": [
            PASSWORD_FLOW,
            step("authenticateUser", PLAIN_DETAILS, CB),
            step("associateSoftwareToken", CB),
            step("verifySoftwareToken", "123456", "My phone", CB),
        ],
        "responses": [
            challenge("MFA_SETUP", {"MFAS_CAN_SETUP": "[]"}),
            ok({"SecretCode": "ABC", "Session": "s2"}),
            ok({"Status": "SUCCESS", "Session": "s3"}),
            success(),
        ],
    },
    "signed_in_account_ops": {
        "steps": [
            PASSWORD_FLOW,
            step("authenticateUser", PLAIN_DETAILS, CB),
            step("getUserAttributes", CB),
            step("updateAttributes", [{"$attr": {"Name": "nickname", "Value": "joe"}}], CB, META),
            step("deleteAttributes", ["nickname"], CB),
            step("getAttributeVerificationCode", "email", CB, META),
            step("verifyAttribute", "email", "123456", CB),
            step("changePassword", "Passw0rd!", "NewPassw0rd!", CB, META),
            step("setUserMfaPreference", {"Enabled": True, "PreferredMfa": True}, None, CB),
            step("enableMFA", CB),
            step("disableMFA", CB),
            step("getMFAOptions", CB),
            step("listDevices", 10, None, CB),
            step("listDevices", 5, "page-2", CB),
            step("globalSignOut", CB),
        ],
        "responses": [
            success(),
            ok({"Username": "bob", "UserAttributes": [{"Name": "email", "Value": "b@x.io"}]}),
            ok({"CodeDeliveryDetailsList": []}),
            ok({"Username": "bob", "UserAttributes": []}),
            success(),  # cache refresh
            ok(),
            ok({"Username": "bob", "UserAttributes": []}),
            success(),
            ok({"CodeDeliveryDetails": {"DeliveryMedium": "EMAIL"}}),
            ok(),
            ok(),
            ok(),
            ok(),
            ok(),
            ok({"MFAOptions": []}),
            ok({"Devices": []}),
            ok({"Devices": []}),
            ok(),
        ],
    },
    "unauthenticated_ops": {
        "steps": [
            step(
                "signUp",
                "bob",
                "Passw0rd!",
                [{"$attr": {"Name": "email", "Value": "b@x.io"}}],
                [{"$attr": {"Name": "v", "Value": "1"}}],
                CB,
                META,
                on="pool",
            ),
            step("confirmRegistration", "123456", True, CB, META),
            step("resendConfirmationCode", CB, META),
            step("forgotPassword", CB, META),
            step("confirmPassword", "123456", "NewPassw0rd!", CB, META),
        ],
        "responses": [
            ok({"UserConfirmed": False, "UserSub": "sub-1"}),
            ok(),
            ok({"CodeDeliveryDetails": {}}),
            ok({"CodeDeliveryDetails": {}}),
            ok(),
        ],
    },
    "refresh_and_sign_out": {
        "steps": [
            PASSWORD_FLOW,
            step("authenticateUser", PLAIN_DETAILS, CB),
            step("refreshSession", {"$refresh": FIXED_RESULT["RefreshToken"]}, CB, META),
            step("signOut", CB),
        ],
        "responses": [
            success(),
            ok(
                {
                    "AuthenticationResult": {
                        k: v for k, v in FIXED_RESULT.items() if k != "RefreshToken"
                    }
                }
            ),
            ok(),
        ],
    },
}
for _scenario in SCENARIOS.values():
    _scenario.setdefault("pool", {"UserPoolId": POOL_ID, "ClientId": CLIENT_ID})
    _scenario.setdefault("username", "bob")
    for _step in _scenario["steps"]:
        _step.setdefault("on", "user")


def normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: ("<random>" if k in RANDOM_KEYS else normalise(v))
            for k, v in value.items()
            if v is not None and v != {}
        }
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def materialise(arg: Any) -> Any:
    if arg == CB:
        return None
    if isinstance(arg, dict):
        if "$details" in arg:
            return AuthenticationDetails(arg["$details"])
        if "$refresh" in arg:
            return CognitoRefreshToken(arg["$refresh"])
        if "$attr" in arg:
            return CognitoUserAttribute(arg["$attr"])
    if isinstance(arg, list):
        return [materialise(a) for a in arg]
    return arg


async def run_python(scenario: dict[str, Any]) -> list[dict[str, Any]]:
    answers = list(scenario["responses"])
    recorded: list[dict[str, Any]] = []

    def handler(request: HttpRequest) -> HttpResponse:
        target = request.headers["X-Amz-Target"].rsplit(".", 1)[-1]
        recorded.append({"target": target, "body": json.loads(request.body)})
        nxt = answers.pop(0) if answers else {"status": 500, "body": {"__type": "Exhausted"}}
        return HttpResponse(nxt["status"], {}, json.dumps(nxt["body"]).encode())

    pool = CognitoUserPool(
        {**scenario["pool"], "Storage": MemoryStorage()},
        transport=MockTransport(handler),
        retry=RetryPolicy.never(),
    )
    user = CognitoUser(scenario["username"], pool)
    for st in scenario["steps"]:
        target = pool if st["on"] == "pool" else user
        method = getattr(target, snake(st["method"]))
        try:
            out = method(*[materialise(a) for a in st["args"]])
            if inspect.isawaitable(out):
                await out
        except CognitoError:
            pass  # the JS side reports it to onFailure; requests are what is compared
    return recorded


@pytest.fixture(scope="module")
def js_requests(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    if (
        shutil.which("node") is None
        or not (ROOT / "node_modules/amazon-cognito-identity-js").exists()
    ):
        pytest.skip("node or node_modules/amazon-cognito-identity-js missing")
    path = tmp_path_factory.mktemp("parity") / "scenarios.json"
    path.write_text(json.dumps(SCENARIOS))
    proc = subprocess.run(
        ["node", "tests/node/flows_js_requests.js", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_same_requests_as_js_sdk(
    name: str, js_requests: dict[str, list[dict[str, Any]]]
) -> None:
    ours = await run_python(SCENARIOS[name])
    theirs = js_requests[name]
    assert [r["target"] for r in ours] == [r["target"] for r in theirs]
    for mine, ref in zip(ours, theirs, strict=True):
        assert normalise(mine["body"]) == normalise(ref["body"]), mine["target"]
