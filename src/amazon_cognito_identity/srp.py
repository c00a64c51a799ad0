"""Cognito's SRP-6a variant: pure maths, no I/O.

Every function here produces the same bytes as amazon-cognito-identity-js's
``AuthenticationHelper`` (checked by the differential tests under ``tests/core``).
Integers are Python ints; hex strings are lowercase.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from ._random import random_bytes
from .errors import InvalidParameterError, SRPError

__all__ = [
    "INFO_BITS",
    "AuthenticationHelper",
    "DeviceVerifier",
    "G",
    "K",
    "N",
    "compute_hkdf",
    "compute_u",
    "compute_x",
    "format_timestamp",
    "hash_hex",
    "hex_hash",
    "modpow",
    "pad_hex",
    "parse_srp_int",
    "password_claim_signature",
    "prewarm",
    "set_modpow",
    "utf8",
]

# RFC 3526 group 15: the 3072-bit MODP prime.
_N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A0879"
    "8E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B"
    "0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA4836"
    "1C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804"
    "F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6"
    "955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64"
    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D226"
    "1AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)

#: The SRP modulus N.
N: int = int(_N_HEX, 16)
#: The SRP generator g.
G: int = 2
#: HKDF info string used by Cognito.
INFO_BITS: bytes = b"Caldera Derived Key"

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# datetime.weekday(): Monday is 0.
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _builtin_modpow(base: int, exp: int, mod: int) -> int:
    return pow(base, exp, mod)


def _first_modpow(base: int, exp: int, mod: int) -> int:
    # The first exponentiation picks the implementation: the platform's chooser (the
    # runtime's: under Pyodide the JS BigInt one when it is correct and faster here, see
    # _jsbigint) may call set_modpow. Not at import time: a Pyodide memory snapshot taken
    # after import must not hold a JS function.
    global _modpow
    _modpow = _builtin_modpow
    if _chooser is not None:
        _chooser()
    return _modpow(base, exp, mod)


_modpow: Callable[[int, int, int], int] = _first_modpow
_chooser: Callable[[], None] | None = None


def set_modpow_chooser(fn: Callable[[], None] | None) -> None:
    """Register what picks the modpow implementation on the first exponentiation (the
    platform seam does; ``fn`` may call :func:`set_modpow`)."""
    global _chooser
    _chooser = fn


def set_modpow(fn: Callable[[int, int, int], int] | None) -> None:
    """Route modular exponentiation to ``fn`` (e.g. JS BigInt in the browser).

    ``None`` restores Python's ``pow``. ``fn(base, exp, mod)`` gets a base already reduced
    to ``0 <= base < mod`` and a non-negative exponent.
    """
    global _modpow
    _modpow = fn if fn is not None else _builtin_modpow


def modpow(base: int, exp: int, mod: int) -> int:
    """Return ``base ** exp % mod`` through the current modpow hook."""
    if exp < 0:
        raise InvalidParameterError("negative exponent")
    return _modpow(base % mod, exp, mod)


def utf8(text: str) -> bytes:
    """Encode ``text`` as UTF-8 the way JS does (a lone surrogate becomes U+FFFD)."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        # Python strings may carry surrogates (from JSON); JS strings are UTF-16, so join
        # pairs and replace lone halves, exactly like TextEncoder / Buffer.from(s, 'utf8').
        utf16 = text.encode("utf-16-le", "surrogatepass")
        return utf16.decode("utf-16-le", "replace").encode("utf-8")


def parse_srp_int(hex_str: str) -> int:
    """Parse an SRP hex value as the service sends it; a leading ``-`` means negative.

    Raises:
        SRPError: the string is not hexadecimal.
    """
    if not isinstance(hex_str, str):  # e.g. a null or a number in a forged answer
        raise SRPError(f"not a hex integer: {type(hex_str).__name__}")
    text = hex_str.strip()
    negative = text.startswith("-")
    digits = text[1:] if negative else text
    if not digits or any(c not in "0123456789abcdefABCDEF" for c in digits):
        raise SRPError(f"not a hex integer: {hex_str[:40]!r}")
    value = int(digits, 16)
    return -value if negative else value


def pad_hex(value: int | str) -> str:
    """Hex of Java's ``BigInteger.toByteArray()``: two's complement, minimal, even length.

    A positive value whose first nibble is 8-f gets a ``00`` byte in front; a negative value
    is encoded in the fewest bytes that keep its sign bit (``-128 -> '80'``, ``-129 -> 'ff7f'``).
    A string is parsed with :func:`parse_srp_int` first.
    """
    n = parse_srp_int(value) if isinstance(value, str) else value
    if n >= 0:
        # bit_length // 8 + 1 bytes always leaves room for a zero sign bit.
        size = n.bit_length() // 8 + 1
        return n.to_bytes(size, "big").hex()
    # Java's bitLength() of a negative value is that of its complement.
    size = (~n).bit_length() // 8 + 1
    return n.to_bytes(size, "big", signed=True).hex()


def hash_hex(data: bytes) -> str:
    """SHA-256 of ``data`` as 64 lowercase hex characters."""
    return hashlib.sha256(data).hexdigest()


def hex_hash(hex_str: str) -> str:
    """SHA-256 of the bytes that ``hex_str`` spells, as 64 hex characters."""
    return hash_hex(bytes.fromhex(hex_str))


#: k = H(padHex(N) + padHex(g)).
K: int = int(hex_hash(pad_hex(N) + pad_hex(G)), 16)


def compute_u(large_a: int, large_b: int) -> int:
    """u = H(padHex(A) + padHex(B))."""
    return int(hex_hash(pad_hex(large_a) + pad_hex(large_b)), 16)


