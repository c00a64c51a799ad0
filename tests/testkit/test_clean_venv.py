"""A new user's project in a clean virtual environment: the distribution installed from the
checkout (a built wheel, no editable path), the user's own test tools, and plain ``pytest``
over tests/testkit/sample_project copied outside this repository (so neither our conftest nor
our src/ is in reach).

First without the ``emulator`` extra: pytest still runs the user's other tests, the kit's
fixtures fail in one line naming the extra, and so does ``python -m cognito_emulator``. Then
with the extra: the sample project's backend, SDK and Playwright tests pass, the site kit's
page (`python build.py kit`) included.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = Path(__file__).parent / "sample_project"
EXTRA_LINE = 'pip install "amazon-cognito-identity[emulator]"'
# The user's own test tools, pinned like ours.
USER_TOOLS = ["pytest==9.2.0", "pytest-playwright==0.10.0", "playwright==1.65.2"]


def _clean_env() -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST", "VIRTUAL_ENV"))
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _run(args: list[str], cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _ok(run: subprocess.CompletedProcess[str]) -> str:
    assert run.returncode == 0, f"{run.args}\n{run.stdout[-4000:]}\n{run.stderr[-4000:]}"
    return run.stdout


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("clean") / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    _ok(_run([base, "-m", "venv", str(where)], cwd=where.parent))
    return where


def _load_build() -> Any:
    spec = importlib.util.spec_from_file_location("_testkit_venv_build", ROOT / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample project, with the site kit in site/auth/ as `python build.py kit` writes it
    (its example page is not used: the project's kit.html is filled in per test)."""
    dest = tmp_path_factory.mktemp("user") / "my_app"
    shutil.copytree(SAMPLE, dest)
    build = _load_build()
    build.build_wheel()
    build.vendor()
    build.fastboot()
    _ok(_run([sys.executable, str(ROOT / "tools" / "kit.py"), str(dest / "site" / "auth")], ROOT))
    return dest


def test_a_new_users_project_with_plain_pytest(venv: Path, project: Path) -> None:
    python = str(venv / "bin" / "python")
    pytest_cmd = [python, "-m", "pytest", "-p", "no:cacheprovider", "-q"]

    # 1. The SDK alone (no extra) plus the user's test tools.
    _ok(_run([python, "-m", "pip", "install", "-q", str(ROOT), *USER_TOOLS], cwd=project))
    cli = _run([python, "-m", "cognito_emulator"], cwd=project, timeout=60)
    assert cli.returncode != 0
    assert cli.stderr.strip().splitlines() == [
        "cognito_emulator needs its server libraries (uvicorn, cryptography, jwt, pyotp "
        f"missing): {EXTRA_LINE}"
    ]
    (project / "test_plain.py").write_text("def test_plain():\n    assert 1 + 1 == 2\n")
    _ok(_run([*pytest_cmd, "test_plain.py"], cwd=project))
    first = project / "test_first.py"
    first.write_text("def test_first(user_pool, cognito_user):\n    assert cognito_user.email\n")
    kit = _run([*pytest_cmd, first.name], cwd=project)
    first.unlink()
    assert kit.returncode == 1
    assert "fixture 'user_pool': cognito_emulator needs its server libraries" in kit.stdout
    assert EXTRA_LINE in kit.stdout and "Traceback" not in kit.stdout

    # 2. With the extra: the sample project's tests, backend, SDK and browser.
    _ok(_run([python, "-m", "pip", "install", "-q", f"{ROOT}[emulator]"], cwd=project))
    listed = _ok(_run([python, "-m", "pip", "list", "--format=freeze"], cwd=project))
    assert "amazon-cognito-identity==" in listed and "uvicorn==0.54.0" in listed
    out = _ok(_run([*pytest_cmd, "-rA"], cwd=project))
    for name in (
        "test_backend.py::test_backend_knows_the_signed_in_user",
        "test_backend.py::test_backend_refuses_an_expired_token",
        "test_sign_up.py::test_sign_up_confirm_and_totp",
        "test_sign_up.py::test_advance_clock_expires_sessions",
        "test_sign_up.py::test_installed_not_editable",
        "test_page.py::test_signed_in_page",
        "test_kit_page.py::test_kit_page_signed_in",
        "test_page.py::test_signed_out_page",
        "test_plain.py::test_plain",
    ):
        assert f"PASSED {name}" in out, out[-4000:]
    assert "failed" not in out.splitlines()[-1] and "error" not in out.splitlines()[-1]
