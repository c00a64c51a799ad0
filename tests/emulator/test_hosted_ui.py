"""The hosted UI's refusals and rules, from the Cognito developer guide's endpoint pages:
codes single-use and five-minute, redirect URIs matched exactly, PKCE S256, scopes honoured,
the sign-in page's real password/MFA checks, sessions, logout, client_credentials."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from cognito_emulator.errors import ServiceError
from cognito_emulator.testing import EmulatorServer

from .hosted_ui_helpers import (
    CALLBACK,
    LOGOUT,
    Browser,
    oauth_client,
    page_error,
    page_form,
    query_of,
)


def _challenge(verifier: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


@dataclass
class Hosted:
    emu: EmulatorServer
    pool_id: str
    client_id: str
    browser: Browser

    @property
    def base(self) -> str:
        return f"{self.emu.endpoint}{self.pool_id}"

    def authorize_url(self, **overrides: str | None) -> tuple[str, str]:
        verifier = secrets.token_urlsafe(48)
        params: dict[str, str | None] = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": CALLBACK,
            "state": "st-" + secrets.token_hex(4),
            "scope": "openid email aws.cognito.signin.user.admin",
            "code_challenge_method": "S256",
            "code_challenge": _challenge(verifier),
        }
        params.update(overrides)
        query = urlencode({k: v for k, v in params.items() if v is not None})
        return f"{self.base}/oauth2/authorize?{query}", verifier

    def code(self, **overrides: str | None) -> tuple[str, str]:
        url, verifier = self.authorize_url(**overrides)
        back = self.browser.get(url)
        if back.status_code == 200:  # no hosted-UI session yet: the sign-in page
            back = self.browser.submit(back, username="alice", password="Passw0rd!")
        assert back.status_code == 302, back.text
        return query_of(back.headers["location"])["code"], verifier

    def token(self, **data: str) -> httpx.Response:
        form = {"grant_type": "authorization_code", "client_id": self.client_id, **data}
        return httpx.post(f"{self.base}/oauth2/token", data=form)


@pytest.fixture
def hosted(emulator: EmulatorServer) -> Iterator[Hosted]:
    pool_id = emulator.create_pool()
    client_id = oauth_client(emulator, pool_id)
    emulator.create_user(pool_id, "alice", "Passw0rd!", email="alice@example.com", name="Alice")
    browser = Browser()
    yield Hosted(emulator, pool_id, client_id, browser)
    browser.close()


def _error(resp: httpx.Response) -> str:
    assert resp.status_code in (400, 401), resp.text
    return str(resp.json()["error"])


def test_code_is_single_use(hosted: Hosted) -> None:
    code, verifier = hosted.code()
    first = hosted.token(code=code, redirect_uri=CALLBACK, code_verifier=verifier)
    assert first.status_code == 200
    again = hosted.token(code=code, redirect_uri=CALLBACK, code_verifier=verifier)
    assert _error(again) == "invalid_grant"


def test_code_expires_after_five_minutes(hosted: Hosted) -> None:
    code, verifier = hosted.code()
    hosted.emu.emulator.advance_clock(301)
    late = hosted.token(code=code, redirect_uri=CALLBACK, code_verifier=verifier)
    assert _error(late) == "invalid_grant"


def test_wrong_pkce_verifier_and_missing_verifier_refused(hosted: Hosted) -> None:
    code, _verifier = hosted.code()
    wrong = hosted.token(code=code, redirect_uri=CALLBACK, code_verifier=secrets.token_urlsafe(48))
    assert _error(wrong) == "invalid_grant"
    code, _verifier = hosted.code()
    assert _error(hosted.token(code=code, redirect_uri=CALLBACK)) == "invalid_grant"


def test_a_wrong_guess_uses_the_code_up(hosted: Hosted) -> None:
    code, verifier = hosted.code()
    hosted.token(code=code, redirect_uri=CALLBACK, code_verifier="x" * 43)
    right = hosted.token(code=code, redirect_uri=CALLBACK, code_verifier=verifier)
    assert _error(right) == "invalid_grant"


def test_token_redirect_uri_must_match_the_authorization(hosted: Hosted) -> None:
    code, verifier = hosted.code()
    other = hosted.token(code=code, redirect_uri=CALLBACK + "/", code_verifier=verifier)
    assert _error(other) == "invalid_grant"


def test_code_of_another_client_refused(hosted: Hosted) -> None:
    other = oauth_client(hosted.emu, hosted.pool_id)
    code, verifier = hosted.code()
    resp = hosted.token(code=code, redirect_uri=CALLBACK, code_verifier=verifier, client_id=other)
    assert _error(resp) == "invalid_grant"


def test_unregistered_redirect_uri_is_never_redirected_to(hosted: Hosted) -> None:
    for uri in ("http://localhost:8765/callback/", "http://localhost:8765/evil", "https://x.test/"):
        url, _ = hosted.authorize_url(redirect_uri=uri)
        page = hosted.browser.get(url)
        assert page.status_code == 400
        assert "location" not in page.headers
        assert "redirect_mismatch" in (page_error(page) or "")


def test_authorize_refusals_go_back_with_state(hosted: Hosted) -> None:
    cases = {
        "invalid_request": {"code_challenge": None, "code_challenge_method": None},
        "invalid_scope": {"scope": "openid phone"},
        "unsupported_response_type": {"response_type": "token"},
    }
    hosted.emu.call(
        "UpdateUserPoolClient",
        {
            "UserPoolId": hosted.pool_id,
            "ClientId": hosted.client_id,
            "AllowedOAuthFlowsUserPoolClient": True,
            "AllowedOAuthFlows": ["code", "implicit"],
            "AllowedOAuthScopes": ["openid", "email", "aws.cognito.signin.user.admin"],
            "CallbackURLs": [CALLBACK],
        },
    )
    for error, overrides in cases.items():
        url, _ = hosted.authorize_url(state="s<1>", **overrides)
        resp = hosted.browser.get(url)
        assert resp.status_code == 302, (error, resp.text)
        query = query_of(resp.headers["location"])
        assert query["error"] == error
        assert query["state"] == "s<1>"
    url, _ = hosted.authorize_url(code_challenge_method="plain")
    assert query_of(hosted.browser.get(url).headers["location"])["error"] == "invalid_request"


def test_client_without_oauth_is_unauthorized(hosted: Hosted) -> None:
    hosted.emu.call(
        "UpdateUserPoolClient",
        {"UserPoolId": hosted.pool_id, "ClientId": hosted.client_id, "CallbackURLs": [CALLBACK]},
    )
    url, _ = hosted.authorize_url()
    resp = hosted.browser.get(url)
    assert query_of(resp.headers["location"])["error"] == "unauthorized_client"


def test_wrong_password_stays_on_the_page_and_locks_like_the_api(hosted: Hosted) -> None:
    url, _ = hosted.authorize_url()
    for _ in range(5):
        page = hosted.browser.sign_in(url, "alice", "wrong-Passw0rd!")
        assert page.status_code == 200  # the form again, with the reason
        assert "location" not in page.headers
    assert page_error(page) == "Incorrect username or password."
    # The username is kept (escaped) and the password field takes the focus.
    assert 'value="alice"' in page.text
    assert 'type="password" autocomplete="current-password" required autofocus' in page.text
    page = hosted.browser.sign_in(url, "alice", "Passw0rd!")
    assert page_error(page) == "Password attempts exceeded"


def test_page_escapes_what_it_echoes(hosted: Hosted) -> None:
    url, _ = hosted.authorize_url(state='"><script>alert(1)</script>')
    page = hosted.browser.get(url)
    assert "<script>" not in page.text
    assert "&lt;script&gt;" in page.text
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none'
    refused = hosted.browser.submit(page, username='<b>"x', password="wrong")
    assert "<b>" not in refused.text
    assert 'value="&lt;b&gt;&quot;x"' in refused.text
    back = hosted.browser.submit(page, username="alice", password="Passw0rd!")
    assert query_of(back.headers["location"])["state"] == '"><script>alert(1)</script>'


def test_form_without_the_csrf_cookie_is_refused(hosted: Hosted) -> None:
    url, _ = hosted.authorize_url()
    page = hosted.browser.get(url)
    form = page_form(page)
    fresh = httpx.post(
        form.action, data={**form.hidden, "username": "alice", "password": "Passw0rd!"}
    )
    assert "location" not in fresh.headers
    assert page_error(fresh) == "Your sign-in form expired; please try again."


def test_sms_mfa_on_the_hosted_page(hosted: Hosted) -> None:
    emu = hosted.emu
    pool_id = emu.create_pool(MfaConfiguration="ON")
    client_id = oauth_client(emu, pool_id)
    emu.create_user(pool_id, "bob", "Passw0rd!", phone_number="+15555550100")
    hosted.pool_id, hosted.client_id = pool_id, client_id
    url, verifier = hosted.authorize_url()
    page = hosted.browser.sign_in(url, "bob", "Passw0rd!")
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in page.text
    wrong = hosted.browser.submit(page, code="000000" if emu.last_code("bob") != "000000" else "1")
    assert page_error(wrong) is not None
    back = hosted.browser.submit(wrong, code=emu.last_code("bob", "sms_mfa"))
    assert back.status_code == 302, back.text
    code = query_of(back.headers["location"])["code"]
    assert hosted.token(code=code, redirect_uri=CALLBACK, code_verifier=verifier).status_code == 200


def test_hosted_session_signs_in_again_until_logout(hosted: Hosted) -> None:
    hosted.code()
    url, _ = hosted.authorize_url()
    again = hosted.browser.get(url)
    assert again.status_code == 302
    assert "code" in query_of(again.headers["location"])
    out = hosted.browser.get(
        f"{hosted.base}/logout?{urlencode({'client_id': hosted.client_id, 'logout_uri': LOGOUT})}"
    )
    assert out.status_code == 302
    assert out.headers["location"] == LOGOUT
    assert hosted.browser.get(url).status_code == 200  # the sign-in page again
    bad = hosted.browser.get(
        f"{hosted.base}/logout?"
        + urlencode({"client_id": hosted.client_id, "logout_uri": "https://evil.test/"})
    )
    assert bad.status_code == 400
    assert "location" not in bad.headers


def test_scopes_are_honoured(hosted: Hosted) -> None:
    code, verifier = hosted.code(scope="openid profile")
    tokens = hosted.token(code=code, redirect_uri=CALLBACK, code_verifier=verifier).json()
    ident = _claims(tokens["id_token"])
    assert ident["name"] == "Alice"
    assert "email" not in ident
    assert _claims(tokens["access_token"])["scope"] == "openid profile"
    # Without aws.cognito.signin.user.admin the access token cannot call the user API.
    with pytest.raises(ServiceError) as err:
        hosted.emu.call("GetUser", {"AccessToken": tokens["access_token"]})
    assert err.value.name == "NotAuthorizedException"
    code, verifier = hosted.code(scope="aws.cognito.signin.user.admin")
    tokens = hosted.token(code=code, redirect_uri=CALLBACK, code_verifier=verifier).json()
    assert "id_token" not in tokens  # no openid scope, no ID token
    assert (
        hosted.emu.call("GetUser", {"AccessToken": tokens["access_token"]})["Username"] == "alice"
    )


def test_client_credentials_for_a_confidential_client(emulator: EmulatorServer) -> None:
    pool_id = emulator.create_pool()
    emulator.call(
        "CreateResourceServer",
        {
            "UserPoolId": pool_id,
            "Identifier": "https://api.example.com",
            "Name": "api",
            "Scopes": [
                {"ScopeName": "read", "ScopeDescription": "read"},
                {"ScopeName": "write", "ScopeDescription": "write"},
            ],
        },
    )
    client = emulator.call(
        "CreateUserPoolClient",
        {
            "UserPoolId": pool_id,
            "ClientName": "m2m",
            "GenerateSecret": True,
            "AllowedOAuthFlowsUserPoolClient": True,
            "AllowedOAuthFlows": ["client_credentials"],
            "AllowedOAuthScopes": ["https://api.example.com/read", "https://api.example.com/write"],
        },
    )["UserPoolClient"]
    url = f"{emulator.endpoint}{pool_id}/oauth2/token"
    auth = (client["ClientId"], client["ClientSecret"])
    resp = httpx.post(
        url,
        data={"grant_type": "client_credentials", "scope": "https://api.example.com/read"},
        auth=auth,
    )
    assert resp.status_code == 200, resp.text
    token = resp.json()
    assert "refresh_token" not in token
    assert "id_token" not in token
    claims = _claims(token["access_token"])
    assert claims["scope"] == "https://api.example.com/read"
    assert claims["sub"] == client["ClientId"]
    wrong = httpx.post(url, data={"grant_type": "client_credentials"}, auth=(auth[0], "nope"))
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    bad_scope = httpx.post(
        url, data={"grant_type": "client_credentials", "scope": "openid"}, auth=auth
    )
    assert _error(bad_scope) == "invalid_scope"


def test_token_endpoint_request_errors(hosted: Hosted) -> None:
    url = f"{hosted.base}/oauth2/token"
    assert _error(
        httpx.post(url, data={"grant_type": "password", "client_id": hosted.client_id})
    ) == ("unsupported_grant_type")
    assert _error(httpx.post(url, data={"grant_type": "authorization_code"})) == "invalid_request"
    assert _error(
        httpx.post(url, data={"grant_type": "authorization_code", "client_id": "nope"})
    ) == ("invalid_client")
    public_cc = httpx.post(
        url, data={"grant_type": "client_credentials", "client_id": hosted.client_id}
    )
    assert _error(public_cc) == "unauthorized_client"
    as_json = httpx.post(
        url, json={"grant_type": "authorization_code", "client_id": hosted.client_id}
    )
    assert _error(as_json) == "invalid_request"


def test_client_oauth_settings_are_checked(emulator: EmulatorServer) -> None:
    pool_id = emulator.create_pool()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"CallbackURLs": ["http://example.com/cb"]}, "InvalidParameterException"),
        ({"CallbackURLs": ["https://example.com/cb#frag"]}, "InvalidParameterException"),
        (
            {"AllowedOAuthFlows": ["client_credentials"], "AllowedOAuthScopes": []},
            "InvalidParameterException",
        ),
        ({"AllowedOAuthScopes": ["nope/read"]}, "ScopeDoesNotExistException"),
        ({"AllowedOAuthFlows": ["password"]}, "InvalidParameterException"),
        (
            {
                "AllowedOAuthFlowsUserPoolClient": True,
                "AllowedOAuthFlows": ["code"],
                "AllowedOAuthScopes": ["openid"],
            },
            "InvalidParameterException",
        ),  # no CallbackURLs
    ]
    for params, name in cases:
        with pytest.raises(ServiceError) as err:
            emulator.call(
                "CreateUserPoolClient", {"UserPoolId": pool_id, "ClientName": "c", **params}
            )
        assert err.value.name == name, params


def test_update_user_pool_client_resets_what_it_is_not_given(hosted: Hosted) -> None:
    emu = hosted.emu
    before = emu.call(
        "DescribeUserPoolClient", {"UserPoolId": hosted.pool_id, "ClientId": hosted.client_id}
    )
    out = emu.call(
        "UpdateUserPoolClient",
        {"UserPoolId": hosted.pool_id, "ClientId": hosted.client_id, "ClientName": "renamed"},
    )["UserPoolClient"]
    assert out["ClientId"] == hosted.client_id
    assert out["ClientName"] == "renamed"
    assert out["CreationDate"] == before["UserPoolClient"]["CreationDate"]
    assert "CallbackURLs" not in out
    assert out["AllowedOAuthFlowsUserPoolClient"] is False
    with pytest.raises(ServiceError) as err:
        emu.call("UpdateUserPoolClient", {"UserPoolId": hosted.pool_id, "ClientId": "nope"})
    assert err.value.name == "ResourceNotFoundException"


def test_domain_prefix_serves_the_same_endpoints(hosted: Hosted) -> None:
    emu = hosted.emu
    emu.call("CreateUserPoolDomain", {"UserPoolId": hosted.pool_id, "Domain": "my-app"})
    described = emu.call("DescribeUserPoolDomain", {"Domain": "my-app"})["DomainDescription"]
    assert described["UserPoolId"] == hosted.pool_id
    discovery = httpx.get(f"{hosted.base}/.well-known/openid-configuration").json()
    assert discovery["authorization_endpoint"] == f"{emu.endpoint}my-app/oauth2/authorize"
    url, verifier = hosted.authorize_url()
    url = url.replace(f"/{hosted.pool_id}/", "/my-app/")
    back = hosted.browser.sign_in(url, "alice", "Passw0rd!")
    code = query_of(back.headers["location"])["code"]
    resp = httpx.post(
        discovery["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "client_id": hosted.client_id,
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        },
    )
    assert resp.status_code == 200
    for bad in ("aws-login", "Upper", "-x"):
        with pytest.raises(ServiceError):
            emu.call("CreateUserPoolDomain", {"UserPoolId": hosted.pool_id, "Domain": bad})
    with pytest.raises(ServiceError):  # one domain per pool
        emu.call("CreateUserPoolDomain", {"UserPoolId": hosted.pool_id, "Domain": "second"})
    emu.call("DeleteUserPoolDomain", {"UserPoolId": hosted.pool_id, "Domain": "my-app"})
    assert httpx.get(url).status_code == 404


def test_tokens_and_userinfo_show_only_the_clients_read_attributes(hosted: Hosted) -> None:
    emu = hosted.emu
    hosted.client_id = oauth_client(emu, hosted.pool_id, ReadAttributes=["email", "email_verified"])
    code, verifier = hosted.code(scope="openid profile email")
    tokens = hosted.token(code=code, redirect_uri=CALLBACK, code_verifier=verifier).json()
    ident = _claims(tokens["id_token"])
    assert ident["email"] == "alice@example.com"
    assert "name" not in ident  # profile asked, but the client may not read it
    info = httpx.get(
        f"{hosted.base}/oauth2/userInfo",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    ).json()
    assert info["email"] == "alice@example.com"
    assert "name" not in info


def test_hosted_ui_tokens_carry_the_users_groups(hosted: Hosted) -> None:
    role = "arn:aws:iam::123456789012:role/editors"
    base = {"UserPoolId": hosted.pool_id}
    hosted.emu.call("CreateGroup", {**base, "GroupName": "editors", "RoleArn": role})
    hosted.emu.call("AdminAddUserToGroup", {**base, "GroupName": "editors", "Username": "alice"})
    code, verifier = hosted.code()
    tokens = hosted.token(code=code, redirect_uri=CALLBACK, code_verifier=verifier).json()
    assert _claims(tokens["access_token"])["cognito:groups"] == ["editors"]
    ident = _claims(tokens["id_token"])
    assert ident["cognito:groups"] == ["editors"] and ident["cognito:roles"] == [role]
