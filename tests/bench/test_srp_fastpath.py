"""The SDK's fast SRP paths on CPython: prewarm() and the JS-modpow wrapper's contract."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from amazon_cognito_identity import _jsbigint, srp


@pytest.fixture(autouse=True)
def clean_srp_state() -> Iterator[None]:
    srp._prepared.clear()
    yield
    srp._prepared.clear()
    srp.set_modpow(None)


def test_prewarm_prepares_pairs_each_used_once() -> None:
    srp.prewarm(3)
    assert len(srp._prepared) == 3
    helpers = [srp.AuthenticationHelper("pool") for _ in range(4)]
    assert srp._prepared == []
    seen = set()
    for h in helpers:
        assert h.large_a == pow(2, h.small_a, srp.N)
        assert h.small_a.bit_length() > 900  # 128 random bytes, not a small number
        seen.add(h.small_a)
    assert len(seen) == 4  # three prepared, one fresh, never shared


def test_prewarm_is_idempotent_up_to_count() -> None:
    srp.prewarm(2)
    first = list(srp._prepared)
    srp.prewarm(2)
    assert srp._prepared == first
    srp.prewarm(1)
    assert srp._prepared == first


def test_explicit_small_a_does_not_consume_prepared_pair() -> None:
    srp.prewarm(1)
    small_a = secrets.randbits(1024) | 1
    h = srp.AuthenticationHelper("pool", small_a=small_a)
    assert h.small_a == small_a
    assert h.large_a == pow(2, small_a, srp.N)
    assert len(srp._prepared) == 1


def test_prewarmed_helper_still_signs_like_a_fresh_one() -> None:
    srp.prewarm(1)
    warm = srp.AuthenticationHelper("pool")
    cold = srp.AuthenticationHelper("pool", small_a=warm.small_a)
    b = secrets.randbelow(srp.N - 2) + 2
    salt = secrets.randbits(128)
    assert warm.get_password_authentication_key(
        "u", "pw", b, salt
    ) == cold.get_password_authentication_key("u", "pw", b, salt)


def _hex_modpow(b: str, e: str, m: str) -> str:
    """Stand-in for the JS function: hex in, hex out, only non-negative inputs."""
    base, exp, mod = int(b, 16), int(e, 16), int(m, 16)
    assert base >= 0 and exp >= 0 and mod >= 1, "the wrapper must not pass these to JS"
    return format(pow(base, exp, mod), "x")


@pytest.mark.parametrize(
    ("base", "exp", "mod"),
    [(-5, 3, 7), (5, 0, 7), (5, 0, 1), (0, 5, 11), (-(2**4000) + 3, 2**300 + 1, srp.N), (7, 1, 2)],
)
def test_wrapper_agrees_with_pow_on_edge_cases(base: int, exp: int, mod: int) -> None:
    assert _jsbigint.make_js_modpow(_hex_modpow)(base, exp, mod) == pow(base, exp, mod)


def test_wrapper_leaves_negative_exponents_to_python() -> None:
    fn = _jsbigint.make_js_modpow(_hex_modpow)
    assert fn(3, -1, 7) == pow(3, -1, 7) == 5


def test_calibrate_rejects_a_wrong_implementation() -> None:
    with pytest.raises(ArithmeticError):
        _jsbigint.calibrate(lambda b, e, m: (pow(b, e, m) + 1) % m, srp.N)


def test_calibrate_times_both() -> None:
    cand, py = _jsbigint.calibrate(_jsbigint.make_js_modpow(_hex_modpow), srp.N)
    assert cand > 0 and py > 0


def test_cpython_keeps_python_pow() -> None:
    assert _jsbigint.js_modpow() is None
    assert _jsbigint.install() is False
    srp.set_modpow(None)
    assert srp.modpow(3, 5, 7) == pow(3, 5, 7)
    assert srp._modpow is srp._builtin_modpow


def test_first_modpow_settles_on_builtin_on_cpython() -> None:
    srp._modpow = srp._first_modpow
    assert srp.modpow(2, 10, 1000) == 24
    assert srp._modpow is srp._builtin_modpow


def test_calibrate_rejects_an_implementation_wrong_only_after_warm_up() -> None:
    calls = []

    def flaky(b: int, e: int, m: int) -> int:
        calls.append(e)
        return pow(b, e, m) if len(calls) == 1 else 0

    with pytest.raises(ArithmeticError):
        _jsbigint.calibrate(flaky, srp.N)
