"""The browser's lean build of the SDK (tools/leanwheel.py): same behaviour without
docstrings and annotations, optional parts on demand, and the core unit tests pass on it."""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SDK = ROOT / "src" / "amazon_cognito_identity"
_spec = importlib.util.spec_from_file_location("_lean_wheel_tool", ROOT / "tools/leanwheel.py")
assert _spec is not None and _spec.loader is not None
leanwheel = importlib.util.module_from_spec(_spec)
sys.modules["_lean_wheel_tool"] = leanwheel  # dataclasses look their module up
_spec.loader.exec_module(leanwheel)


@pytest.fixture(scope="module")
def lean(tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("lean")
    return leanwheel.build(SDK, out, "9.9.9", lambda _msg: None)


def run_python(code: str, path: Path) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh CPython that imports the SDK from ``path`` only."""
    return subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(path)!r})\n{code}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_lean_source_drops_docs_and_annotations_only() -> None:
    text = (
        '"""Module doc."""\nfrom __future__ import annotations\nfrom dataclasses import dataclass\n'
        "LIMIT: int = 3\nNAME: str\n@dataclass\nclass P:\n    '''Doc.'''\n    x: int\n"
        "    y: str = 'a'\ndef f(a: int, *r: str, k: float = 1.0, **kw: bytes) -> int:\n"
        "    '''Doc.'''\n    total: int = a + LIMIT\n    unused: str\n    return total\n"
        "async def g() -> None:\n    '''Only a doc.'''\n"
    )
    lean = leanwheel.lean_source(text)
    tree = ast.parse(lean)
    assert ast.get_docstring(tree) is None
    assert "int" not in lean.split("class P")[1].split("def f")[1]
    assert "NAME" not in lean
    namespace: dict[str, Any] = {}
    exec(compile(lean, "lean", "exec"), namespace)
    assert namespace["f"](2) == 5
    assert namespace["P"](1).y == "a"  # dataclass fields kept
    assert namespace["f"].__doc__ is None and namespace["f"].__annotations__ == {}


def test_wheel_holds_the_sdk_alone_and_the_parts_are_separate(lean: Any) -> None:
    with zipfile.ZipFile(lean.wheel) as whl:
        names = whl.namelist()
        infos = whl.infolist()
    assert all(
        n.startswith(("amazon_cognito_identity/", "amazon_cognito_identity-9.9.9.dist-info/"))
        for n in names
    )
    assert all(i.compress_type == zipfile.ZIP_STORED for i in infos)
    assert "amazon_cognito_identity/__init__.py" in names
    assert "amazon_cognito_identity/_parts.py" in names
    for part in lean.parts:
        path = "amazon_cognito_identity/" + part.split(".", 1)[1].replace(".", "/") + ".py"
        assert path not in names
    assert "amazon_cognito_identity.identity" in lean.parts
    # Nothing a password sign-in needs is a part; token checks, passkeys and OAuth are.
    for name in ("verify", "passkeys", "webauthn_json", "hosted_ui", "oauth", "sigv4", "web"):
        assert f"amazon_cognito_identity.{name}" in lean.parts
    for name in ("user", "user_pool", "engine", "srp", "signin", "runtime", "storage"):
        assert f"amazon_cognito_identity.{name}" in lean.core


def test_the_wheel_carries_one_digest_for_every_part(lean: Any) -> None:
    index_path = lean.wheel.parent / "parts" / "index.json"
    index = json.loads(index_path.read_bytes())
    with zipfile.ZipFile(lean.wheel) as whl:
        loader = whl.read("amazon_cognito_identity/_parts.py").decode()
    namespace: dict[str, Any] = {"__file__": "x/amazon_cognito_identity/_parts.py"}
    exec(compile(loader, "_parts", "exec"), namespace)
    assert namespace["INDEX_SHA256"] == hashlib.sha256(index_path.read_bytes()).hexdigest()
    assert sorted(namespace["PARTS"]) == sorted(lean.parts) == sorted(index)
    for name, (rel, digest) in index.items():
        path = lean.wheel.parent / "parts" / rel
        assert path == lean.parts[name]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
        assert digest not in loader  # the per-part digests stay out of the wheel


def test_a_part_a_kept_module_imports_stays_in_the_wheel(tmp_path: Path) -> None:
    pkg = tmp_path / "src" / "amazon_cognito_identity"
    (pkg / "web").mkdir(parents=True)
    (pkg / "__init__.py").write_text(
        "from .core import run\nfrom .identity import Creds\nfrom .verify import check\n"
    )
    (pkg / "core.py").write_text("from .verify import check\ndef run():\n    return check()\n")
    (pkg / "verify.py").write_text("def check():\n    return 'ok'\n")
    (pkg / "identity.py").write_text("class Creds:\n    pass\n")
    (pkg / "web" / "__init__.py").write_text("")
    built = leanwheel.build(pkg, tmp_path / "out", "1.0", lambda _msg: None)
    # The web subpackage is a part as a whole (nothing kept imports it).
    assert sorted(built.parts) == [
        "amazon_cognito_identity.identity",
        "amazon_cognito_identity.web",
    ]
    assert "amazon_cognito_identity.verify" in built.core
    tree = leanwheel.unpack_tree(built, tmp_path / "tree")
    got = run_python(
        "import sys, amazon_cognito_identity as p\n"
        "assert 'amazon_cognito_identity.identity' not in sys.modules\n"
        "print(p.run(), p.Creds.__name__)",
        tree,
    )
    assert got.stdout.strip() == "ok Creds", got.stderr


def test_core_wheel_alone_imports_and_loads_parts_only_when_used(lean: Any, tmp_path: Path) -> None:
    with zipfile.ZipFile(lean.wheel) as whl:
        whl.extractall(tmp_path)
    got = run_python(
        "import amazon_cognito_identity as sdk, sys\n"
        "assert sdk.CognitoUser.__doc__ is None\n"
        "assert 'amazon_cognito_identity.identity' not in sys.modules\n"
        "try:\n    sdk.CognitoIdentityCredentials\nexcept ImportError as exc:\n"
        "    print('part needs a download:', type(exc).__name__)\n",
        tmp_path,
    )
    assert got.returncode == 0, got.stderr
    # On CPython there is no browser to fetch the part from: an ImportError, not a crash.
    assert "part needs a download: ModuleNotFoundError" in got.stdout


def test_lean_tree_has_the_public_names_of_the_source(lean: Any, tmp_path: Path) -> None:
    tree = leanwheel.unpack_tree(lean, tmp_path / "tree")
    code = (
        "import amazon_cognito_identity as s\n"
        "print(sorted(n for n in s.__all__ if getattr(s, n, None) is not None))"
    )
    lean_names = run_python(code, tree)
    source_names = run_python(code, SDK.parent)
    assert lean_names.returncode == 0, lean_names.stderr
    assert lean_names.stdout == source_names.stdout


@pytest.mark.parametrize(
    "tests",
    [["tests/core/test_srp.py", "tests/core/test_tokens.py", "tests/core/test_storage.py",
      "tests/core/test_verify.py", "tests/core/test_errors_runtime.py"]],
)  # fmt: skip
def test_core_unit_tests_pass_on_the_lean_tree(lean: Any, tmp_path: Path, tests: list[str]) -> None:
    tree = leanwheel.unpack_tree(lean, tmp_path / "tree")
    check = tmp_path / "test_is_lean.py"
    check.write_text(
        "import amazon_cognito_identity as sdk\n"
        "def test_imported_from_the_lean_tree():\n"
        f"    assert sdk.__file__.startswith({str(tree)!r})\n"
        "    assert sdk.CognitoUser.__doc__ is None\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
         "-o", f"pythonpath={tree}", str(check), *tests],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout
