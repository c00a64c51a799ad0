"""The SDK's passkey functions and hosted-UI sign-in, end to end against the emulator (a
software authenticator stands in for the browser's on CPython)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from emulator_helpers import ALL_FLOWS, PASSWORD, Setup, make_setup

from amazon_cognito_identity import AuthenticationDetails, CognitoUser, CognitoUserSession
from amazon_cognito_identity.challenges import Challenge
from amazon_cognito_identity.errors import (
    NotAuthorizedException,
    PasskeyCancelledError,
    PasskeyUnavailableError,
    RedirectSignInError,
    ServiceError,
)
from amazon_cognito_identity.hosted_ui import HostedUI
from amazon_cognito_identity.oauth import OAuthConfig
from amazon_cognito_identity.passkeys import (
    BrowserAuthenticator,
    answer_passkey_challenge,
    associate_web_authn_credential,
    default_authenticator,
    delete_web_authn_credential,
    list_web_authn_credentials,
    sign_in_with_passkey,
)
from amazon_cognito_identity.storage import MemoryStorage
from amazon_cognito_identity.transport import UrllibTransport
from emulator.hosted_ui_helpers import CALLBACK, LOGOUT, Browser, oauth_client, query_of
from emulator.soft_authenticator import SoftAuthenticator


class SdkAuthenticator:
    """The SDK's Authenticator protocol over the test's software authenticator."""

    def __init__(self, soft: SoftAuthenticator) -> None:
        self.soft = soft

    async def create(self, options: dict[str, Any]) -> dict[str, Any]:
        return self.soft.create(options)

    async def get(self, options: dict[str, Any]) -> dict[str, Any]:
        return self.soft.get(options)


def _passkey_setup(emu: Any) -> Setup:
    s = make_setup(
        emu, {"Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}}}
    )
    emu.call(
        "SetUserPoolMfaConfig",
        {"UserPoolId": s.pool_id, "WebAuthnConfiguration": {"RelyingPartyId": "localhost"}},
    )
    s.client_id = emu.create_client(s.pool_id, ExplicitAuthFlows=[*ALL_FLOWS, "ALLOW_USER_AUTH"])
    s.pool = s.sdk_pool()
    emu.create_user(s.pool_id, "alice", PASSWORD, email="alice@example.com")
    return s


async def _signed_in(s: Setup, pool: Any = None) -> CognitoUser:
    user = CognitoUser("alice", pool or s.pool)
    result = await user.authenticate_user(AuthenticationDetails("alice", PASSWORD))
    assert isinstance(result, CognitoUserSession)
    return user


async def test_associate_list_delete_and_answer_with_a_passkey(emu: Any) -> None:
    s = _passkey_setup(emu)
    user = await _signed_in(s)
    soft = SoftAuthenticator()
    await associate_web_authn_credential(user, SdkAuthenticator(soft))
    creds = await list_web_authn_credentials(user)
    assert len(creds) == 1
    assert creds[0].relying_party_id == "localhost"
    assert creds[0].transports == ("internal",)

    # Another tab (its own storage): signing in with the passkey stores the session there.
    other = s.sdk_pool()
    session = await sign_in_with_passkey(CognitoUser("alice", other), SdkAuthenticator(soft))
    assert isinstance(session, CognitoUserSession)
    current = other.get_current_user()
    assert current is not None and current.username == "alice"
    assert soft.sign_count == 1

    # WEB_AUTHN chosen in SELECT_CHALLENGE: the SDK answers the challenge that follows.
    waiting = CognitoUser("alice", s.sdk_pool())
    waiting.set_authentication_flow_type("USER_AUTH")
    select = await waiting.authenticate_user(AuthenticationDetails("alice", ""))
    assert isinstance(select, Challenge) and select.name == "SELECT_CHALLENGE"
    passkey = await waiting.answer({"answer": "WEB_AUTHN"})
    assert isinstance(passkey, Challenge) and passkey.name == "WEB_AUTHN"
    assert [f.kind for f in passkey.fields] == ["passkey"]
    session = await answer_passkey_challenge(waiting, SdkAuthenticator(soft))
    assert isinstance(session, CognitoUserSession)

    await delete_web_authn_credential(user, creds[0].credential_id)
    assert await list_web_authn_credentials(user) == []


async def test_registration_refused_by_the_pool_is_a_typed_error(emu: Any) -> None:
    s = _passkey_setup(emu)
    user = await _signed_in(s)
    with pytest.raises(ServiceError) as err:
        await associate_web_authn_credential(
            user, SdkAuthenticator(SoftAuthenticator(origin="https://evil.test"))
        )
    assert err.value.code == "WebAuthnOriginNotAllowedException"


class _Rejecting:
    """A fake ``js`` whose navigator.credentials rejects like a browser does."""

    def __init__(self, name: str, secure: bool = True) -> None:
        self.isSecureContext = secure
        self.PublicKeyCredential = object()
        error_name = name

        class DomError(Exception):
            name = error_name

        async def reject(_options: Any) -> Any:
            raise DomError(f"{error_name}: the operation was not allowed")

        self.navigator = type(
            "N",
            (),
            {
                "credentials": type(
                    "C", (), {"get": staticmethod(reject), "create": staticmethod(reject)}
                )()
            },
        )()
        self.Object = type("O", (), {"fromEntries": staticmethod(dict)})


async def test_webauthn_unavailable_or_cancelled_is_typed() -> None:
    with pytest.raises(PasskeyUnavailableError):
        default_authenticator()  # CPython has no navigator.credentials
    with pytest.raises(PasskeyUnavailableError):
        BrowserAuthenticator(js=_Rejecting("NotAllowedError", secure=False), to_js=lambda o, **k: o)
    auth = BrowserAuthenticator(js=_Rejecting("NotAllowedError"), to_js=lambda o, **k: o)
    with pytest.raises(PasskeyCancelledError) as err:
        await auth.get({"challenge": "AAAA"})
    assert err.value.name == "NotAllowedError"
    auth = BrowserAuthenticator(js=_Rejecting("SecurityError"), to_js=lambda o, **k: o)
    with pytest.raises(PasskeyUnavailableError):
        await auth.create({"challenge": "AAAA", "user": {"id": "AA"}})


# ---------------------------------------------------------------- hosted UI


def _hosted(emu: Any) -> tuple[Setup, HostedUI, list[str]]:
    s = make_setup(emu)
    s.client_id = oauth_client(emu, s.pool_id)
    s.pool = s.sdk_pool(transport=UrllibTransport())  # the token endpoint is not JSON 1.1
    emu.create_user(s.pool_id, "alice", PASSWORD, email="alice@example.com")
    visited: list[str] = []
    config = OAuthConfig(
        domain=f"{emu.endpoint}{s.pool_id}", redirect_sign_in=CALLBACK, redirect_sign_out=LOGOUT
    )
    ui = HostedUI(s.pool, config, session_storage=MemoryStorage(), navigate=visited.append)
    return s, ui, visited


async def test_sign_in_with_redirect_round_trip(emu: Any) -> None:
    s, ui, visited = _hosted(emu)
    events: list[tuple[str, str | None]] = []
    s.pool.events.subscribe("signed_in", lambda e: events.append((e.name, e.username)))
    s.pool.events.subscribe("signed_out", lambda e: events.append((e.name, e.username)))
    url = ui.sign_in_with_redirect()
    assert visited == [url]
    browser = Browser()
    back = browser.sign_in(url, "alice", PASSWORD)
    assert back.status_code == 302
    user = await ui.handle_redirect_callback(back.headers["location"])
    assert user.username == "alice"
    assert events == [("signed_in", "alice")]
    current = s.pool.get_current_user()
    assert current is not None and current.username == "alice"
    session = await current.get_session()
    assert session.is_valid()
    attrs = {a.get_name(): a.get_value() for a in await current.get_user_attributes()}
    assert attrs["email"] == "alice@example.com"
    # The same callback again: nothing is pending any more.
    with pytest.raises(RedirectSignInError):
        await ui.handle_redirect_callback(back.headers["location"])

    refresh = session.get_refresh_token().get_token()
    out = await ui.sign_out(current)
    assert out == visited[-1]
    assert query_of(out)["logout_uri"] == LOGOUT
    assert s.pool.get_current_user() is None
    assert events[-1] == ("signed_out", "alice")
    resp = httpx.post(
        f"{emu.endpoint}{s.pool_id}/oauth2/token",
        data={"grant_type": "refresh_token", "client_id": s.client_id, "refresh_token": refresh},
    )
    assert resp.json()["error"] == "invalid_grant"  # revoked on sign-out
    browser.close()


async def test_redirect_callback_refusals(emu: Any) -> None:
    s, ui, _ = _hosted(emu)
    with pytest.raises(RedirectSignInError):
        await ui.handle_redirect_callback(CALLBACK + "?code=abc&state=xyz")  # nothing pending
    url = ui.sign_in_with_redirect()
    browser = Browser()
    back = browser.sign_in(url, "alice", PASSWORD)
    location = back.headers["location"]
    forged = location.replace("state=", "state=x")
    with pytest.raises(RedirectSignInError):
        await ui.handle_redirect_callback(forged)
    # The pending sign-in is used up by the forged attempt: the real one is refused too.
    with pytest.raises(RedirectSignInError):
        await ui.handle_redirect_callback(location)
    ui.sign_in_with_redirect()
    with pytest.raises(RedirectSignInError) as err:
        await ui.handle_redirect_callback(CALLBACK + "?error=access_denied&state=s")
    assert err.value.name == "access_denied"
    # A code exchanged by someone else first: the token endpoint's invalid_grant.
    url = ui.sign_in_with_redirect()
    location = browser.get(url).headers["location"]  # hosted-UI session: straight back
    code = query_of(location)["code"]
    httpx.post(
        f"{emu.endpoint}{s.pool_id}/oauth2/token",
        data={"grant_type": "authorization_code", "client_id": s.client_id, "code": code},
    )
    with pytest.raises(ServiceError) as service_err:
        await ui.handle_redirect_callback(location)
    assert service_err.value.code == "invalid_grant"
    assert not isinstance(service_err.value, NotAuthorizedException)
    browser.close()
