"""The browser's build of the SDK: the same source, smaller, with optional parts on demand.

    python tools/leanwheel.py OUT_DIR        (what ``build.py bundle`` does into web/dist/)

``build(src_package, out_dir, version)`` reads ``src/amazon_cognito_identity`` alone (never
pyproject's wheel target, which may hold more) and writes:

* ``amazon_cognito_identity-<version>-py3-none-any.whl``: every module but the optional
  parts, with docstrings, comments and function annotations removed (``ast`` round trip;
  class-level annotations stay: dataclasses read them). Members are stored, not deflated: the
  wheel then compresses as a whole (gzip/brotli on the wire, cross-file matches) to less than
  a deflated one.
* ``parts/amazon_cognito_identity/<module>.py``: the optional parts (``OPTIONAL``: identity
  pools, SigV4, token verification, the hosted UI and OAuth, passkeys, the web components),
  lean too: nothing a password sign-in needs. The package's ``__init__`` names from them are
  resolved on first use (a module ``__getattr__``), and ``_parts.PartFinder`` (added to the
  wheel) fetches a part's file on its first import from ``/dist/parts/`` (``_parts.BASE``),
  checks its SHA-256 and imports it. The parts' digests sit in ``parts/index.json``, fetched
  with the first part; the wheel records that file's SHA-256 alone (64 incompressible hex
  digits instead of one per part). Where the part files sit beside the package (the fast-boot
  snapshot, CPython tests of the lean tree) nothing is fetched.

The PyPI wheel (hatchling, docstrings kept) is built separately by ``build.py bundle``.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import io
import json
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# Optional parts, as module paths inside the package. A part that a kept module imports at
# module level stays in the wheel (see ``core_closure``); a missing one is skipped, so a
# renamed module costs size, never a broken build.
# A subpackage (``web``: the components, the login form, the worker app) is a part with every
# module in it.
OPTIONAL = (
    "identity",
    "sigv4",
    "verify",
    "hosted_ui",
    "oauth",
    "passkeys",
    "webauthn_json",
    "web",
)
PARTS_DIR = "parts"
DATE = (1980, 1, 1, 0, 0, 0)

PARTS_INDEX = "index.json"
PARTS_MODULE = """\
import hashlib
import json
import os
import sys
from importlib.machinery import PathFinder
BASE = "/dist/parts/"
PARTS = __PARTS__
INDEX_SHA256 = __INDEX_SHA256__
_index = None

def _download(url):
    from js import XMLHttpRequest
    request = XMLHttpRequest.new()
    request.open("GET", url, False)
    request.send(None)
    if request.status != 200:
        raise ImportError(f"{url}: HTTP {request.status}")
    return str(request.responseText).encode()

def _fetch(rel, digest):
    data = _download(BASE + rel)
    if hashlib.sha256(data).hexdigest() != digest:
        raise ImportError(f"{BASE + rel}: SHA-256 does not match this wheel")
    return data

def _entry(name):
    global _index
    if _index is None:
        _index = json.loads(_fetch(__INDEX__, INDEX_SHA256))
    return _index[name]

class PartFinder:
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name not in PARTS:
            return None
        root = os.path.dirname(os.path.dirname(__file__))
        rel, digest = _entry(name)
        dest = os.path.join(root, rel)
        if not os.path.exists(dest):
            data = _fetch(rel, digest)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "wb") as handle:
                handle.write(data)
        return PathFinder.find_spec(name, path, target)

    @classmethod
    def invalidate_caches(cls):
        pass

def install():
    if PartFinder not in sys.meta_path:
        sys.meta_path.append(PartFinder)
"""

LAZY_HOOK = """\
from . import _parts as _parts_module
_parts_module.install()
_LAZY = __LAZY__

