"""The flows inside real Pyodide (npm pyodide under Node) against the emulator.

Checks the browser defaults the CPython tests cannot reach: PyfetchTransport over fetch,
LocalStorage, crypto.getRandomValues for SRP, and NetworkError for an unreachable endpoint.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
from emulator_helpers import ALL_FLOWS, PASSWORD

pytestmark = pytest.mark.node

ROOT = Path(__file__).resolve().parents[2]


def test_sign_in_refresh_sign_out_under_pyodide(emu: Any, tmp_path: Path) -> None:
    if shutil.which("node") is None or not (ROOT / "node_modules/pyodide/pyodide.js").exists():
        pytest.skip("node or node_modules/pyodide missing (run build.py setup)")
    pool_id = emu.create_pool("pyodide")
    client_id = emu.create_client(pool_id, ExplicitAuthFlows=ALL_FLOWS)
    emu.create_user(pool_id, "py", PASSWORD, email="py@example.com")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/"
    inp = tmp_path / "input.json"
    inp.write_text(
        json.dumps(
            {
                "pool_id": pool_id,
                "client_id": client_id,
                "endpoint": emu.endpoint,
                "dead_endpoint": dead,
                "username": "py",
                "password": PASSWORD,
            }
        )
    )
    proc = subprocess.run(
        ["node", "tests/node/pyodide_run.js", "tests/node/flows_pyodide.py", str(inp)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out == {
        "transport": "PyfetchTransport",
        "storage": "LocalStorage",
        "wrong_password": "NotAuthorizedException",
        "valid": True,
        "username": "py",
        "email": "py@example.com",
        "current": "py",
        "refreshed": True,
        "after_sign_out": True,
        "unreachable": "NetworkError",
    }
