"""Unit tests of the SRP maths against independent facts (the Node differential is separate)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta, timezone

import pytest

from amazon_cognito_identity import _random, srp
from amazon_cognito_identity.errors import InsecureRandomnessError, SRPError

# Java BigInteger.toByteArray() hex (from the protocol reference).
JAVA_TABLE = {
    -256: "ff00",
    -236: "ff14",
    -129: "ff7f",
    -128: "80",
    -20: "ec",
    -1: "ff",
    0: "00",
    128: "0080",
    236: "00ec",
    256: "0100",
    20: "14",
    -200: "ff38",
    56: "38",
    -56: "c8",
    200: "00c8",
}


@pytest.mark.parametrize(("value", "expected"), sorted(JAVA_TABLE.items()))
def test_pad_hex_java_table(value: int, expected: str) -> None:
    assert srp.pad_hex(value) == expected


def test_pad_hex_round_trips_twos_complement() -> None:
    for _ in range(500):
        value = secrets.randbits(secrets.choice([7, 8, 9, 64, 1024])) * secrets.choice([1, -1])
        text = srp.pad_hex(value)
        assert len(text) % 2 == 0
        assert int.from_bytes(bytes.fromhex(text), "big", signed=True) == value
        # Minimal: dropping the first byte must change the value.
        if len(text) > 2:
            assert int.from_bytes(bytes.fromhex(text[2:]), "big", signed=True) != value


def test_pad_hex_accepts_hex_strings() -> None:
    assert srp.pad_hex("80") == "0080"
    assert srp.pad_hex("-80") == "80"
    assert srp.pad_hex("-ec") == "ff14"


def test_parse_srp_int() -> None:
    assert srp.parse_srp_int("ff") == 255
    assert srp.parse_srp_int("-1a") == -26
    assert srp.parse_srp_int("00AB") == 171
    for bad in ["", "-", "xyz", "0x10", "1 2", "--1"]:
        with pytest.raises(SRPError):
            srp.parse_srp_int(bad)
    # A forged answer may carry JSON null or a number where the hex string belongs.
    for wrong_type in [None, 255, 1.5, ["ff"], {"v": "ff"}]:
        with pytest.raises(SRPError):
            srp.parse_srp_int(wrong_type)  # type: ignore[arg-type]


def test_constants() -> None:
    # RFC 3526: N = 2^3072 - 2^3008 - 1 + 2^64 * (floor(2^2942 * pi) + 1690314)
    assert srp.N.bit_length() == 3072
    assert srp.N % 2**64 == 2**64 - 1
    assert srp.N >> 3008 == 2**64 - 1
    assert pow(2, srp.N - 1, srp.N) == 1  # Fermat: probably prime
    assert format(srp.K, "x") == "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"


def test_hashes() -> None:
    assert srp.hash_hex(b"abc") == hashlib.sha256(b"abc").hexdigest()
    assert srp.hex_hash("616263") == hashlib.sha256(b"abc").hexdigest()


def test_utf8_matches_js_for_surrogates() -> None:
    assert srp.utf8("é") == "é".encode()
    # a surrogate pair joins into one code point; a lone half becomes U+FFFD
    assert srp.utf8("\ud83d\ude00") == "😀".encode()
    assert srp.utf8("a\ud800b") == b"a\xef\xbf\xbdb"


def test_format_timestamp() -> None:
    assert srp.format_timestamp(datetime(2019, 1, 1, 6, 6, 9)) == "Tue Jan 1 06:06:09 UTC 2019"
    assert (
        srp.format_timestamp(datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC))
        == "Thu Feb 29 23:59:59 UTC 2024"
    )
    plus2 = timezone(timedelta(hours=2))
    assert (
        srp.format_timestamp(datetime(2021, 12, 31, 1, 0, 0, tzinfo=plus2))
        == "Thu Dec 30 23:00:00 UTC 2021"
    )
    now = srp.format_timestamp()
    assert now.split()[4] == "UTC"


def test_compute_hkdf_is_rfc5869_first_block() -> None:
    ikm, salt = secrets.token_bytes(384), secrets.token_bytes(32)
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    okm = hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()
    assert srp.compute_hkdf(ikm, salt) == okm[:16]


def _server_key(large_a: int, pool: str, user: str, password: str, salt: int) -> tuple[int, bytes]:
    """An independent server side of Cognito SRP: v = g^x, B = kv + g^b, S = (A v^u)^b."""
    inner = hashlib.sha256(f"{pool}{user}:{password}".encode()).hexdigest()
    x = int(hashlib.sha256(bytes.fromhex(srp.pad_hex(salt) + inner)).hexdigest(), 16)
    v = pow(2, x, srp.N)
    b = int.from_bytes(secrets.token_bytes(128), "big")
    large_b = (srp.K * v + pow(2, b, srp.N)) % srp.N
    u = int(
        hashlib.sha256(bytes.fromhex(srp.pad_hex(large_a) + srp.pad_hex(large_b))).hexdigest(), 16
    )
    s = pow(large_a * pow(v, u, srp.N), b, srp.N)
    prk = hmac.new(bytes.fromhex(srp.pad_hex(u)), bytes.fromhex(srp.pad_hex(s)), hashlib.sha256)
    key = hmac.new(prk.digest(), b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]
    return large_b, key


@pytest.mark.parametrize("salt_sign", [1, -1])
def test_client_and_independent_server_agree(salt_sign: int) -> None:
    pool, user, password = "AbCdEf123", "6f1c-user-id", "Pässwörd ✓ 😀"
    helper = srp.AuthenticationHelper(pool)
    salt = salt_sign * int.from_bytes(secrets.token_bytes(16), "big")
    large_b, server_key = _server_key(helper.large_a, pool, user, password, salt)
    assert helper.get_password_authentication_key(user, password, large_b, salt) == server_key
    assert helper.get_password_authentication_key(user, "wrong", large_b, salt) != server_key


def test_large_a() -> None:
    helper = srp.AuthenticationHelper("pool", small_a=12345)
    assert helper.large_a == pow(2, 12345, srp.N)
    assert helper.get_large_a_hex() == format(pow(2, 12345, srp.N), "x")
    with pytest.raises(SRPError):
        srp.AuthenticationHelper("pool", small_a=0)


def test_small_a_uses_128_random_bytes() -> None:
    calls: list[int] = []

    def source(n: int) -> bytes:
        calls.append(n)
        return b"\x01" * n

    _random.set_random_source(source)
    helper = srp.AuthenticationHelper("pool")
    assert calls == [128]
    assert helper.small_a == int.from_bytes(b"\x01" * 128, "big")


def test_a_mod_n_zero_aborts() -> None:
    srp.set_modpow(lambda base, exp, mod: 0)
    with pytest.raises(SRPError, match="A mod N"):
        srp.AuthenticationHelper("pool", small_a=5)


def test_b_zero_and_u_zero_abort(monkeypatch: pytest.MonkeyPatch) -> None:
    helper = srp.AuthenticationHelper("pool", small_a=99)
    for bad_b in (0, srp.N, 2 * srp.N):
        with pytest.raises(SRPError, match="B cannot be zero"):
            helper.get_password_authentication_key("u", "p", bad_b, 1)
    monkeypatch.setattr(srp, "compute_u", lambda a, b: 0)
    with pytest.raises(SRPError, match="U cannot be zero"):
        helper.get_password_authentication_key("u", "p", 12345, 1)


def test_modpow_hook_is_used() -> None:
    seen: list[tuple[int, int, int]] = []

    def spy(base: int, exp: int, mod: int) -> int:
        seen.append((base, exp, mod))
        return pow(base, exp, mod)

    srp.set_modpow(spy)
    helper = srp.AuthenticationHelper("pool", small_a=7)
    helper.get_password_authentication_key("u", "p", 3, -5)
    assert len(seen) == 3
    assert all(0 <= base < mod for base, _, mod in seen)
    srp.set_modpow(None)
    assert srp.modpow(-3, 3, 7) == pow(-3, 3, 7)
    with pytest.raises(ValueError):
        srp.modpow(2, -1, 7)


def test_password_claim_signature() -> None:
    key = secrets.token_bytes(16)
    block = base64.b64encode(secrets.token_bytes(100)).decode()
    expected = base64.b64encode(
        hmac.new(
            key,
            "poolüser".encode() + base64.b64decode(block) + b"Tue Jan 1 06:06:09 UTC 2019",
            hashlib.sha256,
        ).digest()
    ).decode()
    sig = srp.password_claim_signature(key, "pool", "üser", block, "Tue Jan 1 06:06:09 UTC 2019")
    assert sig == expected
    with pytest.raises(SRPError):
        srp.password_claim_signature(key, "pool", "u", "a", "t")


def test_device_verifier() -> None:
    stream = iter([bytes(range(40)), b"\xff" + bytes(15)])
    _random.set_random_source(lambda n: next(stream))
    verifier = srp.AuthenticationHelper("pool", small_a=3).generate_hash_device("grp", "dev")
    assert verifier.random_password == base64.b64encode(bytes(range(40))).decode()
    assert verifier.salt_hex == "00ff" + "00" * 15  # high nibble gets a 00 byte
    inner = hashlib.sha256(f"grpdev:{verifier.random_password}".encode()).hexdigest()
    x = int(hashlib.sha256(bytes.fromhex(verifier.salt_hex + inner)).hexdigest(), 16)
    assert int(verifier.verifier_hex, 16) == pow(2, x, srp.N)
    assert base64.b64decode(verifier.salt_b64) == bytes.fromhex(verifier.salt_hex)
    assert base64.b64decode(verifier.verifier_b64) == bytes.fromhex(verifier.verifier_hex)


def test_random_bytes() -> None:
    assert len(_random.random_bytes(0)) == 0
    a, b = _random.random_bytes(32), _random.random_bytes(32)
    assert len(a) == 32 and a != b
    with pytest.raises(ValueError):
        _random.random_bytes(-1)
    _random.set_random_source(lambda n: b"x")
    with pytest.raises(InsecureRandomnessError):
        _random.random_bytes(4)


def test_random_bytes_refuses_without_os_source(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(n: int) -> bytes:
        raise NotImplementedError

    monkeypatch.setattr(_random.secrets, "token_bytes", broken)
    with pytest.raises(InsecureRandomnessError):
        _random.random_bytes(8)


def test_web_random_without_js_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    from amazon_cognito_identity import runtime

    monkeypatch.setattr(runtime, "IS_PYODIDE", True)  # no `js` module on CPython
    with pytest.raises(InsecureRandomnessError, match="getRandomValues"):
        _random.random_bytes(8)
