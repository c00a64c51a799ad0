"""What users install holds the SDK, the emulator and the pytest plugin; the wheel served to
browsers (build.py bundle) holds the SDK alone; the emulator without its extra fails in one
line naming the extra."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _build_module() -> Any:
    spec = importlib.util.spec_from_file_location("_testkit_build", ROOT / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _wheel_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as whl:
        return whl.namelist()


def test_browser_wheel_holds_the_sdk_alone(tmp_path: Path) -> None:
    build = _build_module()
    out = subprocess.run(
        [sys.executable, "-c", build.BROWSER_WHEEL_SCRIPT, str(tmp_path)],
        cwd=ROOT,
        input=json.dumps(build.browser_wheel_config()),
        capture_output=True,
        text=True,
        check=True,
    )
    wheel = tmp_path / out.stdout.strip().splitlines()[-1]
    assert build.check_wheel(wheel)
    names = _wheel_names(wheel)
    assert {n.split("/")[0] for n in names if ".dist-info/" not in n} == {"amazon_cognito_identity"}
    assert not [n for n in names if n.endswith("entry_points.txt")]
    with zipfile.ZipFile(wheel) as whl:
        metadata = whl.read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "Provides-Extra" not in metadata and "Requires-Dist" not in metadata


def test_installed_distribution_has_emulator_plugin_and_extra(tmp_path: Path) -> None:
    # The wheel pip builds from the checkout (hatchling's default target).
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from hatchling.build import build_wheel; build_wheel(sys.argv[1])",
            str(tmp_path),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("amazon_cognito_identity-*.whl"))
    names = _wheel_names(wheel)
    assert "cognito_emulator/pytest_plugin.py" in names
    assert "cognito_emulator/config.schema.json" in names
    assert "_cognito_emulator_pytest.py" in names
    assert "amazon_cognito_identity/py.typed" in names
    assert not [n for n in names if n.startswith(("tests/", "web/", "tools/", "bench/"))]
    with zipfile.ZipFile(wheel) as whl:
        entry_points = whl.read(next(n for n in names if n.endswith("entry_points.txt")))
        metadata = whl.read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "[pytest11]\ncognito_emulator = _cognito_emulator_pytest" in entry_points.decode()
    assert "Provides-Extra: emulator" in metadata
    assert "Requires-Dist: uvicorn==0.54.0; extra == 'emulator'" in metadata


def test_emulator_without_its_extra_fails_in_one_line() -> None:
    # -S: no site-packages, so none of the server libraries; src/ on the path.
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    for args in (["-c", "import cognito_emulator"], ["-m", "cognito_emulator"]):
        run = subprocess.run(
            [sys.executable, "-S", *args], env=env, capture_output=True, text=True, check=False
        )
        assert run.returncode != 0
        last = run.stderr.strip().splitlines()[-1]
        assert 'pip install "amazon-cognito-identity[emulator]"' in last, run.stderr
        assert "uvicorn" in last
    run = subprocess.run(
        [sys.executable, "-S", "-m", "cognito_emulator"], env=env, capture_output=True, text=True
    )
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    # The SDK itself needs nothing.
    sdk = subprocess.run(
        [sys.executable, "-S", "-c", "import amazon_cognito_identity"], env=env, check=False
    )
    assert sdk.returncode == 0
