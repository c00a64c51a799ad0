"""Fixtures for the identity tests: a moto server subprocess, the emulator with pools."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from identity_helpers import PASSWORD, REGION, ROLE_AUTH, ROLE_UNAUTH, IdentitySetup


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """A moto server in its own process (its auth switch is process-global)."""
    port = _free_port()
    env = dict(os.environ, AWS_DEFAULT_REGION="us-east-1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.1)
        yield endpoint
    finally:
        proc.terminate()
        proc.wait(10)


# --- the local emulator with a user pool, a user and an identity pool ---------------------


@pytest.fixture(scope="module")
def emulator_server() -> Iterator[Any]:
    """An emulator server for this module."""
    from cognito_emulator.testing import EmulatorServer

    with EmulatorServer() as server:
        yield server


def _user_pool(idp: Any, name: str) -> tuple[str, str]:
    pool_id = idp.create_user_pool(PoolName=name)["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=f"{name}-web",
        ExplicitAuthFlows=[
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ],
    )["UserPoolClient"]["ClientId"]
    return pool_id, client_id


@pytest.fixture(scope="module")
def identity_setup(emulator_server: Any) -> IdentitySetup:
    """A user pool with a confirmed user, and identity pools trusting it."""
    endpoint = emulator_server.endpoint
    boto = IdentitySetup(endpoint, emulator_server, *([""] * 9)).boto  # type: ignore[arg-type]
    idp = boto("cognito-idp")
    pool_id, client_id = _user_pool(idp, "identity-users")
    other_pool_id, other_client_id = _user_pool(idp, "identity-others")
    for pid, user in ((pool_id, "alice"), (other_pool_id, "mallory")):
        idp.admin_create_user(UserPoolId=pid, Username=user, MessageAction="SUPPRESS")
        idp.admin_set_user_password(
            UserPoolId=pid, Username=user, Password=PASSWORD, Permanent=True
        )
    cid = boto("cognito-identity")
    provider = f"cognito-idp.{REGION}.amazonaws.com/{pool_id}"
    ident = cid.create_identity_pool(
        IdentityPoolName="identity tests",
        AllowUnauthenticatedIdentities=False,
        CognitoIdentityProviders=[{"ProviderName": provider, "ClientId": client_id}],
    )["IdentityPoolId"]
    cid.set_identity_pool_roles(IdentityPoolId=ident, Roles={"authenticated": ROLE_AUTH})
    guest = cid.create_identity_pool(
        IdentityPoolName="guests", AllowUnauthenticatedIdentities=True
    )["IdentityPoolId"]
    cid.set_identity_pool_roles(
        IdentityPoolId=guest, Roles={"authenticated": ROLE_AUTH, "unauthenticated": ROLE_UNAUTH}
    )
    roleless = cid.create_identity_pool(
        IdentityPoolName="no roles",
        AllowUnauthenticatedIdentities=False,
        CognitoIdentityProviders=[{"ProviderName": provider}],
    )["IdentityPoolId"]
    return IdentitySetup(
        endpoint=endpoint,
        server=emulator_server,
        user_pool_id=pool_id,
        client_id=client_id,
        username="alice",
        password=PASSWORD,
        identity_pool_id=ident,
        guest_pool_id=guest,
        roleless_pool_id=roleless,
        other_user_pool_id=other_pool_id,
        other_client_id=other_client_id,
    )
