"""Fixtures for the reliability suite (the shared ``emulator`` fixture is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="module")
def own_emulator() -> Iterator[Any]:
    """An emulator of this module alone: tests may move its clock or change its config."""
    from cognito_emulator import testing

    with testing.EmulatorServer() as server:
        yield server
        server.emulator.clock_offset = 0.0
