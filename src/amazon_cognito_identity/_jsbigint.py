"""Modular exponentiation in JavaScript BigInt, for SRP under Pyodide.

Pyodide's ``pow(b, e, m)`` on 3072-bit numbers runs about twice as slow as the same
exponentiation done with the browser's native BigInt (measured on this project's machine:
22-25 ms against 11-12 ms for a 1024-bit exponent). :func:`install` puts the JS version behind
:func:`amazon_cognito_identity.srp.set_modpow` when it is both correct and faster here; CPython
never touches this module's JS side.

Numbers cross the boundary as lowercase hex strings: converting a 3072-bit int to hex and
back costs microseconds, far below one exponentiation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from . import srp
from .errors import SRPError

__all__ = [
    "JS_MODPOW_SOURCE",
    "ModpowMismatchError",
    "calibrate",
    "install",
    "js_modpow",
    "make_js_modpow",
]


class ModpowMismatchError(SRPError, ArithmeticError):
    """The JS BigInt modexp gave another answer than Python's ``pow``."""


#: Montgomery multiplication (R = 2^(4 * hex digits of the modulus)) with a fixed 4-bit
#: window: the exponent's hex digits drive the loop directly, so there is about one squaring
#: per bit plus one multiply per digit, and each reduction is two multiplications, a mask and
#: a shift instead of a BigInt division (measured ~30% faster than `%` in Chromium here).
#: Per-modulus constants are cached, since SRP always uses the same N. An even modulus (no
#: Montgomery form) takes the same window with `%`.
JS_MODPOW_SOURCE = """
(() => {
  const digit = {};
  for (let i = 0; i < 16; i++) { digit[i.toString(16)] = i; }
  const cache = new Map();
  function montgomery(modHex) {
    let c = cache.get(modHex);
    if (c !== undefined) { return c; }
    const m = BigInt('0x' + modHex);
    const bits = 4 * modHex.length;
    const R = 1n << BigInt(bits);
    // m^-1 mod R by Newton's iteration (each step doubles the correct low bits).
    let inv = m;
    for (let ok = 3; ok < bits; ok *= 2) { inv = BigInt.asUintN(bits, inv * (2n - m * inv)); }
    c = { m, bits, shift: BigInt(bits), nprime: BigInt.asUintN(bits, -inv), one: R % m };
    if (cache.size > 8) { cache.clear(); }
    cache.set(modHex, c);
    return c;
  }
  function windowed(start, b, expHex, mul) {
    const table = [start, b];
    for (let i = 2; i < 16; i++) { table.push(mul(table[i - 1], b)); }
    let r = start;
    let started = false;
    for (let i = 0; i < expHex.length; i++) {
      if (started) { r = mul(r, r); r = mul(r, r); r = mul(r, r); r = mul(r, r); }
      const d = digit[expHex[i]];
      if (d !== 0) { r = started ? mul(r, table[d]) : table[d]; started = true; }
    }
    return r;
  }
  return function modpow(baseHex, expHex, modHex) {
    const last = parseInt(modHex[modHex.length - 1], 16);
    if ((last & 1) === 0) {
      const m = BigInt('0x' + modHex);
      const r = windowed(1n % m, BigInt('0x' + baseHex) % m, expHex, (x, y) => (x * y) % m);
      return r.toString(16);
    }
    const c = montgomery(modHex);
    const { m, bits, shift, nprime } = c;
    const redc = (t) => {
      const u = BigInt.asUintN(bits, BigInt.asUintN(bits, t) * nprime);
      const r = (t + u * m) >> shift;
      return r >= m ? r - m : r;
    };
    const bm = (BigInt('0x' + baseHex) << shift) % m;
    const r = windowed(c.one, bm, expHex, (x, y) => redc(x * y));
    return redc(r).toString(16);
  };
})()
"""

_JsFn = Callable[[str, str, str], str]


def make_js_modpow(js_function: _JsFn) -> Callable[[int, int, int], int]:
    """Wrap a JS ``modpow(baseHex, expHex, modHex) -> hex`` as a Python ``pow(b, e, m)``.

    Cases the JS side does not handle (negative exponent, modulus below 1) go to Python's
    ``pow``, so the wrapper always agrees with it.
    """

    def modpow(base: int, exp: int, mod: int) -> int:
        if exp < 0 or mod < 1:
            return pow(base, exp, mod)
        # Python's pow reduces a negative base into [0, mod); do the same before crossing.
        base %= mod
        return int(js_function(format(base, "x"), format(exp, "x"), format(mod, "x")), 16)

    return modpow


_cached: Callable[[int, int, int], int] | None = None


def js_modpow() -> Callable[[int, int, int], int] | None:
    """The JS BigInt ``modpow`` under Pyodide (created once), or None elsewhere."""
    global _cached
    if _cached is not None:
        return _cached
    try:  # pyodide.code exists only under Pyodide
        from pyodide.code import run_js

        fn: Any = run_js(JS_MODPOW_SOURCE)
    except Exception:  # no usable JS runtime: keep Python's pow
        return None
    _cached = make_js_modpow(fn)
    return _cached


def calibrate(
    candidate: Callable[[int, int, int], int], mod: int, *, rounds: int = 3
) -> tuple[float, float]:
    """Time ``candidate`` against Python's ``pow`` modulo ``mod``; (candidate_s, pow_s).

    A first, untimed call checks the answer and pays one-off costs (JIT, the per-modulus
    constants the JS side caches). Then the two take turns ``rounds`` times and the best
    time of each counts, so a burst of other work on the machine cannot decide alone.
    A 256-bit exponent keeps the whole check to a few milliseconds. Raises
    :class:`ModpowMismatchError` (an ``ArithmeticError``) when the candidate gives a
    different answer.
    """
    base = pow(3, 2**40 + 15, mod) | 1
    exp = (1 << 255) | 0xC2B2AE3D27D4EB4F
    if candidate(base, exp, mod) != pow(base, exp, mod):
        raise ModpowMismatchError("JS modpow disagrees with pow")
    best_c = best_p = float("inf")
    for i in range(rounds):
        e = exp + 2 * i
        t0 = time.perf_counter()
        got = candidate(base, e, mod)
        t1 = time.perf_counter()
        want = pow(base, e, mod)
        t2 = time.perf_counter()
        if got != want:
            raise ModpowMismatchError("JS modpow disagrees with pow")
        best_c, best_p = min(best_c, t1 - t0), min(best_p, t2 - t1)
    return best_c, best_p


def install(*, force: bool = False) -> bool:
    """Use the JS BigInt modexp for SRP when running under Pyodide and it is faster here.

    Returns True when it was installed. ``force`` skips the timing check (still checks the
    answer). On CPython this does nothing and returns False.
    """
    fn = js_modpow()
    if fn is None:
        return False
    try:
        js_s, py_s = calibrate(fn, srp.N)
    except ModpowMismatchError:
        return False
    if not force and js_s >= py_s:
        return False
    srp.set_modpow(fn)
    return True
