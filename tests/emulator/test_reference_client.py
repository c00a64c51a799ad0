"""The real reference client, amazon-cognito-identity-js 6.3.21 under Node, against the emulator."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from cognito_emulator.testing import EmulatorServer

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "node" / "reference_client_flows.js"
SDK = ROOT / "node_modules" / "amazon-cognito-identity-js"
NODE = shutil.which("node") or "/usr/bin/node"

pytestmark = [
    pytest.mark.node,
    pytest.mark.skipif(not SDK.exists() or not Path(NODE).exists(), reason="needs node + npm ci"),
]

SCENARIOS = [
    "signup_confirm_srp",
    "wrong_password",
    "remembered_device",
    "totp_mfa",
    "custom_auth",
    "forgot_password",
    "global_sign_out",
]


@pytest.fixture(scope="module")
def reference_env() -> Iterator[dict[str, object]]:
    with EmulatorServer() as server:
        flows = ["ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
        pools: dict[str, dict[str, str]] = {}
        specs = {
            "basic": {},
            "device": {
                "DeviceConfiguration": {
                    "ChallengeRequiredOnNewDevice": True,
                    "DeviceOnlyRememberedOnUserPrompt": True,
                }
            },
            "mfa": {"MfaConfiguration": "OPTIONAL"},
            "custom": {"EmulatorCustomAuth": "BUILTIN"},
        }
        for name, extra in specs.items():
            pool_id = server.create_pool(name, AutoVerifiedAttributes=["email"], **extra)
            client_id = server.create_client(pool_id, ExplicitAuthFlows=flows)
            pools[name] = {"poolId": pool_id, "clientId": client_id}
        yield {"endpoint": server.endpoint, "pools": pools}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_reference_client(reference_env: dict[str, object], scenario: str) -> None:
    proc = subprocess.run(
        [NODE, str(SCRIPT), scenario, json.dumps(reference_env)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no result from node:\nstdout={proc.stdout}\nstderr={proc.stderr}"
    result = json.loads(lines[-1])
    assert result["ok"], json.dumps(result, indent=2) + "\n" + proc.stderr
    assert proc.returncode == 0
    print(scenario, result)
