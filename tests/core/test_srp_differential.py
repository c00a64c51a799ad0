"""Byte-for-byte comparison of srp.py with the reference JS SDK under Node.

One Node process (tests/node/srp_reference.js) serves the whole module over JSON lines.
Cases come from a seeded ``random.Random``; the seed is printed and can be fixed with
``CORE_DIFF_SEED=<int>`` to reproduce a failure.
"""

from __future__ import annotations

import base64
import calendar
import os
import random
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from core_helpers import DIFF_REPORT, ROOT, NodeReference

from amazon_cognito_identity import _random, srp
from amazon_cognito_identity.errors import SRPError

pytestmark = pytest.mark.node

JS_SDK = ROOT / "node_modules" / "amazon-cognito-identity-js"


@pytest.fixture(scope="module")
def seed(request: pytest.FixtureRequest) -> int:
    env = os.environ.get("CORE_DIFF_SEED")
    value = int(env) if env else random.SystemRandom().randrange(2**32)
    DIFF_REPORT["seed"] = value
    print(f"SRP differential seed: CORE_DIFF_SEED={value}")
    return value


@pytest.fixture
def rng(seed: int, request: pytest.FixtureRequest) -> random.Random:
    # One stream per test, so a single test reproduces on its own.
    return random.Random(f"{seed}:{request.node.name}")


@pytest.fixture(scope="module")
def node(seed: int) -> Iterator[NodeReference]:
    if shutil.which("node") is None:
        pytest.skip("node is not installed (needed for the JS reference)")
    if not (JS_SDK / "lib" / "AuthenticationHelper.js").exists():
        pytest.skip("node_modules/amazon-cognito-identity-js missing: run `python build.py setup`")
    ref = NodeReference()
    assert ref.call("ping", [None]) == ["pong"]
    yield ref
    ref.close()


# --- generators -------------------------------------------------------------------------

ALPHABETS = [
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ ",
    "àéîõüßçñÀÉÎÕÜØÆœ",
    "αβγδεζηθλμπσωДЖЗИЙКЛ",
    "漢字かなカナ한국어中文",
    "😀🔐🚀👩‍💻🏳️‍🌈",
    "\u0301\u200b\u00a0\ufeff\t\n",
]


def unicode_text(rng: random.Random, lo: int = 0, hi: int = 24) -> str:
    chars = [rng.choice(rng.choice(ALPHABETS)) for _ in range(rng.randint(lo, hi))]
    if rng.random() < 0.05:  # a lone surrogate: JS and we must both map it to U+FFFD
        chars.insert(rng.randint(0, len(chars)), rng.choice("\ud800\udbff\udc00\udfff"))
    return "".join(chars)


