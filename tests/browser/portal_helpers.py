"""Drivers for the portal tests: reach things with Tab, type, press Enter, read what shows.

Controls are found as a person finds them, by their visible label or role name; a test then
moves the keyboard focus there with Tab (never by clicking into it).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BOOT_MS = 120_000
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}


def tab_to(page: Any, target: Any, limit: int = 150) -> None:
    """Press Tab until ``target`` (a locator or selector) has focus; fail when it never does."""
    loc = page.locator(target) if isinstance(target, str) else target
    loc.wait_for(state="visible")
    for _ in range(limit):
        if loc.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{target} cannot be reached with the Tab key")


def type_in(page: Any, target: Any, text: str) -> None:
    """Focus a field with Tab, clear it, and type ``text``."""
    tab_to(page, target)
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    page.keyboard.type(text)


def press(page: Any, target: Any, key: str = "Enter") -> None:
    """Focus ``target`` with Tab and press ``key`` (Enter submits or activates)."""
    tab_to(page, target)
    page.keyboard.press(key)


def field(scope: Any, label: str) -> Any:
    """The visible input labelled ``label`` (exactly) inside ``scope`` (page or locator)."""
    return scope.get_by_label(label, exact=True).locator("visible=true").first


def button(scope: Any, name: str) -> Any:
    """The visible button named ``name``."""
    return scope.get_by_role("button", name=name, exact=True).locator("visible=true").first


def in_viewport(page: Any, loc: Any) -> bool:
    """True when the element's box lies entirely inside the window."""
    return bool(
        loc.evaluate(
            "el => { const r = el.getBoundingClientRect();"
            " return r.height > 0 && r.top >= 0 && r.left >= 0"
            " && r.bottom <= innerHeight && r.right <= innerWidth; }"
        )
    )


def live(loc: Any) -> str | None:
    """The aria-live politeness announcing ``loc`` (its own or an ancestor's), or None."""
    return loc.evaluate(  # type: ignore[no-any-return]
        "el => { const r = el.closest('[aria-live]');"
        " if (r) return r.getAttribute('aria-live');"
        " const a = el.closest('[role=alert],[role=status]');"
        " return a ? (a.getAttribute('role') === 'alert' ? 'assertive' : 'polite') : null; }"
    )


def assert_result_near(page: Any, control: Any, text: str, timeout: float = 30_000) -> Any:
    """The result ``text`` shows inside the card of ``control``, in view, in a live region."""
    card = control.locator("xpath=ancestor::section[1]")
    message = card.locator(".cog-msg, .cog-login-message").filter(has_text=text)
    try:
        message.first.wait_for(state="visible", timeout=timeout)
    except Exception as exc:
        shown = card.locator(".cog-msg, .cog-login-message").all_text_contents()
        raise AssertionError(f"{text!r} not shown next to the control; card says {shown}") from exc
    msg = message.first
    assert in_viewport(page, msg), f"{text!r} is outside the viewport"
    assert live(msg) in ("polite", "assertive"), f"{text!r} is not in an aria-live region"
    return msg


def axe_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))"
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {json.dumps(v['nodes'])}"
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


def check_view(page: Any, name: str, show: Any = None) -> None:
    """axe-core at desktop and 390x844 (0 serious/critical), screenshots when asked for
    (with ``show``, a locator, scrolled into view)."""
    failures = []
    for label, size in (("desktop", DESKTOP), ("mobile", MOBILE)):
        page.set_viewport_size(size)
        page.wait_for_timeout(50)  # one frame for the reflow before axe measures contrast
        if show is not None:
            show.scroll_into_view_if_needed()
        failures += [f"{name} ({label}): {v}" for v in axe_violations(page)]
        shot(page, f"{name}-{label}")
    page.set_viewport_size(DESKTOP)
    assert not failures, "\n".join(failures)


def shot(page: Any, name: str) -> None:
    """Save docs/screenshots/NAME.png for the README, only when SCREENSHOTS=1."""
    if os.environ.get("SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)
