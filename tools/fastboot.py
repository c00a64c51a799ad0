"""Fast browser boot artefacts, built by ``python build.py bundle``.

Two files cut Pyodide's cold start from ~3 s to well under 1 s:

* ``python_stdlib.pyc.zip``: the stdlib zip with every module precompiled to ``.pyc`` by the
  very Pyodide build the browser loads (run under Node), so bytecode magic matches;
* ``snapshot.bin``: a Pyodide memory snapshot (private API of 314.0.7: ``_makeSnapshot`` then
  ``makeMemorySnapshot()``; restored with ``_loadSnapshot``) taken after the SDK wheel was
  installed and every SDK module imported (and every stdlib module the SDK's source imports,
  found with ``ast``), stored sparse: 46 % of the heap is pages of zeros, which the file
  leaves out (``encode_sparse``; the boot code rebuilds the heap);
* ``python_stdlib.core.zip``: the stdlib the snapshot boots with, trimmed to what it did not
  import yet and a page is likely to (``CORE_PREFIXES``); ``tools/fastboot_stdlib.py``, in
  the snapshot, loads any other module from the full zip on its first import.

A snapshot is only valid for the exact Pyodide build, the exact stdlib zip and the SDK code it
froze, so ``manifest.json`` beside them records the Pyodide version and the SHA-256 of the zip,
the wheel and the snapshot. The boot loader (``web/portal/boot.js``) uses the fast path only
when every hash matches and falls back to a plain boot otherwise.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

OUT_SUBDIR = Path("web/dist/fastboot")
# Bumped when the files' layout changes, so older bundles rebuild. 2: the stdlib zip's members
# are stored (uncompressed): it compresses better as a whole (tools/precompress.py) and
# zipimport inflates nothing.
FORMAT = 4  # 3: sparse snapshot, trimmed stdlib zip with an on-demand fallback; 4: + SDK parts
# Stdlib members the trimmed zip keeps (unless the snapshot already imported them).
CORE_PREFIXES = ("encodings/",)
SPARSE_MAGIC = b"PYSPARSE"
SPARSE_PAGE = 4096
# Imported before the snapshot so the worker needs no import work after restore.
PRELOAD = (
    "asyncio",
    "json",
    "base64",
    "hashlib",
    "hmac",
    "datetime",
    "dataclasses",
    "typing",
    "pyodide.http",
    "pyodide.ffi",
    "amazon_cognito_identity",
    "segno",
)
# Pure wheels the portal loads beside the SDK: segno draws the TOTP QR code in the page.
EXTRA_WHEELS = {"segno": "segno==1.6.6"}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def find_pyodide(repo_root: Path) -> Path:
    """The Pyodide directory the pages serve (web/vendor, flat), else the npm copy."""
    for candidate in (repo_root / "web/vendor", repo_root / "node_modules/pyodide"):
        if (candidate / "pyodide.mjs").is_file():
            return candidate
    raise FileNotFoundError("no Pyodide found: run `python build.py setup` first")


def find_wheel(repo_root: Path) -> Path:
    """The SDK wheel in web/dist: named by web/dist/manifest.json when present, else newest."""
    dist = repo_root / "web/dist"
    manifest = dist / "manifest.json"
    if manifest.is_file():
        data = json.loads(manifest.read_text())
        name = data.get("wheel")
        if isinstance(name, dict):
            name = name.get("file") or name.get("name") or name.get("path")
        if isinstance(name, str) and (dist / Path(name).name).is_file():
            return dist / Path(name).name
    wheels = sorted(dist.glob("amazon_cognito_identity-*.whl"), key=lambda p: p.stat().st_mtime)
    if not wheels:
        raise FileNotFoundError("no SDK wheel in web/dist: bundle the wheel first")
    return wheels[-1]


def fetch_extra_wheels(out: Path, log: Callable[[str], None]) -> list[Path]:
    """Download the pinned extra wheels into ``out`` (pip, PyPI); skip any that fail."""
    wheels: list[Path] = []
    for name, pin in EXTRA_WHEELS.items():
        version = pin.split("==")[1]
        found = sorted(out.glob(f"{name}-{version}-py3-none-any.whl"))
        if not found:
            proc = subprocess.run(  # noqa: S603 - fixed argv, no shell
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    pin,
                    "--no-deps",
                    "--only-binary=:all:",
                    "-d",
                    str(out),
                    "-q",
                ],
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            found = sorted(out.glob(f"{name}-{version}-py3-none-any.whl"))
            if not found:
                log(f"fastboot: {pin} not available ({proc.stderr.strip()[-200:]}); QR codes off")
                continue
        wheels.append(found[-1])
    return wheels


def sdk_stdlib_imports(package_dir: Path) -> list[str]:
    """Top-level modules the SDK's source imports anywhere (function bodies included), found
    with ``ast``: the snapshot imports them all, so none waits for the on-demand loader."""
    names: set[str] = set()
    for path in sorted(package_dir.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
    own = package_dir.name
    return sorted(n for n in names if n.split(".")[0] not in {own, "__future__", "js"})


def encode_sparse(heap: bytes, page: int = SPARSE_PAGE) -> bytes:
    """The heap without its pages of zeros: magic, page size, heap length, run count, then
    (offset, length) of each run of non-zero pages (little-endian u32), then the runs' bytes."""
    runs: list[tuple[int, int]] = []
    zeros = bytes(page)
    for start in range(0, len(heap), page):
        chunk = heap[start : start + page]
        if chunk == zeros[: len(chunk)]:
            continue
        end = min(start + page, len(heap))
        if runs and runs[-1][0] + runs[-1][1] == start:
            runs[-1] = (runs[-1][0], end - runs[-1][0])
        else:
            runs.append((start, end - start))
    head = SPARSE_MAGIC + struct.pack("<III", page, len(heap), len(runs))
    table = b"".join(struct.pack("<II", off, size) for off, size in runs)
    return head + table + b"".join(heap[off : off + size] for off, size in runs)


