"""Fixtures: an in-process emulator and a ready pool + client."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from cognito_emulator.testing import EmulatorServer

from .srp_client import Api


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    """A fresh in-memory emulator on a free port."""
    with EmulatorServer() as server:
        yield server


@dataclass
class PoolSetup:
    server: EmulatorServer
    api: Api
    pool_id: str
    client_id: str

    @property
    def pool_name(self) -> str:
        return self.pool_id.split("_", 1)[1]


@pytest.fixture
def setup(emulator: EmulatorServer) -> Iterator[PoolSetup]:
    """A pool (email auto-verified, devices tracked, a custom attribute ``custom:team``, the
    built-in custom-auth trigger) and a client allowing every flow."""
    pool_id = emulator.create_pool(
        AutoVerifiedAttributes=["email"],
        Schema=[{"Name": "team", "AttributeDataType": "String", "Mutable": True}],
        EmulatorCustomAuth="BUILTIN",
        MfaConfiguration="OPTIONAL",
        DeviceConfiguration={
            "ChallengeRequiredOnNewDevice": True,
            "DeviceOnlyRememberedOnUserPrompt": False,
        },
    )
    client_id = emulator.create_client(
        pool_id,
        ExplicitAuthFlows=[
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_CUSTOM_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ],
    )
    api = Api(emulator.endpoint)
    yield PoolSetup(emulator, api, pool_id, client_id)
    api.http.close()
