"""The pure parts of the hosted UI (PKCE, URLs, token answers) and of passkeys (WebAuthn JSON
<-> bytes), from RFC 7636 and the WebAuthn JSON forms."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from amazon_cognito_identity.errors import (
    InvalidParameterError,
    InvalidResponseError,
    ServiceError,
)
from amazon_cognito_identity.oauth import (
    OAuthConfig,
    authorize_url,
    code_challenge,
    logout_url,
    new_pkce_verifier,
    new_state,
    parse_redirect,
    parse_token_response,
    token_request,
)
from amazon_cognito_identity.transport import HttpResponse
from amazon_cognito_identity.webauthn_json import (
    assertion_to_json,
    b64url_decode,
    b64url_encode,
    creation_options_from_json,
    registration_to_json,
    request_options_from_json,
)

CONFIG = OAuthConfig(
    domain="example.auth.us-east-1.amazoncognito.com",
    redirect_sign_in="https://app.example.com/cb",
    redirect_sign_out="https://app.example.com/bye",
    scopes=("openid", "email"),
)


def test_s256_matches_rfc7636_appendix_b() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_verifier_and_state_are_fresh_and_well_formed() -> None:
    verifiers = {new_pkce_verifier() for _ in range(20)}
    assert len(verifiers) == 20
    for v in verifiers:
        assert len(v) == 43  # RFC 7636: 43..128 characters of [A-Za-z0-9-._~]
        assert all(c.isalnum() or c in "-_" for c in v)
    assert new_state() != new_state()


def test_authorize_url() -> None:
    url = authorize_url(CONFIG, "client1", state="s t", challenge="abc", provider="COGNITO")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://example.auth.us-east-1.amazoncognito.com/oauth2/authorize"
    )
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {
        "response_type": "code",
        "client_id": "client1",
        "redirect_uri": "https://app.example.com/cb",
        "state": "s t",
        "scope": "openid email",
        "code_challenge_method": "S256",
        "code_challenge": "abc",
        "identity_provider": "COGNITO",
    }
    emulator = OAuthConfig("http://127.0.0.1:9229/us-east-1_abc/", "http://localhost/cb")
    assert authorize_url(emulator, "c", state="s", challenge="x").startswith(
        "http://127.0.0.1:9229/us-east-1_abc/oauth2/authorize?"
    )


def test_token_request_is_a_form_post_with_basic_auth_only_for_secrets() -> None:
    req = token_request(CONFIG, "client1", code="C", verifier="V")
    assert req.method == "POST"
    assert req.url.endswith("/oauth2/token")
    assert req.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "Authorization" not in req.headers
    form = {k: v[0] for k, v in parse_qs(req.body.decode()).items()}
    assert form == {
        "grant_type": "authorization_code",
        "client_id": "client1",
        "code": "C",
        "redirect_uri": "https://app.example.com/cb",
        "code_verifier": "V",
    }
    secret = token_request(CONFIG, "client1", code="C", verifier="V", client_secret="s3")
    assert secret.headers["Authorization"] == "Basic " + base64.b64encode(b"client1:s3").decode()


def test_parse_redirect_and_token_errors() -> None:
    ok = parse_redirect("https://app.example.com/cb?code=abc&state=xyz")
    assert (ok.code, ok.state, ok.error) == ("abc", "xyz", None)
    bad = parse_redirect(
        "https://app.example.com/cb?error=access_denied&error_description=no&state=x"
    )
    assert (bad.error, bad.error_description) == ("access_denied", "no")
    body = json.dumps({"error": "invalid_grant", "error_description": "used"}).encode()
    with pytest.raises(ServiceError) as err:
        parse_token_response(HttpResponse(400, {}, body))
    assert err.value.code == "invalid_grant"
    assert err.value.status_code == 400
    with pytest.raises(InvalidResponseError):
        parse_token_response(HttpResponse(502, {}, b"<html>bad gateway</html>"))
    tokens = parse_token_response(
        HttpResponse(200, {}, json.dumps({"access_token": "a", "expires_in": 3600}).encode())
    )
    assert tokens == {"access_token": "a"}


def test_logout_url_needs_the_sign_out_redirect() -> None:
    url = logout_url(CONFIG, "client1")
    assert url.startswith("https://example.auth.us-east-1.amazoncognito.com/logout?")
    assert parse_qs(urlsplit(url).query)["logout_uri"] == ["https://app.example.com/bye"]
    with pytest.raises(InvalidParameterError):
        logout_url(OAuthConfig("x.example.com", "https://a/cb"), "client1")


def test_b64url_round_trip_and_refusals() -> None:
    for data in (b"", b"\x00", b"\xff\xfe\xfd", bytes(range(256))):
        text = b64url_encode(data)
        assert "=" not in text and "+" not in text and "/" not in text
        assert b64url_decode(text) == data
    for bad in ("ab+c", "ab/c", "a", 5):
        with pytest.raises(InvalidResponseError):
            b64url_decode(bad)  # type: ignore[arg-type]


def test_creation_and_request_options_binary_members() -> None:
    creation = {
        "rp": {"id": "localhost", "name": "demo"},
        "user": {"id": b64url_encode(b"user-1"), "name": "alice", "displayName": "Alice"},
        "challenge": b64url_encode(b"\x01\x02\x03"),
        "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
        "excludeCredentials": [{"id": b64url_encode(b"\xaa"), "type": "public-key"}],
    }
    out = creation_options_from_json(json.dumps(creation))
    assert out["challenge"] == b"\x01\x02\x03"
    assert out["user"] == {"id": b"user-1", "name": "alice", "displayName": "Alice"}
    assert out["excludeCredentials"] == [{"id": b"\xaa", "type": "public-key"}]
    assert out["rp"] == creation["rp"]
    assert creation["challenge"] == b64url_encode(b"\x01\x02\x03")  # input untouched
    request = request_options_from_json(
        {"publicKey": {"challenge": b64url_encode(b"c"), "rpId": "localhost"}}
    )
    assert request == {"challenge": b"c", "rpId": "localhost", "allowCredentials": []}
    with pytest.raises(InvalidResponseError):
        request_options_from_json("{not json")
    with pytest.raises(InvalidResponseError):
        creation_options_from_json({"challenge": "AA"})


def test_credentials_back_to_json() -> None:
    reg = registration_to_json(
        b"\x01id",
        b'{"type":"webauthn.create"}',
        b"\xa3att",
        transports=["internal"],
        authenticator_attachment="platform",
    )
    assert reg["id"] == reg["rawId"] == b64url_encode(b"\x01id")
    assert b64url_decode(reg["response"]["clientDataJSON"]) == b'{"type":"webauthn.create"}'
    assert b64url_decode(reg["response"]["attestationObject"]) == b"\xa3att"
    assert reg["response"]["transports"] == ["internal"]
    assert reg["authenticatorAttachment"] == "platform"
    assertion = assertion_to_json(
        b"\x01id",
        {
            "clientDataJSON": b"{}",
            "authenticatorData": b"ad",
            "signature": b"sig",
            "userHandle": None,
        },
    )
    assert set(assertion["response"]) == {"clientDataJSON", "authenticatorData", "signature"}
    assert b64url_decode(assertion["response"]["signature"]) == b"sig"
    with pytest.raises(InvalidParameterError):
        assertion_to_json(b"i", {"clientDataJSON": "x", "authenticatorData": b"", "signature": b""})
