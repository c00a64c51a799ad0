"""Fixtures for the SDK core tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from core_helpers import DIFF_REPORT, KeyPair, key_pair

from amazon_cognito_identity import _random, srp


@pytest.fixture
def keys() -> KeyPair:
    return key_pair("kid-1")


@pytest.fixture(autouse=True)
def _restore_hooks() -> Iterator[None]:
    """Tests may swap the random source or the modpow hook; always put them back."""
    yield
    _random.set_random_source(None)
    srp.set_modpow(None)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the differential seed and case count so a run can be reproduced."""
    if "seed" not in DIFF_REPORT:
        return
    counts = {k: v for k, v in DIFF_REPORT.get("counts", {}).items() if k != "ping"}
    terminalreporter.write_line(
        f"SRP differential vs amazon-cognito-identity-js: {sum(counts.values())} cases "
        f"{dict(sorted(counts.items()))}; reproduce with CORE_DIFF_SEED={DIFF_REPORT['seed']}"
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run browser tests after everything else.

    pytest-playwright's sync API keeps an event loop running on the main thread from its
    first use until the session ends; every pytest-asyncio test collected after it then
    fails with "Runner.run() cannot be called from a running event loop". tests/browser
    sorts first alphabetically, so move browser-marked items to the end (stable sort).
    This belongs in tests/conftest.py; it lives here until the foundation work takes it.
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
