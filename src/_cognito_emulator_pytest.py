"""pytest11 entry point of the testing kit (``-p no:cognito_emulator`` turns it off).

It loads :mod:`cognito_emulator.pytest_plugin`. Installed without the ``emulator`` extra, the
SDK's users still run pytest undisturbed: the kit's fixtures then fail with one line naming
the extra, and only in the tests that ask for them.
"""

from __future__ import annotations

from typing import Any

import pytest

try:
    from cognito_emulator.pytest_plugin import *  # noqa: F403
    from cognito_emulator.pytest_plugin import __all__ as _names
except ImportError as exc:
    _names = []
    _REASON = str(exc)
    _FIXTURES = (
        "cognito_emulator",
        "user_pool",
        "user_pool_factory",
        "cognito_user",
        "cognito_user_factory",
        "cognito_signed_in_context",
        "cognito_signed_in_page",
    )

    def _unavailable(name: str) -> Any:
        def fixture() -> None:
            pytest.fail(f"fixture {name!r}: {_REASON}", pytrace=False)

        fixture.__name__ = name
        return pytest.fixture(name=name)(fixture)

    for _name in _FIXTURES:
        globals()[f"_missing_{_name}"] = _unavailable(_name)
