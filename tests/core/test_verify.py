"""verify_token: every check must reject what it is meant to reject."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sys
import time
import types
from typing import Any

import pytest
from core_helpers import (
    CLIENT_ID,
    ISSUER,
    POOL_ID,
    KeyPair,
    access_claims,
    b64url,
    id_claims,
    key_pair,
    raw_jwt,
)
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from amazon_cognito_identity import verify
from amazon_cognito_identity.errors import (
    InvalidParameterError,
    InvalidResponseError,
    InvalidTokenError,
)
from amazon_cognito_identity.verify import (
    CryptographyBackend,
    JwksCache,
    PurePythonBackend,
    RsaPublicKey,
    parse_jwk,
    verify_token,
)

BACKENDS = [CryptographyBackend(), PurePythonBackend()]


def jwks(*pairs: KeyPair) -> dict[str, Any]:
    return {"keys": [p.jwk for p in pairs]}


@pytest.fixture(params=BACKENDS, ids=lambda b: b.name)
def backend(request: pytest.FixtureRequest) -> Any:
    return request.param


async def check(token: str, keyset: Any, backend: Any = None, **kwargs: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "user_pool_id": POOL_ID,
        "client_id": CLIENT_ID,
        "token_use": "id",
        "backend": backend or PurePythonBackend(),
    }
    options.update(kwargs)
    return await verify_token(token, keyset, **options)


async def test_valid_id_and_access_tokens(keys: KeyPair, backend: Any) -> None:
    other = key_pair("kid-2")
    claims = id_claims()
    assert await check(keys.sign(claims), jwks(other, keys), backend) == claims
    access = access_claims()
    got = await check(keys.sign(access), jwks(keys), backend, token_use="access")
    assert got == access
    # a list of JWKs works too, and several client ids
    got = await check(keys.sign(claims), [keys.jwk], backend, client_id=["other", CLIENT_ID])
    assert got["sub"] == claims["sub"]


async def test_alg_none_rejected(keys: KeyPair) -> None:
    token = raw_jwt({"alg": "none", "kid": keys.kid}, id_claims(), b"")
    with pytest.raises(InvalidTokenError, match="alg 'none'"):
        await check(token, jwks(keys))


async def test_hs256_keyed_with_public_key_rejected(keys: KeyPair) -> None:
    pem = keys.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    for secret in (pem, json.dumps(keys.jwk).encode(), keys.jwk["n"].encode()):
        header = b64url(json.dumps({"alg": "HS256", "kid": keys.kid}).encode())
        payload = b64url(json.dumps(id_claims()).encode())
        sig = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        with pytest.raises(InvalidTokenError, match="HS256"):
            await check(f"{header}.{payload}.{b64url(sig)}", jwks(keys))


@pytest.mark.parametrize("alg", ["rs256", "RS384", "PS256", "ES256", None, 5])
async def test_other_algs_rejected(keys: KeyPair, alg: Any) -> None:
    token = raw_jwt({"alg": alg, "kid": keys.kid}, id_claims())
    with pytest.raises(InvalidTokenError, match="not allowed"):
        await check(token, jwks(keys))


async def test_kid_checks(keys: KeyPair) -> None:
    with pytest.raises(InvalidTokenError, match="unknown kid"):
        await check(keys.sign(id_claims()), jwks(key_pair("kid-2")))
    no_kid = raw_jwt({"alg": "RS256"}, id_claims())
    with pytest.raises(InvalidTokenError, match="no kid"):
        await check(no_kid, jwks(keys))
    crit = keys.sign(id_claims(), {"crit": ["exp"]})
    with pytest.raises(InvalidTokenError, match="critical"):
        await check(crit, jwks(keys))


async def test_tampered_payload_rejected(keys: KeyPair, backend: Any) -> None:
    token = keys.sign(id_claims())
    header, _, sig = token.split(".")
    forged = b64url(json.dumps(id_claims(sub="someone-else")).encode())
    with pytest.raises(InvalidTokenError, match="signature"):
        await check(f"{header}.{forged}.{sig}", jwks(keys), backend)
    with pytest.raises(InvalidTokenError, match="signature"):
        await check(f"{header}.{forged}.", jwks(keys), backend)


async def test_foreign_key_rejected(keys: KeyPair, backend: Any) -> None:
    impostor = KeyPair(keys.kid)  # same kid, different private key
    with pytest.raises(InvalidTokenError, match="signature"):
        await check(impostor.sign(id_claims()), jwks(keys), backend)


async def test_time_checks(keys: KeyPair) -> None:
    now = time.time()
    ok = keys.sign(id_claims(exp=int(now) - 30))  # within the default 60 s leeway
    assert await check(ok, jwks(keys), now=now)
    expired = keys.sign(id_claims(exp=int(now) - 61))
    with pytest.raises(InvalidTokenError, match="expired"):
        await check(expired, jwks(keys), now=now)
    with pytest.raises(InvalidTokenError, match="expired"):
        await check(ok, jwks(keys), now=now, leeway=0)
    future = keys.sign(id_claims(iat=int(now) + 120))
    with pytest.raises(InvalidTokenError, match="future"):
        await check(future, jwks(keys), now=now)
    nbf = keys.sign(id_claims(nbf=int(now) + 120))
    with pytest.raises(InvalidTokenError, match="nbf"):
        await check(nbf, jwks(keys), now=now)
    for missing in ("exp", "iat"):
        claims = id_claims()
        del claims[missing]
        with pytest.raises(InvalidTokenError, match=missing):
            await check(keys.sign(claims), jwks(keys))
    with pytest.raises(InvalidTokenError, match="exp"):
        await check(keys.sign(id_claims(exp="tomorrow")), jwks(keys))


async def test_claim_checks(keys: KeyPair) -> None:
    k = jwks(keys)
    with pytest.raises(InvalidTokenError, match="issuer"):
        await check(keys.sign(id_claims(iss=ISSUER + "x")), k)
    with pytest.raises(InvalidTokenError, match="issuer"):
        await check(keys.sign(id_claims()), k, region="eu-west-1")
    with pytest.raises(InvalidTokenError, match="audience"):
        await check(keys.sign(id_claims(aud="other-client")), k)
    assert await check(keys.sign(id_claims(aud=["x", CLIENT_ID])), k)
    with pytest.raises(InvalidTokenError, match="client_id"):
        await check(keys.sign(access_claims(client_id="other")), k, token_use="access")
    with pytest.raises(InvalidTokenError, match="token_use"):
        await check(keys.sign(id_claims()), k, token_use="access")
    with pytest.raises(InvalidTokenError, match="token_use"):
        await check(keys.sign(access_claims()), k, token_use="id")


async def test_foreign_issuer_never_fetches(keys: KeyPair) -> None:
    fetch = FakeFetch(json.dumps(jwks(keys)).encode())
    token = keys.sign(id_claims(iss="https://evil.example/pool"))
    with pytest.raises(InvalidTokenError, match="issuer"):
        await check(token, None, fetch=fetch, cache=JwksCache())
    assert fetch.urls == []


async def test_issuer_override(keys: KeyPair) -> None:
    issuer = "http://127.0.0.1:9229/us-east-1_Emu1"
    token = keys.sign(id_claims(iss=issuer))
    assert await check(token, jwks(keys), issuer=issuer + "/")
    with pytest.raises(InvalidTokenError, match="issuer"):
        await check(token, jwks(keys))


async def test_parameter_errors(keys: KeyPair) -> None:
    token = keys.sign(id_claims())
    with pytest.raises(InvalidParameterError):
        await check(token, jwks(keys), token_use="refresh")
    with pytest.raises(InvalidParameterError):
        await check(token, jwks(keys), client_id=[])
    with pytest.raises(InvalidParameterError):
        await check(token, jwks(keys), user_pool_id="no-underscore")
    with pytest.raises(InvalidParameterError):
        await check(token, {"keys": "nope"})
    with pytest.raises(InvalidParameterError):
        await check(token, "nope")


def test_parse_jwk_rejects_unusable_keys(keys: KeyPair) -> None:
    assert parse_jwk(keys.jwk).kid == keys.kid
    bad = [
        {**keys.jwk, "kty": "EC"},
        {**keys.jwk, "alg": "HS256"},
        {**keys.jwk, "use": "enc"},
        {k: v for k, v in keys.jwk.items() if k != "n"},
        {**keys.jwk, "e": b64url(b"\x02")},
        {**keys.jwk, "n": b64url(secrets.token_bytes(128))},  # 1024-bit
        {**keys.jwk, "n": "!!"},
    ]
    for jwk in bad:
        with pytest.raises(InvalidTokenError):
            parse_jwk(jwk)


# --- JWKS fetching and caching --------------------------------------------------------------


class FakeFetch:
    def __init__(self, *bodies: bytes) -> None:
        self.bodies = list(bodies)
        self.urls: list[str] = []

    async def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        return self.bodies.pop(0) if len(self.bodies) > 1 else self.bodies[0]


async def test_jwks_fetched_once_and_cached(keys: KeyPair) -> None:
    fetch = FakeFetch(json.dumps(jwks(keys)).encode())
    cache = JwksCache()
    for _ in range(3):
        await check(keys.sign(id_claims()), None, fetch=fetch, cache=cache)
    assert fetch.urls == [f"{ISSUER}/.well-known/jwks.json"]
    assert cache.fetch_count == 1


async def test_unknown_kid_refetches_once_rate_limited(keys: KeyPair) -> None:
    rotated = key_pair("kid-rotated")
    fetch = FakeFetch(json.dumps(jwks(keys)).encode(), json.dumps(jwks(keys, rotated)).encode())
    clock = [1000.0]
    cache = JwksCache(min_refetch_interval=30, clock=lambda: clock[0])
    await check(keys.sign(id_claims()), None, fetch=fetch, cache=cache)
    clock[0] += 31
    # key rotation: the new kid shows up on the refetch
    assert await check(rotated.sign(id_claims()), None, fetch=fetch, cache=cache)
    assert cache.fetch_count == 2
    # made-up kids do not cause a fetch storm
    for _ in range(5):
        with pytest.raises(InvalidTokenError, match="unknown kid"):
            await check(key_pair("kid-bogus").sign(id_claims()), None, fetch=fetch, cache=cache)
    assert cache.fetch_count == 2
    clock[0] += 31
    with pytest.raises(InvalidTokenError, match="unknown kid"):
        await check(key_pair("kid-bogus").sign(id_claims()), None, fetch=fetch, cache=cache)
    assert cache.fetch_count == 3
    cache.clear()
    await check(keys.sign(id_claims()), None, fetch=fetch, cache=cache)
    assert cache.fetch_count == 4


async def test_bad_jwks_body(keys: KeyPair) -> None:
    for body in (b"<html>500</html>", b'{"nokeys": 1}', b"\xff\xfe"):
        with pytest.raises(InvalidResponseError):
            await check(keys.sign(id_claims()), None, fetch=FakeFetch(body), cache=JwksCache())


async def test_default_cache_and_fetch_through_transport(
    keys: KeyPair, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without fetch=, the JWKS comes through the SDK transport (a GET)."""
    sent: list[Any] = []
    status = [200]

    class Transport:
        async def send(self, request: Any) -> Any:
            sent.append(request)
            return types.SimpleNamespace(status=status[0], body=json.dumps(jwks(keys)).encode())

    from amazon_cognito_identity import runtime

    monkeypatch.setattr(runtime, "default_transport", Transport)
    verify.DEFAULT_JWKS_CACHE.clear()
    try:
        assert await check(keys.sign(id_claims()), None)
        assert [(r.method, r.url) for r in sent] == [("GET", f"{ISSUER}/.well-known/jwks.json")]
        verify.DEFAULT_JWKS_CACHE.clear()
        status[0] = 503
        with pytest.raises(InvalidResponseError, match="503"):
            await check(keys.sign(id_claims()), None)
    finally:
        verify.DEFAULT_JWKS_CACHE.clear()