def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
"""


class _Strip(ast.NodeTransformer):
    """Docstrings, function annotations and TYPE_CHECKING imports out; behaviour unchanged."""

    def _undoc(
        self, node: ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
    ) -> None:
        body = node.body
        if (
            body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]

    def visit_Module(self, node: ast.Module) -> ast.Module:
        self.generic_visit(node)
        self._undoc(node)
        node.body = [self._module_level(stmt) for stmt in node.body]
        node.body = [stmt for stmt in node.body if stmt is not None] or [ast.Pass()]
        return node

    @staticmethod
    def _module_level(stmt: ast.stmt) -> ast.stmt | None:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            if stmt.value is None:
                return None
            return ast.copy_location(ast.Assign([stmt.target], stmt.value), stmt)
        if isinstance(stmt, ast.If) and ast.unparse(stmt.test) in {
            "TYPE_CHECKING",
            "typing.TYPE_CHECKING",
        }:
            stmt.body = [ast.Pass()]
        return stmt

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.ClassDef:
        self.generic_visit(node)
        self._undoc(node)
        return node

    def _function(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef
    ) -> ast.FunctionDef | ast.AsyncFunctionDef:
        self.generic_visit(node)
        self._undoc(node)
        node.returns = None
        args = node.args
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if arg is not None:
                arg.annotation = None
        body: list[ast.stmt] = []
        for stmt in node.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                if stmt.value is None:
                    continue
                stmt = ast.copy_location(ast.Assign([stmt.target], stmt.value), stmt)
            body.append(stmt)
        node.body = body or [ast.Pass()]
        return node

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function


def lean_source(text: str) -> str:
    """``text`` without docstrings, comments and function annotations (same behaviour)."""
    tree = _Strip().visit(ast.parse(text))
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def module_name(package: str, rel: Path) -> str:
    """Dotted module name of ``rel`` (a path inside the package directory)."""
    parts = [package, *rel.with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def eager_imports(package: str, name: str, text: str) -> set[str]:
    """Package modules ``name`` imports at module level (relative or absolute)."""
    base = name.split(".")  # a package's key ends with "__init__": one level like a module
    found: set[str] = set()
    tree = ast.parse(text)
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom):
            if stmt.level:
                anchor = base[: len(base) - stmt.level]
                mod = ".".join([*anchor, *([stmt.module] if stmt.module else [])])
            else:
                mod = stmt.module or ""
            found.add(mod)
            found.update(f"{mod}.{alias.name}" for alias in stmt.names)
        elif isinstance(stmt, ast.Import):
            found.update(alias.name for alias in stmt.names)
    return {m for m in found if m == package or m.startswith(package + ".")}


@dataclass
class LeanBuild:
    """What ``build`` wrote: the wheel, the part files and the module lists."""

    wheel: Path
    parts: dict[str, Path] = field(default_factory=dict)
    core: list[str] = field(default_factory=list)
    index: Path | None = None  # parts/index.json: every part's file and SHA-256


def _init_lazy(text: str, package: str, optional: set[str]) -> tuple[str, dict[str, str]]:
    """The package ``__init__`` with ``from .part import names`` turned into lazy names."""
    tree = ast.parse(text)
    lazy: dict[str, str] = {}
    body: list[ast.stmt] = []
    for stmt in tree.body:
        if (
            isinstance(stmt, ast.ImportFrom)
            and stmt.level == 1
            and stmt.module
            and (
                f"{package}.{stmt.module}" in optional
                or f"{package}.{stmt.module}.__init__" in optional
            )
            and all(alias.name != "*" for alias in stmt.names)
        ):
            for alias in stmt.names:
                lazy[alias.asname or alias.name] = f".{stmt.module}"
            continue
        body.append(stmt)
    if not lazy:
        return text, {}
    if any(isinstance(s, ast.FunctionDef) and s.name == "__getattr__" for s in body):
        return text, {}  # the package has its own lazy names: leave it as it is
    tree.body = body
    hook = ast.parse(LAZY_HOOK.replace("__LAZY__", repr(lazy))).body
    future = [s for s in body if isinstance(s, ast.ImportFrom) and s.module == "__future__"]
    cut = max((body.index(s) + 1 for s in future), default=0)
    tree.body = body[:cut] + hook + body[cut:]
    return ast.unparse(tree) + "\n", lazy


def core_closure(modules: dict[str, str], package: str, optional: set[str]) -> set[str]:
    """Modules (keys: dotted names, packages as ``x.__init__``) the wheel must hold: all but
    the optional parts that no kept module imports at module level (the lazy ``__init__``
    imports none); importing a submodule keeps its packages too."""
    keep = {m for m in modules if m not in optional}
    todo = list(keep)
    while todo:
        name = todo.pop()
        for dep in eager_imports(package, name, modules[name]):
            parts = dep.split(".")
            wanted = [dep, *(".".join(parts[:i]) + ".__init__" for i in range(2, len(parts) + 1))]
            for key in wanted:
                if key in optional and key not in keep:
                    keep.add(key)
                    todo.append(key)
    return keep


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build(
    src_package: Path, out_dir: Path, version: str, log: Callable[[str], None] = print
) -> LeanBuild:
    """Write the lean wheel and the part files into ``out_dir`` (see the module doc)."""
    package = src_package.name
    sources: dict[str, str] = {}
    files: dict[str, Path] = {}
    for path in sorted(src_package.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        rel = path.relative_to(src_package)
        key = module_name(package, rel) + (".__init__" if rel.name == "__init__.py" else "")
        sources[key] = path.read_text(encoding="utf-8")
        files[key] = rel
    optional: set[str] = set()
    for entry in OPTIONAL:
        name = f"{package}.{entry}"
        found = {k for k in sources if k == name or k.startswith(name + ".")}
        if not found:
            log(f"lean wheel: optional part {name} not found; skipped")
        optional |= found
    init_key = f"{package}.__init__"
    init_text, lazy = _init_lazy(sources[init_key], package, optional)
    modules = dict(sources)
    modules[init_key] = init_text
    if not lazy:
        optional = set()  # nothing imports the parts lazily: keep them in the wheel
    keep = core_closure(modules, package, optional)
    parts = sorted(optional - keep)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    digests: dict[str, tuple[str, str]] = {}
    for name in parts:
        rel = Path(package) / files[name]
        data = lean_source(modules[name]).encode()
        target = out_dir / PARTS_DIR / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written[name.removesuffix(".__init__")] = target
        digests[name.removesuffix(".__init__")] = (rel.as_posix(), hashlib.sha256(data).hexdigest())
    members: dict[str, bytes] = {}
    for name in sorted(keep):
        members[f"{package}/{files[name].as_posix()}"] = lean_source(modules[name]).encode()
    index_path = None
    if parts:
        index = json.dumps(digests, sort_keys=True, separators=(",", ":")).encode()
        index_path = out_dir / PARTS_DIR / PARTS_INDEX
        index_path.write_bytes(index)
        text = (
            PARTS_MODULE.replace("__PARTS__", repr(tuple(sorted(digests))))
            .replace("__INDEX_SHA256__", repr(hashlib.sha256(index).hexdigest()))
            .replace("__INDEX__", repr(PARTS_INDEX))
        )
        members[f"{package}/_parts.py"] = text.encode()
    if (src_package / "py.typed").exists():
        members[f"{package}/py.typed"] = b""
    dist_info = f"{package}-{version}.dist-info"
    members[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {package.replace('_', '-')}\nVersion: {version}\n"
        "Summary: Browser build (lean) of amazon-cognito-identity\n"
    ).encode()
    members[f"{dist_info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: tools/leanwheel.py\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n"
    )
    record = [_record_line(n, d) for n, d in members.items()] + [f"{dist_info}/RECORD,,"]
    members[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as whl:
        for name, data in members.items():
            whl.writestr(zipfile.ZipInfo(name, DATE), data)
    wheel = out_dir / f"{package}-{version}-py3-none-any.whl"
    if not wheel.exists() or wheel.read_bytes() != buf.getvalue():
        wheel.write_bytes(buf.getvalue())
    log(
        f"lean wheel: {wheel.name} {len(buf.getvalue()):,} bytes, {len(keep)} modules; "
        f"{len(parts)} parts on demand ({', '.join(p.split('.', 1)[1] for p in parts)})"
    )
    return LeanBuild(wheel=wheel, parts=written, core=sorted(keep), index=index_path)


def unpack_tree(result: LeanBuild, dest: Path) -> Path:
    """The lean package with its parts beside it, as a directory to put on ``sys.path``
    (what the snapshot and the CPython tests of the lean build import)."""
    with zipfile.ZipFile(result.wheel) as whl:
        whl.extractall(dest)
    base = result.wheel.parent / PARTS_DIR
    for path in [*result.parts.values(), *([result.index] if result.index else [])]:
        target = dest / path.relative_to(base)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    return dest


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "web" / "dist"
    build(root / "src" / "amazon_cognito_identity", out, "0.0.0")
