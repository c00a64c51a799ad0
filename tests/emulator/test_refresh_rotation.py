"""GetTokensFromRefreshToken and the app client's RefreshTokenRotation (API reference:
GetTokensFromRefreshToken, RefreshTokenRotationType, RefreshTokenReuseException)."""

from __future__ import annotations

from typing import Any

import pytest

from cognito_emulator.testing import EmulatorServer

from .srp_client import Api, CognitoError

PASSWORD = "Passw0rd!"
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def _client(server: EmulatorServer, pool_id: str, **extra: Any) -> str:
    return server.create_client(pool_id, ExplicitAuthFlows=FLOWS, **extra)


def _sign_in(api: Api, client_id: str) -> dict[str, Any]:
    out = api(
        "InitiateAuth",
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD},
    )
    return dict(out["AuthenticationResult"])


@pytest.fixture
def env(emulator: EmulatorServer) -> Any:
    pool_id = emulator.create_pool()
    emulator.create_user(pool_id, "alice", PASSWORD, email="alice@example.com")
    api = Api(emulator.endpoint)
    yield emulator, api, pool_id
    api.http.close()


def _error(fn: Any, *args: Any, **kwargs: Any) -> CognitoError:
    with pytest.raises(CognitoError) as err:
        fn(*args, **kwargs)
    return err.value


def test_without_rotation_only_id_and_access_tokens(env: Any) -> None:
    server, api, pool_id = env
    client_id = _client(server, pool_id)
    first = _sign_in(api, client_id)
    out = api("GetTokensFromRefreshToken", ClientId=client_id, RefreshToken=first["RefreshToken"])
    result = out["AuthenticationResult"]
    assert "RefreshToken" not in result
    assert result["AccessToken"] != first["AccessToken"]
    # The refresh token keeps working, through both operations.
    again = api("GetTokensFromRefreshToken", ClientId=client_id, RefreshToken=first["RefreshToken"])
    assert "AccessToken" in again["AuthenticationResult"]
    api(
        "InitiateAuth",
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": first["RefreshToken"]},
    )


def test_rotation_issues_a_new_refresh_token_and_retires_the_old_one(env: Any) -> None:
    server, api, pool_id = env
    rotation = {"Feature": "ENABLED", "RetryGracePeriodSeconds": 0}
    client_id = _client(server, pool_id, RefreshTokenRotation=rotation)
    described = api("DescribeUserPoolClient", UserPoolId=pool_id, ClientId=client_id)
    assert described["UserPoolClient"]["RefreshTokenRotation"] == rotation
    old = _sign_in(api, client_id)["RefreshToken"]
    out = api("GetTokensFromRefreshToken", ClientId=client_id, RefreshToken=old)[
        "AuthenticationResult"
    ]
    new = out["RefreshToken"]
    assert new != old
    err = _error(api, "GetTokensFromRefreshToken", ClientId=client_id, RefreshToken=old)
    assert err.name == "RefreshTokenReuseException"
    # The new one works, and rotates in turn.
    newer = api("GetTokensFromRefreshToken", ClientId=client_id, RefreshToken=new)
    assert newer["AuthenticationResult"]["RefreshToken"] not in (old, new)


def test_grace_period_allows_a_retry_then_ends(env: Any) -> None:
    server, api, pool_id = env
    client_id = _client(
        server, pool_id, RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 30}
    )
    old = _sign_in(api, client_id)["RefreshToken"]
    api("GetTokensFromRefreshToken", ClientId=client_id, RefreshToken=old)
    server.emulator.advance_clock(20)
    retry = api("GetTokensFromRefreshToken", ClientId=client_id, RefreshToken=old)
    assert "RefreshToken" in retry["AuthenticationResult"]
    server.emulator.advance_clock(11)  # 31 s after the first rotation: the grace has ended
    err = _error(api, "GetTokensFromRefreshToken", ClientId=client_id, RefreshToken=old)
    assert err.name == "RefreshTokenReuseException"


