"""The ``embed.*`` keys: the drop-in sign-in kit on a plain page against a page using
amazon-cognito-identity-js 6.3.21, side by side in one run.

- ``typeable_ms``: navigation -> the username field accepts keystrokes (cold load);
- ``ready_cold_ms`` / ``ready_warm_ms``: navigation -> ready to sign in (ours: Python has
  taken the form over; JS SDK: its bundle has run), bare Pyodide's cold ready for the ratio;
- ``longest_main_thread_task_ms``: longest task from navigation through a keyboard sign-in;
- ``cold_load_bytes``: bytes a cold load transfers until ready, as a static host sends them
  with the kit's pre-compressed siblings (``tools/precompress.py``, as the kit's README
  advises, and as the portal is measured; ``bench.browser._gz_size``); ``gzip6_bytes`` in the
  same entry: a host compressing each file on the fly with gzip -6.

``python -m bench.embed [--runs N] [--out FILE]`` runs only this part (its own emulator and
server); ``bench/run.py`` calls :func:`measure` inside the full bench.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
for _path in (REPO, REPO / "src"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from bench import browser as B  # noqa: E402

OURS_READY = "document.querySelector('#login [data-view]') !== null"
JS_READY = "window.sdkReady === true"
FORM = "#cog-login-username"

# The peer: the same plain form, signed in with amazon-cognito-identity-js (the lab's bundle).
JS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in (JS SDK)</title>
<link rel="stylesheet" href="../auth/cognito-auth.css"></head>
<body>
<div id="login" class="cog-auth">
  <form class="cog-login" id="form">
    <label for="cog-login-username">Username</label>
    <input id="cog-login-username" name="username" autocomplete="username">
    <label for="cog-login-password">Password</label>
    <input id="cog-login-password" name="password" type="password">
    <p class="cog-login-message" role="alert"></p>
    <button type="submit">Sign in</button>
  </form>
</div>
<script src="jssdk.js"></script>
<script>
const C = AmazonCognitoIdentity;
const pool = new C.CognitoUserPool({UserPoolId: __POOL__, ClientId: __CLIENT__,
                                   endpoint: __ENDPOINT__});
document.querySelector("#form").addEventListener("submit", (event) => {
  event.preventDefault();
  const username = document.querySelector("#cog-login-username").value;
  const password = document.querySelector("#cog-login-password").value;
  const user = new C.CognitoUser({Username: username, Pool: pool});
  user.authenticateUser(new C.AuthenticationDetails({Username: username, Password: password}), {
    onSuccess: () => {
      const done = document.createElement("p");
      done.className = "cog-login-done";
      done.textContent = `Signed in as ${username}.`;
      document.querySelector("#login").replaceChildren(done);
    },
    onFailure: (err) => {
      document.querySelector(".cog-login-message").textContent = `${err.code}: ${err.message}`;
    },
  });
});
window.sdkReady = true;
</script>
</body></html>
"""


