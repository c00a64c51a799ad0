"""Write gzip siblings (``X.gz``) of the big compressible files the pages load.

    python tools/precompress.py [DIR ...]      (default: web/vendor web/dist)

Called by ``build.py bundle`` after the fast-boot step; ``tools/static_server.py`` serves
``X.gz`` with ``Content-Encoding: gzip`` to clients that accept it. Measured on the bundle
(level 9): snapshot.bin 31.5 MB -> 6.5 MB, pyodide.asm.wasm 9.6 MB -> 3.5 MB, pyodide.asm.mjs
1.25 MB -> 0.26 MB, JavaScript and JSON to about a third. Zip archives and wheels (the stdlib
zips, the SDK wheel) are already deflated and gain 1 to 3 %, so they are left alone.
"""

from __future__ import annotations

import gzip
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Types that deflate well; archives (.zip, .whl, .gz) and images are already compressed.
SUFFIXES = frozenset(
    {".wasm", ".bin", ".data", ".js", ".mjs", ".json", ".map", ".css", ".html", ".py", ".txt"}
)
MIN_BYTES = 1024  # below this the headers outweigh the saving
MAX_RATIO = 0.9  # keep a .gz only when it saves at least 10 %
LEVEL = 9


@dataclass
class Stats:
    """What one run did: files (re)compressed, up to date, skipped, and bytes before/after."""

    written: int = 0
    up_to_date: int = 0
    skipped: int = 0
    original_bytes: int = 0
    compressed_bytes: int = 0


def candidates(dirs: Iterable[Path]) -> list[Path]:
    """Files under ``dirs`` with a compressible suffix and at least MIN_BYTES, sorted."""
    found: list[Path] = []
    for top in dirs:
        if not top.is_dir():
            continue
        for path in top.rglob("*"):
            if path.suffix in SUFFIXES and path.is_file() and path.stat().st_size >= MIN_BYTES:
                found.append(path)
    return sorted(found)


def is_up_to_date(path: Path) -> bool:
    """True when ``path.gz`` exists and is not older than ``path`` (the server's rule)."""
    gz = gz_path(path)
    try:
        return gz.stat().st_mtime_ns >= path.stat().st_mtime_ns
    except OSError:
        return False


def gz_path(path: Path) -> Path:
    """``path`` with ``.gz`` appended."""
    return path.with_name(path.name + ".gz")


def compress_file(path: Path) -> int | None:
    """Write ``path.gz`` (atomically) and return its size; None (and no .gz) when it would
    save less than 10 %."""
    data = path.read_bytes()
    # mtime=0: the same input gives the same bytes, whatever the build time.
    packed = gzip.compress(data, compresslevel=LEVEL, mtime=0)
    gz = gz_path(path)
    if len(packed) > len(data) * MAX_RATIO:
        gz.unlink(missing_ok=True)
        return None
    tmp = gz.with_name(gz.name + ".tmp")
    tmp.write_bytes(packed)
    # Never older than the original, even if the clock or the filesystem's granularity lags.
    stamp = max(path.stat().st_mtime_ns, tmp.stat().st_mtime_ns)
    os.utime(tmp, ns=(stamp, stamp))
    os.replace(tmp, gz)  # the server never sees a half-written file
    return len(packed)


def precompress(dirs: Iterable[Path], log: Callable[[str], None] = print) -> Stats:
    """Create or refresh the ``.gz`` siblings under ``dirs``; skip the ones up to date."""
    stats = Stats()
    for path in candidates(dirs):
        size = path.stat().st_size
        if is_up_to_date(path):
            stats.up_to_date += 1
            stats.original_bytes += size
            stats.compressed_bytes += gz_path(path).stat().st_size
            continue
        packed = compress_file(path)
        if packed is None:
            stats.skipped += 1
            continue
        stats.written += 1
        stats.original_bytes += size
        stats.compressed_bytes += packed
        if size >= 1_000_000:
            log(f"gzip: {path.relative_to(path.parents[1])} {size:,} -> {packed:,} bytes")
    return stats


def build(root: Path, log: Callable[[str], None] = print) -> Stats:
    """The ``build.py bundle`` step: web/vendor and web/dist under ``root``."""
    stats = precompress([root / "web" / "vendor", root / "web" / "dist"], log)
    log(
        f"gzip: wrote {stats.written}, up to date {stats.up_to_date}, not worth it "
        f"{stats.skipped}; {stats.original_bytes:,} -> {stats.compressed_bytes:,} bytes"
    )
    return stats


def main(argv: list[str]) -> int:
    """Command line: precompress the given directories (default web/vendor and web/dist)."""
    if argv:
        precompress([Path(a) for a in argv])
    else:
        build(ROOT)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