def decode_sparse(data: bytes) -> bytes:
    """The heap ``encode_sparse`` stored (what the boot code does in JavaScript)."""
    if data[:8] != SPARSE_MAGIC:
        raise ValueError("not a sparse snapshot")
    _page, total, count = struct.unpack_from("<III", data, 8)
    heap = bytearray(total)
    pos = 20 + 8 * count
    for i in range(count):
        off, size = struct.unpack_from("<II", data, 20 + 8 * i)
        heap[off : off + size] = data[pos : pos + size]
        pos += size
    return bytes(heap)


def pyodide_build_id(pyodide_dir: Path) -> str:
    """SHA-256 over the Pyodide files a snapshot is tied to."""
    digest = hashlib.sha256()
    for name in ("pyodide.asm.wasm", "pyodide.asm.mjs", "pyodide.mjs", "python_stdlib.zip"):
        digest.update(_sha256(pyodide_dir / name).encode())
    return digest.hexdigest()


def is_fresh(repo_root: Path) -> bool:
    """True when the fastboot files exist and match the current Pyodide and wheel."""
    out = repo_root / OUT_SUBDIR
    try:
        manifest = json.loads((out / "manifest.json").read_text())
        pyodide_dir = find_pyodide(repo_root)
        build_id = pyodide_build_id(pyodide_dir)
        wheel = find_wheel(repo_root)
    except (OSError, ValueError):
        return False
    return bool(
        manifest.get("format") == FORMAT
        and manifest.get("pyodide_build") == build_id
        and manifest["wheel"]["file"] == wheel.name
        and manifest["wheel"]["sha256"] == _sha256(wheel)
        and _sha256(out / manifest["stdlib"]["file"]) == manifest["stdlib"]["sha256"]
        and _sha256(out / manifest["stdlib_core"]["file"]) == manifest["stdlib_core"]["sha256"]
        and _sha256(out / manifest["snapshot"]["file"]) == manifest["snapshot"]["sha256"]
    )


def snapshot_wheel(wheel: Path, parts_dir: Path, out_dir: Path) -> Path:
    """The served wheel plus the SDK's optional parts (tools/leanwheel.py) in one wheel, so
    the snapshot holds the parts imported; ``wheel`` itself when the bundle has no parts."""
    files = sorted(parts_dir.rglob("*.py")) if parts_dir.is_dir() else []
    if not files:
        return wheel
    out = out_dir / wheel.name
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        for path in files:
            dst.write(path, path.relative_to(parts_dir).as_posix())
    return out


def replace_if_changed(new: Path, dest: Path) -> bool:
    """Move ``new`` onto ``dest`` unless ``dest`` holds the same bytes (then its mtime, and so
    its compressed siblings, stay valid); True when ``dest`` changed."""
    if (
        dest.is_file()
        and dest.stat().st_size == new.stat().st_size
        and _sha256(dest) == _sha256(new)
    ):
        new.unlink()
        return False
    os.replace(new, dest)
    return True


