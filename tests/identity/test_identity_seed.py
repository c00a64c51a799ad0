"""Identity pools from seed files and the demo config."""

from __future__ import annotations

import json
from pathlib import Path

import boto3

from cognito_emulator.testing import EmulatorServer

SEED = {
    "pools": [
        {
            "PoolName": "seeded",
            "clients": [
                {
                    "ClientName": "web",
                    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                }
            ],
            "users": [{"Username": "dave", "Password": "Seeded-Pass-1"}],
        }
    ],
    "identityPools": [
        {
            "IdentityPoolName": "seeded ids",
            "IdentityPoolId": "us-east-1:0e0e0e0e-1111-2222-3333-444444444444",
            "UserPools": ["seeded"],
            "Roles": {"authenticated": "arn:aws:iam::123456789012:role/seeded"},
        }
    ],
}


def _client(server: EmulatorServer, service: str):  # type: ignore[no-untyped-def]
    return boto3.client(
        service,
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )


def test_seeded_identity_pool_gives_credentials() -> None:
    with EmulatorServer(seed=SEED) as server:
        idp, cid = _client(server, "cognito-idp"), _client(server, "cognito-identity")
        pool = idp.list_user_pools(MaxResults=10)["UserPools"][0]
        ident = SEED["identityPools"][0]["IdentityPoolId"]  # type: ignore[index]
        described = cid.describe_identity_pool(IdentityPoolId=ident)
        provider = described["CognitoIdentityProviders"][0]
        assert provider["ProviderName"] == f"cognito-idp.us-east-1.amazonaws.com/{pool['Id']}"
        client_id = provider["ClientId"]
        assert cid.get_identity_pool_roles(IdentityPoolId=ident)["Roles"] == {
            "authenticated": "arn:aws:iam::123456789012:role/seeded"
        }
        token = idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "dave", "PASSWORD": "Seeded-Pass-1"},
        )["AuthenticationResult"]["IdToken"]
        logins = {provider["ProviderName"]: token}
        identity = cid.get_id(IdentityPoolId=ident, Logins=logins)["IdentityId"]
        creds = cid.get_credentials_for_identity(IdentityId=identity, Logins=logins)
        assert creds["Credentials"]["AccessKeyId"].startswith("ASIA")


def test_demo_config_names_an_identity_pool(tmp_path: Path) -> None:
    from cognito_emulator.seed import ensure_demo

    with EmulatorServer() as server:
        path = tmp_path / "config.json"
        first = ensure_demo(server.ctx(), server.endpoint, str(path))
        again = ensure_demo(server.ctx(), server.endpoint, str(path))
        assert first["identityPoolId"] == again["identityPoolId"]  # idempotent
        written = json.loads(path.read_text())
        assert written["identityPoolId"] == first["identityPoolId"]
        described = _client(server, "cognito-identity").describe_identity_pool(
            IdentityPoolId=written["identityPoolId"]
        )
        provider = f"cognito-idp.{written['region']}.amazonaws.com/{written['userPoolId']}"
        assert described["CognitoIdentityProviders"] == [
            {
                "ProviderName": provider,
                "ClientId": written["clientId"],
                "ServerSideTokenCheck": False,
            }
        ]
