"""boto3 administers the emulator through endpoint_url with dummy credentials."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from cognito_emulator.testing import EmulatorServer

from .srp_client import Api, srp_sign_in


def test_boto3_admin(emulator: EmulatorServer) -> None:
    idp = boto3.client(
        "cognito-idp",
        region_name="us-east-1",
        endpoint_url=emulator.endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    pool = idp.create_user_pool(
        PoolName="boto",
        AutoVerifiedAttributes=["email"],
        Policies={"PasswordPolicy": {"MinimumLength": 10}},
    )["UserPool"]
    assert pool["Id"].startswith("us-east-1_")
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 10
    described = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    assert described["Name"] == "boto"
    client = idp.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="web",
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    assert (
        idp.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=client["ClientId"])[
            "UserPoolClient"
        ]["ClientName"]
        == "web"
    )
    created = idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username="bob",
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": "bob@example.com"}],
    )["User"]
    assert created["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    idp.admin_set_user_password(
        UserPoolId=pool["Id"], Username="bob", Password="Long-Passw0rd!", Permanent=True
    )
    got = idp.admin_get_user(UserPoolId=pool["Id"], Username="bob")
    assert got["UserStatus"] == "CONFIRMED" and got["Enabled"] is True
    assert got["UserCreateDate"].year >= 2024  # epoch seconds parsed as a datetime
    out = srp_sign_in(
        Api(emulator.endpoint), pool["Id"], client["ClientId"], "bob", "Long-Passw0rd!"
    )
    assert "AuthenticationResult" in out
    signed_up = idp.sign_up(
        ClientId=client["ClientId"], Username="carol", Password="Long-Passw0rd!"
    )
    assert signed_up["UserConfirmed"] is False
    idp.admin_confirm_sign_up(UserPoolId=pool["Id"], Username="carol")
    users = idp.list_users(UserPoolId=pool["Id"])["Users"]
    assert sorted(u["Username"] for u in users) == ["bob", "carol"]
    idp.admin_delete_user(UserPoolId=pool["Id"], Username="carol")
    with pytest.raises(ClientError) as err:
        idp.admin_get_user(UserPoolId=pool["Id"], Username="carol")
    assert err.value.response["Error"]["Code"] == "UserNotFoundException"
    with pytest.raises(ClientError) as err:
        idp.sign_up(ClientId=client["ClientId"], Username="dan", Password="short")
    assert err.value.response["Error"]["Code"] == "InvalidPasswordException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_boto3_admin_auth_disable_and_global_sign_out(emulator: EmulatorServer) -> None:
    idp = boto3.client(
        "cognito-idp",
        region_name="us-east-1",
        endpoint_url=emulator.endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    pool_id = idp.create_user_pool(PoolName="admin-auth")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="server",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    emulator.create_user(pool_id, "erin", "Passw0rd!")
    auth = idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "erin", "PASSWORD": "Passw0rd!"},
    )
    access = auth["AuthenticationResult"]["AccessToken"]
    assert idp.get_user(AccessToken=access)["Username"] == "erin"
    with pytest.raises(ClientError) as err:
        idp.admin_initiate_auth(
            UserPoolId=pool_id,
            ClientId=client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "erin", "PASSWORD": "Wr0ng-pass!"},
        )
    assert err.value.response["Error"]["Code"] == "NotAuthorizedException"
    idp.admin_user_global_sign_out(UserPoolId=pool_id, Username="erin")
    with pytest.raises(ClientError) as err:
        idp.get_user(AccessToken=access)
    assert err.value.response["Error"]["Message"] == "Access Token has been revoked"
    idp.admin_disable_user(UserPoolId=pool_id, Username="erin")
    with pytest.raises(ClientError) as err:
        idp.admin_initiate_auth(
            UserPoolId=pool_id,
            ClientId=client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "erin", "PASSWORD": "Passw0rd!"},
        )
    assert err.value.response["Error"]["Message"] == "User is disabled."
    idp.admin_enable_user(UserPoolId=pool_id, Username="erin")
    idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "erin", "PASSWORD": "Passw0rd!"},
    )
