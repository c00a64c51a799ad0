"""Cognito tokens and the session that holds them (decoding only; see ``verify`` to check).

Unlike the JS SDK, which silently gives ``{}`` for a malformed token, every decode failure
here raises :class:`InvalidTokenError` with a message that says what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import time
from dataclasses import dataclass
from typing import Any

from .errors import InvalidParameterError, InvalidTokenError

__all__ = [
    "CognitoAccessToken",
    "CognitoIdToken",
    "CognitoJwtToken",
    "CognitoRefreshToken",
    "CognitoUserSession",
    "DecodedJwt",
    "b64url_decode",
    "decode_jwt",
]

# Largest token we agree to parse: real Cognito tokens are a few KB.
_MAX_TOKEN_LENGTH = 64 * 1024
_B64URL_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def b64url_decode(segment: str, what: str = "segment") -> bytes:
    """Decode unpadded (or padded) base64url.

    Raises:
        InvalidTokenError: characters outside the alphabet or an impossible length.
    """
    body = segment.rstrip("=")
    if any(c not in _B64URL_ALPHABET for c in body):
        raise InvalidTokenError(f"JWT {what} is not base64url")
    if len(body) % 4 == 1:
        raise InvalidTokenError(f"JWT {what} has an impossible base64 length")
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:  # pragma: no cover - alphabet checked above
        raise InvalidTokenError(f"JWT {what} is not base64url") from exc


def _decode_json_object(segment: str, what: str) -> dict[str, Any]:
    raw = b64url_decode(segment, what)
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InvalidTokenError(f"JWT {what} is not JSON") from exc
    if not isinstance(value, dict):
        raise InvalidTokenError(f"JWT {what} is not a JSON object")
    return value


@dataclass(frozen=True)
class DecodedJwt:
    """The parts of a compact JWS, decoded but not verified."""

    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes


def decode_jwt(token: str) -> DecodedJwt:
    """Split and decode a compact JWT without checking its signature.

    Raises:
        InvalidTokenError: not three base64url parts, or header/payload not JSON objects.
    """
    if not isinstance(token, str):
        raise InvalidTokenError("JWT must be a string")
    if not token:
        raise InvalidTokenError("JWT is empty")
    if len(token) > _MAX_TOKEN_LENGTH:
        raise InvalidTokenError("JWT is too long")
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidTokenError(f"JWT must have 3 dot-separated parts, found {len(parts)}")
    header = _decode_json_object(parts[0], "header")
    payload = _decode_json_object(parts[1], "payload")
    signature = b64url_decode(parts[2], "signature")
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
    return DecodedJwt(header, payload, signing_input, signature)


def _numeric_claim(payload: dict[str, Any], name: str) -> int:
    value = payload.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidTokenError(f"JWT claim {name!r} is not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidTokenError(f"JWT claim {name!r} is not finite")
    return int(value)


class CognitoJwtToken:
    """A decoded (not verified) Cognito JWT.

    Raises:
        InvalidTokenError: the token is malformed, or ``exp``/``iat`` are not numbers.
    """

    def __init__(self, jwt: str) -> None:
        self.jwt_token = jwt
        decoded = decode_jwt(jwt)
        self.header: dict[str, Any] = decoded.header
        self.payload: dict[str, Any] = decoded.payload
        # Validate the time claims now so getters cannot fail later.
        self._exp = _numeric_claim(self.payload, "exp")
        self._iat = _numeric_claim(self.payload, "iat")

    def get_jwt_token(self) -> str:
        """The raw token string."""
        return self.jwt_token

    def get_expiration(self) -> int:
        """The ``exp`` claim in seconds since the epoch (0 when absent)."""
        return self._exp

    def get_issued_at(self) -> int:
        """The ``iat`` claim in seconds since the epoch (0 when absent)."""
        return self._iat

    def decode_payload(self) -> dict[str, Any]:
        """A copy of the payload claims."""
        return dict(self.payload)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(sub={self.payload.get('sub')!r}, exp={self._exp})"


class CognitoIdToken(CognitoJwtToken):
    """The ID token: who the user is (``sub``, ``email``, ``cognito:username``...)."""


class CognitoAccessToken(CognitoJwtToken):
    """The access token: what the user may call (``scope``, ``username``, ``client_id``)."""


class CognitoRefreshToken:
    """The refresh token: opaque (encrypted), never decoded."""

    def __init__(self, token: str = "") -> None:
        self.token = token or ""

    def get_token(self) -> str:
        """The raw token string ('' when there is none)."""
        return self.token

    def __repr__(self) -> str:
        return f"CognitoRefreshToken(<{len(self.token)} chars>)"


def _now() -> int:
    return math.floor(time.time())


class CognitoUserSession:
    """The three tokens of a signed-in user, plus the clock drift to the service.

    Args:
        id_token, access_token: required.
        refresh_token: optional (an empty one when omitted).
        clock_drift: seconds the local clock is ahead of the service; computed from the
            tokens' ``iat`` when ``None``.
        now: the current time for that computation (Unix seconds); the system clock when
            None.
    """

    def __init__(
        self,
        *,
        id_token: CognitoIdToken,
        access_token: CognitoAccessToken,
        refresh_token: CognitoRefreshToken | None = None,
        clock_drift: int | None = None,
        now: float | None = None,
    ) -> None:
        if id_token is None or access_token is None:
            raise InvalidParameterError("Id token and Access Token must be present.")
        self.id_token = id_token
        self.access_token = access_token
        self.refresh_token = refresh_token if refresh_token is not None else CognitoRefreshToken()
        self.clock_drift: int = (
            self.calculate_clock_drift(now) if clock_drift is None else int(clock_drift)
        )

    def get_id_token(self) -> CognitoIdToken:
        """The ID token."""
        return self.id_token

    def get_access_token(self) -> CognitoAccessToken:
        """The access token."""
        return self.access_token

    def get_refresh_token(self) -> CognitoRefreshToken:
        """The refresh token (possibly empty)."""
        return self.refresh_token

    def get_clock_drift(self) -> int:
        """Seconds the local clock is ahead of the service's."""
        return self.clock_drift

    def calculate_clock_drift(self, now: float | None = None) -> int:
        """floor(now) - min(access.iat, id.iat)."""
        current = _now() if now is None else math.floor(now)
        iat = min(self.access_token.get_issued_at(), self.id_token.get_issued_at())
        return current - iat

    def is_valid(self, now: float | None = None) -> bool:
        """True while the service's clock (local minus drift) is before both expirations."""
        current = _now() if now is None else math.floor(now)
        adjusted = current - self.clock_drift
        return (
            adjusted < self.access_token.get_expiration()
            and adjusted < self.id_token.get_expiration()
        )

    def __repr__(self) -> str:
        return f"CognitoUserSession(valid={self.is_valid()}, clock_drift={self.clock_drift})"
