"""The portal over the compressing static server (brotli or gzip siblings): the big boot
files arrive compressed and the worker's SHA-256 checks (over the decoded bytes) still pick the
snapshot path; the login form example boots from the precompiled stdlib
(web/examples/fast-pyodide.mjs)."""

from __future__ import annotations

import json
from typing import Any

COMPRESSED = ("/dist/fastboot/snapshot.bin", "/vendor/pyodide.asm.wasm")


def test_snapshot_boot_over_compression(page: Any, site: Any, compressed_siblings: None) -> None:
    finished: list[Any] = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(site.url + "/")
    page.wait_for_function("!!document.documentElement.dataset.bootMode", timeout=120_000)
    assert page.evaluate("document.documentElement.dataset.bootMode") == "snapshot"
    assert page.evaluate("window.portal.py.info.reason") in (None, "", "ok")
    assert page.evaluate("window.portal.call('ping')") == "pong"
    by_path = {r.url.removeprefix(site.url).split("?", 1)[0]: r for r in finished}
    for path in COMPRESSED:
        request = by_path[path]
        response = request.response()
        assert response is not None and response.status == 200
        file = site.root / path.lstrip("/")
        # Chromium accepts br: the brotli sibling when the bundle wrote one, else gzip.
        expected = "br" if file.with_name(file.name + ".br").exists() else "gzip"
        assert response.headers.get("content-encoding") == expected, path
        on_disk = file.stat().st_size
        # Bytes on the wire: a fraction of the file (snapshot 14 to 21 %, wasm 29 to 37 %).
        assert 0 < request.sizes()["responseBodySize"] < on_disk // 2, path


def _login_form_stdlib(page: Any, site: Any) -> list[str]:
    """Open the login form and return the stdlib zips its interpreter fetched."""
    page.goto(site.url + "/examples/login-form.html")
    page.wait_for_selector("#cog-login-username", timeout=120_000)
    return [path for path in site.requests if path.split("?", 1)[0].endswith(".zip")]


def test_login_form_uses_precompiled_stdlib(page: Any, site: Any) -> None:
    assert _login_form_stdlib(page, site) == ["/dist/fastboot/python_stdlib.pyc.zip"]


def test_login_form_falls_back_to_pyodide_stdlib(page: Any, site: Any) -> None:
    manifest = json.loads((site.root / "dist/fastboot/manifest.json").read_text())
    site.serve("/dist/fastboot/manifest.json", json.dumps(dict(manifest, pyodide_version="0")))
    assert _login_form_stdlib(page, site) == ["/vendor/python_stdlib.zip"]
