"""Write compressed siblings (``X.gz``, ``X.br``) of the big compressible files pages load.

    python tools/precompress.py [DIR ...]      (default: web/vendor web/dist)

Run only when compressed bytes are asked for: ``build.py serve --compress``, ``build.py
bench`` and ``build.py kit`` (never by a plain ``bundle``, ``serve`` or ``test``);
``tools/static_server.py`` serves ``X.br`` (``Content-Encoding: br``) or ``X.gz`` (``gzip``)
to clients that accept them.
Every result is kept in a cache keyed by the SHA-256 of the original (``.cache/precompress/``
under the repository): a file rewritten with the same bytes (fastboot, a fresh checkout, a
``git checkout`` back and forth) gets its sibling copied from there instead of recompressed.
Measured on the bundle: snapshot.bin 31.5 MB -> gzip -9 6.5 MB, brotli 11 4.6 MB;
pyodide.asm.wasm 9.6 MB -> 3.5 MB / 2.8 MB; pyodide.asm.mjs 1.25 MB -> 0.26 MB / 0.21 MB;
JavaScript and JSON to about a third. Deflated zip archives and wheels (Pyodide's stdlib zip,
the SDK wheel) gain 1 to 3 % and are left alone; a zip of stored members (fastboot's
precompiled stdlib, 10.6 MB) compresses as a whole to 4.1 MB (gzip) or 2.8 MB (brotli), less
than the 4.5 MB of the same zip deflated member by member. Brotli needs the ``brotli``
package (dev extra); without it only ``.gz`` files are written. Brotli 11 is slow (about a
minute for the bundle, once: up-to-date siblings are skipped); every browser decodes it.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# Types that deflate well; archives (.zip, .whl, .gz) and images are already compressed.
SUFFIXES = frozenset(
    {".wasm", ".bin", ".data", ".js", ".mjs", ".json", ".map", ".css", ".html", ".py", ".txt"}
)
MIN_BYTES = 1024  # below this the headers outweigh the saving
MAX_RATIO = 0.9  # keep a .gz only when it saves at least 10 %
LEVEL = 9
BROTLI_QUALITY = 11
BROTLI_LGWIN = 24  # 16 MB window, the largest every brotli decoder must support
# A cache entry recording that a file's sibling would not pay (saves less than 10 %).
SKIP_MARK = b"precompress: not worth it\n"


def _brotli() -> Any:
    """The ``brotli`` module, or None when it is not installed."""
    try:
        return importlib.import_module("brotli")
    except ImportError:
        return None


def encodings() -> tuple[str, ...]:
    """Sibling suffixes this machine can write: ``.gz`` always, ``.br`` with ``brotli``."""
    return (".gz", ".br") if _brotli() is not None else (".gz",)


@dataclass
class Stats:
    """What one run did: files (re)compressed, up to date, skipped, and bytes before/after."""

    written: int = 0
    from_cache: int = 0
    up_to_date: int = 0
    skipped: int = 0
    original_bytes: int = 0
    compressed_bytes: int = 0


def is_stored_zip(path: Path) -> bool:
    """True for a zip whose members are all uncompressed (the precompiled stdlib): unlike a
    deflated zip, it compresses well as a whole."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (OSError, zipfile.BadZipFile):
        return False
    return bool(members) and all(m.compress_type == zipfile.ZIP_STORED for m in members)


def candidates(dirs: Iterable[Path]) -> list[Path]:
    """Files under ``dirs`` of at least MIN_BYTES with a compressible suffix (or stored zips),
    sorted."""
    found: list[Path] = []
    for top in dirs:
        if not top.is_dir():
            continue
        for path in top.rglob("*"):
            if not path.is_file() or path.stat().st_size < MIN_BYTES:
                continue
            stored = path.suffix in {".zip", ".whl"} and is_stored_zip(path)  # the lean wheel
            if path.suffix in SUFFIXES or stored:
                found.append(path)
    return sorted(found)


def sibling(path: Path, suffix: str = ".gz") -> Path:
    """``path`` with ``suffix`` (``.gz`` or ``.br``) appended."""
    return path.with_name(path.name + suffix)


gz_path = sibling  # the name the first version exported


def is_up_to_date(path: Path, suffix: str = ".gz") -> bool:
    """True when the sibling exists and is not older than ``path`` (the server's rule)."""
    try:
        return sibling(path, suffix).stat().st_mtime_ns >= path.stat().st_mtime_ns
    except OSError:
        return False


def compress_bytes(data: bytes, suffix: str) -> bytes:
    """``data`` gzip-compressed (level 9, mtime 0: reproducible) or brotli-compressed."""
    if suffix == ".gz":
        return gzip.compress(data, compresslevel=LEVEL, mtime=0)
    return bytes(_brotli().compress(data, quality=BROTLI_QUALITY, lgwin=BROTLI_LGWIN))


def compress_file(path: Path, suffix: str = ".gz") -> int | None:
    """Write the ``suffix`` sibling of ``path`` (atomically) and return its size; None (and no
    sibling) when it would save less than 10 %."""
    data = path.read_bytes()
    packed = compress_bytes(data, suffix)
    out = sibling(path, suffix)
    if len(packed) > len(data) * MAX_RATIO:
        out.unlink(missing_ok=True)
        return None
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(packed)
    # Never older than the original, even if the clock or the filesystem's granularity lags.
    stamp = max(path.stat().st_mtime_ns, tmp.stat().st_mtime_ns)
    os.utime(tmp, ns=(stamp, stamp))
    os.replace(tmp, out)  # the server never sees a half-written file
    return len(packed)


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes (the cache key)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_entry(cache: Path, digest: str, suffix: str) -> Path:
    """Where the ``suffix`` sibling of content ``digest`` is kept."""
    return cache / digest[:2] / (digest + suffix)


