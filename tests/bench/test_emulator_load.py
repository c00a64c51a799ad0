"""The bench's emulator load path: the cheap LoadClient against a real emulator process, and
``python -m bench.emulator`` end to end. Shape and correctness only, never speed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench import emulator as E  # noqa: E402


def test_load_client_signs_in_on_one_kept_alive_connection(tmp_path: Path) -> None:
    with E.running(tmp_path, ROOT) as emu:
        users = E.make_users(emu, 2, "t")
        client = E.LoadClient(emu.endpoint, emu.config)
        client.sign_in(*users[0])
        conn = client._conn
        assert conn is not None and conn.sock is not None
        sock = conn.sock
        client.sign_in(*users[1])
        client.sign_in(*users[0])
        assert client._conn is conn and conn.sock is sock  # no reconnect between sign-ins
        # The server really checks the password proof: a wrong password is refused (a fresh
        # client, since a LoadClient caches g^x per user).
        with pytest.raises(RuntimeError, match="NotAuthorizedException"):
            E.LoadClient(emu.endpoint, emu.config).sign_in(users[0][0], users[0][1] + "x")
        # A connection the server dropped is replaced once, transparently.
        conn.sock.shutdown(2)
        client.sign_in(*users[1])
        # Every SRP sign-in costs the emulator three big modexps (B, then v^u and the power b).
        calls = emu.pow_calls()
        assert len(calls) >= 3 * 4


def test_bench_emulator_command_prints_throughput_and_ceiling() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    args = ["--seconds", "1", "--clients", "1", "--users", "2"]
    out = subprocess.run(
        [sys.executable, "-m", "bench.emulator", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    result = json.loads(out.stdout)
    assert result["signins_per_s"]["unit"] == "sign-ins/s"
    assert result["signins_per_s"]["signins"] > 0
    assert result["ceiling_per_s"]["modexps_per_signin"] == pytest.approx(3, abs=0.2)
    assert result["ceiling_per_s"]["value"] > 0
    assert result["ratio"] > 0