def _tool(name: str) -> Any:
    """``tools/<name>.py``, loaded by path (tools/ is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"_bench_{name}", REPO / "tools" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[f"_bench_{name}"] = module
    spec.loader.exec_module(module)
    return module


def write_pages(root: Path, config: dict[str, Any], endpoint: str, jssdk: Path) -> None:
    """The kit in root/site/auth (its index.html is our page) and the JS SDK page beside it."""
    kit = _tool("kit")
    kit.build(
        root / "site" / "auth",
        user_pool_id=config["userPoolId"],
        client_id=config["clientId"],
        endpoint=endpoint,
        log=lambda msg: print(f"[bench] {msg}", flush=True),
    )
    # The kit's README: a host sending pre-compressed files gets them from
    # tools/precompress.py, as the portal's are (same cache: nothing is compressed twice).
    # cold_load_bytes then counts the kit and the portal alike; ``gzip6_bytes`` beside it is
    # the same load from a host compressing on the fly (gzip -6).
    pre = _tool("precompress")
    pre.precompress(
        [root / "site" / "auth"], lambda _m: None, cache=REPO / ".cache" / "precompress"
    )
    peer = root / "site" / "jssdk"
    peer.mkdir(parents=True, exist_ok=True)
    (peer / "jssdk.js").write_bytes(jssdk.read_bytes())
    html = (
        JS_PAGE.replace("__POOL__", json.dumps(config["userPoolId"]))
        .replace("__CLIENT__", json.dumps(config["clientId"]))
        .replace("__ENDPOINT__", json.dumps(endpoint))
    )
    (peer / "index.html").write_text(html)


def longest_task(
    browser: Any,
    url: str,
    ready_js: str,
    user: tuple[str, str],
    timeout_ms: float,
    blocked: list[str],
) -> dict[str, Any]:
    """Longest main-thread task from navigation through a keyboard sign-in on ``url``."""
    ctx = B.new_context(browser, blocked)
    ctx.add_init_script(B._LONGTASK_PROBE)
    page = ctx.new_page()
    page.goto(url)
    page.wait_for_function(ready_js, timeout=timeout_ms)
    page.focus(FORM)
    page.keyboard.type(user[0])
    page.keyboard.press("Tab")
    page.keyboard.type(user[1])
    t0 = page.evaluate("performance.now()")
    page.keyboard.press("Enter")
    page.wait_for_selector(".cog-login-done", timeout=timeout_ms)
    t1 = page.evaluate("performance.now()")
    page.wait_for_timeout(100)  # let the observer deliver the last entries
    tasks = page.evaluate("window.__longTasks")
    ctx.close()
    boot = [d for start, d in tasks if start < t0]
    signin = [d for start, d in tasks if start >= t0]
    return {
        "unit": "ms",
        "value": round(max((d for _, d in tasks), default=0.0), 1),
        "longest_during_boot_ms": round(max(boot, default=0.0), 1),
        "longest_during_signin_ms": round(max(signin, default=0.0), 1),
        "signin_ms": round(t1 - t0, 1),
    }


def measure(
    browser: Any,
    base: str,
    served: list[tuple[str, str]],
    users: list[tuple[str, str]],
    *,
    bare_url: str | None,
    cold_runs: int,
    warm_runs: int,
    timeout_ms: float,
    blocked: list[str],
) -> dict[str, Any]:
    """Every ``embed.*`` key for ours and the JS SDK (pages written by :func:`write_pages`
    and served at ``base``/site/)."""
    pages = {
        "ours": (base + "/site/auth/", OURS_READY),
        "js_sdk": (base + "/site/jssdk/", JS_READY),
    }
    targets = [B.BootTarget(name, url, ready, FORM) for name, (url, ready) in pages.items()]
    if bare_url:
        targets.append(B.BootTarget("bare_pyodide", bare_url, "window.sdkReady === true"))
    boots = B.measure_boots(
        browser, targets, cold_runs=cold_runs, warm_runs=warm_runs,
        timeout_ms=timeout_ms, blocked=blocked,
    )  # fmt: skip
    out: dict[str, Any] = {
        "typeable_ms": {},
        "ready_cold_ms": {},
        "ready_warm_ms": {},
        "longest_main_thread_task_ms": {},
        "cold_load_bytes": {},
    }
    for name, (url, ready) in pages.items():
        got = boots[name]
        out["typeable_ms"][name] = got["cold_typeable"]
        out["ready_cold_ms"][name] = got["cold_ready"]
        out["ready_warm_ms"][name] = got["warm_ready"]
        runs = [
            longest_task(browser, url, ready, users[i % len(users)], timeout_ms, blocked)
            for i in range(max(1, min(3, cold_runs)))
        ]
        entry = B.stats([r["value"] for r in runs])
        entry["runs"] = runs
        out["longest_main_thread_task_ms"][name] = entry
        out["cold_load_bytes"][name] = B.cold_load_bytes(
            browser, url, served, ready_js=ready, timeout_ms=timeout_ms, blocked=blocked
        )
    if "bare_pyodide" in boots:
        out["ready_cold_ms"]["bare_pyodide"] = boots["bare_pyodide"]["cold_ready"]
    return out


def main(argv: list[str] | None = None) -> int:
    """Run only the embed part and write its keys as JSON (``{"embed": {...}}``)."""
    from playwright.sync_api import sync_playwright

    from bench import emulator as E
    from bench.run import build_js, build_wheel
    from bench.static import StaticServer

    parser = argparse.ArgumentParser(prog="python -m bench.embed")
    parser.add_argument("--runs", type=int, default=5, help="cold loads per page")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "embed.json")
    opts = parser.parse_args(argv)
    blocked: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-embed-") as tmp:
        work = Path(tmp)
        build_js(work)
        wheel = build_wheel(work / "dist")
        with E.running(work, REPO) as emu:
            users = E.make_users(emu, 3, "e")
            write_pages(work / "embed", emu.config, emu.endpoint, work / "jssdk.js")
            mounts = {
                "/site/": work / "embed" / "site",
                "/bench/": REPO / "bench" / "pages",
                "/wheel/": wheel.parent,
                "/vendor/pyodide/": REPO / "web" / "vendor",
            }
            with StaticServer(mounts) as srv, sync_playwright() as pw:
                browser = B.launch(pw)
                result = measure(
                    browser, srv.url, srv.served, users,
                    bare_url=srv.url + "/bench/bare.html", cold_runs=opts.runs, warm_runs=1,
                    timeout_ms=120_000, blocked=blocked,
                )  # fmt: skip
                browser.close()
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps({"embed": result}, indent=2) + "\n")
    for key, per in result.items():
        shown = {name: v.get("median", v.get("value")) for name, v in per.items()}
        print(f"[bench] embed.{key}: {shown}", flush=True)
    print(f"[bench] wrote {opts.out}; blocked requests: {sorted(set(blocked))[:5]}")
    return 0 if not blocked else 1


if __name__ == "__main__":
    sys.exit(main())
