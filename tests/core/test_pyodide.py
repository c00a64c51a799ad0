"""The SDK core inside real Pyodide (npm pyodide under Node): the browser code paths.

_random's crypto.getRandomValues, runtime's js detection, LocalStorage over a JS storage
object, CookieStorage over document.cookie, and verify_token on WebCrypto; the SRP result is
checked against the JS SDK itself.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from core_helpers import CLIENT_ID, POOL_ID, ROOT, KeyPair, NodeReference, b64url, id_claims

pytestmark = pytest.mark.node

PYODIDE = ROOT / "node_modules" / "pyodide" / "pyodide.js"


def test_core_under_pyodide(keys: KeyPair, tmp_path: Path) -> None:
    if shutil.which("node") is None or not PYODIDE.exists():
        pytest.skip("node or node_modules/pyodide missing (run build.py setup)")
    valid = keys.sign(id_claims())
    header, _, sig = valid.split(".")
    tampered = f"{header}.{b64url(json.dumps(id_claims(sub='mallory')).encode())}.{sig}"
    foreign = KeyPair(keys.kid).sign(id_claims())
    expired = keys.sign(id_claims(exp=int(time.time()) - 3600))
    srp_case = {
        "pool": "AbCdEf123",
        "a": "c0ffee" * 40,
        "user": "6f1c-ü-😀",
        "password": "pässword ✓",
        "b": "deadbeef" * 90,
        "salt": "-8f00ba4",
        "block": "c2VjcmV0IGJsb2Nr",
        "timestamp": "Tue Jan 1 06:06:09 UTC 2019",
    }
    inp = {
        **srp_case,
        "big_value": "é" * 2000,  # ~12 KB encoded: must be split over cookies
        "jwks": {"keys": [keys.jwk]},
        "pool_id": POOL_ID,
        "client_id": CLIENT_ID,
        "tokens": {"valid": valid, "tampered": tampered, "foreign": foreign, "expired": expired},
    }
    path = tmp_path / "input.json"
    path.write_text(json.dumps(inp))
    proc = subprocess.run(
        [
            "node",
            str(ROOT / "tests/node/pyodide_run.js"),
            str(ROOT / "tests/node/pyodide_checks.py"),
            str(path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])

    assert out["platform"] == "emscripten"
    assert out["version"] >= [3, 12]
    assert out["is_pyodide"] and out["js_found"]
    assert out["random_len"] == 70000
    assert out["random_distinct"] == 70000 // 16  # no repeated 16-byte blocks

    ref = NodeReference()
    try:
        (expected,) = ref.call(
            "key",
            [
                [
                    srp_case[k]
                    for k in ("pool", "a", "user", "password", "b", "salt", "block", "timestamp")
                ]
            ],
        )
    finally:
        ref.close()
    assert out["srp"] == expected

    assert out["local"] == {
        "type": "LocalStorage",
        "fallback": False,
        "warnings": 0,
        "roundtrip": "v",
        "missing": None,
        "after_remove": None,
    }
    assert out["cookie_roundtrip"] is True

    results = out["verify"]
    assert results["backend"] == "webcrypto"
    assert results["valid"] == "ok"
    assert (
        results["tampered"].startswith("InvalidTokenError") and "signature" in results["tampered"]
    )
    assert results["foreign"].startswith("InvalidTokenError") and "signature" in results["foreign"]
    assert results["expired"].startswith("InvalidTokenError") and "expired" in results["expired"]
    assert results["fetches"] == 1
