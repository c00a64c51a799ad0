"""The first pages: Pyodide from /vendor/, the SDK wheel from /dist/, its version in the page."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
CDN_URL = "https://cdn.jsdelivr.net/pyodide/v0.27.0/full/pyodide.mjs"
BOOT_TIMEOUT_MS = 90_000  # cold Pyodide boot is ~3 s here; CI machines can be much slower


def source_version() -> str:
    """__version__ as written in the SDK source (not imported: the page must agree with it)."""
    text = (ROOT / "src" / "amazon_cognito_identity" / "_version.py").read_text()
    match = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    assert match, "no __version__ in amazon_cognito_identity/_version.py"
    return match.group(1)


def test_hello_page_shows_sdk_version(page: Page, page_guard: Any) -> None:
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    page.goto("/hello.html")
    expect(page.locator("body")).to_have_attribute("data-state", "ready", timeout=BOOT_TIMEOUT_MS)
    expect(page.locator("#sdk-version")).to_have_text(f"amazon_cognito_identity {source_version()}")
    manifest = json.loads((ROOT / "web" / "dist" / "manifest.json").read_text())
    # Pyodide and the wheel really came from our server, not from somewhere cached.
    assert any(u.endswith("/vendor/pyodide.asm.wasm") for u in urls), urls
    assert any(u.endswith(f"/dist/{manifest['wheel']}") for u in urls), urls
    assert page_guard.blocked == []


def test_index_links_hello_and_shows_version(page: Page) -> None:
    page.goto("/")
    expect(page.locator("body")).to_have_attribute("data-state", "ready", timeout=BOOT_TIMEOUT_MS)
    expect(page.locator("#sdk-version")).to_contain_text(source_version())
    page.get_by_role("link", name="Hello page").click()
    expect(page).to_have_url(re.compile(r"/hello\.html$"))


def test_python_runs_in_the_page(page: Page) -> None:
    """The booted interpreter is real CPython-in-wasm: it computes, and sees the wheel's files."""
    page.goto("/hello.html")
    expect(page.locator("body")).to_have_attribute("data-state", "ready", timeout=BOOT_TIMEOUT_MS)
    result = page.evaluate(
        """() => {
            return window.sdkRuntime.pyodide.runPython(`
import sys, amazon_cognito_identity as sdk
from pathlib import Path
pkg = Path(sdk.__file__).parent
f"{sys.version_info[:2]}|{pow(3, 200, 2**61 - 1)}|{(pkg / 'py.typed').exists()}"
`);
        }"""
    )
    version, modpow, typed = result.split("|")
    assert version == "(3, 14)"
    assert modpow == str(pow(3, 200, 2**61 - 1))
    assert typed == "True"


def test_guard_blocks_requests_leaving_the_machine(page: Page, page_guard: Any) -> None:
    """A CDN URL left in a page is caught: aborted and reported, not silently fetched."""
    page.goto("/hello.html")
    outcome = page.evaluate(
        """async (url) => {
            try { await fetch(url); return "fetched"; } catch (e) { return "blocked"; }
        }""",
        CDN_URL,
    )
    assert outcome == "blocked"
    assert page_guard.blocked == [CDN_URL]
    page_guard.clear()  # the violation was the point of this test


def test_guard_reports_console_errors(page: Page, page_guard: Any) -> None:
    page.goto("/hello.html")
    page.evaluate("console.error('deliberate error for the guard test')")
    page.wait_for_timeout(200)  # console events arrive asynchronously
    assert any("deliberate error" in e for e in page_guard.console_errors)
    page_guard.clear()


def test_version_mismatch_is_reported_not_hidden(page: Page, page_guard: Any) -> None:
    """A stale manifest (wheel and manifest disagree) shows an error instead of a version."""
    manifest = json.loads((ROOT / "web" / "dist" / "manifest.json").read_text())
    page.route(
        "**/dist/manifest.json",
        lambda route: route.fulfill(json={**manifest, "version": "0.0.0-stale"}),
    )
    page_guard.allow_console("manifest says 0.0.0-stale")
    page.goto("/hello.html")
    expect(page.locator("body")).to_have_attribute("data-state", "error", timeout=BOOT_TIMEOUT_MS)
    expect(page.locator("#sdk-version")).to_contain_text("manifest says 0.0.0-stale")


def test_missing_bundle_says_what_to_run(page: Page, page_guard: Any) -> None:
    page.route("**/dist/manifest.json", lambda route: route.fulfill(status=404, body="nope"))
    page_guard.allow_console("404")
    page.goto("/hello.html")
    expect(page.locator("body")).to_have_attribute("data-state", "error", timeout=BOOT_TIMEOUT_MS)
    expect(page.locator("#sdk-version")).to_contain_text("python build.py bundle")


def test_guard_covers_pages_made_directly(
    browser: Any, static_server: Any, page_guard: Any
) -> None:
    """Contexts made without pytest-playwright's fixtures (fresh profiles, cold starts) too."""
    page = browser.new_page(base_url=static_server.url)
    try:
        page.goto("/hello.html")
        page.evaluate("(url) => fetch(url).catch(() => null)", CDN_URL)
        page.wait_for_timeout(200)
    finally:
        page.context.close()
    assert page_guard.blocked == [CDN_URL]
    page_guard.clear()
