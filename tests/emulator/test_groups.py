"""User-pool groups through boto3, and the claims they put in tokens, written from the API
reference (CreateGroup ... ListUsersInGroup) and the developer guide's "Adding groups to a
user pool" (cognito:groups, cognito:roles, cognito:preferred_role and precedence)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from cognito_emulator.errors import ServiceError
from cognito_emulator.testing import EmulatorServer

PASSWORD = "Long-Passw0rd!"
ADMIN_ROLE = "arn:aws:iam::123456789012:role/admins"
READER_ROLE = "arn:aws:iam::123456789012:role/readers"


@pytest.fixture
def env(emulator: EmulatorServer) -> Iterator[tuple[Any, str, str]]:
    idp = boto3.client(
        "cognito-idp",
        region_name="us-east-1",
        endpoint_url=emulator.endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    pool_id = idp.create_user_pool(PoolName="groups")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="c", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    for name in ("ann", "bob"):
        idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS")
        idp.admin_set_user_password(
            UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True
        )
    yield idp, pool_id, client_id


def _code(err: pytest.ExceptionInfo[ClientError]) -> str:
    return str(err.value.response["Error"]["Code"])


def _claims(token: str) -> dict[str, Any]:
    body = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))


def _tokens(idp: Any, pool_id: str, client_id: str, name: str) -> tuple[dict[str, Any], ...]:
    out = idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return _claims(out["AccessToken"]), _claims(out["IdToken"])


def test_group_life_cycle(env: tuple[Any, str, str]) -> None:
    idp, pool_id, _ = env
    made = idp.create_group(
        UserPoolId=pool_id, GroupName="admins", Description="Admins", Precedence=1
    )["Group"]
    assert made["GroupName"] == "admins" and made["Precedence"] == 1
    assert made["UserPoolId"] == pool_id and made["CreationDate"]
    with pytest.raises(ClientError) as err:
        idp.create_group(UserPoolId=pool_id, GroupName="admins")
    assert _code(err) == "GroupExistsException"
    idp.update_group(UserPoolId=pool_id, GroupName="admins", RoleArn=ADMIN_ROLE)
    got = idp.get_group(UserPoolId=pool_id, GroupName="admins")["Group"]
    assert got["RoleArn"] == ADMIN_ROLE and got["Description"] == "Admins"  # kept
    idp.delete_group(UserPoolId=pool_id, GroupName="admins")
    with pytest.raises(ClientError) as err:
        idp.get_group(UserPoolId=pool_id, GroupName="admins")
    assert _code(err) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as err:
        idp.delete_group(UserPoolId=pool_id, GroupName="admins")
    assert _code(err) == "ResourceNotFoundException"


def test_bad_group_input_is_refused(env: tuple[Any, str, str], emulator: EmulatorServer) -> None:
    """Sent in-process: boto3 would refuse some of these itself before sending."""
    idp, pool_id, _ = env
    for bad in (
        {"GroupName": "has space"},
        {"GroupName": "x" * 129},
        {"GroupName": ""},
        {"GroupName": "ok", "Precedence": -1},
        {"GroupName": "ok", "Precedence": 2**31},
        {"GroupName": "ok", "RoleArn": "not-an-arn-at-all-really"},
        {"GroupName": "ok", "Description": "d" * 2049},
    ):
        with pytest.raises(ServiceError) as err:
            emulator.call("CreateGroup", {"UserPoolId": pool_id, **bad})
        assert err.value.name == "InvalidParameterException", bad
    assert idp.list_groups(UserPoolId=pool_id)["Groups"] == []
    with pytest.raises(ServiceError) as err:
        emulator.call("ListGroups", {"UserPoolId": pool_id, "NextToken": "forged"})
    assert err.value.name == "InvalidParameterException"
    with pytest.raises(ClientError) as cerr:
        idp.create_group(UserPoolId="us-east-1_nothere00", GroupName="g")
    assert _code(cerr) == "ResourceNotFoundException"


def test_membership_and_listing(env: tuple[Any, str, str]) -> None:
    idp, pool_id, _ = env
    for name in ("c-group", "a-group", "b-group"):
        idp.create_group(UserPoolId=pool_id, GroupName=name)
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="ann", GroupName="a-group")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="ann", GroupName="a-group")  # again
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="bob", GroupName="a-group")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="ann", GroupName="c-group")
    page = idp.list_groups(UserPoolId=pool_id, Limit=2)
    assert [g["GroupName"] for g in page["Groups"]] == ["a-group", "b-group"]
    rest = idp.list_groups(UserPoolId=pool_id, Limit=2, NextToken=page["NextToken"])
    assert [g["GroupName"] for g in rest["Groups"]] == ["c-group"] and "NextToken" not in rest
    users = idp.list_users_in_group(UserPoolId=pool_id, GroupName="a-group")["Users"]
    assert [u["Username"] for u in users] == ["ann", "bob"]
    mine = idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="ann")["Groups"]
    assert sorted(g["GroupName"] for g in mine) == ["a-group", "c-group"]
    idp.admin_remove_user_from_group(UserPoolId=pool_id, Username="ann", GroupName="a-group")
    users = idp.list_users_in_group(UserPoolId=pool_id, GroupName="a-group")["Users"]
    assert [u["Username"] for u in users] == ["bob"]
    with pytest.raises(ClientError) as err:
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username="nobody", GroupName="a-group")
    assert _code(err) == "UserNotFoundException"
    with pytest.raises(ClientError) as err:
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username="ann", GroupName="nope")
    assert _code(err) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as err:
        idp.list_users_in_group(UserPoolId=pool_id, GroupName="nope")
    assert _code(err) == "ResourceNotFoundException"


def test_tokens_carry_groups_roles_and_the_preferred_role(env: tuple[Any, str, str]) -> None:
    idp, pool_id, client_id = env
    access, ident = _tokens(idp, pool_id, client_id, "ann")
    assert "cognito:groups" not in access and "cognito:groups" not in ident
    idp.create_group(UserPoolId=pool_id, GroupName="readers", RoleArn=READER_ROLE, Precedence=5)
    idp.create_group(UserPoolId=pool_id, GroupName="admins", RoleArn=ADMIN_ROLE, Precedence=1)
    idp.create_group(UserPoolId=pool_id, GroupName="no-rank")
    for group in ("readers", "admins", "no-rank"):
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username="ann", GroupName=group)
    access, ident = _tokens(idp, pool_id, client_id, "ann")
    assert access["cognito:groups"] == ["admins", "readers", "no-rank"]
    assert ident["cognito:groups"] == ["admins", "readers", "no-rank"]
    assert ident["cognito:roles"] == [ADMIN_ROLE, READER_ROLE]
    assert ident["cognito:preferred_role"] == ADMIN_ROLE
    assert "cognito:roles" not in access
    # Two groups at the lowest precedence with different roles: no preferred role.
    idp.update_group(UserPoolId=pool_id, GroupName="readers", Precedence=1)
    _, ident = _tokens(idp, pool_id, client_id, "ann")
    assert "cognito:preferred_role" not in ident
    # Another user's token is untouched; a deleted group leaves the next token.
    _, other = _tokens(idp, pool_id, client_id, "bob")
    assert "cognito:groups" not in other
    idp.delete_group(UserPoolId=pool_id, GroupName="admins")
    access, ident = _tokens(idp, pool_id, client_id, "ann")
    assert access["cognito:groups"] == ["readers", "no-rank"]
    assert ident["cognito:preferred_role"] == READER_ROLE


def test_a_deleted_user_comes_back_without_groups(env: tuple[Any, str, str]) -> None:
    idp, pool_id, _ = env
    idp.create_group(UserPoolId=pool_id, GroupName="staff")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="bob", GroupName="staff")
    idp.admin_delete_user(UserPoolId=pool_id, Username="bob")
    assert idp.list_users_in_group(UserPoolId=pool_id, GroupName="staff")["Users"] == []
    idp.admin_create_user(UserPoolId=pool_id, Username="bob", MessageAction="SUPPRESS")
    assert idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="bob")["Groups"] == []


def test_group_names_that_look_like_key_prefixes_stay_apart(env: tuple[Any, str, str]) -> None:
    idp, pool_id, _ = env
    idp.create_group(UserPoolId=pool_id, GroupName="team")
    idp.create_group(UserPoolId=pool_id, GroupName="team/x")
    idp.delete_group(UserPoolId=pool_id, GroupName="team")
    names = [g["GroupName"] for g in idp.list_groups(UserPoolId=pool_id)["Groups"]]
    assert names == ["team/x"]
