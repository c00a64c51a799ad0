"""Shared test harness: static server, headless Debian Chromium, request guard, emulator.

Fixtures for every suite:
- ``static_server`` (session): ``tools/static_server.StaticServer`` serving ``web/`` on a free
  127.0.0.1 port; ``base_url`` points at it, so ``page.goto("/hello.html")`` works.
- ``browser_type_launch_args``: pytest-playwright drives ``/usr/bin/chromium`` headless.
- ``page_guard`` (autouse): attached to every browser context made during the test (see the
  fixture). Every request is routed; anything not to 127.0.0.1 or localhost is aborted and
  fails the test, and so does any console error or uncaught page error. Tests expecting an
  error call ``page_guard.allow_console(regex)`` first (or mark ``allow_console_errors``).
- ``emulator`` (session): ``cognito_emulator.testing.EmulatorServer``, in-memory.

Tests under ``tests/browser/`` get ``@pytest.mark.browser`` automatically.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
TESTS = Path(__file__).resolve().parent
ALLOWED_HOSTS = frozenset({"127.0.0.1", "localhost"})
PLAYWRIGHT_FIXTURES = frozenset(
    {"playwright", "browser", "browser_type", "new_context", "context", "page", "launch_browser"}
)


def _load_tool(tool: str) -> Any:
    # tools/ is not an installed package; load it by path (build.py does the same).
    name = f"_tests_{tool}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{tool}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


static_server_module = _load_tool("static_server")
CHROMIUM: Path = _load_tool("chromium").CHROMIUM
CHROMIUM_ARGS: list[str] = _load_tool("chromium").CHROMIUM_ARGS
StaticServer = static_server_module.StaticServer


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "allow_console_errors(*patterns): console errors matching a regex are allowed"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Marks tests by directory (tests/browser/ -> browser) and runs Playwright tests last.

    Playwright's sync API leaves its event loop marked as running in the main thread for as
    long as the session-scoped ``playwright`` fixture lives, and every later asyncio test then
    fails with "Runner.run() cannot be called from a running event loop". So every test that
    uses Playwright runs after all the others (stable order otherwise).
    """
    for item in items:
        try:
            parts = Path(str(item.path)).resolve().relative_to(TESTS).parts
        except ValueError:
            parts = ()
        if parts and parts[0] == "browser":
            item.add_marker(pytest.mark.browser)
    items.sort(key=uses_playwright)


def uses_playwright(item: pytest.Item) -> bool:
    """True when the test needs Playwright's session (page, context, browser, ...)."""
    names = set(getattr(item, "fixturenames", ()))
    return bool(names & PLAYWRIGHT_FIXTURES) or item.get_closest_marker("browser") is not None


# ----------------------------------------------------------------------------- static server


@pytest.fixture(scope="session")
def static_server() -> Iterator[Any]:
    """web/ on a free 127.0.0.1 port (needs `python build.py bundle` for vendor/ and dist/)."""
    missing = [
        p
        for p in (WEB / "vendor" / "pyodide.mjs", WEB / "dist" / "manifest.json")
        if not p.exists()
    ]
    if missing:
        pytest.fail(f"{', '.join(map(str, missing))} missing: run `python build.py bundle` first")
    with StaticServer(WEB, "127.0.0.1", 0) as server:
        yield server


@pytest.fixture(scope="session")
def compressed_siblings() -> None:
    """The bundle's .br/.gz siblings (tools/precompress.py), which only tests of compression
    need: copied from the content-hash cache (.cache/precompress/) when compressed before."""
    _load_tool("precompress").build(ROOT, lambda _msg: None)


@pytest.fixture(scope="session")
def base_url(static_server: Any) -> str:
    """pytest-playwright resolves relative page.goto() URLs against this."""
    return str(static_server.url)


# ----------------------------------------------------------------------------- Chromium


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium (playwright cannot download browsers here), headless, offline-quiet."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `sudo apt-get update && sudo apt-get install -y chromium`"
        )
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


