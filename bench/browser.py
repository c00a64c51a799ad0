"""Browser-side measurements: one headless Chromium, pages served from 127.0.0.1 only."""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
import secrets
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Request


def _load_chromium_settings() -> Any:
    # tools/ is not a package; load tools/chromium.py by path, as the test harness does.
    path = Path(__file__).resolve().parent.parent / "tools" / "chromium.py"
    spec = importlib.util.spec_from_file_location("_bench_chromium", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_CHROMIUM = _load_chromium_settings()

#: The project's Chromium flags (tools/chromium.py), plus a resolver rule: nothing but
#: 127.0.0.1 resolves, so a CDN URL left in a page fails instead of loading.
CHROMIUM_ARGS = [
    *_CHROMIUM.CHROMIUM_ARGS,
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]

#: RFC 3526 group 15, the SRP modulus, and k = H(padHex(N) + padHex(g)) (from the protocol).
N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A0879"
    "8E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0B"
    "FF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55"
    "D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C"
    "08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458"
    "DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12F"
    "FA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB"
    "3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
).lower()
N = int(N_HEX, 16)
K_HEX = "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"


class OffHostRequestError(RuntimeError):
    """A page asked for something outside 127.0.0.1 (a CDN URL left in a page)."""


def stats(samples: list[float], unit: str = "ms") -> dict[str, Any]:
    """Median, min and max of ``samples`` rounded for the report, and the samples in run
    order (the report pairs them run by run for the ratios' spread)."""
    return {
        "unit": unit,
        "median": round(statistics.median(samples), 2),
        "min": round(min(samples), 2),
        "max": round(max(samples), 2),
        "n": len(samples),
        "samples": [round(x, 2) for x in samples],
    }


