"""Measure the portal's start-up and main-thread blocking in headless Chromium.

    python tools/measure_web.py [--runs 5] [--json out.json]
    python tools/measure_web.py --transfer [--runs 5] [--json out.json]

For each boot path (``snapshot``: the fastboot files; ``plain``: the fallback, forced by
serving a manifest for another Pyodide) it opens the portal in a fresh browser context (cold:
empty HTTP cache) and reloads it once (warm), and reports navigation -> ``sdk-ready`` (the
worker answered), DOMContentLoaded (the form is typeable: it is static HTML), and the longest
main-thread task (PerformanceObserver ``longtask``) during boot and during a keyboard sign-in
against the emulator. Needs `python build.py bundle` first. Prints medians, minima, maxima.

``--transfer`` instead compares the static server with and without its gzip siblings
(``tools/precompress.py``): bytes on the wire for a cold load of the portal until ``sdk-ready``,
and cold / warm time to ``sdk-ready``. ``cold_load_transfer()`` is the reusable part (the
bench calls it with its own browser and URL).
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
# One set of Chromium flags for tests, measurements and benchmarks (tools/chromium.py).
sys.path.insert(0, str(ROOT / "tools"))
from chromium import CHROMIUM_ARGS as ARGS  # noqa: E402


def _static_server() -> Any:
    spec = importlib.util.spec_from_file_location("_ss", ROOT / "tools/static_server.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.StaticServer


def _ready_metrics(page: Any) -> dict[str, float]:
    page.wait_for_function("performance.getEntriesByName('sdk-ready').length > 0", timeout=120_000)
    metrics: dict[str, float] = page.evaluate(
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
    return metrics


def _sign_in(page: Any, username: str, password: str) -> float:
    page.evaluate("window.__longtasks = []")
    # A measurement helper, not a test: focus directly.
    page.focus("#portal-login input[name=username]")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    t0 = page.evaluate("performance.now()")
    page.keyboard.press("Enter")
    page.wait_for_selector("#account:not([hidden])", timeout=60_000)
    tasks = page.evaluate(
        "t0 => window.__longtasks.filter(([s, d]) => s + d >= t0).map(([, d]) => d)", t0
    )
    return max(tasks) if tasks else 0.0


def _body_bytes(request: Any) -> int:
    """Encoded (on the wire) body bytes of a finished request; Content-Length when Chromium
    reports none (a worker's script)."""
    size = int(request.sizes()["responseBodySize"])
    if size > 0:
        return size
    response = request.response()
    length = response.headers.get("content-length") if response is not None else None
    return int(length) if length and length.isdigit() else 0


def cold_load_transfer(
    browser: Any,
    url: str,
    *,
    ready_js: str = "performance.getEntriesByName('sdk-ready').length > 0",
    ready_mark: str | None = "sdk-ready",
    prepare: Any = None,
    warm: bool = True,
    timeout_ms: float = 120_000,
    context_options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Open ``url`` in a fresh context (empty HTTP cache) until ``ready_js`` is true.

    Counts every response the page and its workers received (``requestfinished``), with the
    body bytes as transferred (compressed when the server compressed) plus header bytes.
    ``prepare(context)`` may add routes first; ``context_options`` go to
    ``browser.new_context`` (e.g. ``extra_http_headers`` to narrow Accept-Encoding). Returns
    ``{"bytes", "body_bytes", "responses", "compressed_responses", "largest": [...],
    "cold_ready_ms", "warm_ready_ms"}``; the
    ready times are the ``ready_mark`` performance mark's startTime (None without a mark),
    warm after one reload in the same context (when ``warm``).
    """
    context = browser.new_context(**(context_options or {}))
    try:
        if prepare is not None:
            prepare(context)
        finished: list[Any] = []
        context.on("requestfinished", lambda request: finished.append(request))
        page = context.new_page()
        page.goto(url)
        page.wait_for_function(ready_js, timeout=timeout_ms)
        mark_js = f"performance.getEntriesByName({json.dumps(ready_mark)})[0].startTime"
        cold_ms = page.evaluate(mark_js) if ready_mark else None
        rows = []
        for request in finished:
            if not request.url.startswith("http"):
                continue  # blob: and data: URLs never touch the network
            response = request.response()
            encoding = response.headers.get("content-encoding") if response else None
            headers = max(0, int(request.sizes()["responseHeadersSize"]))
            rows.append((request.url, _body_bytes(request), headers, encoding))
        warm_ms = None
        if warm:
            page.reload()
            page.wait_for_function(ready_js, timeout=timeout_ms)
            warm_ms = page.evaluate(mark_js) if ready_mark else None
    finally:
        context.close()
    largest = sorted(rows, key=lambda row: -row[1])[:6]
    return {
        "unit": "bytes",
        "bytes": sum(body + headers for _, body, headers, _ in rows),
        "body_bytes": sum(body for _, body, _, _ in rows),
        "responses": len(rows),
        "compressed_responses": sum(1 for *_, enc in rows if enc),
        "largest": [
            {"url": u.split("/", 3)[-1], "bytes": b, "encoding": e} for u, b, _, e in largest
        ],
        "cold_ready_ms": cold_ms,
        "warm_ready_ms": warm_ms,
    }


def transfer_main(runs: int) -> dict[str, Any]:
    """Portal cold loads with the compressed siblings (brotli as Chromium asks; gzip only, by
    narrowing Accept-Encoding) and without (identity): bytes and ready times."""
    from playwright.sync_api import sync_playwright

    results: dict[str, Any] = {"load_average": os.getloadavg()}
    server_class = _static_server()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        samples: dict[str, list[dict[str, Any]]] = {"br": [], "gzip": [], "identity": []}
        gzip_only = {"extra_http_headers": {"Accept-Encoding": "gzip, deflate"}}
        with (
            server_class(ROOT / "web", "127.0.0.1", 0, compress=True) as gz_site,
            server_class(ROOT / "web", "127.0.0.1", 0, compress=False) as plain_site,
        ):
            # Alternate so that drifting machine load hits both variants alike.
            variants: list[tuple[str, Any, dict[str, Any]]] = [
                ("br", gz_site, {}),
                ("gzip", gz_site, gzip_only),
                ("identity", plain_site, {}),
            ]
            for _ in range(runs):
                for name, site, options in variants:
                    samples[name].append(
                        cold_load_transfer(browser, site.url, context_options=options)
                    )
        browser.close()
    for name, rows in samples.items():
        results[name] = {
            "bytes": rows[-1]["bytes"],
            "responses": rows[-1]["responses"],
            "compressed_responses": rows[-1]["compressed_responses"],
            "largest": rows[-1]["largest"],
            "cold_ready_ms": summarise([r["cold_ready_ms"] for r in rows]),
            "warm_ready_ms": summarise([r["warm_ready_ms"] for r in rows]),
        }
    results["load_average_after"] = os.getloadavg()
    return results


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
    parser.add_argument("--transfer", action="store_true", help="gzip on/off comparison")
    opts = parser.parse_args(argv)
    if opts.transfer:
        text = json.dumps(transfer_main(opts.runs), indent=2)
        print(text)
        if opts.json:
            opts.json.write_text(text + "\n")
        return 0

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
