"""Measure the portal's start-up and main-thread blocking in headless Chromium.

    python tools/measure_web.py [--runs 5] [--json out.json]

For each boot path (``snapshot``: the fastboot files; ``plain``: the fallback, forced by
serving a manifest for another Pyodide) it opens the portal in a fresh browser context (cold:
empty HTTP cache) and reloads it once (warm), and reports navigation -> ``sdk-ready`` (the
worker answered), DOMContentLoaded (the form is typeable: it is static HTML), and the longest
main-thread task (PerformanceObserver ``longtask``) during boot and during a keyboard sign-in
against the emulator. Needs `python build.py bundle` first. Prints medians, minima, maxima.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import secrets
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

OBSERVER = """
window.__longtasks = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__longtasks.push([e.startTime, e.duration]);
}).observe({ type: "longtask", buffered: true });
"""
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _static_server() -> Any:
    spec = importlib.util.spec_from_file_location("_ss", ROOT / "tools/static_server.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.StaticServer


def _ready_metrics(page: Any) -> dict[str, float]:
    page.wait_for_function("performance.getEntriesByName('sdk-ready').length > 0", timeout=120_000)
    return page.evaluate(
        """() => {
        const ready = performance.getEntriesByName('sdk-ready')[0].startTime;
        const nav = performance.getEntriesByType('navigation')[0];
        const boot = window.__longtasks.filter(([s]) => s <= ready).map(([, d]) => d);
        const worker = Object.fromEntries(Object.entries(window.portal.py.info.timings || {})
            .map(([k, v]) => ["worker_" + k, v]));
        return { sdk_ready_ms: ready, typeable_ms: nav.domContentLoadedEventEnd,
                 boot_longest_task_ms: boot.length ? Math.max(...boot) : 0, ...worker };
    }"""
    )


def _sign_in(page: Any, username: str, password: str) -> float:
    page.evaluate("window.__longtasks = []")
    page.focus("#signin-username")  # measurement helper, not a test: focus directly
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    t0 = page.evaluate("performance.now()")
    page.keyboard.press("Enter")
    page.wait_for_selector("#view-account:not([hidden])", timeout=60_000)
    tasks = page.evaluate(
        "t0 => window.__longtasks.filter(([s, d]) => s + d >= t0).map(([, d]) => d)", t0
    )
    return max(tasks) if tasks else 0.0


def summarise(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 1),
        "min": round(min(values), 1),
        "max": round(max(values), 1),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path)
    opts = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    from cognito_emulator.seed import ensure_demo
    from cognito_emulator.testing import EmulatorServer

    fast = json.loads((ROOT / "web/dist/fastboot/manifest.json").read_text())
    stale = dict(fast, pyodide_version="0.0.0")
    results: dict[str, Any] = {"load_average": os.getloadavg()}
    with (
        EmulatorServer() as emu,
        _static_server()(ROOT / "web", "127.0.0.1", 0) as site,
        sync_playwright() as pw,
        tempfile.TemporaryDirectory() as tmp,
    ):
        ensure_demo(emu.ctx(), emu.endpoint, f"{tmp}/config.json")
        config = Path(f"{tmp}/config.json").read_text()
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for variant in ("snapshot", "plain"):
            rows: dict[str, list[float]] = {}
            for _ in range(opts.runs):
                context = browser.new_context()
                context.add_init_script(OBSERVER)
                context.route(
                    "**/config.json",
                    lambda r: r.fulfill(status=200, content_type="application/json", body=config),
                )
                if variant == "plain":
                    context.route(
                        "**/dist/fastboot/manifest.json",
                        lambda r: r.fulfill(
                            status=200, content_type="application/json", body=json.dumps(stale)
                        ),
                    )
                page = context.new_page()
                page.goto(site.url + "/")
                cold = _ready_metrics(page)
                mode = page.evaluate("document.documentElement.dataset.bootMode")
                assert mode == variant, (mode, variant)
                user = f"m-{secrets.token_hex(4)}"
                emu.create_user(json.loads(config)["userPoolId"], user, "Measure-Passw0rd!")
                signin = _sign_in(page, user, "Measure-Passw0rd!")
                page.reload()
                warm = _ready_metrics(page)
                for key, value in cold.items():
                    rows.setdefault(f"cold_{key}", []).append(value)
                for key, value in warm.items():
                    rows.setdefault(f"warm_{key}", []).append(value)
                rows.setdefault("signin_longest_task_ms", []).append(signin)
                context.close()
            results[variant] = {k: summarise(v) for k, v in rows.items()}
        browser.close()
    results["load_average_after"] = os.getloadavg()
    text = json.dumps(results, indent=2)
    print(text)
    if opts.json:
        opts.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
