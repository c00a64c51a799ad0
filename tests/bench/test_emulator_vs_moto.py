"""``python -m bench.emulator --vs-moto``: the emulator and moto_server under the same SRP
load in one run. Shape and correctness only, never speed."""

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


def test_moto_server_takes_the_same_load_client(tmp_path: Path) -> None:
    with E.running_moto(tmp_path) as moto:
        users = E.make_admin_users(moto, 2, "t")
        client = E.LoadClient(moto.endpoint, moto.config)
        client.sign_in(*users[0])
        client.sign_in(*users[1])
        # moto skips the password check (why it bounds a Python server from above): a wrong
        # password signs in too. The emulator refuses it (test_emulator_load).
        E.LoadClient(moto.endpoint, moto.config).sign_in(users[0][0], users[0][1] + "x")


def test_vs_moto_command_reports_both_and_the_ratio() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    args = ["--vs-moto", "--seconds", "1", "--clients", "1", "--users", "1"]
    out = subprocess.run(
        [sys.executable, "-m", "bench.emulator", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result = json.loads(out.stdout)
    assert result["order"] == ["emulator", "moto_server", "moto_server", "emulator"]
    for name in ("emulator", "moto_server"):
        assert result[name]["unit"] == "sign-ins/s"
        assert result[name]["value"] > 0
        assert len(result["runs"][name]) == 2
    rate = result["emulator"]["value"] / result["moto_server"]["value"]
    assert result["ratio_to_moto"] == pytest.approx(rate, rel=0.01)
