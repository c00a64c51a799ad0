"""Browser test fixtures for the web part: bundle check, static server, guarded pages.

Every page request must stay on 127.0.0.1 (anything else is aborted and fails the test) and
no page or worker may log a console error.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .webserver import WebServer

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
sys.path.insert(0, str(ROOT / "tools"))

pytestmark = pytest.mark.browser


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _ensure_bundle() -> None:
    """Make web/vendor, the SDK wheel from the current src and the fastboot files."""
    vendor = WEB / "vendor"
    if not (vendor / "pyodide" / "pyodide.mjs").is_file():
        shutil.copytree(ROOT / "node_modules/pyodide", vendor / "pyodide", dirs_exist_ok=True)
    if not (vendor / "pyscript" / "core.js").is_file():
        shutil.copytree(
            ROOT / "node_modules/@pyscript/core/dist", vendor / "pyscript", dirs_exist_ok=True
        )
    dist = WEB / "dist"
    dist.mkdir(parents=True, exist_ok=True)
    # The wheel is reproducible, so rebuilding from src changes its hash only when src changed.
    build_dir = ROOT / "build" / "test-wheel"
    shutil.rmtree(build_dir, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(build_dir)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (wheel,) = build_dir.glob("amazon_cognito_identity-*.whl")
    target = dist / wheel.name
    if not target.exists() or _sha256(target) != _sha256(wheel):
        shutil.copy2(wheel, target)
    manifest = dist / "manifest.json"
    data: dict[str, Any] = json.loads(manifest.read_text()) if manifest.exists() else {}
    if data.get("wheel") not in (wheel.name, None) and not isinstance(data.get("wheel"), dict):
        data["wheel"] = wheel.name
    if "wheel" not in data:
        data["wheel"] = wheel.name
        manifest.write_text(json.dumps(data, indent=2))
    fast = dist / "fastboot" / "manifest.json"
    fresh = fast.exists() and json.loads(fast.read_text())["wheel"]["sha256"] == _sha256(target)
    if not fresh:
        import fastboot

        fastboot.build(ROOT, lambda line: None)


@pytest.fixture(scope="session")
def web_bundle() -> Path:
    _ensure_bundle()
    return WEB


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    return {
        "executable_path": "/usr/bin/chromium",
        "headless": True,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def web_server(web_bundle: Path) -> Iterator[WebServer]:
    with WebServer(web_bundle) as server:
        yield server


@pytest.fixture
def site(web_server: WebServer) -> Iterator[WebServer]:
    """The static server with overrides cleared after the test.

    Serves a placeholder /config.json (a pool nobody calls) unless a test replaces it.
    """
    placeholder = {"region": "us-east-1", "userPoolId": "us-east-1_Placeholder", "clientId": "c"}
    web_server.serve("/config.json", json.dumps(placeholder))
    yield web_server
    web_server.overrides.clear()


class PageGuard:
    """Collects off-host requests and console errors for a page's context."""

    def __init__(self) -> None:
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.allowed_errors: list[str] = []

    def allow_error(self, fragment: str) -> None:
        """Accept console errors containing ``fragment`` (a test that provokes one says so)."""
        self.allowed_errors.append(fragment)

    def check(self) -> None:
        assert not self.blocked, f"requests left 127.0.0.1: {self.blocked}"
        unexpected = [e for e in self.errors if not any(f in e for f in self.allowed_errors)]
        assert not unexpected, f"console errors: {unexpected}"


@pytest.fixture
def guard() -> PageGuard:
    return PageGuard()


@pytest.fixture
def guarded_page(page: Any, guard: PageGuard) -> Iterator[Any]:
    """A Playwright page whose requests may only go to 127.0.0.1 and that logs no errors."""

    def route(route: Any) -> None:
        url = route.request.url
        if url.startswith(("http://127.0.0.1:", "data:", "blob:")):
            route.continue_()
        else:
            guard.blocked.append(url)
            route.abort()

    page.context.route("**/*", route)
    page.on("pageerror", lambda e: guard.errors.append(f"pageerror: {e}"))

    def on_console(message: Any) -> None:
        if message.type == "error":
            guard.errors.append(message.text)

    page.on("console", on_console)
    page.on("worker", lambda worker: worker.on("console", on_console))
    yield page
    guard.check()
