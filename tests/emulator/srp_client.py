"""A small test-only SRP client, written for the tests from the protocol facts.

It deliberately shares no code with cognito_emulator (or the SDK): a shared mistake would hide.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from typing import Any

import httpx

N_HEX = (
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
N = int(N_HEX, 16)
g = 2
# Published constant (protocol reference), not computed by the code under test.
k = int("538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6", 16)
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def java_bytes(n: int) -> bytes:
    """BigInteger.toByteArray() for n >= 0."""
    length = n.bit_length() // 8 + 1
    return n.to_bytes(length, "big")


def H(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def stamp(dt: datetime | None = None) -> str:
    dt = dt or datetime.now(UTC)
    return (
        f"{DAYS[dt.weekday()]} {MONTHS[dt.month - 1]} {dt.day} "
        f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d} UTC {dt.year}"
    )


class CognitoError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status} {body}")
        self.status = status
        self.name = str(body.get("__type", "")).rsplit("#", 1)[-1]
        self.message = body.get("message", "")
        self.body = body


class Api:
    """Unsigned JSON 1.1 calls.

    Without ``http`` it makes its own client that keeps no idle connection: every answer read
    closes its socket. (Most tests never close their ``Api``; a pooled keep-alive socket then
    lived until the cyclic garbage collector found it, and ``ResourceWarning: unclosed
    socket`` surfaced in whichever later test ran ``gc.collect()`` under ``-W error``.) A
    caller that passes ``http`` closes it."""

    def __init__(self, endpoint: str, http: httpx.Client | None = None) -> None:
        self.endpoint = endpoint
        self.http = http or httpx.Client(
            timeout=60, limits=httpx.Limits(max_keepalive_connections=0)
        )

    def raw(self, op: str, body: bytes | str, target: str | None = None) -> httpx.Response:
        return self.http.post(
            self.endpoint,
            content=body,
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": target or f"AWSCognitoIdentityProviderService.{op}",
            },
        )

    def __call__(self, op: str, **params: Any) -> dict[str, Any]:
        import json

        resp = self.raw(op, json.dumps(params))
        body = resp.json()
        if resp.status_code != 200:
            raise CognitoError(resp.status_code, body)
        return dict(body)


class SrpSession:
    """One SRP exchange: A from a random (or given) a, then the claim for (salt, B)."""

    def __init__(self, small_a: int | None = None, bits: int = 256) -> None:
        self.a = small_a if small_a is not None else secrets.randbits(bits) | 1
        self.A = pow(g, self.a, N)

    def claim(
        self,
        pool: str,
        user: str,
        password: str,
        salt_hex: str,
        b_hex: str,
        secret_block: str,
        when: datetime | None = None,
    ) -> tuple[str, str]:
        B = int(b_hex, 16)
        salt = int(salt_hex, 16)
        u = int.from_bytes(H(java_bytes(self.A) + java_bytes(B)), "big")
        inner = hashlib.sha256(f"{pool}{user}:{password}".encode()).hexdigest()
        x = int.from_bytes(H(java_bytes(salt) + bytes.fromhex(inner)), "big")
        base = (B - k * pow(g, x, N)) % N
        S = pow(base, self.a + u * x, N)
        prk = hmac.new(java_bytes(u), java_bytes(S), hashlib.sha256).digest()
        key = hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]
        ts = stamp(when)
        msg = pool.encode() + user.encode() + base64.b64decode(secret_block) + ts.encode()
        sig = base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()
        return ts, sig


def device_verifier(group_key: str, device_key: str) -> tuple[str, dict[str, str]]:
    """(random password, DeviceSecretVerifierConfig) as the SDKs make them."""
    password = base64.b64encode(secrets.token_bytes(40)).decode()
    salt = java_bytes(int.from_bytes(secrets.token_bytes(16), "big"))
    inner = hashlib.sha256(f"{group_key}{device_key}:{password}".encode()).hexdigest()
    x = int.from_bytes(H(salt + bytes.fromhex(inner)), "big")
    v = java_bytes(pow(g, x, N))
    return password, {
        "Salt": base64.b64encode(salt).decode(),
        "PasswordVerifier": base64.b64encode(v).decode(),
    }


def srp_sign_in(
    api: Api,
    pool_id: str,
    client_id: str,
    username: str,
    password: str,
    *,
    device_key: str | None = None,
    when: datetime | None = None,
    flow: str = "USER_SRP_AUTH",
) -> dict[str, Any]:
    """InitiateAuth + PASSWORD_VERIFIER; returns the RespondToAuthChallenge answer."""
    srp = SrpSession()
    params = {"USERNAME": username, "SRP_A": format(srp.A, "x")}
    if device_key:
        params["DEVICE_KEY"] = device_key
    if flow == "CUSTOM_AUTH":
        params["CHALLENGE_NAME"] = "SRP_A"
    init = api("InitiateAuth", AuthFlow=flow, ClientId=client_id, AuthParameters=params)
    assert init["ChallengeName"] == "PASSWORD_VERIFIER"
    cp = init["ChallengeParameters"]
    user_id = cp["USER_ID_FOR_SRP"]
    ts, sig = srp.claim(
        pool_id.split("_", 1)[1],
        user_id,
        password,
        cp["SALT"],
        cp["SRP_B"],
        cp["SECRET_BLOCK"],
        when,
    )
    responses = {
        "USERNAME": user_id,
        "PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"],
        "TIMESTAMP": ts,
        "PASSWORD_CLAIM_SIGNATURE": sig,
    }
    if device_key:
        responses["DEVICE_KEY"] = device_key
    return api(
        "RespondToAuthChallenge",
        ChallengeName="PASSWORD_VERIFIER",
        ClientId=client_id,
        ChallengeResponses=responses,
        Session=init.get("Session"),
    )


def device_sign_in(
    api: Api,
    client_id: str,
    username: str,
    device_key: str,
    group_key: str,
    device_password: str,
    session: str,
) -> dict[str, Any]:
    """DEVICE_SRP_AUTH + DEVICE_PASSWORD_VERIFIER after a DEVICE_SRP_AUTH challenge."""
    srp = SrpSession()
    first = api(
        "RespondToAuthChallenge",
        ChallengeName="DEVICE_SRP_AUTH",
        ClientId=client_id,
        Session=session,
        ChallengeResponses={
            "USERNAME": username,
            "DEVICE_KEY": device_key,
            "SRP_A": format(srp.A, "x"),
        },
    )
    assert first["ChallengeName"] == "DEVICE_PASSWORD_VERIFIER"
    cp = first["ChallengeParameters"]
    ts, sig = srp.claim(
        group_key, device_key, device_password, cp["SALT"], cp["SRP_B"], cp["SECRET_BLOCK"]
    )
    return api(
        "RespondToAuthChallenge",
        ChallengeName="DEVICE_PASSWORD_VERIFIER",
        ClientId=client_id,
        Session=first["Session"],
        ChallengeResponses={
            "USERNAME": username,
            "DEVICE_KEY": device_key,
            "PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"],
            "TIMESTAMP": ts,
            "PASSWORD_CLAIM_SIGNATURE": sig,
        },
    )
