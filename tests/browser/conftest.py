"""Fixtures for the web part's browser tests (on top of tests/conftest.py).

- ``fastboot_fresh`` (session): rebuilds web/dist/fastboot when it no longer matches the wheel.
- ``site``: the static server plus per-test overrides served through Playwright routing
  (``site.serve(path, body)``), e.g. a damaged snapshot or a config.json for the emulator.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def bundled() -> Path:
    """`build.py bundle` (wheel from the current src, vendor, fastboot): each step skips
    itself when up to date, so pages never test a stale wheel or snapshot."""
    _load("_tests_build", ROOT / "build.py").bundle()
    return WEB / "dist"


@pytest.fixture(scope="session")
def static_server(bundled: Path, static_server: Any) -> Any:
    """The shared static server, started after the bundle is fresh."""
    return static_server


@pytest.fixture(scope="session")
def fastboot_fresh(bundled: Path) -> Path:
    """web/dist/fastboot, matching the served wheel."""
    return bundled / "fastboot"


PLACEHOLDER_CONFIG = {"region": "us-east-1", "userPoolId": "us-east-1_Placeholder", "clientId": "c"}


@pytest.fixture(autouse=True)
def _config_placeholder(context: Any) -> None:
    """Pages read /config.json, which `build.py serve` writes; tests without one get a
    placeholder pool nobody calls (a 404 would log a console error and trip the guard)."""
    if (WEB / "config.json").exists():
        return

    def fulfill(route: Any) -> None:
        route.fulfill(
            status=200, content_type="application/json", body=json.dumps(PLACEHOLDER_CONFIG)
        )

    context.route("**/config.json", fulfill)


class Site:
    """The static server's URL, with bodies overridden per path through page routing."""

    def __init__(self, url: str, page: Any) -> None:
        self.url = url
        self.root = WEB
        self.page = page
        self.requests: list[str] = []
        self.overrides: dict[str, tuple[str, bytes]] = {}
        page.on("request", lambda r: self.requests.append(r.url.removeprefix(url)))

        def handle(route: Any) -> None:
            path = route.request.url.removeprefix(self.url).split("?", 1)[0]
            if path in self.overrides:
                ctype, body = self.overrides[path]
                route.fulfill(status=200, content_type=ctype, body=body)
            else:
                route.fallback()

        page.context.route(f"{url}/**", handle)

    def serve(self, path: str, body: bytes | str, content_type: str = "application/json") -> None:
        """Answer GET ``path`` with ``body`` instead of the file (worker fetches included)."""
        data = body.encode() if isinstance(body, str) else body
        self.overrides[path] = (content_type, data)

    def config(self, value: dict[str, Any]) -> None:
        """Serve ``value`` as /config.json."""
        self.serve("/config.json", json.dumps(value))


@pytest.fixture
def site(page: Any, static_server: Any, fastboot_fresh: Path) -> Iterator[Site]:
    """Placeholder /config.json (a pool nobody calls) unless the test sets one."""
    s = Site(str(static_server.url).rstrip("/"), page)
    s.config(PLACEHOLDER_CONFIG)
    yield s