# --- backends ---------------------------------------------------------------------------


def test_select_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verify, "_backend", None)
    assert verify.select_backend().name == "cryptography"
    assert verify.select_backend() is verify.select_backend()
    monkeypatch.setattr(verify, "_backend", None)
    monkeypatch.setitem(sys.modules, "cryptography.exceptions", None)
    assert verify.select_backend().name == "pure-python"
    # Pyodide without crypto.subtle still ends up with a working backend.
    monkeypatch.setattr(verify, "_backend", None)
    monkeypatch.setattr(verify, "browser_globals", lambda: types.SimpleNamespace())
    assert verify.select_backend().name == "pure-python"


def test_webcrypto_needs_subtle() -> None:
    with pytest.raises(InvalidParameterError):
        verify.WebCryptoBackend()


async def test_pure_backend_agrees_with_cryptography() -> None:
    """Many random keys and messages: valid, corrupted and wrong-scheme signatures."""
    pure, crypto = PurePythonBackend(), CryptographyBackend()
    cases = 0
    for bits in (1024, 1024, 1536, 2048, 2048, 3072):
        private = rsa.generate_private_key(
            public_exponent=secrets.choice([3, 65537]), key_size=bits
        )
        numbers = private.public_key().public_numbers()
        key = RsaPublicKey(numbers.n, numbers.e)
        for _ in range(12):
            message = secrets.token_bytes(secrets.randbelow(300))
            good = private.sign(message, padding.PKCS1v15(), hashes.SHA256())
            flipped = bytearray(good)
            flipped[secrets.randbelow(len(flipped))] ^= 1 << secrets.randbelow(8)
            candidates = [
                (good, message, True),
                (bytes(flipped), message, False),
                (good, message + b"x", False),
                (good[1:], message, False),
                (b"\x00" + good, message, False),
                (key.n.to_bytes(key.size_bytes, "big"), message, False),  # s >= n
                (private.sign(message, padding.PKCS1v15(), hashes.SHA1()), message, False),
                (private.sign(message, padding.PKCS1v15(), hashes.SHA512()), message, False),
                (
                    private.sign(
                        message,
                        padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.MAX_LENGTH),
                        hashes.SHA256(),
                    ),
                    message,
                    False,
                ),
            ]
            for sig, msg, truth in candidates:
                assert await pure.verify(key, msg, sig) is truth
                assert await crypto.verify(key, msg, sig) is truth
                cases += 1
    assert cases == 6 * 12 * 9


