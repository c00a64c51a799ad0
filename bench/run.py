"""``python build.py bench``: our SDK against amazon-cognito-identity-js, same browser, same run.

``main(argv)`` builds what it needs (the SDK wheel, the JS SDK bundles with esbuild), starts
the emulator and a static server on 127.0.0.1, drives one headless Chromium through the
measurements, loads the emulator with SRP sign-ins, and writes ``results.json``,
``results.md`` and ``chart.png`` (into ``bench/`` unless ``--out`` says otherwise).
``--quick`` uses tiny counts only to prove the whole path works (CI runs it).
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
if str(REPO / "src") not in sys.path:
    sys.path.insert(0, str(REPO / "src"))

from bench import browser as B  # noqa: E402
from bench import embed  # noqa: E402
from bench import emulator as E  # noqa: E402
from bench.report import write_all  # noqa: E402
from bench.static import StaticServer  # noqa: E402

# The portal (web/) marks the SDK ready with #boot[data-ready=true]; its form is typeable at once.
PORTAL_READY = (
    "document.querySelector('#boot') && document.querySelector('#boot').dataset.ready === 'true'"
)
BARE_READY = "window.sdkReady === true"
PORTAL_FORM = "#portal-login input[name=username]"


def log(msg: str) -> None:
    print(f"[bench] {msg}", flush=True)


def build_wheel(out: Path, *, prefer_bundled: bool = True) -> Path:
    """The SDK wheel exactly as the browser gets it (web/dist when bundled, else built here)."""
    shipped = sorted((REPO / "web" / "dist").glob("amazon_cognito_identity-*.whl"))
    if shipped and prefer_bundled:
        return shipped[-1]
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "-o", str(out), str(REPO)],
        check=True,
        capture_output=True,
        cwd=out,  # not the repo: its build.py would shadow the `build` module
    )
    return sorted(out.glob("amazon_cognito_identity-*.whl"))[-1]


def build_js(out: Path) -> tuple[Path, int]:
    """esbuild bundles: the lab's (with BigInteger, Buffer, Sha256) and the size reference."""
    esbuild = REPO / "node_modules" / ".bin" / "esbuild"
    common = ["--bundle", "--minify", "--define:global=globalThis", "--log-level=warning"]
    lab = out / "jssdk.js"
    subprocess.run(
        [
            str(esbuild),
            str(REPO / "bench" / "jssdk_entry.js"),
            *common,
            "--format=iife",
            "--global-name=AmazonCognitoIdentity",
            f"--outfile={lab}",
        ],
        check=True,
        cwd=REPO,
    )
    size_ref = out / "jssdk-size.js"
    subprocess.run(
        [
            str(esbuild),
            str(REPO / "bench" / "jssdk_size_entry.js"),
            *common,
            "--format=esm",
            f"--outfile={size_ref}",
        ],
        check=True,
        cwd=REPO,
    )
    return lab, len(gzip.compress(size_ref.read_bytes(), 9))


def build_amplify(out: Path) -> tuple[Path, int]:
    """esbuild bundles of Amplify v6: the lab's (configure, signIn, signOut) and the size
    reference (configure + signIn, esm, tree-shaken), minified like the JS SDK's."""
    esbuild = REPO / "node_modules" / ".bin" / "esbuild"
    common = [
        "--bundle", "--minify", "--define:global=globalThis", "--log-level=error",
        "--platform=browser", "--main-fields=browser,module,main",
    ]  # fmt: skip
    lab = out / "amplify.js"
    subprocess.run(
        [str(esbuild), str(REPO / "bench" / "amplify_entry.js"), *common, "--format=iife",
         f"--outfile={lab}"],
        check=True, cwd=REPO,
    )  # fmt: skip
    size_ref = out / "amplify-size.js"
    subprocess.run(
        [str(esbuild), str(REPO / "bench" / "amplify_size_entry.js"), *common, "--format=esm",
         f"--outfile={size_ref}"],
        check=True, cwd=REPO,
    )  # fmt: skip
    return lab, len(gzip.compress(size_ref.read_bytes(), 9))


def stripped_wheel_bytes(wheel: Path) -> int:
    """Size of the same wheel with docstrings and comments removed (ast round trip).

    Not shipped: it tells how much of the wheel is documentation, for the size goal.
    """
    import ast
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, 9) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith(".py"):
                tree = ast.parse(data)
                for node in ast.walk(tree):
                    body = getattr(node, "body", None)
                    if (
                        isinstance(body, list)
                        and body
                        and isinstance(body[0], ast.Expr)
                        and isinstance(body[0].value, ast.Constant)
                        and isinstance(body[0].value.value, str)
                    ):
                        body[0] = ast.Pass() if len(body) == 1 else body[0]
                        if len(body) > 1:
                            del body[0]
                data = ast.unparse(tree).encode()
            out.writestr(info.filename, data)
    return len(gzip.compress(buf.getvalue(), 9))


