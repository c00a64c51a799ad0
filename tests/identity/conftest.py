"""Fixtures for the identity tests: a moto server subprocess, the emulator with pools."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from identity_helpers import PASSWORD, REGION, ROLE_AUTH, ROLE_UNAUTH, IdentitySetup

# The child binds port 0 itself and reports the port it got. Picking a free port here and
# handing it to `moto.server -p` left a window in which another process (a parallel run, another
# module's moto) could take the port: our moto then died on bind, the readiness check reached
# the other server, and that one (authentication off) accepted a forged secret.
_MOTO_CHILD = """
import os, threading
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
port = server.get_host_and_port()[1]
os.environ["MOTO_PORT"] = str(port)
print(port, flush=True)
threading.Event().wait()
"""


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """A moto server in its own process, one per test module (its auth switch and its data are
    process-global, so no module sees another's)."""
    env = dict(os.environ, AWS_DEFAULT_REGION="us-east-1")
    proc = subprocess.Popen(
        [sys.executable, "-c", _MOTO_CHILD],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.isdigit():
            raise RuntimeError(f"moto server did not start (exit {proc.poll()})")
        endpoint = f"http://127.0.0.1:{line}"
        urllib.request.urlopen(endpoint + "/moto-api/", timeout=30).close()
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
