"""Shared helpers for the SDK core tests: RSA keys and JWTs made with PyJWT/cryptography."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from amazon_cognito_identity import _random, srp

REGION = "us-east-1"
POOL_ID = "us-east-1_TestPool1"
CLIENT_ID = "3n4b5urk1ft4fl3mg5e62d9ado"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def raw_jwt(header: Any, payload: Any, signature: bytes = b"sig") -> str:
    """A JWT assembled by hand (any JSON, any signature)."""
    return ".".join(
        [
            b64url(json.dumps(header).encode()),
            b64url(json.dumps(payload).encode()),
            b64url(signature),
        ]
    )


def int_b64(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


class KeyPair:
    """An RSA key with its kid and JWK."""

    def __init__(self, kid: str, bits: int = 2048) -> None:
        self.kid = kid
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        numbers = self.private.public_key().public_numbers()
        self.jwk = {
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": kid,
            "n": int_b64(numbers.n),
            "e": int_b64(numbers.e),
        }

    def sign(self, claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
        hdr = {"kid": self.kid, **(headers or {})}
        return pyjwt.encode(claims, self.private, algorithm="RS256", headers=hdr)


_KEYS: dict[str, KeyPair] = {}


def key_pair(kid: str) -> KeyPair:
    """Cached keys (RSA generation is slow)."""
    if kid not in _KEYS:
        _KEYS[kid] = KeyPair(kid)
    return _KEYS[kid]


def id_claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": "0f6a7b8c-1111-2222-3333-444455556666",
        "aud": CLIENT_ID,
        "iss": ISSUER,
        "token_use": "id",
        "auth_time": now,
        "iat": now,
        "exp": now + 3600,
        "cognito:username": "alice",
        "email": "alice@example.com",
    }
    claims.update(overrides)
    return claims


def access_claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": "0f6a7b8c-1111-2222-3333-444455556666",
        "client_id": CLIENT_ID,
        "iss": ISSUER,
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": now,
        "iat": now,
        "exp": now + 3600,
        "jti": "c1b5a5c1-0000-4000-8000-000000000001",
        "username": "alice",
    }
    claims.update(overrides)
    return claims


@pytest.fixture
def keys() -> KeyPair:
    return key_pair("kid-1")


@pytest.fixture(autouse=True)
def _restore_hooks() -> Iterator[None]:
    """Tests may swap the random source or the modpow hook; always put them back."""
    yield
    _random.set_random_source(None)
    srp.set_modpow(None)