def launch(pw: Playwright) -> Browser:
    """Debian's Chromium, headless, with the project's launch arguments."""
    return pw.chromium.launch(
        executable_path=str(_CHROMIUM.CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )


def new_context(browser: Browser, blocked: list[str]) -> BrowserContext:
    """A fresh context (fresh HTTP cache) that records every request off 127.0.0.1.

    Not with ``route()``: Playwright turns the HTTP cache off for a context with routes,
    which would make every warm reload cold (and add a driver round trip per request).
    The resolver rule in CHROMIUM_ARGS keeps such requests from reaching anything.
    """
    ctx = browser.new_context()

    def watch(request: Request) -> None:
        if not request.url.startswith(("http://127.0.0.1:", "data:", "blob:")):
            blocked.append(request.url)

    ctx.on("request", watch)
    return ctx


def open_lab(ctx: BrowserContext, base: str, wheel_url: str | None, timeout_ms: float) -> Page:
    """Open bench/pages/lab.html (JS SDK bundle + optional Pyodide with our wheel)."""
    page = ctx.new_page()
    url = f"{base}/bench/lab.html" + (f"?wheel={wheel_url}" if wheel_url else "")
    page.goto(url)
    page.wait_for_function("window.labReady === true", timeout=timeout_ms)
    if wheel_url:
        page.evaluate(
            """async () => {
                const src = await (await fetch('/bench/lab_py.py')).text();
                await pyodide.runPythonAsync(src);
            }"""
        )
    return page


def srp_inputs(runs: int) -> list[dict[str, str]]:
    """Random server answers (B, salt, secret block) shared by every implementation."""
    import base64

    out = []
    for i in range(runs):
        b = secrets.randbelow(N - 2) + 2
        salt = secrets.token_bytes(16)
        out.append(
            {
                "pool": "bench" + secrets.token_hex(3),
                "user": f"user-{i}-" + secrets.token_hex(4),
                "password": "Pässw0rd!" + secrets.token_hex(4),
                "b": format(b, "x"),
                "salt": salt.hex(),
                "secret": base64.b64encode(secrets.token_bytes(32)).decode(),
                "a": format(secrets.randbits(1024) | 1 << 1023, "x"),
                "x": format(secrets.randbits(256) | 1 << 255, "x"),
                "u": format(secrets.randbits(256) | 1 << 255, "x"),
            }
        )
    return out


def measure_srp(page: Page, runs: int, js_modpow_source: str) -> dict[str, Any]:
    """SRP client maths: ours (as the SDK picks), the JS SDK, the JS BigInt floor.

    The implementations take turns on each input, so a burst of load on the machine hits
    them alike and the ratios stay fair.
    """
    page.evaluate("(src) => { window.fastModpow = (0, eval)(src); }", js_modpow_source)
    inputs = srp_inputs(runs + 1)
    chosen = page.evaluate("pyodide.globals.get('use_modpow')('auto')")
    run_py = (
        "([mode, i]) => { pyodide.globals.get('use_modpow')(mode);"
        " return pyodide.globals.get('srp_once')(i.pool, i.user, i.password, i.b, i.salt,"
        " i.secret); }"
    )
    run_js = "(i) => jsSdkSrpOnce(i.pool, i.user, i.password, i.b, i.salt, i.secret)"
    run_floor = (
        "([fn, n, k, i]) => bigintFloorOnce(fn === 'fast' ? window.fastModpow : plainModpow,"
        " n, k, i.a, i.x, i.u, i.b)"
    )
    variants: dict[str, Callable[[dict[str, str]], float]] = {
        "ours": lambda i: page.evaluate(run_py, [chosen, i]),
        "js_sdk": lambda i: page.evaluate(run_js, i),
        "floor": lambda i: page.evaluate(run_floor, ["fast", N_HEX, K_HEX, i]),
        "ours_python": lambda i: page.evaluate(run_py, ["python", i]),
        "ours_js": lambda i: page.evaluate(run_py, ["js", i]),
        "floor_plain": lambda i: page.evaluate(run_floor, ["plain", N_HEX, K_HEX, i]),
    }
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for n, inp in enumerate(inputs):
        for name, fn in variants.items():
            ms = fn(inp)
            if n:  # the first round compiles and warms caches
                samples[name].append(ms)
    page.evaluate(f"pyodide.globals.get('use_modpow')('{chosen}')")
    return {
        "srp_compute_ms": {
            "ours": stats(samples["ours"]) | {"modpow": chosen},
            "js_sdk": stats(samples["js_sdk"]),
            "js_bigint_floor": stats(samples["floor"]) | {"modpow": "the same JS BigInt function"},
        },
        "srp_compute_variants_ms": {
            "ours_python_pow": stats(samples["ours_python"]),
            "ours_js_bigint": stats(samples["ours_js"]),
            "js_bigint_floor_square_and_multiply": stats(samples["floor_plain"]),
        },
    }


def measure_signins(
    page: Page, cfg: dict[str, Any], users: list[tuple[str, str]], runs: int
) -> dict[str, Any]:
    """JS SDK authenticateUser, Amplify v6 signIn (when its bundle loaded), our
    authenticate_user, and ours after prewarm (as the portal's form runs it: the prewarm
    starts while the user types), taking turns.

    Also the longest main-thread task seen during each side's sign-ins.
    """
    js_call = "([c, u, p]) => jsSdkSignIn(c, u, p)"
    amplify_call = "([c, u, p]) => amplifySignIn(c, u, p)"
    py_call = "([c, u, p, w]) => pyodide.globals.get('signin_once')(c, u, p, w)"
    cfg_json = json.dumps(cfg)
    has_amplify = bool(page.evaluate("typeof AmplifyBench !== 'undefined'"))
    names = ["js_sdk", *(["amplify"] if has_amplify else []), "ours", "ours_prewarm"]
    samples: dict[str, list[float]] = {name: [] for name in names}
    longest = {"js_sdk": 0.0, "amplify": 0.0, "ours": 0.0}
    for i in range(runs + 1):
        user, password = users[i % len(users)]
        for name in samples:
            t0 = page.evaluate("performance.now()")
            if name == "js_sdk":
                ms = page.evaluate(js_call, [cfg, user, password])
            elif name == "amplify":
                ms = page.evaluate(amplify_call, [cfg, user, password])
            else:
                ms = page.evaluate(py_call, [cfg_json, user, password, name == "ours_prewarm"])
            worst = float(page.evaluate("(t0) => longestTaskSince(t0)", t0))
            side = name if name in longest else "ours"
            longest[side] = max(longest[side], worst)
            if i:  # the first round warms up connections and the JIT
                samples[name].append(ms)
    if not has_amplify:
        del longest["amplify"]
    return {name: stats(v) for name, v in samples.items()} | {"longest": longest}


@dataclass
class BootTarget:
    """A page whose start-up is measured: ready once ``ready_js`` is true."""

    name: str
    url: str
    ready_js: str
    typeable_selector: str | None = None
    phases: bool = False  # read the worker's per-phase boot marks (web/portal/fastboot.js)

    def probe(self) -> str:
        """Init script recording, on the page's own clock, when it was typeable and ready.

        performance.now() counts from the navigation start, so the harness round trip does
        not count. DOM mutations (the ready flag is an attribute) are caught at once; a
        5 ms interval catches readiness that only shows in JS state.
        """
        return """
        (() => {
          const sel = __SELECTOR__;
          const ready = () => { try { return Boolean(__READY__); } catch (e) { return false; } };
          window.__bench = { typeable: null, ready: null };
          let timer = null;
          let observer = null;
          const tick = () => {
            const b = window.__bench;
            if (sel && b.typeable === null) {
              const el = document.querySelector(sel);
              if (el && !el.disabled && !el.readOnly && el.getClientRects().length > 0) {
                b.typeable = performance.now();
              }
            }
            if (b.ready === null && ready()) { b.ready = performance.now(); }
            if ((!sel || b.typeable !== null) && b.ready !== null) {
              clearInterval(timer);
              if (observer) { observer.disconnect(); }
            }
          };
          timer = setInterval(tick, 5);
          observer = new MutationObserver(tick);
          observer.observe(document, { subtree: true, childList: true, attributes: true });
          document.addEventListener("readystatechange", tick);
          tick();
        })();
        """.replace("__SELECTOR__", json.dumps(self.typeable_selector)).replace(
            "__READY__", self.ready_js
        )


def _wait_boot(page: Page, target: BootTarget, timeout_ms: float) -> dict[str, Any]:
    page.wait_for_function("window.__bench && window.__bench.ready !== null", timeout=timeout_ms)
    if target.typeable_selector:
        page.wait_for_function("window.__bench.typeable !== null", timeout=timeout_ms)
    got: dict[str, Any] = page.evaluate("window.__bench")
    return got


def measure_boots(
    browser: Browser,
    targets: list[BootTarget],
    *,
    cold_runs: int,
    warm_runs: int,
    timeout_ms: float,
    blocked: list[str],
) -> dict[str, dict[str, Any]]:
    """Navigation -> typeable form and -> SDK ready, cold (fresh context) then warm reloads.

    The targets take turns, cold load by cold load, so changing load on the machine hits
    them alike. Each cold load is followed by ``warm_runs`` reloads in the same context
    (HTTP and code caches filled).
    """
    times: dict[str, dict[str, list[float]]] = {
        t.name: {"cold_ready": [], "cold_typeable": [], "warm_ready": [], "warm_typeable": []}
        for t in targets
    }
    phases: dict[str, dict[str, list[float]]] = {"cold": {}, "warm": {}}
    for _ in range(cold_runs):
        for target in targets:
            ctx = new_context(browser, blocked)
            ctx.add_init_script(target.probe())
            page = ctx.new_page()
            page.goto(target.url)
            got = _wait_boot(page, target, timeout_ms)
            mine = times[target.name]
            mine["cold_ready"].append(got["ready"])
            if target.typeable_selector:
                mine["cold_typeable"].append(got["typeable"])
            if target.phases:
                _add_phases(phases["cold"], page, got["ready"])
            for _w in range(warm_runs):
                page.reload()
                got = _wait_boot(page, target, timeout_ms)
                mine["warm_ready"].append(got["ready"])
                if target.typeable_selector:
                    mine["warm_typeable"].append(got["typeable"])
                if target.phases:
                    _add_phases(phases["warm"], page, got["ready"])
            ctx.close()
    out: dict[str, dict[str, Any]] = {
        name: {key: stats(values) for key, values in per.items() if values}
        for name, per in times.items()
    }
    if any(phases.values()):
        out["phases"] = {
            kind: {name: stats(v) for name, v in sorted(per.items())}
            for kind, per in phases.items()
            if per
        }
    return out


# The worker's ready message (web/portal/fastboot.js timings): marks in ms from the worker's
# start of boot; the worker's start is taken against the page's navigation start.
_PHASES_JS = """() => {
  const info = window.portal && window.portal.py && window.portal.py.info;
  if (!info || !info.timings) return null;
  return { ...info.timings, page_origin: performance.timeOrigin };
}"""


def _add_phases(into: dict[str, list[float]], page: Page, ready: float) -> None:
    """Per-phase durations of one boot (``*_ms`` marks turned into spans)."""
    marks = page.evaluate(_PHASES_JS)
    if not marks:
        return
    start = float(marks["time_origin"]) - float(marks["page_origin"])
    order = ["manifests_ms", "import_ms", "files_ms", "inflate_ms", "restore_ms",
             "plain_boot_ms", "unpack_ms", "sdk_ms"]  # fmt: skip
    spans = {"worker_start_ms": start}
    previous = 0.0
    for name in order:
        if isinstance(marks.get(name), int | float):
            spans[name.replace("_ms", "_phase_ms")] = float(marks[name]) - previous
            previous = float(marks[name])
    spans["hash_ms"] = float(marks.get("hash_ms") or 0)
    spans["files_from_cache"] = float(marks.get("files_cached") or 0)
    spans["after_worker_ready_ms"] = ready - start - previous
    for name, value in spans.items():
        into.setdefault(name, []).append(round(value, 1))


_GZ_CACHE: dict[tuple[str, float, int], int] = {}


def _gz_size(path: str) -> tuple[int, int]:
    """(size, compressed size) of a file as a compressing server sends it, cached by mtime.

    The compressed size is that of the smallest fresh ``.br``/``.gz`` sibling that
    ``build.py bundle`` wrote (what ``tools/static_server.py`` sends with compression on),
    else gzip -6 of the file; never more than the raw size (wheels are compressed already).
    """
    st = Path(path).stat()
    key = (path, st.st_mtime, st.st_size)
    if key not in _GZ_CACHE:
        sizes = [st.st_size]
        for suffix in (".br", ".gz"):
            sibling = Path(path + suffix)
            if sibling.is_file() and sibling.stat().st_mtime >= st.st_mtime:
                sizes.append(sibling.stat().st_size)
        if len(sizes) == 1:
            sizes.append(len(gzip.compress(Path(path).read_bytes(), 6)))
        _GZ_CACHE[key] = min(sizes)
    return st.st_size, _GZ_CACHE[key]


_GZIP6_CACHE: dict[tuple[str, float, int], int] = {}


def _gzip6_size(path: str) -> int:
    """gzip -6 of a file (a host compressing on the fly), never more than its size; cached."""
    st = Path(path).stat()
    key = (path, st.st_mtime, st.st_size)
    if key not in _GZIP6_CACHE:
        packed = len(gzip.compress(Path(path).read_bytes(), 6))
        _GZIP6_CACHE[key] = min(packed, st.st_size)
    return _GZIP6_CACHE[key]


def cold_load_bytes(
    browser: Browser,
    url: str,
    served: list[tuple[str, str]],
    *,
    ready_js: str,
    timeout_ms: float,
    blocked: list[str],
) -> dict[str, Any]:
    """Bytes a cold load of ``url`` transfers until ready, counted on the server side.

    ``served`` is the static server's log of file bodies sent (the page's worker fetches
    included, which the page's response events miss). Each body counts as a compressing
    server sends it (see ``_gz_size``).
    """
    ctx = new_context(browser, blocked)
    page = ctx.new_page()
    served.clear()
    page.goto(url)
    page.wait_for_function(ready_js, timeout=timeout_ms)
    page.wait_for_load_state("networkidle")
    sent = list(served)
    ctx.close()
    sizes = [(path, *_gz_size(file)) for path, file in sent]
    largest = sorted(sizes, key=lambda item: -item[2])[:6]
    return {
        "unit": "bytes",
        "value": sum(gz for _, _, gz in sizes),
        "gzip6_bytes": sum(_gzip6_size(file) for _, file in sent),
        "uncompressed": sum(raw for _, raw, _ in sizes),
        "responses": len(sizes),
        "largest": [{"path": p, "bytes": raw, "gz_bytes": gz} for p, raw, gz in largest],
    }


_LONGTASK_PROBE = """
window.__longTasks = [];
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) { window.__longTasks.push([e.startTime, e.duration]); }
  }).observe({ type: "longtask", buffered: true });
} catch (e) { window.__longTasksError = String(e); }
"""


def portal_longest_task(
    browser: Browser,
    url: str,
    user: tuple[str, str],
    *,
    ready_js: str,
    timeout_ms: float,
    blocked: list[str],
) -> dict[str, Any]:
    """Longest main-thread task from navigation through a keyboard sign-in on the portal."""
    ctx = new_context(browser, blocked)
    ctx.add_init_script(_LONGTASK_PROBE)
    page = ctx.new_page()
    page.goto(url)
    page.wait_for_function(ready_js, timeout=timeout_ms)
    page.focus("#portal-login input[name=username]")
    page.keyboard.type(user[0])
    page.keyboard.press("Tab")
    page.keyboard.type(user[1])
    t0 = page.evaluate("performance.now()")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "(() => { const s = document.querySelector('#status');"
        " return s && (/signed in/i.test(s.textContent) || s.classList.contains('error')); })()",
        timeout=timeout_ms,
    )
    t1 = page.evaluate("performance.now()")
    status = page.evaluate("document.querySelector('#status').textContent")
    if not re.search("signed in", status, re.IGNORECASE):
        ctx.close()
        raise RuntimeError(f"the portal did not sign in: {status!r}")
    page.wait_for_timeout(100)  # let the observer deliver the last entries
    tasks = page.evaluate("window.__longTasks")
    error = page.evaluate("window.__longTasksError || null")
    ctx.close()
    if error:
        raise RuntimeError(f"longtask observer unavailable: {error}")
    longest = max((d for _, d in tasks), default=0.0)
    boot = [d for start, d in tasks if start < t0]
    signin = [d for start, d in tasks if start >= t0]
    return {
        "unit": "ms",
        "value": round(longest, 1),
        "long_tasks": len(tasks),
        "longest_during_boot_ms": round(max(boot, default=0.0), 1),
        "longest_during_signin_ms": round(max(signin, default=0.0), 1),
        "tasks": [[round(start, 1), round(d, 1)] for start, d in tasks],
        "window": "navigation, boot, keyboard sign-in until 'Signed in.'",
        "portal_signin_ms": round(t1 - t0, 1),
    }