def machine_info() -> dict[str, Any]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = os.cpu_count() or 0
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": cores,
        "python": platform.python_version(),
        "summary": f"{cpu}, {cores} cores, {platform.system()}",
        # Other work on the machine skews absolute times; the ratios are from one run.
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def skipped(unit: str, reason: str) -> dict[str, Any]:
    return {"unit": unit, "value": None, "skipped": reason}


def attempt(results: dict[str, Any], notes: list[str], what: str, fn: Callable[[], None]) -> bool:
    """Run one measurement; on failure note why and carry on with the others."""
    t0 = time.monotonic()
    try:
        fn()
    except Exception as exc:
        notes.append(f"{what} not measured: {type(exc).__name__}: {str(exc)[:300]}")
        log(f"{what}: FAILED {type(exc).__name__}: {exc}")
        if os.environ.get("BENCH_DEBUG"):
            traceback.print_exc()
        return False
    log(f"{what}: done in {time.monotonic() - t0:.1f} s")
    return True


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; returns 0 when every figure was measured, 1 otherwise."""
    parser = argparse.ArgumentParser(prog="python build.py bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny counts, proves it works")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="where results go (default bench/, or bench/out/quick/ with --quick)",
    )
    parser.add_argument("--runs", type=int, default=None, help="SRP runs (default 40)")
    opts = parser.parse_args(argv if argv is not None else sys.argv[1:])
    quick = opts.quick
    # A quick run never overwrites the committed results of a full one.
    out_dir: Path = opts.out or (REPO / "bench" / "out" / "quick" if quick else REPO / "bench")
    srp_runs = opts.runs or (3 if quick else 40)
    signin_runs = 2 if quick else 30
    cold_runs, warm_runs = (1, 1) if quick else (6, 1)
    load_seconds = 3.0 if quick else 20.0
    timeout_ms = 120_000.0

    results: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "machine": machine_info(),
        "srp_compute_ms": {},
        "signin_ms": {},
        "sdk_ready_cold_ms": {},
        "sdk_ready_warm_ms": {},
        "emulator": {},
        "extra": {},
    }
    notes: list[str] = []
    blocked: list[str] = []

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        work = Path(tmp)
        wheel = build_wheel(work / "dist")
        _, js_gz = build_js(work)
        results["wheel_gz_bytes"] = {
            "unit": "bytes",
            "value": len(gzip.compress(wheel.read_bytes(), 9)),
            "wheel_bytes": wheel.stat().st_size,
            "file": wheel.name,
        }
        results["extra"]["wheel_without_docstrings_gz_bytes"] = {
            "unit": "bytes",
            "value": stripped_wheel_bytes(wheel),
        }
        results["js_sdk_gz_bytes"] = {
            "unit": "bytes",
            "value": js_gz,
            "what": "amazon-cognito-identity-js 6.3.21, esbuild --bundle --minify, gzip -9",
        }
        try:
            _, amplify_gz = build_amplify(work)
            results["amplify_gz_bytes"] = {
                "unit": "bytes",
                "value": amplify_gz,
                "what": "aws-amplify 6.22.1 configure + signIn, esbuild --bundle --minify, gzip -9",
            }
        except (OSError, subprocess.CalledProcessError) as exc:
            notes.append(f"Amplify v6 bundle not built: {exc}")
        web = REPO / "web"
        # build.py bundle copies Pyodide flat into web/vendor/; the portal's worker asks for
        # /vendor/pyodide/. Serve the bundled copy under both, else the npm one.
        vendor = next(
            (
                d
                for d in (web / "vendor" / "pyodide", web / "vendor")
                if (d / "pyodide.mjs").exists()
            ),
            REPO / "node_modules" / "pyodide",
        )
        portal_ok = (web / "index.html").exists() and (web / "vendor").exists()
        mounts: dict[str, Path] = {
            "/bench/": REPO / "bench" / "pages",
            "/out/": work,
            "/wheel/": wheel.parent,
            "/vendor/pyodide/": vendor,
            "/": web,
        }
        wheel_url = f"/wheel/{wheel.name}"

        emu_ctx = None
        emu: E.Emulator | None = None
        users: list[tuple[str, str]] = []
        try:
            emu_ctx = E.running(work, REPO)
            emu = emu_ctx.__enter__()
            mounts["/config.json"] = work / "config.json"
            users = E.make_users(emu, 3 if quick else 8, "b")
            # embed.*: the sign-in kit's page and a JS SDK page, served under /site/.
            embed.write_pages(work / "embed", emu.config, emu.endpoint, work / "jssdk.js")
            mounts["/site/"] = work / "embed" / "site"
            log(f"emulator up at {emu.endpoint} with {len(users)} users")
        except Exception as exc:
            emu_ctx = None
            notes.append(f"emulator unavailable: {type(exc).__name__}: {str(exc)[:300]}")
            log(f"emulator unavailable: {exc}")

        try:
            _browser_part(
                results, notes, blocked, mounts, wheel_url, emu, users, portal_ok,
                srp_runs=srp_runs, signin_runs=signin_runs, cold_runs=cold_runs,
                warm_runs=warm_runs, timeout_ms=timeout_ms, quick=quick,
            )  # fmt: skip
            if emu is not None:

                def load() -> None:
                    results["emulator"] = E.throughput(
                        emu, users, REPO, seconds=load_seconds, clients=3 if quick else 4
                    )

                attempt(results, notes, "emulator throughput", load)
        finally:
            if emu_ctx is not None:
                emu_ctx.__exit__(None, None, None)
                emu_ctx = None
        if emu is not None:

            def vs_moto() -> None:
                results["emulator_vs_moto"] = E.side_by_side(
                    work / "vs-moto",
                    REPO,
                    seconds=load_seconds / 2,
                    clients=3 if quick else 4,
                    users=3 if quick else 8,
                    rounds=1 if quick else 2,
                )

            attempt(results, notes, "emulator vs moto_server", vs_moto)
        if emu is not None and not quick:

            def load_builtin_pow() -> None:
                # The same with CPython's pow on the server: slow modexps dominate a sign-in,
                # so this shows the ceiling the modexp count implies when modexp is the cost.
                sub = work / "builtin-pow"
                sub.mkdir()
                env = {"COGNITO_EMULATOR_POWMOD": "builtin"}
                with E.running(sub, REPO, env) as emu2:
                    users2 = E.make_users(emu2, 8, "p")
                    results["extra"]["emulator_with_builtin_pow"] = E.throughput(
                        emu2, users2, REPO, seconds=load_seconds / 2, clients=4
                    )

            attempt(results, notes, "emulator throughput with builtin pow", load_builtin_pow)

    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    if blocked:
        notes.append(f"requests outside 127.0.0.1 were blocked: {sorted(set(blocked))[:5]}")
    _fill_missing(results)
    results["notes"] = notes
    full_run = not quick and out_dir.resolve() == (REPO / "bench").resolve()
    write_all(results, out_dir, REPO / "README.md" if full_run else None)
    log(f"wrote {out_dir / 'results.json'}, results.md, chart.png")
    for row in results["goals"]:
        measured = f"{row['measured']} {row['unit']}"
        log(f"  {row['measure']}: {measured} (goal {row['goal']}) met={row['met']}")
    return 0 if not notes and not blocked else 1


def _browser_part(
    results: dict[str, Any],
    notes: list[str],
    blocked: list[str],
    mounts: dict[str, Path],
    wheel_url: str,
    emu: E.Emulator | None,
    users: list[tuple[str, str]],
    portal_ok: bool,
    *,
    srp_runs: int,
    signin_runs: int,
    cold_runs: int,
    warm_runs: int,
    timeout_ms: float,
    quick: bool,
) -> None:
    from playwright.sync_api import sync_playwright

    from amazon_cognito_identity import _jsbigint

    with StaticServer(mounts) as srv, sync_playwright() as pw:
        browser = B.launch(pw)
        results["machine"]["browser"] = f"Chromium {browser.version} (headless)"
        ctx = B.new_context(browser, blocked)
        page = B.open_lab(ctx, srv.url, wheel_url, timeout_ms)
        results["machine"]["pyodide"] = page.evaluate("pyodide.version")

        def srp() -> None:
            got = B.measure_srp(page, srp_runs, _jsbigint.JS_MODPOW_SOURCE)
            results["srp_compute_ms"] = got["srp_compute_ms"]
            results["extra"].update(got["srp_compute_variants_ms"])

        attempt(results, notes, "SRP compute", srp)

        if emu is not None:
            cfg = dict(emu.config)
            cfg.setdefault("endpoint", emu.endpoint)

            def signin() -> None:
                got = B.measure_signins(page, cfg, users, signin_runs)
                results["signin_ms"] = {"ours": got["ours"], "js_sdk": got["js_sdk"]}
                if "amplify" in got:
                    results["signin_ms"]["amplify"] = got["amplify"]
                    results["longest_task_amplify_signin_ms"] = {
                        "unit": "ms",
                        "value": got["longest"]["amplify"],
                    }
                results["extra"]["signin_ours_after_prewarm_ms"] = got["ours_prewarm"]
                # As the portal's form runs it: the SRP prewarm starts while the user types.
                results["signin_ms"]["ours_form"] = got["ours_prewarm"]
                results["extra"]["longest_task_js_sdk_signin_ms"] = {
                    "unit": "ms",
                    "value": got["longest"]["js_sdk"],
                }
                results["extra"]["longest_task_ours_signin_main_thread_pyodide_ms"] = {
                    "unit": "ms",
                    "value": got["longest"]["ours"],
                }

            attempt(results, notes, "sign-in latency", signin)
        ctx.close()

        targets = [
            B.BootTarget("bare_pyodide", srv.url + "/bench/bare.html", BARE_READY),
        ]
        if portal_ok:
            targets.append(
                B.BootTarget("ours", srv.url + "/", PORTAL_READY, PORTAL_FORM, phases=True)
            )
        else:
            notes.append("portal start-up not measured: web/index.html or web/vendor missing "
                         "(run `python build.py bundle`)")  # fmt: skip

        def boots() -> None:
            got = B.measure_boots(
                browser, targets, cold_runs=cold_runs, warm_runs=warm_runs,
                timeout_ms=timeout_ms, blocked=blocked,
            )  # fmt: skip
            bare = got["bare_pyodide"]
            results["sdk_ready_cold_ms"]["bare_pyodide"] = bare["cold_ready"]
            results["extra"]["sdk_ready_warm_bare_pyodide_ms"] = bare["warm_ready"]
            if "ours" in got:
                ours = got["ours"]
                results["sdk_ready_cold_ms"]["ours"] = ours["cold_ready"]
                results["sdk_ready_warm_ms"]["ours"] = ours["warm_ready"]
                results["typeable_form_ms"] = ours["cold_typeable"]
                results["extra"]["typeable_form_warm_ms"] = ours["warm_typeable"]
                if got.get("phases"):
                    results["boot_phases_ms"] = got["phases"]

        attempt(results, notes, "start-up (bare Pyodide and portal, cold and warm)", boots)
        if emu is not None and "/site/" in mounts:

            def embed_part() -> None:
                results["embed"] = embed.measure(
                    browser, srv.url, srv.served, users, bare_url=srv.url + "/bench/bare.html",
                    cold_runs=cold_runs, warm_runs=warm_runs, timeout_ms=timeout_ms,
                    blocked=blocked,
                )  # fmt: skip

            attempt(results, notes, "embed (sign-in kit page vs JS SDK page)", embed_part)
        if not portal_ok:
            browser.close()
            return

        def cold_bytes() -> None:
            results["cold_load_bytes"] = B.cold_load_bytes(
                browser, srv.url + "/", srv.served, ready_js=PORTAL_READY,
                timeout_ms=timeout_ms, blocked=blocked,
            )  # fmt: skip

        attempt(results, notes, "cold load bytes", cold_bytes)

        if emu is not None:

            def longest() -> None:
                runs = []
                for i in range(1 if quick else 3):
                    user = users[i % len(users)]
                    got = B.portal_longest_task(
                        browser, srv.url + "/", user, ready_js=PORTAL_READY,
                        timeout_ms=timeout_ms, blocked=blocked,
                    )  # fmt: skip
                    runs.append(got)
                # Median over runs of each run's longest task; every run's detail kept.
                entry = B.stats([r["value"] for r in runs])
                entry["runs"] = runs
                results["longest_main_thread_task_ms"] = entry

            attempt(results, notes, "portal longest main-thread task", longest)
        browser.close()


def _fill_missing(results: dict[str, Any]) -> None:
    """Every required key exists; an unmeasured one says so instead of vanishing."""
    from bench.report import REQUIRED_KEYS

    for key in REQUIRED_KEYS:
        node = results
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if not node.get(parts[-1]):
            unit = "bytes" if "bytes" in key else ("sign-ins/s" if "per_s" in key else "ms")
            node[parts[-1]] = skipped(unit, "not measured in this run (see notes)")


if __name__ == "__main__":
    if shutil.which("chromium") is None and not Path("/usr/bin/chromium").exists():
        print("bench needs /usr/bin/chromium", file=sys.stderr)
    sys.exit(main())
