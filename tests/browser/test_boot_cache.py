"""The portal worker checks the fast-boot files once and keeps them in Cache Storage by hash:
a reload takes them from there (no download, no SHA-256), and a manifest naming other bytes
is never answered from the cache."""

from __future__ import annotations

import json
from typing import Any

READY = "document.documentElement.dataset.bootMode"
BIG_FILES = ("/dist/fastboot/snapshot.bin", "/dist/fastboot/python_stdlib.core.zip")


def boot(page: Any, site: Any, *, reload: bool = False) -> dict[str, Any]:
    site.requests.clear()
    if reload:
        page.reload()
    else:
        page.goto(site.url + "/")
    page.wait_for_function(f"!!{READY}", timeout=120_000)
    info: dict[str, Any] = page.evaluate("window.portal.py.info")
    return info


def fetched(site: Any) -> list[str]:
    return [p for p in site.requests if p.split("?", 1)[0] in BIG_FILES]


def test_reload_takes_checked_files_from_cache_storage(page: Any, site: Any) -> None:
    first = boot(page, site)
    assert first["mode"] == "snapshot"
    assert first["timings"]["files_fetched"] == 2
    assert sorted(fetched(site)) == sorted(BIG_FILES)
    page.wait_for_function(
        "caches.open('cognito-fastboot').then((c) => c.keys()).then((k) => k.length === 2)",
        timeout=30_000,
    )
    second = boot(page, site, reload=True)
    assert second["mode"] == "snapshot"
    assert (second["timings"]["files_cached"], second["timings"]["files_fetched"]) == (2, 0)
    assert second["timings"]["hash_ms"] == 0
    assert fetched(site) == []
    # A return visit compiles the wasm while the files are read; a first visit leaves the
    # compile to Pyodide (it would compete with the downloads).
    assert (first["timings"]["precompiled"], second["timings"]["precompiled"]) == (0, 1)
    assert page.evaluate("window.portal.call('ping')") == "pong"


def test_new_hash_in_manifest_is_fetched_and_checked_again(page: Any, site: Any) -> None:
    assert boot(page, site)["mode"] == "snapshot"
    manifest = json.loads((site.root / "dist/fastboot/manifest.json").read_text())
    manifest["snapshot"]["sha256"] = "0" * 64  # bytes the cache has never seen
    site.serve("/dist/fastboot/manifest.json", json.dumps(manifest))
    again = boot(page, site, reload=True)
    assert "/dist/fastboot/snapshot.bin" in fetched(site)
    assert again["mode"] == "plain"
    assert again["reason"] == "snapshot hash mismatch"
    assert page.evaluate("window.portal.call('ping')") == "pong"


def test_boot_reports_its_phases(page: Any, site: Any) -> None:
    info = boot(page, site)
    timings = info["timings"]
    phases = ["manifests_ms", "import_ms", "files_ms", "inflate_ms", "restore_ms", "sdk_ms"]
    marks = [timings[name] for name in phases]
    # Marks are milliseconds from the worker's start; each phase ends after the one before
    # it, except that the restore overlaps the file checks (it waits for them).
    assert all(isinstance(m, int) and m >= 0 for m in marks)
    assert timings["restore_ms"] >= timings["inflate_ms"] >= timings["files_ms"]
    assert timings["sdk_ms"] >= timings["restore_ms"]
    # A snapshot boot unpacks the wheels after ready, before it answers its first call.
    assert info["mode"] == "snapshot" and "unpack_ms" not in timings
    assert page.evaluate("window.portal.call('ping')") == "pong"


FALLBACK_WORKER = """
import { bootPython } from "/portal/fastboot.js";
const { py, mode } = await bootPython({});
const result = py.runPython(`
import importlib, json, sys
import _fastboot_stdlib as fb
out = {"mode": None, "missing": None, "mounted_after_missing": None, "modules": {}}
try:
    import not_a_stdlib_module_xyz  # noqa: F401
except ModuleNotFoundError as exc:
    out["missing"] = type(exc).__name__
out["mounted_after_missing"] = fb.state["mounted"]
out["before"] = sorted(n for n in ("tomllib", "difflib", "xml.dom.minidom") if n in sys.modules)
import tomllib, difflib, xml.dom.minidom
out["modules"]["tomllib"] = tomllib.loads('a = 1\\\\n[t]\\\\nb = "x"')
out["modules"]["difflib"] = difflib.SequenceMatcher(None, "abcd", "abed").ratio()
doc = xml.dom.minidom.parseString("<a><b>hi</b></a>")
out["modules"]["minidom"] = doc.documentElement.firstChild.firstChild.data
out["loads"] = fb.state["loads"]
out["minidom_file"] = xml.dom.minidom.__file__
json.dumps(out)
`);
postMessage({ mode, result: JSON.parse(result) });
"""


def test_stdlib_modules_outside_the_trimmed_zip_load_on_first_import(page: Any, site: Any) -> None:
    site.serve("/fallback-worker.js", FALLBACK_WORKER, "text/javascript")
    page.goto(site.url + "/hello.html")
    got = page.evaluate(
        """() => new Promise((resolve, reject) => {
            const w = new Worker("/fallback-worker.js", { type: "module" });
            w.onmessage = (e) => resolve(e.data);
            w.onerror = (e) => reject(new Error(e.message));
        })"""
    )
    assert got["mode"] == "snapshot"
    result = got["result"]
    # A name the full zip lacks fails as usual, without downloading anything.
    assert result["missing"] == "ModuleNotFoundError"
    assert result["mounted_after_missing"] is False
    assert result["before"] == []
    assert result["modules"] == {
        "tomllib": {"a": 1, "t": {"b": "x"}},
        "difflib": 0.75,
        "minidom": "hi",
    }
    # Found by the fallback; submodules of packages it loaded come from the full zip too.
    assert {"tomllib", "difflib"} <= set(result["loads"])
    assert result["minidom_file"].startswith("/lib/python314-full.zip/xml/dom/")
    assert "/dist/fastboot/python_stdlib.pyc.zip" in site.requests
