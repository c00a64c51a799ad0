"""Fidelity gaps found by trying every use case (issue 14): NEW_PASSWORD_REQUIRED's required
attributes, per-client ReadAttributes/WriteAttributes, AdminResetUserPassword, ListUsers
filters as documented, CUSTOM_AUTH only with triggers, and the outbox (a public endpoint)."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

import httpx
import pytest

from cognito_emulator.errors import ServiceError
from cognito_emulator.testing import EmulatorServer

from .conftest import PoolSetup
from .srp_client import Api, CognitoError, srp_sign_in

PASSWORD = "Passw0rd!"


def _claims(token: str) -> dict[str, Any]:
    body = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))


def _attrs(**values: str) -> list[dict[str, str]]:
    return [{"Name": k, "Value": v} for k, v in values.items()]


@pytest.fixture
def required_pool(emulator: EmulatorServer) -> tuple[EmulatorServer, Api, str, str]:
    pool_id = emulator.create_pool(
        Schema=[{"Name": "name", "AttributeDataType": "String", "Required": True}]
    )
    client_id = emulator.create_client(pool_id, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])
    emulator.call(
        "AdminCreateUser",
        {
            "UserPoolId": pool_id,
            "Username": "newbie",
            "TemporaryPassword": "Temp-Passw0rd!",
            "UserAttributes": _attrs(email="newbie@example.com"),
        },
    )
    return emulator, Api(emulator.endpoint), pool_id, client_id


def _new_password_answer(api: Api, client_id: str, session: str, **attrs: str) -> dict[str, Any]:
    responses = {"USERNAME": "newbie", "NEW_PASSWORD": "Fresh-Passw0rd!"}
    responses.update({f"userAttributes.{k}": v for k, v in attrs.items()})
    return api(
        "RespondToAuthChallenge",
        ChallengeName="NEW_PASSWORD_REQUIRED",
        ClientId=client_id,
        Session=session,
        ChallengeResponses=responses,
    )


def test_new_password_required_lists_and_demands_required_attributes(
    required_pool: tuple[EmulatorServer, Api, str, str],
) -> None:
    _emu, api, pool_id, client_id = required_pool
    challenge = srp_sign_in(api, pool_id, client_id, "newbie", "Temp-Passw0rd!")
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    params = challenge["ChallengeParameters"]
    assert json.loads(params["requiredAttributes"]) == ["userAttributes.name"]
    assert json.loads(params["userAttributes"])["email"] == "newbie@example.com"
    with pytest.raises(CognitoError) as err:
        _new_password_answer(api, client_id, challenge["Session"])
    assert err.value.name == "InvalidParameterException"
    challenge = srp_sign_in(api, pool_id, client_id, "newbie", "Temp-Passw0rd!")
    with pytest.raises(CognitoError) as err:
        _new_password_answer(
            api, client_id, challenge["Session"], name="New Bie", email_verified="true"
        )
    assert err.value.name == "NotAuthorizedException"
    challenge = srp_sign_in(api, pool_id, client_id, "newbie", "Temp-Passw0rd!")
    out = _new_password_answer(api, client_id, challenge["Session"], name="New Bie")
    claims = _claims(out["AuthenticationResult"]["IdToken"])
    assert claims["name"] == "New Bie"
    assert claims.get("email_verified") is not True


def test_sign_up_needs_required_attributes(
    required_pool: tuple[EmulatorServer, Api, str, str],
) -> None:
    _emu, api, _pool_id, client_id = required_pool
    with pytest.raises(CognitoError) as err:
        api("SignUp", ClientId=client_id, Username="x", Password=PASSWORD)
    assert err.value.name == "InvalidParameterException"
    api(
        "SignUp",
        ClientId=client_id,
        Username="x",
        Password=PASSWORD,
        UserAttributes=_attrs(name="X"),
    )


def test_client_read_and_write_attributes(setup: PoolSetup) -> None:
    emu = setup.server
    client_id = emu.create_client(
        setup.pool_id,
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"],
        ReadAttributes=["email", "custom:team"],
        WriteAttributes=["name"],
    )
    emu.create_user(setup.pool_id, "alice", PASSWORD, email="a@example.com", name="Alice")
    out = srp_sign_in(setup.api, setup.pool_id, client_id, "alice", PASSWORD)
    result = out["AuthenticationResult"]
    claims = _claims(result["IdToken"])
    assert claims["email"] == "a@example.com"
    assert "name" not in claims and "email_verified" not in claims
    got = setup.api("GetUser", AccessToken=result["AccessToken"])
    assert {a["Name"] for a in got["UserAttributes"]} == {"sub", "email"}
    setup.api(
        "UpdateUserAttributes", AccessToken=result["AccessToken"], UserAttributes=_attrs(name="A")
    )
    with pytest.raises(CognitoError) as err:
        setup.api(
            "UpdateUserAttributes",
            AccessToken=result["AccessToken"],
            UserAttributes=_attrs(email="b@example.com"),
        )
    assert err.value.name == "NotAuthorizedException"


def test_admin_reset_user_password(setup: PoolSetup) -> None:
    emu = setup.server
    emu.create_user(setup.pool_id, "alice", PASSWORD, email="a@example.com")
    emu.call("AdminResetUserPassword", {"UserPoolId": setup.pool_id, "Username": "alice"})
    user = emu.call("AdminGetUser", {"UserPoolId": setup.pool_id, "Username": "alice"})
    assert user["UserStatus"] == "RESET_REQUIRED"
    with pytest.raises(CognitoError) as err:
        srp_sign_in(setup.api, setup.pool_id, setup.client_id, "alice", PASSWORD)
    assert err.value.name == "PasswordResetRequiredException"
    code = emu.last_code("alice", "forgot_password")
    setup.api(
        "ConfirmForgotPassword",
        ClientId=setup.client_id,
        Username="alice",
        ConfirmationCode=code,
        Password="Fresh-Passw0rd!",
    )
    out = srp_sign_in(setup.api, setup.pool_id, setup.client_id, "alice", "Fresh-Passw0rd!")
    assert "AccessToken" in out["AuthenticationResult"]


def test_list_users_filters_as_documented(setup: PoolSetup) -> None:
    emu = setup.server
    emu.create_user(setup.pool_id, "alice", PASSWORD, email="a@example.com", name='Al "Ace"')
    emu.create_user(setup.pool_id, "bob", PASSWORD, confirmed=False, email="b@example.com")
    emu.call("AdminDisableUser", {"UserPoolId": setup.pool_id, "Username": "bob"})

    def names(expr: str) -> list[str]:
        out = emu.call("ListUsers", {"UserPoolId": setup.pool_id, "Filter": expr})
        return sorted(u["Username"] for u in out["Users"])

    assert names('cognito:user_status = "confirmed"') == ["alice"]  # case-insensitive
    assert names('cognito:user_status = "UNCONFIRMED"') == ["bob"]
    assert names('status = "Disabled"') == ["bob"]
    assert names('status = "Enabled"') == ["alice"]
    assert names('name = "Al \\"Ace\\""') == ["alice"]
    assert names('email ^= "b@"') == ["bob"]
    assert names('username = "ALICE"') == []  # username filters are case-sensitive
    for bad in ('custom:team = "blue"', 'locale = "en"', 'email != "x"', "email = x"):
        with pytest.raises(ServiceError) as err:
            names(bad)
        assert err.value.name == "InvalidParameterException", bad


def test_custom_auth_needs_triggers(emulator: EmulatorServer) -> None:
    pool_id, client_id = emulator.create_pool_and_client()
    emulator.create_user(pool_id, "alice", PASSWORD, email="a@example.com")
    with pytest.raises(CognitoError) as err:
        Api(emulator.endpoint)(
            "InitiateAuth",
            AuthFlow="CUSTOM_AUTH",
            ClientId=client_id,
            AuthParameters={"USERNAME": "alice"},
        )
    assert err.value.name == "InvalidParameterException"
    assert not emulator.outbox("alice")


def test_outbox_entries_and_filters(emulator: EmulatorServer) -> None:
    pool_id = emulator.create_pool(UsernameAttributes=["email"], AutoVerifiedAttributes=["email"])
    client_id = emulator.create_client(pool_id)
    api = Api(emulator.endpoint)
    api("SignUp", ClientId=client_id, Username="Zoe@Example.com", Password=PASSWORD)
    api("ResendConfirmationCode", ClientId=client_id, Username="Zoe@Example.com")
    url = emulator.endpoint + "_emulator/outbox"
    for query in ({"username": "Zoe@Example.com"}, {"email": "zoe@example.com"}):
        entries = httpx.get(url, params=query).json()
        assert [e["kind"] for e in entries] == ["signup", "signup"], query
    first, second = entries
    assert first["superseded"] and not second["superseded"]
    assert not first["used"] and not second["used"]
    for entry in entries:
        assert entry["time"].endswith("Z")
        assert datetime.fromisoformat(entry["time"].replace("Z", "+00:00")).tzinfo is not None
        assert entry["destination"] == "Zoe@Example.com"
        assert entry["username"] != "Zoe@Example.com"  # the generated username
    api(
        "ConfirmSignUp",
        ClientId=client_id,
        Username="zoe@example.com",
        ConfirmationCode=second["code"],
    )
    after = httpx.get(url, params={"username": "zoe@example.com"}).json()
    assert [e["used"] for e in after] == [False, True]
    by_name = httpx.get(url, params={"username": after[0]["username"]}).json()
    assert by_name == after
    assert httpx.get(url, params={"email": "nobody@example.com"}).json() == []
