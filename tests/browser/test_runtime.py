"""The worker runtime: boot paths, the storage bridge and a responsive main thread."""

from __future__ import annotations

import json
from typing import Any

READY = "document.documentElement.dataset.bootMode"


def wait_ready(page: Any, timeout: float = 120_000) -> str:
    page.wait_for_function(f"!!{READY}", timeout=timeout)
    return str(page.evaluate(READY))


def test_snapshot_boot_and_version_footer(page: Any, site: Any) -> None:
    page.goto(site.url + "/")
    assert wait_ready(page) == "snapshot"
    footer = page.locator("#sdk-version").text_content()
    wheel = json.loads((site.root / "dist/fastboot/manifest.json").read_text())["wheel"]["file"]
    assert footer == "v" + wheel.split("-")[1]
    assert "/dist/fastboot/snapshot.bin" in site.requests


def test_corrupted_snapshot_falls_back_to_plain_boot(page: Any, site: Any) -> None:
    # A cut-off download with one flipped byte (kept small: it passes through Playwright).
    with (site.root / "dist/fastboot/snapshot.bin").open("rb") as handle:
        damaged = bytearray(handle.read(1 << 20))
    damaged[len(damaged) // 2] ^= 0xFF
    site.serve("/dist/fastboot/snapshot.bin", bytes(damaged), "application/octet-stream")
    page.goto(site.url + "/")
    assert wait_ready(page) == "plain"
    assert page.evaluate("window.portal.py.info.reason") == "snapshot hash mismatch"
    assert page.evaluate("window.portal.call('ping')") == "pong"


def test_mismatched_manifest_falls_back(page: Any, site: Any) -> None:
    manifest = json.loads((site.root / "dist/fastboot/manifest.json").read_text())
    manifest["pyodide_version"] = "0.0.0"
    site.serve("/dist/fastboot/manifest.json", json.dumps(manifest))
    page.goto(site.url + "/")
    assert wait_ready(page) == "plain"
    assert page.evaluate("window.portal.py.info.reason") == "Pyodide version differs"


def test_form_typeable_before_python(page: Any, site: Any) -> None:
    page.goto(site.url + "/")
    # Typing works while the worker is still booting.
    page.locator("#signin-username").press_sequentially("early-bird")
    assert page.evaluate(READY) is None or page.evaluate(READY) == "snapshot"
    assert page.locator("#signin-username").input_value() == "early-bird"
    assert page.locator("#boot-progress").is_visible()
    wait_ready(page)


def test_storage_bridge_round_trip(page: Any, site: Any) -> None:
    page.goto(site.url + "/")
    page.evaluate("localStorage.setItem('CognitoIdentityServiceProvider.c.LastAuthUser', 'ann')")
    page.evaluate("localStorage.setItem('unrelated', 'x')")
    wait_ready(page)
    call = "([m, p]) => window.portal.call(m, p)"
    key = "CognitoIdentityServiceProvider.c.LastAuthUser"
    # Seeded from the page; unrelated keys are not mirrored.
    assert page.evaluate(call, ["storage_get", {"key": key}]) == "ann"
    assert page.evaluate(call, ["storage_get", {"key": "unrelated"}]) is None
    # A write in the worker reaches localStorage before the call resolves.
    page.evaluate(call, ["storage_set", {"key": key, "value": "bob"}])
    assert page.evaluate(f"localStorage.getItem('{key}')") == "bob"
    # A change made on the page is seen by the worker on the next call.
    page.evaluate(f"localStorage.setItem('{key}', 'cy')")
    assert page.evaluate(call, ["storage_get", {"key": key}]) == "cy"
    page.evaluate(call, ["storage_remove", {"key": key}])
    assert page.evaluate(f"localStorage.getItem('{key}')") is None
    # Cookies go through document.cookie.
    page.evaluate(call, ["storage_set", {"key": key, "value": "dee", "area": "cookie"}])
    assert "CognitoIdentityServiceProvider.c.LastAuthUser=dee" in page.evaluate("document.cookie")
    assert page.evaluate(call, ["storage_get", {"key": key, "area": "cookie"}]) == "dee"
