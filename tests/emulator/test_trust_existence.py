"""PreventUserExistenceErrors=ENABLED (issue 14): an unknown username is answered like a
known one, per operation as the developer guide ("Managing user existence error responses")
documents: authentication fails with "Incorrect username or password", password recovery and
confirmation-code resends answer a simulated delivery, ConfirmSignUp and
ConfirmForgotPassword answer CodeMismatchException. SRP answers a SALT that stays the same
for a username, and nothing echoes the case the caller typed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import pytest

from cognito_emulator.testing import EmulatorServer

from .srp_client import Api, CognitoError, SrpSession, srp_sign_in

PASSWORD = "Passw0rd!"


class Pool:
    def __init__(self, emulator: EmulatorServer, secret: bool = False, **pool: Any) -> None:
        self.emu = emulator
        self.pool_id = emulator.create_pool(AutoVerifiedAttributes=["email"], **pool)
        self.client_id = emulator.create_client(
            self.pool_id,
            PreventUserExistenceErrors="ENABLED",
            GenerateSecret=secret,
            ExplicitAuthFlows=[
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_USER_PASSWORD_AUTH",
                "ALLOW_CUSTOM_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
            ],
        )
        client = emulator.call(
            "DescribeUserPoolClient", {"UserPoolId": self.pool_id, "ClientId": self.client_id}
        )
        self.secret = client["UserPoolClient"].get("ClientSecret")
        self.api = Api(emulator.endpoint)

    def secret_hash(self, username: str) -> str:
        digest = hmac.new(
            self.secret.encode(), (username + self.client_id).encode(), hashlib.sha256
        ).digest()
        return base64.b64encode(digest).decode()

    def initiate(self, username: str, **extra: str) -> dict[str, Any]:
        srp = SrpSession()
        params = {"USERNAME": username, "SRP_A": format(srp.A, "x"), **extra}
        return self.api(
            "InitiateAuth", AuthFlow="USER_SRP_AUTH", ClientId=self.client_id, AuthParameters=params
        )


def _error(fn: Any, *args: Any, **kwargs: Any) -> CognitoError:
    with pytest.raises(CognitoError) as err:
        fn(*args, **kwargs)
    return err.value


@pytest.fixture
def pool(emulator: EmulatorServer) -> Pool:
    p = Pool(emulator)
    emulator.create_user(p.pool_id, "Alice", PASSWORD, email="alice@example.com")
    return p


def test_srp_salt_is_stable_for_an_unknown_user(pool: Pool) -> None:
    first = pool.initiate("nobody")["ChallengeParameters"]
    second = pool.initiate("nobody")["ChallengeParameters"]
    other = pool.initiate("somebody")["ChallengeParameters"]
    assert first["SALT"] == second["SALT"] != other["SALT"]
    assert first["SRP_B"] != second["SRP_B"]  # a fresh b each time, as for a real user
    real = pool.initiate("Alice")["ChallengeParameters"]
    assert real["SALT"] == pool.initiate("Alice")["ChallengeParameters"]["SALT"]


def test_no_case_echo(pool: Pool) -> None:
    fake = pool.initiate("NoBody")["ChallengeParameters"]
    assert fake["USER_ID_FOR_SRP"] == fake["USERNAME"] == "nobody"
    assert pool.initiate("NOBODY")["ChallengeParameters"]["SALT"] == fake["SALT"]


def test_unknown_user_fails_like_a_wrong_password(pool: Pool) -> None:
    wrong = _error(srp_sign_in, pool.api, pool.pool_id, pool.client_id, "Alice", "Wr0ng-pass!")
    unknown = _error(srp_sign_in, pool.api, pool.pool_id, pool.client_id, "nobody", PASSWORD)
    assert (unknown.name, unknown.message) == (wrong.name, wrong.message)
    for name in ("Alice", "nobody"):
        err = _error(
            pool.api,
            "InitiateAuth",
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=pool.client_id,
            AuthParameters={"USERNAME": name, "PASSWORD": "Wr0ng-pass!"},
        )
        assert (err.name, err.message) == (wrong.name, wrong.message)


def test_unknown_device_key_answers_alike(pool: Pool) -> None:
    errors = []
    for name in ("Alice", "nobody"):
        err = _error(
            srp_sign_in,
            pool.api,
            pool.pool_id,
            pool.client_id,
            name,
            PASSWORD,
            device_key="us-east-1_00000000-0000-0000-0000-000000000000",
        )
        errors.append((err.name, err.message))
    assert errors[0] == errors[1] == ("ResourceNotFoundException", "Device does not exist.")


def test_wrong_secret_hash_answers_alike(emulator: EmulatorServer) -> None:
    p = Pool(emulator, secret=True)
    emulator.create_user(p.pool_id, "alice", PASSWORD)
    answers = []
    for name in ("alice", "nobody"):
        err = _error(p.initiate, name, SECRET_HASH=p.secret_hash(name + "x"))
        answers.append((err.name, err.message))
    assert answers[0] == answers[1]
    assert answers[0][0] == "NotAuthorizedException"


def test_recovery_and_confirmation_answer_alike(pool: Pool) -> None:
    api, cid = pool.api, pool.client_id
    real = api("ForgotPassword", ClientId=cid, Username="Alice")["CodeDeliveryDetails"]
    fake = api("ForgotPassword", ClientId=cid, Username="nobody")["CodeDeliveryDetails"]
    assert set(fake) == set(real)
    assert fake["DeliveryMedium"] == real["DeliveryMedium"] == "EMAIL"
    again = api("ForgotPassword", ClientId=cid, Username="nobody")["CodeDeliveryDetails"]
    assert again == fake  # stable, as a real user's destination is
    assert not pool.emu.outbox("nobody")  # nothing was sent anywhere
    resend = api("ResendConfirmationCode", ClientId=cid, Username="nobody")
    assert resend["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    for op, extra in (
        ("ConfirmSignUp", {}),
        ("ConfirmForgotPassword", {"Password": "New-Passw0rd!"}),
    ):
        err = _error(api, op, ClientId=cid, Username="nobody", ConfirmationCode="123456", **extra)
        assert err.name == "CodeMismatchException", op


def test_legacy_clients_still_say_user_not_found(emulator: EmulatorServer) -> None:
    _pool_id, client_id = emulator.create_pool_and_client()
    api = Api(emulator.endpoint)
    for op, extra in (
        ("ForgotPassword", {}),
        ("ResendConfirmationCode", {}),
        ("ConfirmSignUp", {"ConfirmationCode": "123456"}),
    ):
        err = _error(api, op, ClientId=client_id, Username="nobody", **extra)
        assert err.name == "UserNotFoundException", op


def test_custom_auth_for_an_unknown_user_looks_real(emulator: EmulatorServer) -> None:
    p = Pool(emulator, EmulatorCustomAuth="BUILTIN")
    emulator.create_user(p.pool_id, "alice", PASSWORD)
    shapes = []
    for name in ("alice", "nobody"):
        first = p.api(
            "InitiateAuth",
            AuthFlow="CUSTOM_AUTH",
            ClientId=p.client_id,
            AuthParameters={"USERNAME": name},
        )
        shapes.append((first["ChallengeName"], sorted(first["ChallengeParameters"])))
        session = first["Session"]
        for _ in range(2):
            session = p.api(
                "RespondToAuthChallenge",
                ChallengeName="CUSTOM_CHALLENGE",
                ClientId=p.client_id,
                Session=session,
                ChallengeResponses={"USERNAME": name, "ANSWER": "000000x"},
            )["Session"]
        err = _error(
            p.api,
            "RespondToAuthChallenge",
            ChallengeName="CUSTOM_CHALLENGE",
            ClientId=p.client_id,
            Session=session,
            ChallengeResponses={"USERNAME": name, "ANSWER": "000000x"},
        )
        assert err.name == "NotAuthorizedException"
    assert shapes[0] == shapes[1]
    assert not emulator.outbox("nobody")
