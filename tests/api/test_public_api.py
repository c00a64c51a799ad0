"""Every public name of the SDK is documented, and the package stays stdlib-only."""

from __future__ import annotations

import ast
import inspect
import sys
from pathlib import Path

import pytest

import amazon_cognito_identity as sdk

SRC = Path(sdk.__file__).resolve().parent


def _public_members(obj: type) -> list[tuple[str, object]]:
    found = []
    for name, member in vars(obj).items():
        if name.startswith("_"):
            continue
        if inspect.isfunction(member) or isinstance(member, property):
            found.append((name, member))
    return found


@pytest.mark.parametrize("name", sorted(sdk.__all__))
def test_public_name_has_docstring(name: str) -> None:
    obj = getattr(sdk, name)
    if name == "__version__":
        assert isinstance(obj, str) and obj
        return
    if not (inspect.isclass(obj) or inspect.isfunction(obj) or inspect.iscoroutinefunction(obj)):
        return  # constants and aliases
    assert inspect.getdoc(obj), f"{name} has no docstring"
    if inspect.isclass(obj) and obj.__module__.startswith("amazon_cognito_identity"):
        missing = [
            f"{name}.{member_name}"
            for member_name, member in _public_members(obj)
            if not (member.__doc__ or "").strip()
            and not any(
                member_name in vars(base) and (getattr(base, member_name).__doc__ or "").strip()
                for base in obj.__mro__[1:]
            )
        ]
        assert not missing, f"undocumented public methods: {missing}"


def test_every_module_has_a_docstring() -> None:
    missing = [
        str(path.relative_to(SRC))
        for path in sorted(SRC.rglob("*.py"))
        if ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None
    ]
    assert not missing, f"modules without a docstring: {missing}"


def test_sdk_imports_only_the_standard_library() -> None:
    # The SDK ships as one pure wheel into Pyodide: no third-party import at module level
    # (optional backends such as `cryptography` are imported lazily inside functions).
    allowed_extra = {"js", "pyodide", "amazon_cognito_identity"}
    stdlib = set(sys.stdlib_module_names)
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:  # module level only
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top not in stdlib and top not in allowed_extra:
                    offenders.append(f"{path.relative_to(SRC)}: {name}")
    assert not offenders, offenders


def test_sdk_never_imports_the_emulator() -> None:
    for path in sorted(SRC.rglob("*.py")):
        assert "cognito_emulator" not in path.read_text(encoding="utf-8"), path
