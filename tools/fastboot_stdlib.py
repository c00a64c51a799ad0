"""Runs inside Pyodide (not on the build machine): the fast-boot snapshot mounts a trimmed
stdlib zip, and this finder loads any other stdlib module on its first import.

``tools/fastboot_node.mjs`` executes this file as the module ``_fastboot_stdlib`` before it
takes the snapshot, sets ``NAMES`` (every module the full precompiled zip holds) and appends
``StdlibFallback`` to ``sys.meta_path``. After a restore the boot code calls
``configure(url, sha256)`` with the full zip's URL. On the first import of a module the trimmed
zip lacks (and only for names the full zip holds: a probe like ``import numpy`` downloads
nothing), the finder fetches the full zip with a synchronous request (allowed in workers; on
a page's main thread it reads the bytes as text), checks its SHA-256, mounts it next to the
trimmed one and lets the normal path finder import from it, submodules of loaded packages
included.
"""

import hashlib
import sys
from importlib.machinery import PathFinder

CORE = f"/lib/python{sys.version_info[0]}{sys.version_info[1]}.zip"
FULL = f"/lib/python{sys.version_info[0]}{sys.version_info[1]}-full.zip"
NAMES: frozenset[str] = frozenset()
state: dict[str, object] = {"url": None, "sha256": None, "mounted": False, "loads": []}


def configure(url: str, sha256: str) -> None:
    """Where the full stdlib zip is served, and the SHA-256 its bytes must have."""
    state["url"] = url
    state["sha256"] = sha256


def _download(url: str) -> bytes:
    from js import XMLHttpRequest

    request = XMLHttpRequest.new()
    request.open("GET", url, False)
    try:
        request.responseType = "arraybuffer"
        binary = True
    except Exception:  # a page's main thread: synchronous requests cannot ask for bytes
        request.overrideMimeType("text/plain; charset=x-user-defined")
        binary = False
    request.send(None)
    if request.status != 200:
        raise ImportError(f"{url}: HTTP {request.status}")
    if binary:
        return bytes(request.response.to_bytes())
    return bytes(ord(ch) & 0xFF for ch in request.responseText)


def _mount() -> None:
    url, expected = state["url"], state["sha256"]
    data = _download(str(url))
    if hashlib.sha256(data).hexdigest() != expected:
        raise ImportError(f"{url}: SHA-256 does not match the fast-boot manifest")
    with open(FULL, "wb") as handle:
        handle.write(data)
    state["mounted"] = True


class StdlibFallback:
    """Meta path finder of last resort: stdlib modules from the full zip, on demand."""

    @classmethod
    def find_spec(cls, name: str, path: object = None, target: object = None) -> object:
        """A spec from the full zip for a stdlib module the trimmed zip lacks, else None."""
        if name not in NAMES or state["url"] is None:
            return None
        if path is None:
            search = [FULL]
        else:
            search = [FULL + p[len(CORE) :] for p in path if str(p).startswith(CORE)]  # type: ignore[attr-defined]
            if not search:
                return None
        if not state["mounted"]:
            _mount()
        loads = state["loads"]
        assert isinstance(loads, list)
        loads.append(name)
        return PathFinder.find_spec(name, search, target)  # type: ignore[arg-type]

    @classmethod
    def invalidate_caches(cls) -> None:
        """Nothing cached here (PathFinder keeps its own caches)."""


def install(names: list[str]) -> None:
    """Called once at snapshot time: the module names the full zip holds."""
    global NAMES
    NAMES = frozenset(names)
    if StdlibFallback not in sys.meta_path:
        sys.meta_path.append(StdlibFallback)
