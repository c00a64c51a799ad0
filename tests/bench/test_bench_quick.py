"""`bench --quick` end to end: it runs, and results.json holds every key with sane units.

Not a timing test: it checks the shape and sanity of what the bench writes, never speed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.report import REQUIRED_KEYS, lookup  # noqa: E402

pytestmark = pytest.mark.browser

UNITS = {
    "srp_compute_ms": "ms",
    "signin_ms": "ms",
    "typeable_form_ms": "ms",
    "sdk_ready_cold_ms": "ms",
    "sdk_ready_warm_ms": "ms",
    "longest_main_thread_task_ms": "ms",
    "wheel_gz_bytes": "bytes",
    "js_sdk_gz_bytes": "bytes",
    "cold_load_bytes": "bytes",
    "emulator": "sign-ins/s",
    "amplify_gz_bytes": "bytes",
    "longest_task_amplify_signin_ms": "ms",
}


def test_bench_quick_writes_every_key(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--out", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    print(proc.stdout[-4000:], proc.stderr[-4000:])
    results = json.loads((tmp_path / "results.json").read_text())
    assert (tmp_path / "results.md").read_text().startswith("# Benchmark results")
    assert (tmp_path / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert results["quick"] is True
    assert results["date"] and results["machine"]["cores"] >= 1
    assert results["notes"] == [], results["notes"]  # every figure was measured
    assert proc.returncode == 0
    for key in REQUIRED_KEYS:
        entry = lookup(results, key)
        assert isinstance(entry, dict), key
        assert entry["unit"] == UNITS[key.split(".")[0]], (key, entry)
        if "median" in entry:
            assert 0 <= entry["min"] <= entry["median"] <= entry["max"], (key, entry)
            assert entry["n"] >= 1
        else:
            assert isinstance(entry["value"], int | float) and entry["value"] >= 0, (key, entry)
    # Sizes and counts must be plausible, not just present.
    assert 10_000 < results["js_sdk_gz_bytes"]["value"] < 200_000
    assert 10_000 < results["amplify_gz_bytes"]["value"] < 500_000
    assert 1_000 < results["wheel_gz_bytes"]["value"] < 1_000_000
    assert results["cold_load_bytes"]["value"] > results["wheel_gz_bytes"]["value"]
    assert results["emulator"]["ceiling_per_s"]["modexps_per_signin"] >= 2
    assert {row["measure"] for row in results["goals"]} and all(
        row["measured"] is not None for row in results["goals"]
    )
    # embed.*: the sign-in kit's page and the JS SDK page, measured side by side.
    embed = results["embed"]
    for key in ("typeable_ms", "ready_cold_ms", "ready_warm_ms", "longest_main_thread_task_ms"):
        for side in ("ours", "js_sdk"):
            entry = embed[key][side]
            assert entry["unit"] == "ms" and 0 <= entry["min"] <= entry["median"], (key, side)
    assert embed["ready_cold_ms"]["bare_pyodide"]["n"] >= 1
    ours, peer = embed["cold_load_bytes"]["ours"], embed["cold_load_bytes"]["js_sdk"]
    assert ours["unit"] == peer["unit"] == "bytes"
    assert ours["value"] > results["wheel_gz_bytes"]["value"] > peer["value"] > 10_000
    # The kit counted like the portal (its pre-compressed siblings), and on the fly gzip -6
    # beside it, never smaller than what the siblings send.
    assert ours["uncompressed"] > ours["gzip6_bytes"] >= ours["value"]