def from_cache(path: Path, suffix: str, entry: Path) -> tuple[bool, int | None]:
    """Restore the sibling of ``path`` from ``entry``: (found, size or None when the cache
    says a sibling would not pay)."""
    try:
        size = entry.stat().st_size
    except OSError:
        return False, None
    out = sibling(path, suffix)
    if size == len(SKIP_MARK) and entry.read_bytes() == SKIP_MARK:
        out.unlink(missing_ok=True)
        return True, None
    tmp = out.with_name(out.name + ".tmp")
    shutil.copyfile(entry, tmp)
    stamp = max(path.stat().st_mtime_ns, tmp.stat().st_mtime_ns)
    os.utime(tmp, ns=(stamp, stamp))
    os.replace(tmp, out)
    return True, out.stat().st_size


def to_cache(path: Path, suffix: str, entry: Path, packed: int | None) -> None:
    """Keep the sibling just written for ``path`` (or the fact it did not pay) in the cache."""
    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = entry.with_name(entry.name + f".{os.getpid()}.tmp")
    if packed is None:
        tmp.write_bytes(SKIP_MARK)
    else:
        shutil.copyfile(sibling(path, suffix), tmp)
    os.replace(tmp, entry)


def _compress_job(job: tuple[str, str]) -> int | None:
    return compress_file(Path(job[0]), job[1])


def _compress_in_subprocess(job: tuple[str, str]) -> int | None:
    """compress_file in a fresh interpreter: a process of its own without fork(), which is
    unsafe in a threaded caller (pytest with Playwright runs the bundle step)."""
    proc = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, str(Path(__file__).resolve()), "--one", job[0], job[1]],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"compressing {job[0]} to {job[1]} failed:\n{proc.stderr[-2000:]}")
    out = proc.stdout.strip()
    return None if out == "skip" else int(out)


def precompress(
    dirs: Iterable[Path],
    log: Callable[[str], None] = print,
    suffixes: Iterable[str] | None = None,
    workers: int | None = None,
    cache: Path | None = None,
) -> Stats:
    """Create or refresh the compressed siblings under ``dirs`` (``suffixes``, default
    ``encodings()``); skip the ones up to date. With ``cache`` (a directory), a stale or
    missing sibling whose original's bytes were compressed before is copied from there, and
    every new result is kept there. Big files compress in ``workers`` processes (default: the
    CPU count)."""
    stats = Stats()
    jobs: list[tuple[str, str]] = []
    digests: dict[Path, str] = {}
    for path in candidates(dirs):
        for suffix in suffixes if suffixes is not None else encodings():
            if is_up_to_date(path, suffix):
                stats.up_to_date += 1
                stats.original_bytes += path.stat().st_size
                stats.compressed_bytes += sibling(path, suffix).stat().st_size
                continue
            if cache is not None:
                digest = digests.get(path) or digests.setdefault(path, sha256_file(path))
                found, size = from_cache(path, suffix, cache_entry(cache, digest, suffix))
                if found:
                    stats.from_cache += 1
                    if size is None:
                        stats.skipped += 1
                    else:
                        stats.original_bytes += path.stat().st_size
                        stats.compressed_bytes += size
                    continue
            jobs.append((str(path), suffix))
    # Largest first, so the slow brotli runs of the snapshot and the wasm overlap.
    jobs.sort(key=lambda job: -Path(job[0]).stat().st_size)
    big = [job for job in jobs if Path(job[0]).stat().st_size >= 1_000_000]
    results: dict[tuple[str, str], int | None] = {}
    count = workers or os.cpu_count() or 1
    if len(big) > 1 and count > 1:
        # brotli and zlib hold the GIL: one process per big file, fed by waiting threads.
        with ThreadPoolExecutor(count) as pool:
            results.update(zip(big, pool.map(_compress_in_subprocess, big), strict=True))
    for job in jobs:
        packed = results[job] if job in results else _compress_job(job)
        path, suffix = Path(job[0]), job[1]
        if cache is not None:
            digest = digests.get(path) or digests.setdefault(path, sha256_file(path))
            to_cache(path, suffix, cache_entry(cache, digest, suffix), packed)
        if packed is None:
            stats.skipped += 1
            continue
        size = path.stat().st_size
        stats.written += 1
        stats.original_bytes += size
        stats.compressed_bytes += packed
        if size >= 1_000_000:
            log(f"{suffix[1:]}: {path.relative_to(path.parents[1])} {size:,} -> {packed:,} bytes")
    return stats


def build(root: Path, log: Callable[[str], None] = print) -> Stats:
    """The ``build.py bundle`` step: web/vendor and web/dist under ``root``."""
    kinds = encodings()
    if ".br" not in kinds:
        log("brotli not installed (pip install -e .[dev]): writing .gz siblings only")
    dirs = [root / "web" / "vendor", root / "web" / "dist"]
    stats = precompress(dirs, log, cache=root / ".cache" / "precompress")
    log(
        f"{'+'.join(k[1:] for k in kinds)}: wrote {stats.written}, from cache "
        f"{stats.from_cache}, up to date {stats.up_to_date}, not worth it {stats.skipped}"
    )
    return stats


def main(argv: list[str]) -> int:
    """Command line: precompress the given directories (default web/vendor and web/dist);
    ``--one FILE SUFFIX`` compresses one file and prints its size or ``skip``."""
    if argv[:1] == ["--one"] and len(argv) == 3:
        packed = compress_file(Path(argv[1]), argv[2])
        print("skip" if packed is None else packed)
    elif argv:
        precompress([Path(a) for a in argv])
    else:
        build(ROOT)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
