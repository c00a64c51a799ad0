"""Per-pool RSA keys (persisted), JWKS, and RS256 Cognito tokens."""

from __future__ import annotations

import base64
import secrets
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from . import randomness
from .errors import not_authorized
from .groups import group_claims
from .schema import readable
from .store import Store

if TYPE_CHECKING:
    from .registry import RequestContext

ACCESS_SCOPE = "aws.cognito.signin.user.admin"


def _b64u_int(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class KeyRing:
    """RSA-2048 signing key per pool, created on first use and stored with the pool data."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._cache: dict[str, tuple[rsa.RSAPrivateKey, str]] = {}
        self._lock = threading.Lock()

    def key(self, pool_id: str) -> tuple[rsa.RSAPrivateKey, str]:
        """(private key, kid) of the pool."""
        with self._lock:
            cached = self._cache.get(pool_id)
            if cached is not None:
                return cached
            item = self._store.get("rsa_key", pool_id)
            if item is None:
                private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                pem = private.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ).decode()
                # insert() loses to a concurrent writer (another process): then use theirs.
                self._store.insert("rsa_key", pool_id, {"pem": pem, "kid": secrets.token_hex(16)})
                item = self._store.get("rsa_key", pool_id)
                assert item is not None
            loaded = serialization.load_pem_private_key(item["pem"].encode(), password=None)
            assert isinstance(loaded, rsa.RSAPrivateKey)
            self._cache[pool_id] = (loaded, str(item["kid"]))
            return self._cache[pool_id]

    def jwks(self, pool_id: str) -> dict[str, Any]:
        """The pool's JSON Web Key Set."""
        private, kid = self.key(pool_id)
        numbers = private.public_key().public_numbers()
        return {
            "keys": [
                {
                    "alg": "RS256",
                    "e": _b64u_int(numbers.e),
                    "kid": kid,
                    "kty": "RSA",
                    "n": _b64u_int(numbers.n),
                    "use": "sig",
                }
            ]
        }


def issue_tokens(
    ctx: RequestContext,
    pool: dict[str, Any],
    client: dict[str, Any],
    user: dict[str, Any],
    *,
    auth_time: int,
    origin_jti: str,
    device_key: str | None,
    refresh_token: str | None,
) -> dict[str, Any]:
    """Signed id and access tokens (plus the refresh token when given) as AuthenticationResult."""
    emu = ctx.emulator
    pool_id = pool["Id"]
    private, kid = emu.keys.key(pool_id)
    now = int(emu.now())
    iss = f"{ctx.issuer_base.rstrip('/')}/{pool_id}"
    event_id = str(randomness.uuid4())
    access_seconds = client["_access_seconds"]
    id_seconds = client["_id_seconds"]
    sub = user["attributes"]["sub"]
    access: dict[str, Any] = {
        "sub": sub,
        "iss": iss,
        "client_id": client["ClientId"],
        "origin_jti": origin_jti,
        "event_id": event_id,
        "token_use": "access",
        "scope": ACCESS_SCOPE,
        "auth_time": auth_time,
        "exp": now + access_seconds,
        "iat": now,
        "jti": str(randomness.uuid4()),
        "username": user["username"],
    }
    if device_key:
        access["device_key"] = device_key
    in_access, in_id = group_claims(emu, pool, user)
    access.update(in_access)
    ident: dict[str, Any] = {"sub": sub, **in_id}
    for name, value in readable(client, user["attributes"]).items():
        if name in ("sub",):
            continue
        if name.endswith("_verified"):
            ident[name] = value == "true"
        else:
            ident[name] = value
    ident.update(
        {
            "iss": iss,
            "cognito:username": user["username"],
            "origin_jti": origin_jti,
            "aud": client["ClientId"],
            "event_id": event_id,
            "token_use": "id",
            "auth_time": auth_time,
            "exp": now + id_seconds,
            "iat": now,
            "jti": str(randomness.uuid4()),
        }
    )
    headers = {"kid": kid}
    result: dict[str, Any] = {
        "AccessToken": jwt.encode(access, private, algorithm="RS256", headers=headers),
        "ExpiresIn": access_seconds,
        "TokenType": "Bearer",
        "IdToken": jwt.encode(ident, private, algorithm="RS256", headers=headers),
    }
    if refresh_token is not None:
        result["RefreshToken"] = refresh_token
    return result


@dataclass(frozen=True)
class _Refusals:
    """The NotAuthorized messages one kind of token answers with, check by check."""

    invalid: str
    issuer: str
    use: str
    expired: str
    revoked: str


_ACCESS = _Refusals(
    invalid="Invalid Access Token",
    issuer="Invalid Access Token",
    use="Invalid Access Token",
    expired="Access Token has expired",
    revoked="Access Token has been revoked",
)
_ID = _Refusals(
    invalid="Invalid login token.",
    issuer="Invalid login token. Issuer does not match.",
    use="Invalid login token. Not an ID token.",
    expired="Invalid login token. Token expired.",
    revoked="Invalid login token. Token has been revoked.",
)


def _pool_token_claims(
    ctx: RequestContext, token: str, token_use: str, refusals: _Refusals, check_header: bool
) -> dict[str, Any]:
    """Verify a pool-signed token (issuer pool, optionally kid/alg header, RS256 signature,
    token_use, expiry, revocation of its origin) and return its claims with ``_pool_id``."""
    emu = ctx.emulator
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
        header = jwt.get_unverified_header(token) if check_header else {}
    except jwt.PyJWTError:
        raise not_authorized(refusals.invalid) from None
    iss = unverified.get("iss")
    pool_id = iss.rsplit("/", 1)[-1] if isinstance(iss, str) else ""
    if not pool_id or emu.store.get("pool", pool_id) is None:
        raise not_authorized(refusals.issuer)
    private, kid = emu.keys.key(pool_id)
    if check_header and (header.get("kid") != kid or header.get("alg") != "RS256"):
        raise not_authorized(refusals.invalid)
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            private.public_key(),
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_aud": False, "verify_iat": False},
        )
    except jwt.PyJWTError:
        raise not_authorized(refusals.invalid) from None
    if claims.get("token_use") != token_use:
        raise not_authorized(refusals.use)
    if not isinstance(claims.get("exp"), int) or claims["exp"] <= emu.now():
        raise not_authorized(refusals.expired)
    origin = emu.store.get("origin", str(claims.get("origin_jti")))
    if origin is None or origin.get("revoked"):
        raise not_authorized(refusals.revoked)
    claims["_pool_id"] = pool_id
    return claims


def decode_access_token(
    ctx: RequestContext, token: str, scope: str | None = ACCESS_SCOPE
) -> dict[str, Any]:
    """Verify an access token (signature, issuer pool, token_use, expiry, revocation, and the
    ``scope`` the operation needs: user operations need aws.cognito.signin.user.admin, which an
    OAuth token has only when it was asked for) and return its claims. Raises
    NotAuthorizedException like Cognito."""
    claims = _pool_token_claims(ctx, token, "access", _ACCESS, check_header=True)
    if scope is not None and scope not in str(claims.get("scope", "")).split():
        raise not_authorized("Access Token does not have required scopes")
    return claims


def decode_id_token(ctx: RequestContext, token: str) -> dict[str, Any]:
    """Verify a user-pool ID token (signature with the pool's key, token_use, expiry, revocation)
    and return its claims, with ``_pool_id`` added. For services that accept Cognito ID tokens
    (e.g. identity pools' ``Logins``). Raises NotAuthorizedException."""
    return _pool_token_claims(ctx, token, "id", _ID, check_header=False)
