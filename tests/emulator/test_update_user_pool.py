"""UpdateUserPool, GetUserPoolMfaConfig and DeletionProtection, driven by boto3 and written from
the API reference: "If you don't provide a value for an attribute, Amazon Cognito sets it to its
default value", while the settings fixed at creation (id, username attributes, aliases, case
sensitivity, schema) cannot change."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from cognito_emulator.testing import EmulatorServer

from .srp_client import Api, srp_sign_in

PASSWORD = "Long-Passw0rd!"


@pytest.fixture
def idp(emulator: EmulatorServer) -> Iterator[Any]:
    yield boto3.client(
        "cognito-idp",
        region_name="us-east-1",
        endpoint_url=emulator.endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def _code(err: pytest.ExceptionInfo[ClientError]) -> str:
    return str(err.value.response["Error"]["Code"])


def _pool(idp: Any, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = idp.create_user_pool(
        PoolName="upd",
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
        Schema=[{"Name": "team", "AttributeDataType": "String", "Mutable": True}],
        Policies={"PasswordPolicy": {"MinimumLength": 12}},
        **extra,
    )["UserPool"]
    return out


def test_what_an_update_leaves_out_goes_back_to_its_default(idp: Any) -> None:
    pool = _pool(idp, MfaConfiguration="OPTIONAL", UserPoolTags={"team": "a"})
    idp.update_user_pool(UserPoolId=pool["Id"], MfaConfiguration="OFF")
    after = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    assert after["MfaConfiguration"] == "OFF"
    assert after["Policies"]["PasswordPolicy"]["MinimumLength"] == 8  # the default again
    assert after.get("AutoVerifiedAttributes", []) == []
    assert "UserPoolTags" not in after
    # Fixed at creation: kept.
    assert after["Id"] == pool["Id"] and after["Name"] == "upd"
    assert after["UsernameAttributes"] == ["email"]
    assert after["CreationDate"] == pool["CreationDate"]
    assert any(a["Name"] == "custom:team" for a in after["SchemaAttributes"])
    assert after["LastModifiedDate"] >= pool["LastModifiedDate"]


def test_a_new_password_policy_applies_to_the_next_sign_up(idp: Any) -> None:
    pool = _pool(idp)
    client = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="c")["UserPoolClient"]
    idp.update_user_pool(
        UserPoolId=pool["Id"],
        Policies={"PasswordPolicy": {"MinimumLength": 16, "RequireSymbols": False}},
    )
    with pytest.raises(ClientError) as err:
        idp.sign_up(ClientId=client["ClientId"], Username="a@example.com", Password=PASSWORD)
    assert _code(err) == "InvalidPasswordException"
    idp.sign_up(ClientId=client["ClientId"], Username="a@example.com", Password="Sixteen0Letters0")


def test_users_and_clients_survive_an_update(idp: Any, emulator: EmulatorServer) -> None:
    pool = _pool(idp)
    client = idp.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="c",
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    idp.admin_create_user(UserPoolId=pool["Id"], Username="b@example.com", MessageAction="SUPPRESS")
    idp.admin_set_user_password(
        UserPoolId=pool["Id"], Username="b@example.com", Password=PASSWORD, Permanent=True
    )
    idp.update_user_pool(UserPoolId=pool["Id"], PoolName="renamed")
    assert idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]["Name"] == "renamed"
    api = Api(emulator.endpoint)
    try:
        out = srp_sign_in(api, pool["Id"], client["ClientId"], "b@example.com", PASSWORD)
    finally:
        api.http.close()
    assert "AuthenticationResult" in out


def test_sign_in_policy_and_tier_are_checked_on_update(idp: Any) -> None:
    pool = _pool(idp)
    idp.update_user_pool(
        UserPoolId=pool["Id"],
        Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}},
    )
    after = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    assert after["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"] == [
        "PASSWORD",
        "EMAIL_OTP",
    ]
    with pytest.raises(ClientError) as err:
        idp.update_user_pool(
            UserPoolId=pool["Id"],
            Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["MAGIC"]}},
        )
    assert _code(err) == "InvalidParameterException"
    with pytest.raises(ClientError) as err:
        idp.update_user_pool(
            UserPoolId=pool["Id"],
            UserPoolTier="LITE",
            Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}},
        )
    assert _code(err) == "FeatureUnavailableInTierException"
    # A refused update changes nothing.
    kept = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    assert kept["Policies"]["SignInPolicy"] == after["Policies"]["SignInPolicy"]
    assert kept["UserPoolTier"] == "ESSENTIALS"


def test_bad_values_and_unknown_pools_are_refused(idp: Any) -> None:
    pool = _pool(idp)
    with pytest.raises(ClientError) as err:
        idp.update_user_pool(UserPoolId=pool["Id"], MfaConfiguration="SOMETIMES")
    assert _code(err) == "InvalidParameterException"
    with pytest.raises(ClientError) as err:
        idp.update_user_pool(
            UserPoolId=pool["Id"], Policies={"PasswordPolicy": {"MinimumLength": 200}}
        )
    assert _code(err) == "InvalidParameterException"
    with pytest.raises(ClientError) as err:
        idp.update_user_pool(UserPoolId="us-east-1_nothere00")
    assert _code(err) == "ResourceNotFoundException"


def test_mfa_config_is_read_back_and_kept_by_pool_updates(idp: Any) -> None:
    pool = _pool(idp)
    set_out = idp.set_user_pool_mfa_config(
        UserPoolId=pool["Id"],
        MfaConfiguration="OPTIONAL",
        EmailMfaConfiguration={"Message": "code {####}", "Subject": "Your code"},
    )
    got = idp.get_user_pool_mfa_config(UserPoolId=pool["Id"])
    assert got["MfaConfiguration"] == set_out["MfaConfiguration"] == "OPTIONAL"
    assert got["EmailMfaConfiguration"]["Subject"] == "Your code"
    # UpdateUserPool's MfaConfiguration wins; email MFA belongs to SetUserPoolMfaConfig.
    idp.update_user_pool(UserPoolId=pool["Id"], MfaConfiguration="ON")
    got = idp.get_user_pool_mfa_config(UserPoolId=pool["Id"])
    assert got["MfaConfiguration"] == "ON"
    assert got["EmailMfaConfiguration"]["Subject"] == "Your code"
    with pytest.raises(ClientError) as err:
        idp.get_user_pool_mfa_config(UserPoolId="us-east-1_nothere00")
    assert _code(err) == "ResourceNotFoundException"


def test_deletion_protection_refuses_delete_until_turned_off(idp: Any) -> None:
    pool = _pool(idp, DeletionProtection="ACTIVE")
    assert pool["DeletionProtection"] == "ACTIVE"
    with pytest.raises(ClientError) as err:
        idp.delete_user_pool(UserPoolId=pool["Id"])
    assert _code(err) == "InvalidParameterException"
    idp.describe_user_pool(UserPoolId=pool["Id"])  # still there
    idp.update_user_pool(UserPoolId=pool["Id"])  # left out: back to INACTIVE
    idp.delete_user_pool(UserPoolId=pool["Id"])
    with pytest.raises(ClientError) as err:
        idp.describe_user_pool(UserPoolId=pool["Id"])
    assert _code(err) == "ResourceNotFoundException"