# --- defects of issue 12 ---------------------------------------------------------------------


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
@pytest.mark.parametrize("value", [float("nan"), float("inf")])
async def test_non_finite_time_claims_are_refused(keys: KeyPair, claim: str, value: float) -> None:
    claims = id_claims()
    claims[claim] = value  # json.dumps writes NaN / Infinity, and json.loads reads them back
    with pytest.raises(InvalidTokenError, match=claim):
        await check(keys.sign(claims), jwks(keys))


@pytest.mark.parametrize("client_id", [[["nested"]], {"a": 1}, [CLIENT_ID, 3], 42, [], [""], None])
async def test_bad_client_id_is_a_typed_error(keys: KeyPair, client_id: Any) -> None:
    with pytest.raises(InvalidParameterError, match="client_id"):
        await check(keys.sign(id_claims()), jwks(keys), client_id=client_id)


async def test_custom_fetch_os_error_is_a_network_error(keys: KeyPair) -> None:
    from amazon_cognito_identity.errors import NetworkError

    async def fetch(url: str) -> bytes:
        raise ConnectionResetError("peer reset")

    with pytest.raises(NetworkError, match="peer reset"):
        await check(keys.sign(id_claims()), None, fetch=fetch, cache=JwksCache())


async def test_concurrent_verifiers_share_one_jwks_fetch(keys: KeyPair) -> None:
    import asyncio

    release = asyncio.Event()
    urls: list[str] = []

    async def slow_fetch(url: str) -> bytes:
        urls.append(url)
        await release.wait()
        return json.dumps(jwks(keys)).encode()

    cache = JwksCache()
    token = keys.sign(id_claims())
    tasks = [
        asyncio.ensure_future(check(token, None, fetch=slow_fetch, cache=cache)) for _ in range(5)
    ]
    for _ in range(5):
        await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(*tasks)
    assert all(r["sub"] == id_claims()["sub"] for r in results)
    assert len(urls) == 1 and cache.fetch_count == 1
