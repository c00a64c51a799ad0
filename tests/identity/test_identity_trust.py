"""Identity pools hand out credentials only for roles the pool grants (issue 14): a caller
naming any other CustomRoleArn gets none; malformed provider and role-mapping settings are
refused when written, never stored to break later requests."""

from __future__ import annotations

from typing import Any

import botocore.exceptions
import pytest
from identity_helpers import PASSWORD, ROLE_AUTH, IdentitySetup

MAPPED = "arn:aws:iam::123456789012:role/identity-admins"
FOREIGN = "arn:aws:iam::999999999999:role/OrganizationAccountAccessRole"


def _token(setup: IdentitySetup) -> str:
    resp = setup.boto("cognito-idp").initiate_auth(
        ClientId=setup.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": setup.username, "PASSWORD": PASSWORD},
    )
    return str(resp["AuthenticationResult"]["IdToken"])


def _credentials(setup: IdentitySetup, role: str | None) -> dict[str, Any]:
    cid = setup.boto("cognito-identity")
    logins = {setup.provider: _token(setup)}
    identity = cid.get_id(IdentityPoolId=setup.identity_pool_id, Logins=logins)["IdentityId"]
    extra = {"CustomRoleArn": role} if role else {}
    return dict(cid.get_credentials_for_identity(IdentityId=identity, Logins=logins, **extra))


def test_custom_role_outside_the_pool_is_refused(identity_setup: IdentitySetup) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as err:
        _credentials(identity_setup, FOREIGN)
    assert err.value.response["Error"]["Code"] == "NotAuthorizedException"
    # The pool's own authenticated role may be named.
    assert _credentials(identity_setup, ROLE_AUTH)["Credentials"]["AccessKeyId"]


def test_custom_role_from_the_pools_role_mapping(identity_setup: IdentitySetup) -> None:
    cid = identity_setup.boto("cognito-identity")
    cid.set_identity_pool_roles(
        IdentityPoolId=identity_setup.identity_pool_id,
        Roles={"authenticated": ROLE_AUTH},
        RoleMappings={
            identity_setup.provider: {
                "Type": "Rules",
                "AmbiguousRoleResolution": "AuthenticatedRole",
                "RulesConfiguration": {
                    "Rules": [
                        {
                            "Claim": "cognito:groups",
                            "MatchType": "Contains",
                            "Value": "admins",
                            "RoleARN": MAPPED,
                        }
                    ]
                },
            }
        },
    )
    try:
        assert _credentials(identity_setup, MAPPED)["Credentials"]["AccessKeyId"]
        with pytest.raises(botocore.exceptions.ClientError):
            _credentials(identity_setup, FOREIGN)
    finally:
        cid.set_identity_pool_roles(
            IdentityPoolId=identity_setup.identity_pool_id, Roles={"authenticated": ROLE_AUTH}
        )


@pytest.mark.parametrize("providers", [[1], ["cognito-idp"], [None], [{"ProviderName": 7}]])
def test_malformed_providers_are_a_400(identity_setup: IdentitySetup, providers: Any) -> None:
    import httpx

    resp = httpx.post(
        identity_setup.endpoint,
        json={
            "IdentityPoolName": "broken",
            "AllowUnauthenticatedIdentities": False,
            "CognitoIdentityProviders": providers,
        },
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityService.CreateIdentityPool",
        },
    )
    assert resp.status_code == 400, resp.text
    assert resp.json()["__type"] == "InvalidParameterException"
    pools = identity_setup.boto("cognito-identity").list_identity_pools(MaxResults=60)
    assert "broken" not in [p["IdentityPoolName"] for p in pools["IdentityPools"]]
