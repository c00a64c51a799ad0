"""The plugin as pytest loads it for a user's project (a separate pytest run in a temporary
folder, outside this repository's conftest): marker errors, opting out, test order, and
no server for suites that do not ask for one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "PYTHONPATH"))}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_marker_takes_keywords_only(tmp_path: Path) -> None:
    (tmp_path / "test_m.py").write_text(
        'import pytest\n\n@pytest.mark.cognito_pool("ON")\ndef test_x(user_pool):\n    pass\n'
    )
    run = run_pytest(tmp_path)
    assert run.returncode != 0
    assert "@pytest.mark.cognito_pool takes keyword arguments only" in run.stdout + run.stderr


def test_unknown_pool_option_names_itself(tmp_path: Path) -> None:
    (tmp_path / "test_m.py").write_text(
        "import pytest\n\n"
        "@pytest.mark.cognito_pool(mfa_required=True)\n"
        "def test_x(user_pool):\n    pass\n"
    )
    run = run_pytest(tmp_path)
    assert run.returncode == 1
    assert "mfa_required" in run.stdout


def test_opting_out_and_marker_registration(tmp_path: Path) -> None:
    (tmp_path / "test_m.py").write_text("def test_x(user_pool):\n    pass\n")
    run = run_pytest(tmp_path, "-p", "no:cognito_emulator")
    assert run.returncode == 1 and "fixture 'user_pool' not found" in run.stdout
    markers = run_pytest(tmp_path, "--markers")
    assert "@pytest.mark.cognito_pool(**options)" in markers.stdout


def test_playwright_tests_run_last_and_no_server_without_kit_fixtures(tmp_path: Path) -> None:
    (tmp_path / "test_order.py").write_text(
        "import threading\n\n"
        "def ran(name):\n"
        "    with open('order.txt', 'a') as f:\n"
        "        f.write(name + '\\n')\n\n"
        "def test_a_page(page):\n    ran('a_page')\n\n"
        "def test_b_plain():\n"
        "    names = [t.name for t in threading.enumerate()]\n"
        "    assert 'cognito-emulator' not in names\n"
        "    ran('b_plain')\n\n"
        "def test_c_kit(cognito_user):\n"
        "    assert cognito_user.sign_in().id_token\n"
        "    ran('c_kit')\n"
    )
    (tmp_path / "conftest.py").write_text(
        "import pytest\n\n"
        '@pytest.fixture(scope="session")\n'
        "def browser_type_launch_args(browser_type_launch_args):\n"
        '    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium",'
        ' "args": ["--no-sandbox"]}\n'
    )
    run = run_pytest(tmp_path)
    assert run.returncode == 0, run.stdout[-3000:]
    assert (tmp_path / "order.txt").read_text().split() == ["b_plain", "c_kit", "a_page"]


def test_emulator_data_option_keeps_state_in_a_file(tmp_path: Path) -> None:
    (tmp_path / "test_d.py").write_text(
        "def test_d(user_pool, cognito_user):\n    assert cognito_user.sign_in().access_token\n"
    )
    data = tmp_path / "state.sqlite"
    run = run_pytest(tmp_path, "--cognito-emulator-data", str(data))
    assert run.returncode == 0, run.stdout[-3000:]
    import sqlite3

    with sqlite3.connect(data) as db:
        kinds = {row[0] for row in db.execute("SELECT kind FROM items")}
    assert {"pool", "client", "user"} <= kinds