def write_alias(repo_root: Path) -> None:
    """web/dist/sdk.whl: the current wheel under a fixed name, so pages (PyScript ``files``
    config, the LoginForm example) need not change with each version."""
    wheel = find_wheel(repo_root)
    alias = repo_root / "web/dist/sdk.whl"
    if not alias.exists() or alias.read_bytes() != wheel.read_bytes():
        shutil.copyfile(wheel, alias)


def _run_node(
    node: str,
    pyodide_dir: Path,
    out: Path,
    wheels: list[Path],
    preload: list[str],
    log: Callable[[str], None],
) -> dict[str, Any]:
    """tools/fastboot_node.mjs: writes the stdlib zip and the snapshot into ``out``."""
    script = Path(__file__).with_name("fastboot_node.mjs")
    proc = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [
            node,
            str(script),
            str(pyodide_dir),
            str(out),
            ",".join(str(p) for p in wheels),
            ",".join(preload),
            str(Path(__file__).with_name("fastboot_stdlib.py")),
            ",".join(CORE_PREFIXES),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("fastboot:"):
            log(line)
    if proc.returncode != 0:
        # Pyodide prints its minified source before a Python traceback: keep the short lines.
        lines = [line for line in proc.stderr.splitlines() if len(line) < 500]
        raise RuntimeError("fastboot Node step failed:\n" + "\n".join(lines[-40:]))
    result: dict[str, Any] = json.loads((out / "node-result.json").read_text())
    return result


def build(repo_root: Path, log: Callable[[str], None]) -> None:
    """Write web/dist/fastboot/{python_stdlib.pyc.zip, snapshot.bin, manifest.json} and the
    web/dist/sdk.whl alias."""
    write_alias(repo_root)
    if is_fresh(repo_root):
        log("fastboot: up to date")
        return
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("fastboot needs Node (node on PATH) to run Pyodide at bundle time")
    pyodide_dir = find_pyodide(repo_root)
    wheel = find_wheel(repo_root)
    out = repo_root / OUT_SUBDIR
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").unlink(missing_ok=True)
    extras = fetch_extra_wheels(out, log)
    log(f"fastboot: Pyodide {pyodide_dir}, wheel {wheel.name}")
    with tempfile.TemporaryDirectory(prefix=".stage-", dir=out) as tmp:
        stage = Path(tmp)
        preload = [*PRELOAD, *sdk_stdlib_imports(repo_root / "src" / "amazon_cognito_identity")]
        full = snapshot_wheel(wheel, repo_root / "web/dist/parts", stage)
        result = _run_node(node, pyodide_dir, stage, [full, *extras], preload, log)
        heap = (stage / "snapshot.bin").read_bytes()
        (stage / "snapshot.bin").write_bytes(encode_sparse(heap))
        for name in ("python_stdlib.pyc.zip", "python_stdlib.core.zip", "snapshot.bin"):
            changed = replace_if_changed(stage / name, out / name)
            log(f"fastboot: {name} {'written' if changed else 'unchanged (kept)'}")
    zip_name = "python_stdlib.pyc.zip"
    manifest = {
        "format": FORMAT,
        "pyodide_version": result["pyodide_version"],
        "pyodide_build": pyodide_build_id(pyodide_dir),
        "stdlib": {"file": zip_name, "sha256": _sha256(out / zip_name)},
        "stdlib_core": {
            "file": "python_stdlib.core.zip",
            "sha256": _sha256(out / "python_stdlib.core.zip"),
            "prefixes": list(CORE_PREFIXES),
            **result["core"],
        },
        "wheel": {"file": wheel.name, "sha256": _sha256(wheel)},
        "snapshot": {
            "file": "snapshot.bin",
            "sha256": _sha256(out / "snapshot.bin"),
            "bytes": (out / "snapshot.bin").stat().st_size,
            "encoding": "sparse",
            "heap_bytes": len(heap),
        },
        "extra_wheels": [{"file": p.name, "sha256": _sha256(p)} for p in extras],
        "preloaded": result["preloaded"],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    count = len(result["preloaded"])
    log(f"fastboot: wrote {OUT_SUBDIR}/manifest.json ({count} modules preloaded)")


if __name__ == "__main__":
    build(Path(__file__).resolve().parent.parent, print)
