"""Server-side SRP-6a maths in Cognito's variant (written from the protocol facts, not shared
with the SDK so that a mistake on one side shows up as a failing sign-in).

All integers are Python ints; hex strings are lowercase.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable
from datetime import UTC, datetime

from . import randomness


def _load_powmod() -> tuple[Callable[[int, int, int], int], str]:
    # GMP's modexp is ~10x faster than CPython's for 3072-bit numbers; optional.
    # COGNITO_EMULATOR_POWMOD=builtin forces CPython's pow (benchmark comparisons).
    if os.environ.get("COGNITO_EMULATOR_POWMOD") == "builtin":
        return pow, "builtin"
    try:
        import gmpy2  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - depends on the environment
        return pow, "builtin"

    def gmp_powmod(base: int, exp: int, mod: int) -> int:
        return int(gmpy2.powmod(base, exp, mod))

    return gmp_powmod, "gmpy2"


powmod, POWMOD_BACKEND = _load_powmod()

# RFC 3526 group 15 (3072-bit MODP).
N = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A0879"
    "8E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B"
    "0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA4836"
    "1C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804"
    "F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6"
    "955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64"
    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D226"
    "1AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    16,
)
G = 2
INFO_BITS = b"Caldera Derived Key\x01"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def pad_hex(value: int) -> str:
    """Hex of Java's BigInteger.toByteArray() (two's complement, minimal, even length)."""
    if value >= 0:
        h = format(value, "x")
        if len(h) % 2:
            h = "0" + h
        if h[0] in "89abcdef":
            h = "00" + h
        return h
    # Negative: minimal two's complement byte string.
    length = 1
    while value < -(1 << (8 * length - 1)):
        length += 1
    return format(value + (1 << (8 * length)), "x").rjust(2 * length, "0")


def hex_to_bytes(h: str) -> bytes:
    """Bytes of an even-length hex string."""
    return bytes.fromhex(h)


def sha256_hex(data: bytes) -> str:
    """Lowercase hex SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


K = int(sha256_hex(hex_to_bytes(pad_hex(N) + pad_hex(G))), 16)


def parse_hex_int(text: str) -> int:
    """Parse an SRP hex integer as the JS SDK writes it (a leading '-' allowed)."""
    return int(text, 16)


def compute_x(salt: int, pool_name: str, user_id: str, password: str) -> int:
    """x = H(padHex(salt) + H(poolName + userId + ':' + password))."""
    inner = sha256_hex(f"{pool_name}{user_id}:{password}".encode())
    return int(sha256_hex(hex_to_bytes(pad_hex(salt) + inner)), 16)


def compute_verifier(x: int) -> int:
    """v = g^x mod N."""
    return powmod(G, x, N)


def new_salt() -> int:
    """A random 128-bit salt, as the SDK makes for devices."""
    return int.from_bytes(randomness.token_bytes(16), "big")


def new_private_b() -> int:
    """A 256-bit random server secret: enough entropy, and cheap to exponentiate with."""
    return randomness.randbits(256) | (1 << 255)


def compute_large_b(verifier: int, small_b: int) -> int:
    """B = (k*v + g^b) mod N."""
    return (K * verifier + powmod(G, small_b, N)) % N


def compute_u(large_a: int, large_b: int) -> int:
    """u = H(padHex(A) + padHex(B))."""
    return int(sha256_hex(hex_to_bytes(pad_hex(large_a) + pad_hex(large_b))), 16)


def compute_server_s(large_a: int, verifier: int, u: int, small_b: int) -> int:
    """S = (A * v^u)^b mod N. Module-level so it can run in a worker process."""
    return powmod(large_a * powmod(verifier, u, N) % N, small_b, N)


def hkdf_key(u: int, s: int) -> bytes:
    """The 16-byte HKDF key the password claim signature is made with."""
    prk = hmac.new(hex_to_bytes(pad_hex(u)), hex_to_bytes(pad_hex(s)), hashlib.sha256).digest()
    return hmac.new(prk, INFO_BITS, hashlib.sha256).digest()[:16]


def claim_signature(
    key: bytes, pool_name: str, user_id: str, secret_block_b64: str, timestamp: str
) -> bytes:
    """HMAC-SHA256 over poolName + userId + secretBlock + timestamp (raw digest)."""
    msg = (
        pool_name.encode()
        + user_id.encode()
        + base64.b64decode(secret_block_b64)
        + timestamp.encode()
    )
    return hmac.new(key, msg, hashlib.sha256).digest()


def parse_timestamp(text: str) -> datetime:
    """Parse 'Tue Jan 1 06:06:09 UTC 2019' (day not padded). Raises ValueError."""
    parts = text.split()
    if len(parts) != 6 or parts[4] != "UTC" or parts[0] not in _DAYS:
        raise ValueError(f"bad timestamp {text!r}")
    month = _MONTHS.index(parts[1]) + 1
    hh, mm, ss = (int(p) for p in parts[3].split(":"))
    return datetime(int(parts[5]), month, int(parts[2]), hh, mm, ss, tzinfo=UTC)


def format_timestamp(dt: datetime) -> str:
    """The client-side TIMESTAMP format (used by the emulator's own tests)."""
    dt = dt.astimezone(UTC)
    return (
        f"{_DAYS[dt.weekday()]} {_MONTHS[dt.month - 1]} {dt.day} "
        f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d} UTC {dt.year}"
    )
