"""Token decoding and session validity."""

from __future__ import annotations

import base64
import contextlib
import json

import pytest
from core_helpers import KeyPair, b64url, id_claims, raw_jwt
from hypothesis import given, settings
from hypothesis import strategies as st

from amazon_cognito_identity.errors import InvalidParameterError, InvalidTokenError
from amazon_cognito_identity.tokens import (
    CognitoAccessToken,
    CognitoIdToken,
    CognitoJwtToken,
    CognitoRefreshToken,
    CognitoUserSession,
    b64url_decode,
    decode_jwt,
)


def test_decodes_pyjwt_token(keys: KeyPair) -> None:
    claims = id_claims(iat=1000, exp=4600, email="ü@example.com")
    token = CognitoIdToken(keys.sign(claims))
    assert token.decode_payload() == claims
    assert token.payload["email"] == "ü@example.com"
    assert token.get_expiration() == 4600
    assert token.get_issued_at() == 1000
    assert token.header == {"alg": "RS256", "kid": "kid-1", "typ": "JWT"}
    assert token.get_jwt_token().count(".") == 2
    assert "sub=" in repr(token)
    # decode_payload hands out a copy
    token.decode_payload()["sub"] = "changed"
    assert token.payload["sub"] == claims["sub"]


def test_missing_time_claims_are_zero() -> None:
    token = CognitoJwtToken(raw_jwt({"alg": "none"}, {"sub": "x"}))
    assert token.get_expiration() == 0
    assert token.get_issued_at() == 0
    assert CognitoJwtToken(raw_jwt({}, {"exp": 12.7})).get_expiration() == 12


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("", "empty"),
        ("abc", "3 dot-separated"),
        ("a.b", "3 dot-separated"),
        ("a.b.c.d", "3 dot-separated"),
        ("!!.e30.", "base64url"),
        ("e30.e30.a", "impossible base64 length"),
        (b64url(b"\xff\xfe") + ".e30.", "header is not JSON"),
        (b64url(b"[1]") + ".e30.", "header is not a JSON object"),
        ("e30." + b64url(b"not json") + ".", "payload is not JSON"),
        ("e30." + b64url(b"null") + ".", "payload is not a JSON object"),
        ("e30." + b64url(b'{"exp": "soon"}') + ".", "'exp' is not a number"),
        ("e30." + b64url(b'{"iat": true}') + ".", "'iat' is not a number"),
        ("e30." + b64url(b'{"exp": NaN}') + ".", "not finite"),
        ("e30." + "e30" * 30000 + ".", "too long"),
    ],
)
def test_malformed_tokens_raise_invalid_token(token: str, message: str) -> None:
    with pytest.raises(InvalidTokenError, match=message):
        CognitoAccessToken(token)


def test_non_string_token() -> None:
    with pytest.raises(InvalidTokenError):
        decode_jwt(None)  # type: ignore[arg-type]


def test_b64url_decode_padded_and_unpadded() -> None:
    data = b"\xfb\xff\x00abc"
    assert b64url_decode(base64.urlsafe_b64encode(data).decode()) == data
    assert b64url_decode(b64url(data)) == data


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_crashes_differently(text: str) -> None:
    with contextlib.suppress(InvalidTokenError):
        CognitoJwtToken(text)


_segment = st.one_of(
    st.text(alphabet="ABCDEFabcdef0123456789-_=+/.", max_size=40),
    st.binary(max_size=60).map(b64url),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
        max_leaves=8,
    ).map(lambda v: b64url(json.dumps(v).encode())),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_segment, min_size=1, max_size=4))
def test_structured_garbage_raises_only_invalid_token(parts: list[str]) -> None:
    token = ".".join(parts)
    try:
        decoded = CognitoJwtToken(token)
    except InvalidTokenError:
        return
    assert isinstance(decoded.payload, dict)
    assert isinstance(decoded.get_expiration(), int)


def test_refresh_token() -> None:
    assert CognitoRefreshToken("opaque.thing").get_token() == "opaque.thing"
    assert CognitoRefreshToken().get_token() == ""
    assert "12 chars" in repr(CognitoRefreshToken("opaque.thing"))


def _session(
    iat_id: int, iat_access: int, exp_id: int, exp_access: int, drift: int | None = None
) -> CognitoUserSession:
    return CognitoUserSession(
        id_token=CognitoIdToken(raw_jwt({}, {"iat": iat_id, "exp": exp_id})),
        access_token=CognitoAccessToken(raw_jwt({}, {"iat": iat_access, "exp": exp_access})),
        refresh_token=CognitoRefreshToken("r"),
        clock_drift=drift,
    )


def test_session_getters_and_default_refresh() -> None:
    ident = CognitoIdToken(raw_jwt({}, {"iat": 1, "exp": 2}))
    access = CognitoAccessToken(raw_jwt({}, {"iat": 1, "exp": 2}))
    session = CognitoUserSession(id_token=ident, access_token=access, clock_drift=0)
    assert session.get_id_token() is ident
    assert session.get_access_token() is access
    assert session.get_refresh_token().get_token() == ""
    assert "clock_drift=0" in repr(session)
    with pytest.raises(InvalidParameterError):
        CognitoUserSession(id_token=None, access_token=access)  # type: ignore[arg-type]


def test_clock_drift_from_min_iat() -> None:
    session = _session(1000, 990, 5000, 5000, drift=None)
    # computed at construction from the real clock: now - 990
    assert session.get_clock_drift() > 1_000_000
    assert session.calculate_clock_drift(now=1500.9) == 510


def test_is_valid_honours_drift() -> None:
    # Local clock 100 s ahead of the service: drift = 100.
    session = _session(1000, 1000, 2000, 2500, drift=100)
    assert session.is_valid(now=2099.5)  # service time 1999 < 2000
    assert not session.is_valid(now=2100)  # service time 2000 == id exp
    # Local clock behind: negative drift keeps it valid longer locally? No: shorter.
    behind = _session(1000, 1000, 2000, 2000, drift=-50)
    assert behind.is_valid(now=1949)
    assert not behind.is_valid(now=1950)
    # Both expirations matter.
    assert not _session(0, 0, 3000, 1000, drift=0).is_valid(now=1500)


def test_is_valid_default_now() -> None:
    assert not _session(1, 1, 2, 2, drift=0).is_valid()
    assert _session(1, 1, 2**40, 2**40, drift=0).is_valid()
