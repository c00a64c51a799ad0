"""``python build.py kit DEST``: the drop-in sign-in kit, a folder a page author copies as is.

The kit holds only what a sign-in page loads (see :data:`FILES`), laid out like ``web/`` so the
same relative references work in the repository and in the kit; ``index.html`` (an example
filled in with the options) and ``README.md`` (every file, its purpose, what the host must
send, the sizes) are generated from ``web/kit/``. Nothing refers to a site root or a CDN, so
DEST works at any URL path.
"""

from __future__ import annotations

import gzip
import html
import importlib.util
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
TEMPLATES = WEB / "kit"

# (path under web/, purpose, loaded on every cold load)
STATIC_FILES: tuple[tuple[str, str, bool], ...] = (
    ("cognito-auth.js", "main-thread glue: starts the worker, renders, forwards events", True),
    ("cognito-auth.css", "default styles (override the documented classes/properties)", True),
    ("portal/rpc.js", "worker messaging and the localStorage/cookie bridge", True),
    ("portal/worker.js", "Web Worker: boots Pyodide (snapshot when it matches)", True),
    ("portal/fastboot.js", "the worker's boot: snapshot, Cache Storage, on-demand stdlib", True),
    ("vendor/pyodide.mjs", "Pyodide loader", True),
    ("vendor/pyodide.asm.mjs", "Pyodide runtime (JavaScript half)", True),
    ("vendor/pyodide.asm.wasm", "Pyodide runtime (WebAssembly)", True),
    ("vendor/pyodide-lock.json", "Pyodide package index (read at start-up)", True),
    ("vendor/python_stdlib.zip", "standard library for the fallback boot only", False),
    ("dist/manifest.json", "names the SDK wheel", True),
)
PURPOSES = {
    "stdlib": "precompiled standard library",
    "stdlib_core": "precompiled standard library, the part a sign-in imports",
    "snapshot": "Pyodide memory snapshot, SDK imported",
}

POOL_ID = re.compile(r"^(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)_[0-9A-Za-z]+$")
PLACEHOLDER_POOL = "us-east-1_Example"
PLACEHOLDER_CLIENT = "exampleclientid"


class KitError(Exception):
    """A wrong option or a missing bundle, as one readable line."""


@dataclass
class KitFile:
    """One file of the kit: relative path, purpose, size, and compressed sizes."""

    path: str
    purpose: str
    cold: bool
    size: int = 0
    gzip: int = 0
    brotli: int | None = None


@dataclass
class Kit:
    """What :func:`build` wrote."""

    dest: Path
    files: list[KitFile] = field(default_factory=list)

    def total(self, attr: str, cold_only: bool = False) -> int:
        """Sum of ``attr`` over the files (``brotli`` falls back to ``gzip`` when unknown)."""
        total = 0
        for f in self.files:
            if cold_only and not f.cold:
                continue
            value = getattr(f, attr)
            total += f.gzip if value is None else int(value)
        return total

    def summary(self) -> dict[str, int]:
        """Counts and bytes for the README and the bench."""
        return {
            "files": len(self.files),
            "bytes": self.total("size"),
            "gzip_bytes": self.total("gzip"),
            "brotli_bytes": self.total("brotli"),
            "cold_load_bytes": self.total("size", True),
            "cold_load_gzip_bytes": self.total("gzip", True),
            "cold_load_brotli_bytes": self.total("brotli", True),
        }


def check_options(
    user_pool_id: str | None, client_id: str | None, endpoint: str | None, region: str | None
) -> None:
    """Refuse malformed options with one line saying what is wrong."""
    match = POOL_ID.match(user_pool_id or "") if user_pool_id else None
    if user_pool_id and match is None:
        raise KitError(
            f"--user-pool-id {user_pool_id!r} is not <region>_<id>, e.g. eu-west-1_AbC123"
        )
    if region and match and match["region"] != region:
        raise KitError(f"--region {region} differs from the pool id's region {match['region']}")
    if client_id is not None and not re.fullmatch(r"[\w+]+", client_id):
        raise KitError(f"--client-id {client_id!r} has characters an app client id never has")
    if endpoint:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise KitError(f"--endpoint {endpoint!r} is not an http(s) URL with a host")


def _fastboot_files(dist: Path) -> list[tuple[str, str, bool]]:
    manifest_path = dist / "fastboot" / "manifest.json"
    if not manifest_path.exists():
        return []
    manifest = json.loads(manifest_path.read_text())
    core = manifest.get("stdlib_core")  # fastboot format 3+
    files = [("dist/fastboot/manifest.json", "fast-boot manifest (versions and hashes)", True)]
    for key, entry in manifest.items():
        if key != "wheel" and isinstance(entry, dict) and isinstance(entry.get("file"), str):
            purpose = PURPOSES.get(key, f"fast-boot file ({key})")
            # With a trimmed core, the full stdlib is fetched only for a module imported later.
            on_demand = key == "stdlib" and bool(core)
            if on_demand:
                purpose += ": modules loaded on demand"
            files.append((f"dist/fastboot/{entry['file']}", purpose, not on_demand))
    for extra in manifest.get("extra_wheels", []):
        files.append((f"dist/fastboot/{extra['file']}", "segno: draws the TOTP QR code", True))
    return files


