"""Fixtures for the SDK core tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from core_helpers import KeyPair, key_pair

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
