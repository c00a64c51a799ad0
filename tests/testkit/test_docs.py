"""Every public name of the testing kit has a docstring (users read them in their editor)."""

from __future__ import annotations

import importlib
import inspect

import pytest

MODULES = [
    "cognito_emulator.testkit",
    "cognito_emulator.admin",
    "cognito_emulator.playwright",
    "cognito_emulator.config",
    "cognito_emulator.pytest_plugin",
    "_cognito_emulator_pytest",
]


@pytest.mark.parametrize("module_name", MODULES)
def test_public_names_have_docstrings(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert inspect.getdoc(module)
    missing = []
    for name in getattr(module, "__all__", [n for n in vars(module) if not n.startswith("_")]):
        obj = getattr(module, name)
        if getattr(obj, "__module__", module_name) != module_name:
            continue  # re-exported
        if inspect.isclass(obj) or inspect.isfunction(obj):
            if not inspect.getdoc(obj):
                missing.append(name)
            if inspect.isclass(obj):
                for member_name, member in vars(obj).items():
                    public = not member_name.startswith("_")
                    documented = (getattr(member, "__doc__", None) or "").strip()
                    callable_member = inspect.isfunction(member) or isinstance(member, property)
                    if public and callable_member and not documented:
                        missing.append(f"{name}.{member_name}")
    assert not missing, missing
