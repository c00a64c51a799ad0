"""Verify Cognito JWTs: RS256 signature, key id, issuer, audience, token_use and times.

The JS SDK only decodes tokens; a server (or a cautious page) must verify them. The RSA
check runs on the best backend available:

* ``cryptography`` on CPython when it is installed,
* WebCrypto (``crypto.subtle``) under Pyodide, where no ``cryptography`` wheel is at hand,
* a pure-Python PKCS#1 v1.5 check (``pow`` and a constant-time compare) otherwise.

The pool's JWKS is fetched through an injected ``async fetch(url) -> bytes`` when not given,
cached per URL, and fetched again (once, rate limited) when a token names an unknown kid.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib
import json
import math
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import _hooks
from .aio import SingleFlight
from .errors import (
    CognitoError,
    InvalidParameterError,
    InvalidResponseError,
    InvalidTokenError,
    NetworkError,
)
from .ids import region_from_pool_id, validate_pool_id
from .tokens import b64url_decode, decode_jwt

__all__ = [
    "DEFAULT_JWKS_CACHE",
    "CryptographyBackend",
    "Fetch",
    "JwksCache",
    "PurePythonBackend",
    "RsaBackend",
    "RsaPublicKey",
    "WebCryptoBackend",
    "default_issuer",
    "jwks_url",
    "parse_jwk",
    "select_backend",
    "verify_token",
]

Fetch = Callable[[str], Awaitable[bytes]]


#: Returns the browser's globals (``js``) or None: by default the slot the platform seam
#: (:mod:`.runtime`) fills (:data:`._hooks.browser_globals`). The seam does not import this
#: module (an optional part of the browser build, loaded on first use).
def _page_globals() -> Any:
    return _hooks.browser_globals()


browser_globals: Callable[[], Any] = _page_globals

#: Seconds of clock skew tolerated on exp/iat/nbf.
DEFAULT_LEEWAY = 60.0
#: Weaker RSA keys are refused outright.
MIN_RSA_BITS = 2048

# DER DigestInfo prefix for SHA-256 (RFC 8017 section 9.2, note 1).
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


@dataclass(frozen=True)
class RsaPublicKey:
    """An RSA public key from a JWK."""

    n: int
    e: int
    kid: str = ""
    jwk: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def size_bytes(self) -> int:
        """Length of the modulus (and of a signature) in bytes."""
        return (self.n.bit_length() + 7) // 8


def parse_jwk(jwk: Mapping[str, Any]) -> RsaPublicKey:
    """Read an RSA signing key from a JWK.

    Raises:
        InvalidTokenError: not an RSA signature key usable for RS256.
    """
    if jwk.get("kty") != "RSA":
        raise InvalidTokenError("JWK is not an RSA key")
    if jwk.get("alg", "RS256") != "RS256":
        raise InvalidTokenError(f"JWK is for {jwk.get('alg')!r}, not RS256")
    if jwk.get("use", "sig") != "sig":
        raise InvalidTokenError("JWK is not a signature key")
    n_b64, e_b64 = jwk.get("n"), jwk.get("e")
    if not isinstance(n_b64, str) or not isinstance(e_b64, str):
        raise InvalidTokenError("JWK lacks n or e")
    n = int.from_bytes(b64url_decode(n_b64, "JWK n"), "big")
    e = int.from_bytes(b64url_decode(e_b64, "JWK e"), "big")
    if n.bit_length() < MIN_RSA_BITS:
        raise InvalidTokenError(f"RSA key shorter than {MIN_RSA_BITS} bits")
    if e < 3 or e % 2 == 0:
        raise InvalidTokenError("RSA exponent is not valid")
    kid = jwk.get("kid", "")
    return RsaPublicKey(n=n, e=e, kid=kid if isinstance(kid, str) else "", jwk=dict(jwk))


# --- RSA backends ---------------------------------------------------------------------------


class RsaBackend(Protocol):
    """Checks an RSASSA-PKCS1-v1_5 SHA-256 signature."""

    name: str

    async def verify(self, key: RsaPublicKey, message: bytes, signature: bytes) -> bool:
        """True when ``signature`` is valid for ``message`` under ``key``."""
        ...


class PurePythonBackend:
    """RSASSA-PKCS1-v1_5 verification in plain Python (RFC 8017 section 8.2.2).

    It rebuilds the expected encoding EM' and compares it with s^e mod n in constant
    time, instead of parsing the decrypted block (parsing is where forgeries creep in).
    """

    name = "pure-python"

    async def verify(self, key: RsaPublicKey, message: bytes, signature: bytes) -> bool:
        """True when ``signature`` is valid for ``message`` under ``key``."""
        return self.verify_sync(key, message, signature)

    @staticmethod
    def verify_sync(key: RsaPublicKey, message: bytes, signature: bytes) -> bool:
        """The same check, synchronously."""
        k = key.size_bytes
        t = _SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
        if len(signature) != k or k < len(t) + 11:
            return False
        s = int.from_bytes(signature, "big")
        if s >= key.n:
            return False
        em = pow(s, key.e, key.n).to_bytes(k, "big")
        expected = b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t
        return hmac.compare_digest(em, expected)


class CryptographyBackend:
    """Verification through the ``cryptography`` package (CPython)."""

    name = "cryptography"

    def __init__(self) -> None:
        # Import now so select_backend() can fall back when it is missing.
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding, rsa

        self._invalid = InvalidSignature
        self._hashes = hashes
        self._padding = padding
        self._rsa = rsa

    async def verify(self, key: RsaPublicKey, message: bytes, signature: bytes) -> bool:
        """True when ``signature`` is valid for ``message`` under ``key``."""
        public = self._rsa.RSAPublicNumbers(key.e, key.n).public_key()
        try:
            public.verify(signature, message, self._padding.PKCS1v15(), self._hashes.SHA256())
        except self._invalid:
            return False
        return True


class WebCryptoBackend:
    """Verification through the browser's ``crypto.subtle`` (Pyodide)."""

    name = "webcrypto"

    def __init__(self, subtle: Any | None = None) -> None:
        if subtle is None:
            js = browser_globals()
            subtle = getattr(getattr(js, "crypto", None), "subtle", None)
        if subtle is None:
            raise InvalidParameterError("crypto.subtle is not available")
        self._subtle = subtle
        self._ffi = importlib.import_module("pyodide.ffi")
        self._object = importlib.import_module("js").Object
        self._keys: dict[tuple[int, int], Any] = {}

    def _to_js(self, value: Any) -> Any:
        return self._ffi.to_js(value, dict_converter=self._object.fromEntries)

    async def verify(self, key: RsaPublicKey, message: bytes, signature: bytes) -> bool:
        """True when ``signature`` is valid for ``message`` under ``key``."""
        algorithm = self._to_js({"name": "RSASSA-PKCS1-v1_5", "hash": "SHA-256"})
        crypto_key = self._keys.get((key.n, key.e))
        if crypto_key is None:
            jwk = {
                "kty": "RSA",
                "n": _b64url_int(key.n),
                "e": _b64url_int(key.e),
                "alg": "RS256",
                "ext": True,
            }
            crypto_key = await self._subtle.importKey(
                "jwk", self._to_js(jwk), algorithm, False, self._to_js(["verify"])
            )
            self._keys[(key.n, key.e)] = crypto_key
        ok = await self._subtle.verify(
            algorithm, crypto_key, self._to_js(signature), self._to_js(message)
        )
        return bool(ok)