def _sources(web: Path) -> list[tuple[str, str, bool]]:
    dist = web / "dist"
    try:
        wheel = json.loads((dist / "manifest.json").read_text())["wheel"]
    except (OSError, ValueError, KeyError) as exc:
        raise KitError(
            f"no SDK wheel in {dist} ({exc}): run `python build.py bundle` first"
        ) from exc
    files = [*STATIC_FILES, (f"dist/{wheel}", "the SDK (amazon_cognito_identity) wheel", True)]
    manifest = json.loads((dist / "manifest.json").read_text())
    parts = manifest.get("parts", {})
    files += [(url.lstrip("/"), f"SDK part {name}, loaded on first use", False)
              for name, url in sorted(parts.items())]  # fmt: skip
    if isinstance(manifest.get("parts_index"), str):
        files.append((manifest["parts_index"].lstrip("/"), "SHA-256 of each SDK part", False))
    files += _fastboot_files(dist)
    missing = [path for path, _, _ in files if not (web / path).is_file()]
    if missing:
        raise KitError(f"missing {', '.join(missing)}: run `python build.py bundle` first")
    return files


def _compressed(path: Path, data: bytes) -> tuple[int, int | None]:
    """gzip -9 and brotli 11 sizes, read from the bundle's fresh siblings when possible."""
    sizes: list[int | None] = []
    for suffix in (".gz", ".br"):
        sib = path.with_name(path.name + suffix)
        if sib.exists() and sib.stat().st_mtime >= path.stat().st_mtime:
            sizes.append(sib.stat().st_size)
        elif suffix == ".gz":
            sizes.append(len(gzip.compress(data, 9, mtime=0)))
        else:
            sizes.append(_brotli_size(data))
    return int(sizes[0] or 0), sizes[1]


def _brotli_size(data: bytes) -> int | None:
    if importlib.util.find_spec("brotli") is None:
        return None
    import brotli  # type: ignore[import-not-found,unused-ignore]

    quality = 11 if len(data) < 4_000_000 else 9  # 11 takes minutes on the snapshot
    return len(brotli.compress(data, quality=quality))


def endpoint_line(endpoint: str | None) -> str:
    """The ``endpoint=`` line of the example (none for AWS itself)."""
    if not endpoint:
        return ""
    return f'\n    endpoint="{html.escape(endpoint)}",  # the local emulator; leave out for AWS'


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def _files_table(kit: Kit) -> str:
    rows = [
        "| file | bytes | gzip | brotli | cold load | what it is for |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for f in kit.files:
        br = "" if f.brotli is None else f"{f.brotli:,}"
        cold = "yes" if f.cold else "no"
        rows.append(f"| `{f.path}` | {f.size:,} | {f.gzip:,} | {br} | {cold} | {f.purpose} |")
    return "\n".join(rows)


def _size_line(kit: Kit) -> str:
    s = kit.summary()
    return (
        f"{s['files']} files, {s['bytes']:,} bytes ({s['gzip_bytes']:,} gzip, "
        f"{s['brotli_bytes']:,} brotli); a cold load fetches {s['cold_load_bytes']:,} bytes "
        f"({s['cold_load_gzip_bytes']:,} gzip, {s['cold_load_brotli_bytes']:,} brotli)"
    )


def build(
    dest: Path,
    *,
    user_pool_id: str | None = None,
    client_id: str | None = None,
    endpoint: str | None = None,
    region: str | None = None,
    web: Path = WEB,
    log: Callable[[str], None] = print,
) -> Kit:
    """Write the kit into ``dest`` (created; files the kit owns are replaced)."""
    check_options(user_pool_id, client_id, endpoint, region)
    kit = Kit(dest)
    for rel, purpose, cold in _sources(web):
        src = web / rel
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
        data = src.read_bytes()
        gz, br = _compressed(src, data)
        kit.files.append(KitFile(rel, purpose, cold, len(data), gz, br))
    values = {
        "prefix": "",
        "user_pool_id": html.escape(user_pool_id or PLACEHOLDER_POOL),
        "client_id": html.escape(client_id or PLACEHOLDER_CLIENT),
        "endpoint_line": endpoint_line(endpoint),
    }
    index = _fill((TEMPLATES / "index.html").read_text(), values)
    (dest / "index.html").write_text(index)
    example = KitFile("index.html", "example page", True, len(index.encode()))
    example.gzip, example.brotli = _compressed_text(index)
    kit.files.append(example)
    readme_values = {"files_table": _files_table(kit), "size_line": _size_line(kit)}
    readme = _fill((TEMPLATES / "README.md").read_text(), readme_values)
    (dest / "README.md").write_text(readme)
    log(f"kit: wrote {dest}: {_size_line(kit)}")
    if not user_pool_id or not client_id:
        log("kit: index.html names a placeholder pool; pass --user-pool-id and --client-id")
    return kit


def _compressed_text(text: str) -> tuple[int, int | None]:
    data = text.encode()
    return len(gzip.compress(data, 9, mtime=0)), _brotli_size(data)


def main(argv: list[str]) -> int:
    """``python tools/kit.py DEST [options]`` (the same as ``python build.py kit``)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python build.py kit", description=__doc__.split("\n")[0])
    parser.add_argument("dest", type=Path, help="folder to write (e.g. mysite/auth)")
    parser.add_argument("--user-pool-id")
    parser.add_argument("--client-id")
    parser.add_argument("--endpoint", help="Cognito endpoint URL (the local emulator's)")
    parser.add_argument("--region", help="checked against the pool id's region")
    opts = parser.parse_args(argv)
    try:
        build(
            opts.dest,
            user_pool_id=opts.user_pool_id,
            client_id=opts.client_id,
            endpoint=opts.endpoint,
            region=opts.region,
        )
    except KitError as exc:
        print(f"kit: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