def test_rotating_client_refuses_refresh_token_auth(env: Any) -> None:
    server, api, pool_id = env
    client_id = _client(server, pool_id, RefreshTokenRotation={"Feature": "ENABLED"})
    token = _sign_in(api, client_id)["RefreshToken"]
    err = _error(
        api,
        "InitiateAuth",
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": token},
    )
    assert err.name == "NotAuthorizedException"


def test_revoking_a_rotated_token_ends_the_family(env: Any) -> None:
    server, api, pool_id = env
    client_id = _client(server, pool_id, RefreshTokenRotation={"Feature": "ENABLED"})
    old = _sign_in(api, client_id)["RefreshToken"]
    new = api("GetTokensFromRefreshToken", ClientId=client_id, RefreshToken=old)[
        "AuthenticationResult"
    ]["RefreshToken"]
    api("RevokeToken", ClientId=client_id, Token=new)
    err = _error(api, "GetTokensFromRefreshToken", ClientId=client_id, RefreshToken=new)
    assert (err.name, err.message) == ("NotAuthorizedException", "Refresh Token has been revoked")


def test_refusals(env: Any) -> None:
    server, api, pool_id = env
    client_id = _client(server, pool_id)
    other = _client(server, pool_id)
    token = _sign_in(api, client_id)["RefreshToken"]
    err = _error(api, "GetTokensFromRefreshToken", ClientId=client_id, RefreshToken="nope")
    assert (err.name, err.message) == ("NotAuthorizedException", "Invalid Refresh Token")
    err = _error(api, "GetTokensFromRefreshToken", ClientId=other, RefreshToken=token)
    assert err.name == "NotAuthorizedException"
    err = _error(api, "GetTokensFromRefreshToken", ClientId=client_id)
    assert err.name == "InvalidParameterException"
    server.emulator.advance_clock(31 * 86400)
    err = _error(api, "GetTokensFromRefreshToken", ClientId=client_id, RefreshToken=token)
    assert (err.name, err.message) == ("NotAuthorizedException", "Refresh Token has expired")


def test_client_secret_is_required_when_the_client_has_one(env: Any) -> None:
    server, api, pool_id = env
    client_id = server.create_client(
        pool_id, GenerateSecret=True, ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
    )
    secret = api("DescribeUserPoolClient", UserPoolId=pool_id, ClientId=client_id)[
        "UserPoolClient"
    ]["ClientSecret"]
    # Sign in through the admin API (no SECRET_HASH maths needed here).
    token = api(
        "AdminInitiateAuth",
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={
            "USERNAME": "alice",
            "PASSWORD": PASSWORD,
            "SECRET_HASH": _hash(secret, client_id),
        },
    )["AuthenticationResult"]["RefreshToken"]
    err = _error(api, "GetTokensFromRefreshToken", ClientId=client_id, RefreshToken=token)
    assert err.name == "NotAuthorizedException"
    out = api(
        "GetTokensFromRefreshToken", ClientId=client_id, RefreshToken=token, ClientSecret=secret
    )
    assert "AccessToken" in out["AuthenticationResult"]


def _hash(secret: str, client_id: str) -> str:
    import base64
    import hashlib
    import hmac

    digest = hmac.new(secret.encode(), f"alice{client_id}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@pytest.mark.parametrize(
    "setting",
    [
        {"Feature": "ON"},
        {"Feature": "ENABLED", "RetryGracePeriodSeconds": 61},
        {"Feature": "ENABLED", "RetryGracePeriodSeconds": -1},
        {"RetryGracePeriodSeconds": 5},
    ],
)
def test_bad_rotation_settings_are_refused(env: Any, setting: dict[str, Any]) -> None:
    _server, api, pool_id = env
    err = _error(
        api,
        "CreateUserPoolClient",
        UserPoolId=pool_id,
        ClientName="bad",
        RefreshTokenRotation=setting,
    )
    assert err.name == "InvalidParameterException"