def compute_x(salt: int, pool_name: str, user_id: str, password: str) -> int:
    """x = H(padHex(salt) + H(poolName + userId + ':' + password))."""
    inner = hash_hex(utf8(f"{pool_name}{user_id}:{password}"))
    return int(hex_hash(pad_hex(salt) + inner), 16)


def compute_hkdf(ikm: bytes, salt: bytes) -> bytes:
    """Cognito's one-block HKDF: 16 bytes of HMAC(HMAC(salt, ikm), info || 0x01)."""
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    return hmac.new(prk, INFO_BITS + b"\x01", hashlib.sha256).digest()[:16]


def format_timestamp(dt: datetime | None = None) -> str:
    """The TIMESTAMP Cognito signs: ``'Tue Jan 1 06:06:09 UTC 2019'``.

    English names whatever the locale, day not padded, time in UTC. A naive ``dt`` is taken
    as UTC; ``None`` means now.
    """
    if dt is None:
        dt = datetime.now(UTC)
    elif dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    else:
        dt = dt.astimezone(UTC)
    return (
        f"{_WEEKDAYS[dt.weekday()]} {_MONTHS[dt.month - 1]} {dt.day} "
        f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d} UTC {dt.year}"
    )


def password_claim_signature(
    key: bytes, pool_name: str, user_id: str, secret_block_b64: str, timestamp: str
) -> str:
    """PASSWORD_CLAIM_SIGNATURE: base64 HMAC-SHA256 over pool, user, secret block and time.

    Raises:
        SRPError: ``secret_block_b64`` is not base64.
    """
    try:
        secret_block = base64.b64decode(secret_block_b64, validate=False)
    except ValueError as exc:
        raise SRPError(f"SECRET_BLOCK is not base64: {exc}") from exc
    message = utf8(pool_name) + utf8(user_id) + secret_block + utf8(timestamp)
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


@dataclass(frozen=True)
class DeviceVerifier:
    """What ConfirmDevice needs, and the password to remember for device SRP later."""

    salt_hex: str
    verifier_hex: str
    random_password: str
    salt_b64: str
    verifier_b64: str


# (a, A = g^a mod N) pairs computed ahead of time by prewarm(); each is used once.
_prepared: list[tuple[int, int]] = []


def prewarm(count: int = 1) -> None:
    """Compute the secret ``a`` and ``A = g^a mod N`` of the next sign-ins ahead of time.

    Call it while the user types (or right after boot in a worker): the next ``count``
    :class:`AuthenticationHelper` objects made without ``small_a`` take a prepared pair
    instead of paying for the exponentiation during sign-in. It also settles which modexp
    the SDK uses, so the first sign-in does not pay for that check either.
    """
    while len(_prepared) < count:
        small_a = int.from_bytes(random_bytes(128), "big")
        large_a = modpow(G, small_a, N)
        if small_a > 0 and large_a % N != 0:
            _prepared.append((small_a, large_a))


class AuthenticationHelper:
    """The client side of one SRP exchange (or one device registration).

    Args:
        pool_name: the part of the pool id after ``_`` (or the device group key for
            device SRP).
        small_a: the secret exponent; only tests pass it, otherwise 128 random bytes.
    """

    def __init__(self, pool_name: str, *, small_a: int | None = None) -> None:
        self.pool_name = pool_name
        prepared = None
        if small_a is None:
            try:
                prepared = _prepared.pop()  # atomic: two helpers never share a pair
            except IndexError:
                small_a = int.from_bytes(random_bytes(128), "big")
        if prepared is not None:
            small_a, large_a = prepared
        else:
            assert small_a is not None
            if small_a <= 0:
                raise SRPError("small a must be positive")
            large_a = modpow(G, small_a, N)
        self.small_a: int = small_a
        self.large_a: int = large_a
        if self.large_a % N == 0:
            raise SRPError("Illegal parameter: A mod N cannot be 0")
        self.u_value: int | None = None

    def get_large_a_hex(self) -> str:
        """SRP_A as sent to Cognito: lowercase hex without padding."""
        return format(self.large_a, "x")

    def get_password_authentication_key(
        self, username: str, password: str, server_b: int, salt: int
    ) -> bytes:
        """The 16-byte key that signs the password claim.

        Raises:
            SRPError: B mod N == 0 or u == 0 (a malicious or broken server).
        """
        if server_b % N == 0:
            raise SRPError("B cannot be zero (B mod N == 0)")
        u = compute_u(self.large_a, server_b)
        if u == 0:
            raise SRPError("U cannot be zero")
        self.u_value = u
        x = compute_x(salt, self.pool_name, username, password)
        base = (server_b - K * modpow(G, x, N)) % N
        s = modpow(base, self.small_a + u * x, N)
        return compute_hkdf(bytes.fromhex(pad_hex(s)), bytes.fromhex(pad_hex(u)))

    def generate_hash_device(self, device_group_key: str, username: str) -> DeviceVerifier:
        """Make the salt, verifier and random password for ConfirmDevice.

        Random bytes are drawn in the JS SDK's order: 40 for the password, then 16 for
        the salt.
        """
        random_password = base64.b64encode(random_bytes(40)).decode("ascii")
        hashed = hash_hex(utf8(f"{device_group_key}{username}:{random_password}"))
        salt_hex = pad_hex(int.from_bytes(random_bytes(16), "big"))
        exponent = int(hex_hash(salt_hex + hashed), 16)
        verifier_hex = pad_hex(modpow(G, exponent, N))
        return DeviceVerifier(
            salt_hex=salt_hex,
            verifier_hex=verifier_hex,
            random_password=random_password,
            salt_b64=base64.b64encode(bytes.fromhex(salt_hex)).decode("ascii"),
            verifier_b64=base64.b64encode(bytes.fromhex(verifier_hex)).decode("ascii"),
        )
