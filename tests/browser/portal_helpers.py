"""Keyboard-only drivers for the portal tests: reach things with Tab, type, press Enter."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
BOOT_MS = 120_000


def tab_to(page: Any, selector: str, limit: int = 120) -> None:
    """Press Tab until ``selector`` has focus; fail when Tab never reaches it."""
    page.wait_for_selector(selector, state="visible")
    for _ in range(limit):
        if page.evaluate("s => !!document.activeElement?.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def type_in(page: Any, selector: str, text: str) -> None:
    """Focus a field with Tab, clear it, and type ``text``."""
    tab_to(page, selector)
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    page.keyboard.type(text)


def press(page: Any, selector: str, key: str = "Enter") -> None:
    """Focus ``selector`` with Tab and press ``key`` (Enter submits, Space toggles)."""
    tab_to(page, selector)
    page.keyboard.press(key)


def choose(page: Any, selector: str, value: str) -> None:
    """Pick an option of a <select> with the arrow keys."""
    tab_to(page, selector)
    for _ in range(10):
        if page.eval_on_selector(selector, "el => el.value") == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{value!r} not reachable in {selector}")


def status(page: Any) -> str:
    return str(page.locator("#status").text_content() or "")


def wait_status(page: Any, fragment: str) -> None:
    """Wait until the status line contains ``fragment`` (fails with the actual text)."""
    try:
        page.wait_for_function(
            "f => document.querySelector('#status').textContent.includes(f)", arg=fragment
        )
    except Exception as exc:
        raise AssertionError(f"status {status(page)!r} never contained {fragment!r}") from exc


def outbox_code(page: Any, username: str, kind: str) -> str:
    """Ask the dev panel for the user's codes (keyboard) and read the newest of ``kind``."""
    version = int(page.eval_on_selector("#outbox", "t => Number(t.dataset.version || 0)"))
    type_in(page, "#outbox-username", username)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "([v, k]) => { const t = document.querySelector('#outbox');"
        " return Number(t.dataset.version || 0) > v && t.querySelector(`tr[data-kind='${k}']`); }",
        arg=[version, kind],
    )
    cell = page.locator(f"#outbox tr[data-kind='{kind}'] td.code").first
    return str(cell.text_content()).strip()


def shot(page: Any, name: str) -> None:
    """Save a screenshot of the page for the README (docs/screenshots/NAME.png)."""
    if os.environ.get("NO_SCREENSHOTS"):
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def wait_for(page: Any, selector: str, timeout: float = 30_000) -> None:
    """Wait for ``selector`` to be visible; a timeout reports the page's status line."""
    try:
        page.wait_for_selector(selector, state="visible", timeout=timeout)
    except Exception as exc:
        raise AssertionError(f"{selector} never showed; status: {status(page)!r}") from exc
