"""Attributes as Cognito allows them (issue 14): schema only, ``*_verified`` admin-only, a
changed email unverified, aliases never taken over, users whose names prefix others' apart.

Spec: API reference SignUp / UpdateUserAttributes / AdminUpdateUserAttributes /
ConfirmSignUp (ForceAliasCreation, AliasExistsException); developer guide "User pool
attributes" (standard attributes, custom attributes, "email_verified ... can be set only by
an administrator") and "Aliases".
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from cognito_emulator.testing import EmulatorServer

from .conftest import PoolSetup
from .srp_client import Api, CognitoError, device_verifier, srp_sign_in

PASSWORD = "Passw0rd!"


def _attrs(**values: str) -> list[dict[str, str]]:
    return [{"Name": k.replace("__", ":"), "Value": v} for k, v in values.items()]


def _claims(token: str) -> dict[str, Any]:
    body = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))


def _sign_up(setup: PoolSetup, username: str, **attrs: str) -> dict[str, Any]:
    return setup.api(
        "SignUp",
        ClientId=setup.client_id,
        Username=username,
        Password=PASSWORD,
        UserAttributes=_attrs(**attrs),
    )


def _error(fn: Any, *args: Any, **kwargs: Any) -> CognitoError:
    with pytest.raises(CognitoError) as err:
        fn(*args, **kwargs)
    return err.value


@pytest.mark.parametrize(
    "name",
    ["cognito:groups", "cognito:roles", "favourite_colour", "custom:undeclared", "identities"],
)
def test_sign_up_refuses_attributes_outside_the_schema(setup: PoolSetup, name: str) -> None:
    err = _error(
        setup.api,
        "SignUp",
        ClientId=setup.client_id,
        Username="mallory",
        Password=PASSWORD,
        UserAttributes=[{"Name": name, "Value": "admins"}],
    )
    assert err.name == "InvalidParameterException"
    assert "schema" in err.message
    assert not setup.server.outbox("mallory")  # nothing was created


@pytest.mark.parametrize("name", ["email_verified", "phone_number_verified"])
def test_a_user_cannot_verify_itself(setup: PoolSetup, name: str) -> None:
    err = _error(_sign_up, setup, "mallory", email="m@example.com", **{name: "true"})
    assert err.name == "NotAuthorizedException"
    setup.server.create_user(setup.pool_id, "bob", PASSWORD, email="bob@example.com")
    access = srp_sign_in(setup.api, setup.pool_id, setup.client_id, "bob", PASSWORD)[
        "AuthenticationResult"
    ]["AccessToken"]
    err = _error(
        setup.api,
        "UpdateUserAttributes",
        AccessToken=access,
        UserAttributes=_attrs(**{name: "true"}),
    )
    assert err.name == "NotAuthorizedException"


def test_declared_custom_attribute_reaches_the_id_token(setup: PoolSetup) -> None:
    _sign_up(setup, "carol", email="c@example.com", custom__team="blue")
    setup.server.call("AdminConfirmSignUp", {"UserPoolId": setup.pool_id, "Username": "carol"})
    out = srp_sign_in(setup.api, setup.pool_id, setup.client_id, "carol", PASSWORD)
    claims = _claims(out["AuthenticationResult"]["IdToken"])
    assert claims["custom:team"] == "blue"
    assert claims["email_verified"] is False
    assert "cognito:groups" not in claims


def test_changed_email_is_unverified_and_only_an_admin_verifies(setup: PoolSetup) -> None:
    setup.server.create_user(setup.pool_id, "dora", PASSWORD, email="dora@example.com")
    tokens = srp_sign_in(setup.api, setup.pool_id, setup.client_id, "dora", PASSWORD)
    access = tokens["AuthenticationResult"]["AccessToken"]
    setup.api("UpdateUserAttributes", AccessToken=access, UserAttributes=_attrs(email="d2@x.io"))
    got = {
        a["Name"]: a["Value"] for a in setup.api("GetUser", AccessToken=access)["UserAttributes"]
    }
    assert got["email"] == "d2@x.io" and got["email_verified"] == "false"
    setup.server.call(
        "AdminUpdateUserAttributes",
        {
            "UserPoolId": setup.pool_id,
            "Username": "dora",
            "UserAttributes": _attrs(email_verified="true"),
        },
    )
    got = {
        a["Name"]: a["Value"] for a in setup.api("GetUser", AccessToken=access)["UserAttributes"]
    }
    assert got["email_verified"] == "true"


def test_value_and_name_limits(setup: PoolSetup) -> None:
    assert _error(_sign_up, setup, "eve", name="x" * 2049).name == "InvalidParameterException"
    _sign_up(setup, "eve", name="x" * 2048)  # the limit itself is fine
    assert _error(_sign_up, setup, "u" * 129).name == "InvalidParameterException"
    for bad in ("with space", "tab\tname", "nul\x00", "bell\x07"):
        assert _error(_sign_up, setup, bad).name == "InvalidParameterException", bad


def test_fifty_custom_attributes_at_most(emulator: EmulatorServer) -> None:
    schema = [{"Name": f"c{i}", "AttributeDataType": "String"} for i in range(50)]
    emulator.create_pool(Schema=schema)
    err = _error_call(
        emulator, "CreateUserPool", {"PoolName": "p", "Schema": [*schema, {"Name": "c50"}]}
    )
    assert err == "LimitExceededException"


def _error_call(emulator: EmulatorServer, op: str, params: dict[str, Any]) -> str:
    from cognito_emulator.errors import ServiceError

    with pytest.raises(ServiceError) as err:
        emulator.call(op, params)
    return err.value.name


# ---------------------------------------------------------------- aliases


@pytest.fixture
def alias_pool(emulator: EmulatorServer) -> tuple[EmulatorServer, Api, str, str]:
    pool_id = emulator.create_pool(AliasAttributes=["email"], AutoVerifiedAttributes=["email"])
    client_id = emulator.create_client(pool_id, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])
    emulator.create_user(pool_id, "owner", PASSWORD, email="shared@example.com")
    return emulator, Api(emulator.endpoint), pool_id, client_id


def test_sign_up_with_a_verified_alias_of_another_user_is_refused(
    alias_pool: tuple[EmulatorServer, Api, str, str],
) -> None:
    emu, api, pool_id, client_id = alias_pool
    err = _error(
        api,
        "SignUp",
        ClientId=client_id,
        Username="thief",
        Password=PASSWORD,
        UserAttributes=_attrs(email="shared@example.com", email_verified="true"),
    )
    assert err.name == "NotAuthorizedException"
    # Unverified, the same email is allowed, but confirming it would move the alias: refused.
    api(
        "SignUp",
        ClientId=client_id,
        Username="thief",
        Password=PASSWORD,
        UserAttributes=_attrs(email="shared@example.com"),
    )
    code = emu.last_code("thief", "signup")
    err = _error(api, "ConfirmSignUp", ClientId=client_id, Username="thief", ConfirmationCode=code)
    assert err.name == "AliasExistsException"
    # The alias still signs the owner in.
    out = srp_sign_in(api, pool_id, client_id, "shared@example.com", PASSWORD)
    assert _claims(out["AuthenticationResult"]["IdToken"])["cognito:username"] == "owner"


def test_force_alias_creation_moves_the_alias(
    alias_pool: tuple[EmulatorServer, Api, str, str],
) -> None:
    emu, api, pool_id, client_id = alias_pool
    api(
        "SignUp",
        ClientId=client_id,
        Username="heir",
        Password=PASSWORD,
        UserAttributes=_attrs(email="shared@example.com"),
    )
    code = emu.last_code("heir", "signup")
    api(
        "ConfirmSignUp",
        ClientId=client_id,
        Username="heir",
        ConfirmationCode=code,
        ForceAliasCreation=True,
    )
    out = srp_sign_in(api, pool_id, client_id, "shared@example.com", PASSWORD)
    assert _claims(out["AuthenticationResult"]["IdToken"])["cognito:username"] == "heir"
    owner = emu.call("AdminGetUser", {"UserPoolId": pool_id, "Username": "owner"})
    attrs = {a["Name"]: a["Value"] for a in owner["UserAttributes"]}
    assert attrs["email_verified"] == "false"


def test_email_as_username_cannot_be_taken_over(emulator: EmulatorServer) -> None:
    pool_id = emulator.create_pool(UsernameAttributes=["email"])
    client_id = emulator.create_client(pool_id, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])
    api = Api(emulator.endpoint)
    for email in ("victim@example.com", "attacker@example.com"):
        api("SignUp", ClientId=client_id, Username=email, Password=PASSWORD)
        emulator.call("AdminConfirmSignUp", {"UserPoolId": pool_id, "Username": email})
    out = srp_sign_in(api, pool_id, client_id, "attacker@example.com", PASSWORD)
    access = out["AuthenticationResult"]["AccessToken"]
    err = _error(
        api,
        "UpdateUserAttributes",
        AccessToken=access,
        UserAttributes=_attrs(email="victim@example.com"),
    )
    assert err.name == "AliasExistsException"
    victim = srp_sign_in(api, pool_id, client_id, "victim@example.com", PASSWORD)
    assert _claims(victim["AuthenticationResult"]["IdToken"])["email"] == "victim@example.com"


# ---------------------------------------------------------------- exact keys


def test_users_whose_names_prefix_each_other_stay_apart(setup: PoolSetup) -> None:
    emu = setup.server
    for name in ("dave", "dave/x", "dave%2Fx"):
        emu.create_user(setup.pool_id, name, PASSWORD, email=f"{len(name)}@example.com")
    tokens = {
        name: srp_sign_in(setup.api, setup.pool_id, setup.client_id, name, PASSWORD)[
            "AuthenticationResult"
        ]
        for name in ("dave", "dave/x", "dave%2Fx")
    }
    for result in tokens.values():  # each sign-in got a new device: confirm it
        meta = result["NewDeviceMetadata"]
        setup.api(
            "ConfirmDevice",
            AccessToken=result["AccessToken"],
            DeviceKey=meta["DeviceKey"],
            DeviceSecretVerifierConfig=device_verifier(meta["DeviceGroupKey"], meta["DeviceKey"])[
                1
            ],
        )
    # dave sees one device, his own.
    devices = setup.api("ListDevices", AccessToken=tokens["dave"]["AccessToken"])["Devices"]
    assert [d["DeviceKey"] for d in devices] == [tokens["dave"]["NewDeviceMetadata"]["DeviceKey"]]
    setup.api("GlobalSignOut", AccessToken=tokens["dave"]["AccessToken"])
    for other in ("dave/x", "dave%2Fx"):
        setup.api("GetUser", AccessToken=tokens[other]["AccessToken"])  # still signed in
    setup.api("DeleteUser", AccessToken=tokens["dave/x"]["AccessToken"])
    setup.api("GetUser", AccessToken=tokens["dave%2Fx"]["AccessToken"])
    assert setup.api("ListDevices", AccessToken=tokens["dave%2Fx"]["AccessToken"])["Devices"]


def test_alias_values_that_prefix_each_other_stay_apart(emulator: EmulatorServer) -> None:
    pool_id = emulator.create_pool(AliasAttributes=["preferred_username"])
    client_id = emulator.create_client(pool_id, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])
    # Index keys sort "dave/x/aa" before "dave/zz": a prefix scan for "dave/" finds aa first.
    emulator.create_user(pool_id, "aa", PASSWORD, preferred_username="dave/x")
    emulator.create_user(pool_id, "zz", "Other-Passw0rd!", preferred_username="dave")
    api = Api(emulator.endpoint)
    out = srp_sign_in(api, pool_id, client_id, "dave", "Other-Passw0rd!")
    assert _claims(out["AuthenticationResult"]["IdToken"])["cognito:username"] == "zz"
    err = _error(srp_sign_in, api, pool_id, client_id, "dave", PASSWORD)
    assert err.name == "NotAuthorizedException"
    out = srp_sign_in(api, pool_id, client_id, "dave/x", PASSWORD)
    assert _claims(out["AuthenticationResult"]["IdToken"])["cognito:username"] == "aa"
