"""Multi-core serving: N processes over one sqlite file, and the modexp process pool."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from cognito_emulator import loadgen
from cognito_emulator.state import EmulatorConfig
from cognito_emulator.testing import EmulatorServer

from .srp_client import Api, srp_sign_in

ROOT = Path(__file__).resolve().parents[2]


def test_modexp_process_pool_sign_in() -> None:
    with EmulatorServer(config=EmulatorConfig(print_outbox=False, compute_workers=1)) as server:
        pool_id, client_id = server.create_pool_and_client()
        server.create_user(pool_id, "alice", "Passw0rd!")
        out = srp_sign_in(Api(server.endpoint), pool_id, client_id, "alice", "Passw0rd!")
        assert "AuthenticationResult" in out


def test_two_server_processes_share_state(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cognito_emulator",
            "--port",
            str(port),
            "--quiet",
            "--workers",
            "2",
            "--data",
            str(tmp_path / "state.sqlite"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        pids: set[int] = set()
        while len(pids) < 2:
            assert time.monotonic() < deadline, f"saw worker pids {pids}"
            try:
                pids.add(httpx.get(endpoint + "_emulator/health", timeout=5).json()["pid"])
            except httpx.HTTPError:
                time.sleep(0.1)
        # Challenges started in one process are answered in whichever process gets the next
        # request: sessions, users and keys live in the shared file.
        summary = loadgen.run(
            endpoint, attempts=60, concurrency=12, procs=2, users=10, wrong_every=4
        )
        assert summary["errors"] == 0, summary["first_errors"]
        assert summary["ok"] == 45 and summary["rejected"] == 15
    finally:
        proc.terminate()
        proc.wait(20)