def _b64url_int(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


_backend: RsaBackend | None = None


def select_backend() -> RsaBackend:
    """The best RSA backend here: WebCrypto in Pyodide, cryptography, else pure Python."""
    global _backend
    if _backend is not None:
        return _backend
    chosen: RsaBackend | None = None
    if browser_globals() is not None:
        try:
            chosen = WebCryptoBackend()
        except (InvalidParameterError, ImportError, AttributeError):
            chosen = None
    if chosen is None:
        try:
            chosen = CryptographyBackend()
        except ImportError:
            chosen = PurePythonBackend()
    _backend = chosen
    return chosen


# --- JWKS ----------------------------------------------------------------------------------


def default_issuer(user_pool_id: str, region: str | None = None) -> str:
    """``https://cognito-idp.<region>.amazonaws.com/<pool id>``."""
    try:
        validate_pool_id(user_pool_id)
    except InvalidParameterError:
        raise InvalidParameterError(f"invalid user pool id: {user_pool_id!r}") from None
    region = region or region_from_pool_id(user_pool_id)
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


def jwks_url(issuer: str) -> str:
    """Where an issuer publishes its keys."""
    return issuer.rstrip("/") + "/.well-known/jwks.json"


def _keys_of(jwks: Any) -> dict[str, Mapping[str, Any]]:
    if isinstance(jwks, Mapping):
        keys = jwks.get("keys")
    elif isinstance(jwks, list):
        keys = jwks
    else:
        keys = None
    if not isinstance(keys, list):
        raise InvalidParameterError("JWKS must be {'keys': [...]} or a list of JWKs")
    found: dict[str, Mapping[str, Any]] = {}
    for jwk in keys:
        if isinstance(jwk, Mapping) and isinstance(jwk.get("kid"), str):
            found.setdefault(jwk["kid"], jwk)
    return found


async def _platform_fetch(url: str) -> bytes:
    get = _hooks.http_get
    if get is None:
        raise InvalidParameterError(f"no fetch to get {url}: pass fetch= or jwks=")
    return await get(url)


#: The fetch used when ``verify_token`` is given neither ``fetch`` nor ``jwks``: a GET over the
#: platform's default transport (:data:`._hooks.http_get`, set by :mod:`.runtime`).
default_fetch: Fetch = _platform_fetch


class JwksCache:
    """JWKS per URL, fetched on first use and again when an unknown kid shows up.

    Refetches for unknown kids are rate limited to one per ``min_refetch_interval``
    seconds per URL, so tokens with made-up kids cannot turn into a fetch storm.
    """

    def __init__(
        self,
        min_refetch_interval: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._keys: dict[str, dict[str, Mapping[str, Any]]] = {}
        self._fetched_at: dict[str, float] = {}
        self.min_refetch_interval = min_refetch_interval
        self._clock = clock
        self._flights: SingleFlight[dict[str, Mapping[str, Any]]] = SingleFlight()
        #: How many fetches were made (for tests and metrics).
        self.fetch_count = 0

    def clear(self) -> None:
        """Forget every cached JWKS."""
        self._keys.clear()
        self._fetched_at.clear()

    async def _fetch(self, url: str, fetch: Fetch) -> dict[str, Mapping[str, Any]]:
        # Concurrent verifiers needing the same JWKS share one fetch.
        return await self._flights.run(url, lambda: self._fetch_once(url, fetch))

    async def _fetch_once(self, url: str, fetch: Fetch) -> dict[str, Mapping[str, Any]]:
        self.fetch_count += 1
        self._fetched_at[url] = self._clock()
        try:
            raw = await fetch(url)
        except CognitoError:
            raise
        except OSError as exc:  # a custom fetch's socket or timeout error
            raise NetworkError(f"JWKS fetch from {url} failed: {exc}") from exc
        try:
            keys = _keys_of(json.loads(raw))
        except (ValueError, UnicodeDecodeError, InvalidParameterError) as exc:
            raise InvalidResponseError(f"JWKS at {url} is not a JSON key set") from exc
        self._keys[url] = keys
        return keys

    async def get(self, url: str, kid: str, fetch: Fetch) -> Mapping[str, Any]:
        """The JWK with ``kid`` from ``url``.

        Raises:
            InvalidTokenError: no such kid, even after one refetch.
        """
        keys = self._keys.get(url)
        if keys is None:
            keys = await self._fetch(url, fetch)
        elif kid not in keys:
            last = self._fetched_at.get(url, float("-inf"))
            if self._clock() - last >= self.min_refetch_interval:
                keys = await self._fetch(url, fetch)
        jwk = keys.get(kid)
        if jwk is None:
            raise InvalidTokenError(f"unknown kid {kid!r}: not in the pool's JWKS")
        return jwk


#: The cache ``verify_token`` uses unless given another.
DEFAULT_JWKS_CACHE = JwksCache()


# --- verification --------------------------------------------------------------------------


def _claim_number(claims: Mapping[str, Any], name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidTokenError(f"token has no numeric {name!r} claim")
    if not math.isfinite(value):  # NaN compares false with everything; inf never expires
        raise InvalidTokenError(f"token claim {name!r} is not a finite number")
    return float(value)


def _client_ids(client_id: Any) -> frozenset[str]:
    if isinstance(client_id, str):
        return frozenset([client_id])
    if isinstance(client_id, Mapping) or not isinstance(client_id, Iterable):
        raise InvalidParameterError("client_id must be a string or a list of strings")
    ids = list(client_id)
    if not ids or not all(isinstance(c, str) and c for c in ids):
        raise InvalidParameterError("client_id must be a string or a list of strings")
    return frozenset(ids)


def _check_claims(
    claims: Mapping[str, Any],
    *,
    client_ids: frozenset[str],
    token_use: str,
    now: float,
    leeway: float,
) -> None:
    # iss was checked before any key lookup (verify_token); the rest needs a valid signature.
    if claims.get("token_use") != token_use:
        raise InvalidTokenError(
            f"wrong token_use {claims.get('token_use')!r}, expected {token_use!r}"
        )
    if token_use == "id":  # noqa: S105 - a claim value, not a secret
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if not any(isinstance(a, str) and a in client_ids for a in audiences):
            raise InvalidTokenError(f"wrong audience {aud!r}")
    elif claims.get("client_id") not in client_ids:
        raise InvalidTokenError(f"wrong client_id {claims.get('client_id')!r}")
    exp = _claim_number(claims, "exp")
    if now >= exp + leeway:
        raise InvalidTokenError("token has expired")
    iat = _claim_number(claims, "iat")
    if iat > now + leeway:
        raise InvalidTokenError("token was issued in the future")
    if "nbf" in claims and _claim_number(claims, "nbf") > now + leeway:
        raise InvalidTokenError("token is not valid yet (nbf)")


def _rs256_kid(header: Mapping[str, Any]) -> str:
    """The kid of an RS256 header without critical extensions, or InvalidTokenError."""
    alg = header.get("alg")
    if alg != "RS256":
        raise InvalidTokenError(f"token alg {alg!r} is not allowed (only RS256)")
    if "crit" in header:
        raise InvalidTokenError("token has critical header extensions")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidTokenError("token header has no kid")
    return kid


async def verify_token(
    token: str,
    jwks: Mapping[str, Any] | list[Mapping[str, Any]] | None = None,
    *,
    user_pool_id: str,
    client_id: str | Iterable[str],
    token_use: str,
    region: str | None = None,
    issuer: str | None = None,
    fetch: Fetch | None = None,
    cache: JwksCache | None = None,
    backend: RsaBackend | None = None,
    now: float | None = None,
    leeway: float = DEFAULT_LEEWAY,
) -> dict[str, Any]:
    """Verify a Cognito ID or access token and return its claims.

    Args:
        token: the compact JWT.
        jwks: the pool's key set (``{"keys": [...]}``); fetched and cached when ``None``.
        user_pool_id: e.g. ``"us-east-1_AbCdEf123"``.
        client_id: the app client id (or several) the token must be for.
        token_use: ``"id"`` or ``"access"``.
        region: defaults to the pool id's prefix.
        issuer: overrides the AWS issuer URL (the emulator, custom endpoints).
        fetch: ``async fetch(url) -> bytes`` for the JWKS; the SDK transport by default.
        cache: JWKS cache (a process-wide one by default).
        backend: RSA backend (see :func:`select_backend`).
        now: the current time in seconds (tests); ``time.time()`` by default.
        leeway: seconds of clock skew allowed on exp, iat and nbf.

    Raises:
        InvalidTokenError: anything wrong with the token, its signature or its claims.
        InvalidParameterError: bad arguments (unknown token_use, bad pool id).
    """
    if token_use not in ("id", "access"):
        raise InvalidParameterError("token_use must be 'id' or 'access'")
    client_ids = _client_ids(client_id)
    expected_issuer = issuer.rstrip("/") if issuer else default_issuer(user_pool_id, region)

    decoded = decode_jwt(token)
    kid = _rs256_kid(decoded.header)

    # The issuer comes first: a token from another issuer never makes us fetch keys.
    if decoded.payload.get("iss") != expected_issuer:
        raise InvalidTokenError(
            f"wrong issuer {decoded.payload.get('iss')!r}, expected {expected_issuer!r}"
        )

    if jwks is not None:
        jwk = _keys_of(jwks).get(kid)
        if jwk is None:
            raise InvalidTokenError(f"unknown kid {kid!r}: not in the given JWKS")
    else:
        jwk = await (cache or DEFAULT_JWKS_CACHE).get(
            jwks_url(expected_issuer), kid, fetch or default_fetch
        )
    key = parse_jwk(jwk)
    if not await (backend or select_backend()).verify(
        key, decoded.signing_input, decoded.signature
    ):
        raise InvalidTokenError("token signature is invalid")

    _check_claims(
        decoded.payload,
        client_ids=client_ids,
        token_use=token_use,
        now=time.time() if now is None else now,
        leeway=leeway,
    )
    return dict(decoded.payload)