def signed_int(rng: random.Random) -> int:
    kind = rng.randrange(6)
    bits = rng.choice([1, 4, 7, 8, 9, 15, 16, 17, 64, 127, 128, 255, 256, 1024, 3072, 3073])
    bits = rng.choice([bits, rng.randint(1, 3100)])
    if kind == 0:
        value = rng.getrandbits(bits)
    elif kind == 1:  # high first nibble: top bit of a whole nibble set
        bits = -(-bits // 4) * 4
        value = (1 << (bits - 1)) | rng.getrandbits(bits - 1)
    elif kind == 2:  # powers of two and neighbours: 0x80..00, 0xff..ff
        value = (1 << bits) + rng.choice([-1, 0, 1])
    elif kind == 3:
        value = rng.getrandbits(bits) >> rng.randrange(bits)
    else:
        value = rng.getrandbits(bits)
    return value if rng.random() < 0.5 else -value


def hex_of(value: int) -> str:
    """Signed hex as the service sends it (JS BigInteger parses a leading '-')."""
    text = format(abs(value), "x")
    return f"-{text}" if value < 0 else text


def salt_hex(rng: random.Random) -> str:
    raw = rng.randbytes(rng.choice([16, 16, 16, 15, 17, 32])).hex()
    if rng.random() < 0.3:
        raw = rng.choice("89abcdef") + raw[1:]
    if rng.random() < 0.1:
        raw = "00" + raw  # leading zeros survive on the wire
    return ("-" if rng.random() < 0.4 else "") + raw


def pool_name(rng: random.Random) -> str:
    alnum = ALPHABETS[0]
    return "".join(rng.choice(alnum) for _ in range(rng.choice([9, 9, 1, 12, 30])))


def user_id(rng: random.Random) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        return "-".join(rng.randbytes(n).hex() for n in (4, 2, 2, 2, 6))  # a sub
    if kind == 1:
        return f"{unicode_text(rng, 1, 10)}@example.com"
    return unicode_text(rng, 0, 20)


def server_b(rng: random.Random) -> int:
    kind = rng.randrange(5)
    if kind == 0:
        return rng.randrange(1, 2**64)
    if kind == 1:
        return srp.N + rng.randrange(1, 2**32)  # above N: reduced mod N
    return rng.randrange(1, srp.N)


# --- tests ------------------------------------------------------------------------------


def test_pad_hex(node: NodeReference, rng: random.Random) -> None:
    values = [signed_int(rng) for _ in range(400)] + [0, 1, -1, 127, 128, -128, -129, 255, -256]
    expected = node.call("padHex", [hex_of(v) for v in values])
    for value, js in zip(values, expected, strict=True):
        assert srp.pad_hex(value) == js, hex_of(value)
        assert srp.pad_hex(hex_of(value)) == js


def test_k(node: NodeReference) -> None:
    assert node.call("k", [None]) == [format(srp.K, "x")]


def test_large_a(node: NodeReference, rng: random.Random) -> None:
    small = [int.from_bytes(rng.randbytes(128), "big") for _ in range(12)] + [1, 2, 2**1023]
    expected = node.call("largeA", [format(a, "x") for a in small])
    for a, js in zip(small, expected, strict=True):
        assert srp.AuthenticationHelper("p", small_a=a).get_large_a_hex() == js


def test_u(node: NodeReference, rng: random.Random) -> None:
    pairs = [(rng.randrange(1, srp.N), server_b(rng)) for _ in range(60)]
    pairs += [(signed_int(rng), signed_int(rng)) for _ in range(20)]
    expected = node.call("u", [[hex_of(a), hex_of(b)] for a, b in pairs])
    for (a, b), js in zip(pairs, expected, strict=True):
        assert format(srp.compute_u(a, b), "x") == js


def test_x(node: NodeReference, rng: random.Random) -> None:
    cases = [[salt_hex(rng), pool_name(rng), user_id(rng), unicode_text(rng)] for _ in range(80)]
    expected = node.call("x", cases)
    for (salt, pool, user, password), js in zip(cases, expected, strict=True):
        got = srp.compute_x(srp.parse_srp_int(salt), pool, user, password)
        assert format(got, "x") == js, (salt, pool, user, password)


def test_hkdf(node: NodeReference, rng: random.Random) -> None:
    cases = [[rng.randbytes(rng.randint(1, 400)).hex(), rng.randbytes(32).hex()] for _ in range(40)]
    expected = node.call("hkdf", cases)
    for (ikm, salt), js in zip(cases, expected, strict=True):
        assert srp.compute_hkdf(bytes.fromhex(ikm), bytes.fromhex(salt)).hex() == js


def key_cases(rng: random.Random, count: int) -> list[list[str]]:
    cases = []
    for _ in range(count):
        moment = datetime(2000, 1, 1, tzinfo=UTC).timestamp() + rng.randrange(2**30)
        cases.append(
            [
                pool_name(rng),
                format(int.from_bytes(rng.randbytes(128), "big"), "x"),
                user_id(rng),
                unicode_text(rng, 0, 40),
                hex_of(server_b(rng)),
                salt_hex(rng),
                base64.b64encode(rng.randbytes(rng.randint(1, 300))).decode(),
                srp.format_timestamp(datetime.fromtimestamp(moment, UTC)),
            ]
        )
    return cases


def check_key_cases(node: NodeReference, cases: list[list[str]]) -> None:
    node.send("key", cases)
    ours = []
    for pool, a_hex, user, password, b_hex, salt, block, stamp in cases:
        helper = srp.AuthenticationHelper(pool, small_a=int(a_hex, 16))
        key = helper.get_password_authentication_key(
            user, password, srp.parse_srp_int(b_hex), srp.parse_srp_int(salt)
        )
        signature = srp.password_claim_signature(key, pool, user, block, stamp)
        ours.append({"A": helper.get_large_a_hex(), "key": key.hex(), "signature": signature})
    for case, mine, js in zip(cases, ours, node.receive(), strict=True):
        assert mine == js, case


def test_password_key_and_signature(node: NodeReference, rng: random.Random) -> None:
    # The JS SDK's jsbn modPow takes ~0.4 s a case; the long run does many more.
    check_key_cases(node, key_cases(rng, 20))


@pytest.mark.long
def test_password_key_and_signature_long(node: NodeReference, rng: random.Random) -> None:
    check_key_cases(node, key_cases(rng, 300))


def test_both_refuse_b_zero_mod_n(node: NodeReference) -> None:
    bad = [0, srp.N, 3 * srp.N]
    expected = node.call("key", [["p", "7", "u", "pw", hex_of(b), "01", "AA==", "t"] for b in bad])
    for b, js in zip(bad, expected, strict=True):
        assert "B cannot be zero" in js["error"]
        with pytest.raises(SRPError, match="B cannot be zero"):
            srp.AuthenticationHelper("p", small_a=7).get_password_authentication_key(
                "u", "pw", b, 1
            )


def test_device_verifier(node: NodeReference, rng: random.Random) -> None:
    cases = []
    for _ in range(20):
        salt_bytes = rng.randbytes(16)
        if rng.random() < 0.3:
            salt_bytes = bytes([rng.choice([0, 0x80, 0xFF])]) + salt_bytes[1:]
        cases.append(
            [unicode_text(rng, 1, 30), user_id(rng), rng.randbytes(40).hex(), salt_bytes.hex()]
        )
    expected = node.call("device", cases)
    for (group, user, password_bytes, salt_bytes), js in zip(cases, expected, strict=True):
        stream = iter([bytes.fromhex(password_bytes), bytes.fromhex(salt_bytes)])
        _random.set_random_source(lambda n, s=stream: next(s))  # type: ignore[misc]
        got = srp.AuthenticationHelper("unused", small_a=5).generate_hash_device(group, user)
        assert got.random_password == js["randomPassword"]
        assert got.salt_hex == js["salt"]
        assert got.verifier_hex == js["verifier"]
        assert got.salt_b64 == js["saltB64"]
        assert got.verifier_b64 == js["verifierB64"]


def test_timestamps(node: NodeReference, rng: random.Random) -> None:
    moments: list[datetime] = []
    hours = list(range(24))
    for month in range(1, 13):
        for day in range(1, 32):
            years = [y for y in range(1971, 2100) if day <= calendar.monthrange(y, month)[1]]
            if not years:
                continue
            hour = hours[len(moments) % 24]
            minute, second, micros = rng.randrange(60), rng.randrange(60), rng.randrange(1000)
            moments.append(
                datetime(rng.choice(years), month, day, hour, minute, second, micros * 1000, UTC)
            )
    weekdays = {m.weekday() for m in moments}
    assert weekdays == set(range(7)) and {m.hour for m in moments} == set(hours)
    expected = node.call("timestamp", [int(m.timestamp() * 1000) for m in moments])
    for moment, js in zip(moments, expected, strict=True):
        assert srp.format_timestamp(moment) == js
