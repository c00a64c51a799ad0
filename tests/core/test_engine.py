"""The sign-in engine without a transport: feed it the service's answers, read its requests.

The SRP claims are checked by a server-side SRP computation written here (S = (A v^u)^b),
so a wrong key, user id, pool name or timestamp fails.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

import pytest

from amazon_cognito_identity import Challenge, CodeDelivery, CodeMismatchException
from amazon_cognito_identity.engine import (
    AUTH_FLOWS,
    DeviceKeys,
    Done,
    PoolInfo,
    Request,
    SignIn,
    refresh_request,
)
from amazon_cognito_identity.errors import (
    InvalidParameterError,
    InvalidResponseError,
    ResourceNotFoundException,
)
from amazon_cognito_identity.srp import G, K, N, compute_hkdf, compute_u, compute_x, pad_hex

POOL_NAME = "TestPool1"
NOW = 1_700_000_000.0  # Tue Nov 14 22:13:20 UTC 2023


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def jwt(**claims: Any) -> str:
    payload = {"iat": int(NOW), "exp": int(NOW) + 3600, **claims}
    return f"{_b64({'alg': 'RS256'})}.{_b64(payload)}.c2ln"


def tokens(**extra: Any) -> dict[str, Any]:
    return {
        "AuthenticationResult": {
            "IdToken": jwt(token_use="id"),
            "AccessToken": jwt(token_use="access"),
            "RefreshToken": "refresh-1",
            **extra,
        }
    }


def pool(secret: bool = False) -> PoolInfo:
    return PoolInfo(
        client_id="client1",
        pool_name=POOL_NAME,
        secret_hash=(lambda u: f"hash-of-{u}") if secret else (lambda u: None),
        context_data=lambda u: {"EncodedData": f"ctx-{u}"},
        device_name="test-device",
        clock=lambda: NOW,
    )


class SrpServer:
    """The server half of SRP for one user id and password (or device secret)."""

    def __init__(self, pool_name: str, user_id: str, password: str) -> None:
        self.pool_name, self.user_id = pool_name, user_id
        self.salt = int.from_bytes(secrets.token_bytes(16), "big")
        self.verifier = pow(G, compute_x(self.salt, pool_name, user_id, password), N)
        self.b = int.from_bytes(secrets.token_bytes(32), "big")
        self.large_b = (K * self.verifier + pow(G, self.b, N)) % N
        self.secret_block = base64.b64encode(secrets.token_bytes(24)).decode()

    def challenge_parameters(self) -> dict[str, str]:
        return {
            "SRP_B": format(self.large_b, "x"),
            "SALT": format(self.salt, "x"),
            "SECRET_BLOCK": self.secret_block,
        }

    def expected_signature(self, large_a_hex: str, timestamp: str) -> str:
        large_a = int(large_a_hex, 16)
        u = compute_u(large_a, self.large_b)
        s = pow(large_a * pow(self.verifier, u, N), self.b, N)
        key = compute_hkdf(bytes.fromhex(pad_hex(s)), bytes.fromhex(pad_hex(u)))
        message = (
            self.pool_name.encode()
            + self.user_id.encode()
            + base64.b64decode(self.secret_block)
            + timestamp.encode()
        )
        return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def respond(request: Request | Challenge | Done) -> dict[str, Any]:
    assert isinstance(request, Request) and request.operation == "RespondToAuthChallenge"
    return request.params


def test_srp_sign_in_claim_is_what_the_server_computes() -> None:
    engine = SignIn(pool(secret=True), "alias@example.com")
    first = engine.start("USER_SRP_AUTH", password="Passw0rd!", client_metadata={"k": "v"})
    assert first.operation == "InitiateAuth"
    auth = first.params["AuthParameters"]
    assert auth["USERNAME"] == "alias@example.com"
    assert auth["SECRET_HASH"] == "hash-of-alias@example.com"
    assert "DEVICE_KEY" not in auth and "PASSWORD" not in auth
    assert first.params["ClientMetadata"] == {"k": "v"}
    assert first.params["UserContextData"] == {"EncodedData": "ctx-alias@example.com"}

    server = SrpServer(POOL_NAME, "real-id", "Passw0rd!")
    params = {"USER_ID_FOR_SRP": "real-id", **server.challenge_parameters()}
    body = respond(
        engine.receive(
            {"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": params, "Session": "s"}
        )
    )
    answers = body["ChallengeResponses"]
    assert answers["USERNAME"] == "real-id" and engine.username == "real-id"
    assert answers["SECRET_HASH"] == "hash-of-real-id"
    assert answers["TIMESTAMP"] == "Tue Nov 14 22:13:20 UTC 2023"  # the pool's clock
    assert answers["PASSWORD_CLAIM_SIGNATURE"] == server.expected_signature(
        auth["SRP_A"], answers["TIMESTAMP"]
    )
    assert (body["Session"], body["ClientMetadata"]) == ("s", {"k": "v"})

    done = engine.receive(tokens())
    assert isinstance(done, Done)
    assert done.username == "real-id" and done.new_device is None
    assert done.session.get_refresh_token().get_token() == "refresh-1"
    assert done.session.get_clock_drift() == 0  # computed with the pool's clock


def test_wrong_password_gives_a_claim_the_server_refuses() -> None:
    engine = SignIn(pool(), "bob")
    first = engine.start("USER_SRP_AUTH", password="wrong")
    server = SrpServer(POOL_NAME, "bob", "right")
    answers = respond(
        engine.receive(
            {
                "ChallengeName": "PASSWORD_VERIFIER",
                "ChallengeParameters": server.challenge_parameters(),
            }
        )
    )["ChallengeResponses"]
    expected = server.expected_signature(
        first.params["AuthParameters"]["SRP_A"], answers["TIMESTAMP"]
    )
    assert answers["PASSWORD_CLAIM_SIGNATURE"] != expected


def test_device_srp_and_new_device_confirmation() -> None:
    device = DeviceKeys("us-east-1_dev1", "group-1", "device-secret")
    looked_up: list[str] = []

    def devices(username: str) -> DeviceKeys | None:
        looked_up.append(username)
        return device if username == "bob" else None

    engine = SignIn(pool(), "bob", devices)
    first = engine.start("USER_SRP_AUTH", password="pw")
    assert first.params["AuthParameters"]["DEVICE_KEY"] == "us-east-1_dev1"
    body = respond(engine.receive({"ChallengeName": "DEVICE_SRP_AUTH", "Session": "d1"}))
    assert body["ChallengeName"] == "DEVICE_SRP_AUTH" and body["ClientMetadata"] is None
    answers = body["ChallengeResponses"]
    assert answers["DEVICE_KEY"] == "us-east-1_dev1" and answers["USERNAME"] == "bob"
    server = SrpServer("group-1", "us-east-1_dev1", "device-secret")
    body = respond(
        engine.receive(
            {
                "ChallengeName": "DEVICE_PASSWORD_VERIFIER",
                "ChallengeParameters": server.challenge_parameters(),
                "Session": "d2",
            }
        )
    )
    claim = body["ChallengeResponses"]
    assert body["Session"] == "d2"
    assert claim["PASSWORD_CLAIM_SIGNATURE"] == server.expected_signature(
        answers["SRP_A"], claim["TIMESTAMP"]
    )
    assert isinstance(engine.receive(tokens()), Done)


def test_new_device_metadata_is_confirmed_then_done() -> None:
    engine = SignIn(pool(), "bob")
    engine.start("USER_PASSWORD_AUTH", password="pw")
    meta = {"DeviceKey": "us-east-1_new", "DeviceGroupKey": "group-9"}
    confirm = engine.receive(tokens(NewDeviceMetadata=meta))
    assert isinstance(confirm, Request) and confirm.operation == "ConfirmDevice"
    params = confirm.params
    assert params["DeviceKey"] == "us-east-1_new" and params["DeviceName"] == "test-device"
    assert params["AccessToken"].count(".") == 2
    done = engine.receive({"UserConfirmationNecessary": True})
    assert isinstance(done, Done) and done.user_confirmation_necessary
    assert done.new_device is not None and done.new_device.key == "us-east-1_new"
    # The verifier sent is the one of the random password kept: x from group + key.
    salt = int.from_bytes(base64.b64decode(params["DeviceSecretVerifierConfig"]["Salt"]), "big")
    verifier = int.from_bytes(
        base64.b64decode(params["DeviceSecretVerifierConfig"]["PasswordVerifier"]), "big"
    )
    x = compute_x(salt, "group-9", "us-east-1_new", done.new_device.password)
    assert pow(G, x, N) == verifier


def test_failed_device_confirmation_still_signs_in() -> None:
    engine = SignIn(pool(), "bob")
    engine.start("USER_PASSWORD_AUTH", password="pw")
    engine.receive(tokens(NewDeviceMetadata={"DeviceKey": "k", "DeviceGroupKey": "g"}))
    err = InvalidParameterError("nope")
    done = engine.failed(err)
    assert isinstance(done, Done) and done.device_error is err and done.new_device is None


def test_forgotten_device_at_password_verifier_is_dropped_and_answer_resent() -> None:
    device = DeviceKeys("gone", "g", "p")
    engine = SignIn(pool(), "bob", lambda u: device)
    engine.start("USER_SRP_AUTH", password="pw")
    server = SrpServer(POOL_NAME, "bob", "pw")
    first = respond(
        engine.receive(
            {
                "ChallengeName": "PASSWORD_VERIFIER",
                "ChallengeParameters": server.challenge_parameters(),
            }
        )
    )
    assert first["ChallengeResponses"]["DEVICE_KEY"] == "gone"
    again = engine.failed(ResourceNotFoundException("Device does not exist."))
    assert engine.forgotten_devices == ["bob"]
    body = respond(again)
    assert "DEVICE_KEY" not in body["ChallengeResponses"]
    assert {k: v for k, v in first["ChallengeResponses"].items() if k != "DEVICE_KEY"} == body[
        "ChallengeResponses"
    ]


def test_forgotten_device_at_device_srp_restarts_without_it() -> None:
    device = DeviceKeys("gone", "g", "p")
    engine = SignIn(pool(), "bob", lambda u: device)
    engine.start("USER_SRP_AUTH", password="pw")
    engine.receive({"ChallengeName": "DEVICE_SRP_AUTH"})
    restart = engine.failed(ResourceNotFoundException("Device does not exist."))
    assert isinstance(restart, Request) and restart.operation == "InitiateAuth"
    assert "DEVICE_KEY" not in restart.params["AuthParameters"]
    assert engine.forgotten_devices == ["bob"]
    # A second loss is not retried again.
    engine.receive(
        {
            "ChallengeName": "PASSWORD_VERIFIER",
            "ChallengeParameters": SrpServer(POOL_NAME, "bob", "pw").challenge_parameters(),
        }
    )
    with pytest.raises(CodeMismatchException):
        engine.failed(CodeMismatchException("x"))


def test_other_errors_are_raised() -> None:
    engine = SignIn(pool(), "bob")
    engine.start("USER_PASSWORD_AUTH", password="pw")
    with pytest.raises(ResourceNotFoundException):
        engine.failed(ResourceNotFoundException("User pool client does not exist."))


def test_mfa_challenge_answer_carries_device_key_and_session() -> None:
    engine = SignIn(pool(), "bob", lambda u: DeviceKeys("dk", "g", "p"))
    engine.start("USER_PASSWORD_AUTH", password="pw")
    params = {"CODE_DELIVERY_DELIVERY_MEDIUM": "SMS", "CODE_DELIVERY_DESTINATION": "+***1"}
    challenge = engine.receive(
        {"ChallengeName": "SMS_MFA", "ChallengeParameters": params, "Session": "m1"}
    )
    assert isinstance(challenge, Challenge) and challenge.delivery == CodeDelivery("SMS", "+***1")
    body = respond(engine.answer({"code": "123456"}, {"m": "1"}))
    assert body["ChallengeResponses"] == {
        "USERNAME": "bob",
        "SMS_MFA_CODE": "123456",
        "DEVICE_KEY": "dk",
    }
    assert (body["Session"], body["ClientMetadata"]) == ("m1", {"m": "1"})
    assert isinstance(engine.receive(tokens()), Done)


def test_mfa_setup_totp_steps() -> None:
    engine = SignIn(pool(), "bob")
    engine.start("USER_PASSWORD_AUTH", password="pw")
    step = engine.receive(
        {
            "ChallengeName": "MFA_SETUP",
            "ChallengeParameters": {"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]'},
            "Session": "a",
        }
    )
    assert step == Request("AssociateSoftwareToken", {"Session": "a"})
    challenge = engine.receive({"SecretCode": "SECRET", "Session": "b"})
    assert isinstance(challenge, Challenge) and challenge.fields[0].value == "SECRET"
    verify = engine.answer({"code": "111111"})
    assert verify == Request("VerifySoftwareToken", {"Session": "b", "UserCode": "111111"})
    body = respond(engine.receive({"Status": "SUCCESS", "Session": "c"}))
    assert (body["ChallengeName"], body["Session"]) == ("MFA_SETUP", "c")
    assert body["ChallengeResponses"] == {"USERNAME": "bob"}


def test_answer_without_challenge_and_bad_answers() -> None:
    engine = SignIn(pool(), "bob")
    with pytest.raises(InvalidParameterError):
        engine.answer({"code": "1"})
    engine.start("USER_PASSWORD_AUTH", password="pw")
    with pytest.raises(InvalidResponseError):
        engine.receive({"ChallengeName": 5})
    with pytest.raises(InvalidResponseError):
        engine.receive({"ChallengeName": "SMS_MFA", "ChallengeParameters": ["x"]})
    with pytest.raises(InvalidResponseError):
        engine.receive({})


def test_flows_and_password_checks() -> None:
    assert {"USER_SRP_AUTH", "USER_PASSWORD_AUTH", "CUSTOM_AUTH"} <= set(AUTH_FLOWS)
    with pytest.raises(InvalidParameterError, match="flow"):
        SignIn(pool(), "bob").start("NOPE", password="pw")
    with pytest.raises(InvalidParameterError, match="PASSWORD"):
        SignIn(pool(), "bob").start("USER_SRP_AUTH", password="")
    custom = SignIn(pool(), "bob").start("CUSTOM_AUTH", auth_parameters={"X": "y"})
    assert custom.params["AuthParameters"] == {"X": "y", "USERNAME": "bob"}
    srp_custom = SignIn(pool(), "bob").start("CUSTOM_AUTH", password="pw")
    assert srp_custom.params["AuthParameters"]["CHALLENGE_NAME"] == "SRP_A"
    plain = SignIn(pool(), "bob").start("USER_PASSWORD_AUTH", password="pw")
    assert plain.params["AuthParameters"] == {"USERNAME": "bob", "PASSWORD": "pw"}


def test_refresh_request_shape() -> None:
    request = refresh_request(pool(secret=True), "bob", "r-1", "dk")
    assert request.operation == "InitiateAuth"
    assert request.params["AuthFlow"] == "REFRESH_TOKEN_AUTH"
    assert request.params["AuthParameters"] == {
        "REFRESH_TOKEN": "r-1",
        "DEVICE_KEY": "dk",
        "SECRET_HASH": "hash-of-bob",
    }
