"""Helpers for the SDK core tests: RSA keys and JWTs made with PyJWT/cryptography."""

from __future__ import annotations

import base64
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import jwt as pyjwt
from cryptography.hazmat.primitives.asymmetric import rsa

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


#: Filled by the differential tests (seed, case counts); printed in the terminal summary.
DIFF_REPORT: dict[str, Any] = {}

ROOT = Path(__file__).resolve().parents[2]
HARNESS = ROOT / "tests" / "node" / "srp_reference.js"


class NodeReference:
    """The long-lived Node process."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            ["node", str(HARNESS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            cwd=ROOT,
        )

    def send(self, op: str, cases: list[Any]) -> None:
        """Queue a request; Node works on it while Python computes its side."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": op, "cases": cases}) + "\n")
        self.proc.stdin.flush()
        counts = DIFF_REPORT.setdefault("counts", {})
        counts[op] = counts.get(op, 0) + len(cases)

    def receive(self) -> list[Any]:
        """The answer to the oldest request sent."""
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise RuntimeError(f"reference process died: {err}")
        reply = json.loads(line)
        if not reply["ok"]:
            raise RuntimeError(reply["error"])
        results: list[Any] = reply["results"]
        return results

    def call(self, op: str, cases: list[Any]) -> list[Any]:
        """Send and wait."""
        self.send(op, cases)
        return self.receive()

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=10)


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