class PageGuard:
    """Collects off-box requests, console errors and page errors of the contexts it watches."""

    def __init__(self) -> None:
        self.blocked: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.allowed_console: list[re.Pattern[str]] = []
        self._reported = 0
        self._contexts: list[Any] = []

    def allow_console(self, pattern: str) -> None:
        """Console errors matching ``pattern`` (re.search) no longer fail the test."""
        self.allowed_console.append(re.compile(pattern))

    @staticmethod
    def is_local(url: str) -> bool:
        """True for http(s)/ws(s) URLs to 127.0.0.1 or localhost (and data:/blob: URLs)."""
        parts = urlsplit(url)
        if parts.scheme in {"data", "blob"}:
            return True
        return parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname in ALLOWED_HOSTS

    def attach(self, context: Any) -> None:
        """Routes every request of ``context`` through the guard and listens for errors."""
        if any(c is context for c in self._contexts):
            return
        self._contexts.append(context)

        def route(route: Any) -> None:
            url = route.request.url
            if self.is_local(url):
                route.fallback()
            else:
                self.blocked.append(url)
                route.abort("blockedbyclient")

        def console(message: Any) -> None:
            if message.type != "error":
                return
            location = message.location or {}
            text = f"{message.text} ({location.get('url', '?')}:{location.get('lineNumber', '?')})"
            if self.is_blocked_echo(message.text):
                return
            if not any(p.search(message.text) for p in self.allowed_console):
                self.console_errors.append(text)

        def web_error(error: Any) -> None:
            self.page_errors.append(str(error.error))

        context.route("**/*", route)
        context.on("console", console)
        context.on("weberror", web_error)

    def is_blocked_echo(self, text: str) -> bool:
        # Chromium logs "Failed to load resource" for requests the guard aborted; those are
        # already reported as blocked requests.
        return "net::ERR_BLOCKED_BY_CLIENT" in text and bool(self.blocked)

    def problems(self) -> list[str]:
        """Everything that should fail the test, as lines."""
        return (
            [f"request left 127.0.0.1: {u}" for u in self.blocked]
            + [f"console error: {t}" for t in self.console_errors]
            + [f"page error: {t}" for t in self.page_errors]
        )

    def new_problems(self) -> list[str]:
        """Problems not yet reported (so call and teardown never report one twice)."""
        found = self.problems()
        fresh = found[self._reported :]
        self._reported = len(found)
        return fresh

    def clear(self) -> None:
        """Forgets what was seen (for tests that provoke a violation on purpose)."""
        self.blocked.clear()
        self.console_errors.clear()
        self.page_errors.clear()
        self._reported = 0


_current_guard: PageGuard | None = None


@pytest.fixture(autouse=True)
def page_guard(request: pytest.FixtureRequest) -> Iterator[PageGuard]:
    """The guard for this test's browser contexts; see the module docstring.

    Autouse, so it is current before any context exists: every context made during the test
    (pytest-playwright's ``context``/``page``/``new_context``, ``browser.new_context()``,
    ``browser.new_page()``, ``browser_type.launch_persistent_context()``) is guarded.
    """
    global _current_guard
    guard = PageGuard()
    for marker in request.node.iter_markers("allow_console_errors"):
        for pattern in marker.args:
            guard.allow_console(pattern)
    _current_guard = guard
    try:
        yield guard
    finally:
        _current_guard = None
    late = guard.new_problems()
    if late:
        pytest.fail("page guard (after the test):\n  " + "\n  ".join(late), pytrace=False)


def _guarded(make: Callable[..., Any], context_of: Callable[[Any], Any]) -> Callable[..., Any]:
    """Wraps a Playwright factory so what it returns is attached to the current test's guard."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        made = make(*args, **kwargs)
        if _current_guard is not None:
            _current_guard.attach(context_of(made))
        return made

    return wrapper


@pytest.fixture(scope="session")
def browser(browser: Any) -> Any:
    """pytest-playwright's browser; every context or page it makes is guarded."""
    browser.new_context = _guarded(browser.new_context, lambda context: context)
    browser.new_page = _guarded(browser.new_page, lambda page: page.context)
    return browser


@pytest.fixture(scope="session")
def browser_type(browser_type: Any) -> Any:
    """pytest-playwright's browser type; persistent contexts (fresh profiles) are guarded."""
    browser_type.launch_persistent_context = _guarded(
        browser_type.launch_persistent_context, lambda context: context
    )
    return browser_type


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Fails a browser test that passed its own asserts but tripped the page guard."""
    guard = getattr(item, "funcargs", {}).get("page_guard")
    try:
        result = yield
    except BaseException:
        if isinstance(guard, PageGuard) and guard.problems():
            item.add_report_section("call", "page guard", "\n".join(guard.new_problems()))
        raise
    if isinstance(guard, PageGuard):
        found = guard.new_problems()
        if found:
            pytest.fail("page guard:\n  " + "\n  ".join(found), pytrace=False)
    return result


# ----------------------------------------------------------------------------- emulator


@pytest.fixture(scope="session")
def emulator() -> Iterator[Any]:
    """A running cognito_emulator (in-memory) for suites that need a backend."""
    from cognito_emulator import testing

    with testing.EmulatorServer() as server:
        yield server
