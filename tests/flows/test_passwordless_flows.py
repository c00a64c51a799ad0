"""Choice-based and passwordless sign-in, email MFA, auto sign-in, refresh-token rotation and
the auth events, through the SDK against the emulator."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from emulator_helpers import PASSWORD, CountingTransport, Setup

from amazon_cognito_identity import (
    AuthenticationDetails,
    Challenge,
    CodeMismatchException,
    CognitoUser,
    CognitoUserPool,
    CognitoUserSession,
    InvalidParameterError,
    MemoryStorage,
    NotAuthenticatedError,
    NotAuthorizedException,
    Storage,
    UserNotConfirmedException,
)
from amazon_cognito_identity.events import AuthEvent

FLOWS = ["ALLOW_USER_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
FACTORS = {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]}}
EMAIL_MFA = {"Message": "Your code is {####}", "Subject": "Sign-in code"}


def setup(emu: Any, pool: dict[str, Any] | None = None, **client: Any) -> Setup:
    pool_id = emu.create_pool(AutoVerifiedAttributes=["email"], Policies=FACTORS, **(pool or {}))
    client_id = emu.create_client(pool_id, ExplicitAuthFlows=FLOWS, **client)
    transport = CountingTransport()
    sdk = CognitoUserPool(
        user_pool_id=pool_id,
        client_id=client_id,
        endpoint=emu.endpoint,
        storage=MemoryStorage(),
        transport=transport,
    )
    return Setup(emu, pool_id, client_id, sdk, transport)


def record(pool: CognitoUserPool) -> list[AuthEvent]:
    seen: list[AuthEvent] = []
    for name in (
        "signed_in",
        "signed_out",
        "token_refreshed",
        "token_refresh_failed",
        "session_expired",
        "mfa_changed",
    ):
        pool.events.subscribe(name, seen.append)
    return seen


def user(s: Setup, name: str, **attrs: str) -> CognitoUser:
    s.emu.create_user(s.pool_id, name, PASSWORD, **attrs)
    return CognitoUser(name, s.pool)


async def start(u: CognitoUser, preferred: str | None = None) -> Challenge:
    u.set_authentication_flow_type("USER_AUTH")
    out = await u.authenticate_user(
        AuthenticationDetails(u.username, PASSWORD if preferred is None else ""),
        preferred_challenge=preferred,
    )
    assert isinstance(out, Challenge), out
    return out


async def test_email_otp_sign_in(emu: Any) -> None:
    s = setup(emu)
    seen = record(s.pool)
    u = user(s, "ola", email="ola@example.com")
    challenge = await start(u, "EMAIL_OTP")
    assert challenge.name == "EMAIL_OTP"
    assert [(f.name, f.kind, f.autocomplete) for f in challenge.fields] == [
        ("code", "code", "one-time-code")
    ]
    assert challenge.delivery is not None
    assert (challenge.delivery.medium, challenge.delivery.destination) == ("EMAIL", "o***@e***")
    session = await u.answer({"code": emu.last_code("ola", "email_otp")})
    assert isinstance(session, CognitoUserSession) and session.is_valid()
    assert [(e.name, e.username, e.data["source"]) for e in seen] == [
        ("signed_in", "ola", "this_tab")
    ]
    assert s.transport.sent[0] == ("InitiateAuth", "USER_AUTH")
    assert s.pool.get_current_user() is not None


async def test_sms_otp_with_a_wrong_code_first(emu: Any) -> None:
    s = setup(emu)
    u = user(s, "sid", phone_number="+15550003333")
    challenge = await start(u, "SMS_OTP")
    assert challenge.delivery is not None and challenge.delivery.medium == "SMS"
    code = emu.last_code("sid", "sms_otp")
    with pytest.raises(CodeMismatchException):
        await u.send_mfa_code(f"{(int(code) + 1) % 1_000_000:06d}")
    session = await u.send_mfa_code(code)  # the JS-named method answers SMS_OTP too
    assert isinstance(session, CognitoUserSession)


async def test_select_challenge_describes_itself_and_signs_in_with_srp(emu: Any) -> None:
    s = setup(emu)
    u = user(s, "sel", email="sel@example.com", phone_number="+15550004444")
    challenge = await start(u)
    assert challenge.name == "SELECT_CHALLENGE"
    answer, password = challenge.fields
    assert (answer.name, answer.kind) == ("answer", "choice")
    assert [(c.value, c.label) for c in answer.choices] == [
        ("PASSWORD_SRP", "Password"),
        ("EMAIL_OTP", "Email me a code"),
        ("SMS_OTP", "Text me a code"),
    ]
    assert (password.name, password.kind, password.autocomplete) == (
        "password",
        "password",
        "current-password",
    )
    assert password.shown_when == ("answer", ("PASSWORD", "PASSWORD_SRP"))
    with pytest.raises(InvalidParameterError):
        await u.answer({"answer": "PASSWORD_SRP"})  # the password is required for it
    session = await u.answer({"answer": "PASSWORD_SRP", "password": PASSWORD})
    assert isinstance(session, CognitoUserSession)
    assert ("RespondToAuthChallenge", "PASSWORD_VERIFIER") in s.transport.sent
    assert u.username == "sel"


async def test_select_challenge_then_a_code(emu: Any) -> None:
    s = setup(emu)
    u = user(s, "sec", email="sec@example.com")
    await start(u)
    challenge = await u.answer({"answer": "EMAIL_OTP"})
    assert isinstance(challenge, Challenge) and challenge.name == "EMAIL_OTP"
    session = await u.answer({"code": emu.last_code("sec", "email_otp")})
    assert isinstance(session, CognitoUserSession)
    # The plain PASSWORD answer works as well (as Amplify sends it).
    await start(u)
    assert isinstance(
        await u.answer({"answer": "PASSWORD", "password": PASSWORD}), CognitoUserSession
    )


async def test_preferred_password_and_refusals(emu: Any) -> None:
    s = setup(emu)
    u = user(s, "pam", email="pam@example.com")
    u.set_authentication_flow_type("USER_AUTH")
    out = await u.authenticate_user(
        AuthenticationDetails("pam", PASSWORD), preferred_challenge="PASSWORD"
    )
    assert isinstance(out, CognitoUserSession)
    with pytest.raises(NotAuthorizedException):
        await u.authenticate_user(
            AuthenticationDetails("pam", "wrong"), preferred_challenge="PASSWORD_SRP"
        )
    with pytest.raises(InvalidParameterError):
        await u.authenticate_user(AuthenticationDetails("pam", ""), preferred_challenge="TOTP")


async def test_email_mfa_turned_on_then_asked(emu: Any) -> None:
    s = setup(emu, {"MfaConfiguration": "OPTIONAL"})
    seen = record(s.pool)
    u = user(s, "mae", email="mae@example.com")
    await u.authenticate_user(AuthenticationDetails("mae", PASSWORD))
    await u.set_user_mfa_preference(
        None, None, email_mfa_settings={"Enabled": True, "PreferredMfa": True}
    )
    changed = [e for e in seen if e.name == "mfa_changed"]
    assert changed[0].data == {"EmailMfaSettings": {"Enabled": True, "PreferredMfa": True}}
    challenge = await CognitoUser("mae", s.pool).authenticate_user(
        AuthenticationDetails("mae", PASSWORD)
    )
    assert isinstance(challenge, Challenge) and challenge.name == "EMAIL_OTP"
    assert challenge.delivery is not None and challenge.delivery.medium == "EMAIL"


async def test_email_mfa_set_up_during_sign_in(emu: Any) -> None:
    s = setup(emu, {"MfaConfiguration": "ON"})
    emu.call(
        "SetUserPoolMfaConfig",
        {"UserPoolId": s.pool_id, "MfaConfiguration": "ON", "EmailMfaConfiguration": EMAIL_MFA},
    )
    u = user(s, "set")
    challenge = await u.authenticate_user(AuthenticationDetails("set", PASSWORD))
    assert isinstance(challenge, Challenge) and challenge.name == "MFA_SETUP"
    [pick] = challenge.fields
    assert [c.value for c in pick.choices] == ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]
    step = await u.answer({"mfa_type": "EMAIL_OTP"})
    assert isinstance(step, Challenge)
    assert [(f.name, f.kind) for f in step.fields] == [("email", "attribute")]
    code_step = await u.answer({"email": "set@example.org"})
    assert isinstance(code_step, Challenge) and code_step.name == "EMAIL_OTP"
    session = await u.answer({"code": emu.last_code("set", "email_mfa")})
    assert isinstance(session, CognitoUserSession)
    data = await u.get_user_data()
    assert data["UserMFASettingList"] == ["EMAIL_OTP"]


async def test_auto_sign_in_after_confirmation(emu: Any) -> None:
    s = setup(emu)
    seen = record(s.pool)
    result = await s.pool.sign_up("newt", PASSWORD, {"email": "newt@example.com"})
    u = result.user
    await u.confirm_registration(emu.last_code("newt", "signup"))
    session = await u.auto_sign_in()
    assert isinstance(session, CognitoUserSession)
    assert session.get_id_token().payload["cognito:username"] == "newt"
    assert [e.name for e in seen] == ["signed_in"]
    with pytest.raises(InvalidParameterError):
        await u.auto_sign_in()  # used once


async def test_auto_sign_in_session_replayed_or_expired(emu: Any) -> None:
    s = setup(emu)
    result = await s.pool.sign_up("late", PASSWORD, {"email": "late@example.com"})
    u = result.user
    await u.confirm_registration(emu.last_code("late", "signup"))
    kept = u.auto_sign_in_session
    emu.emulator.advance_clock(181)
    try:
        with pytest.raises(NotAuthorizedException):
            await u.auto_sign_in()
    finally:
        emu.emulator.advance_clock(-181)
    u.auto_sign_in_session = kept  # replaying a used (here: expired and taken) session
    with pytest.raises(NotAuthorizedException):
        await u.auto_sign_in()


async def test_sign_up_session_goes_to_confirm_sign_up_and_signs_in_once_confirmed(
    emu: Any,
) -> None:
    s = setup(emu)
    sent = s.transport
    result = await s.pool.sign_up("opal", PASSWORD, {"email": "opal@example.com"})
    assert result.session and result.user.auto_sign_in_session == result.session
    with pytest.raises(UserNotConfirmedException):
        await result.user.auto_sign_in()  # the session is real, the user not confirmed yet
    with pytest.raises(InvalidParameterError):
        await result.user.auto_sign_in()  # and it was spent by that attempt

    # A second sign-up object: its SignUp Session travels with ConfirmSignUp.
    other = await s.pool.sign_up("pia", PASSWORD, {"email": "pia@example.com"})
    await other.user.confirm_registration(emu.last_code("pia", "signup"))
    confirm = [b for t, b in sent.bodies if t == "ConfirmSignUp"]
    assert confirm[-1]["Session"] == other.session
    assert other.user.auto_sign_in_session not in (None, other.session)  # ConfirmSignUp's own
    signed = await other.user.auto_sign_in()
    assert isinstance(signed, CognitoUserSession)


async def test_sign_up_session_signs_in_after_an_admin_confirms(emu: Any) -> None:
    """Amplify's path for a user confirmed outside the app: SignUp's Session goes straight to
    InitiateAuth USER_AUTH."""
    s = setup(emu)
    result = await s.pool.sign_up("quin", PASSWORD, {"email": "quin@example.com"})
    emu.call("AdminConfirmSignUp", {"UserPoolId": s.pool_id, "Username": "quin"})
    signed = await result.user.auto_sign_in()
    assert signed.get_id_token().payload["cognito:username"] == "quin"


# ---------------------------------------------------------------- refresh and events


class Clock:
    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        import time

        return time.time() + self.offset


def rotating(emu: Any, rotation: dict[str, Any] | None) -> tuple[Setup, CountingTransport]:
    extra = {"RefreshTokenRotation": rotation} if rotation else {}
    units = {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"}
    s = setup(emu, AccessTokenValidity=5, TokenValidityUnits=units, **extra)
    transport = CountingTransport()
    return s, transport


def tab(s: Setup, storage: Storage, transport: CountingTransport, clock: Clock) -> CognitoUserPool:
    return CognitoUserPool(
        user_pool_id=s.pool_id,
        client_id=s.client_id,
        endpoint=s.emu.endpoint,
        storage=storage,
        transport=transport,
        clock=clock,
    )


@pytest.mark.parametrize("rotation", [None, {"Feature": "ENABLED", "RetryGracePeriodSeconds": 0}])
async def test_five_users_of_one_storage_refresh_once(emu: Any, rotation: Any) -> None:
    """Five pool objects on one storage (the tabs of one origin, in one process) whose access
    tokens expired together: one refresh, every one ends with the same valid session."""
    clock = Clock()
    s, transport = rotating(emu, rotation)
    emu.create_user(s.pool_id, "tia", PASSWORD)
    storage = MemoryStorage()
    first = CognitoUser("tia", tab(s, storage, transport, clock))
    await first.authenticate_user(AuthenticationDetails("tia", PASSWORD))
    pools = [tab(s, storage, transport, clock) for _ in range(5)]
    seen = [record(p) for p in pools]
    users = [p.get_current_user() for p in pools]
    assert all(u is not None for u in users)
    clock.offset = 301  # every access token has expired
    emu.emulator.advance_clock(301)
    try:
        sessions = await asyncio.gather(*(u.get_session() for u in users if u is not None))
    finally:
        emu.emulator.advance_clock(-301)
    # Without rotation: one REFRESH_TOKEN_AUTH. With it: that one is refused for the rotating
    # client, the SDK switches to GetTokensFromRefreshToken: one refresh all the same.
    assert transport.count("InitiateAuth", "REFRESH_TOKEN_AUTH") == 1
    assert transport.count("GetTokensFromRefreshToken") == (1 if rotation else 0)
    tokens = {x.get_access_token().get_jwt_token() for x in sessions}
    assert len(tokens) == 1
    assert all(x.is_valid(clock()) for x in sessions)
    assert sum(1 for events in seen for e in events if e.name == "token_refreshed") == 1
    assert not any(e.name == "signed_out" for events in seen for e in events)


class LaggingStorage:
    """One tab's view of an origin's localStorage as Chromium keeps it: the tab reads its own
    copy, and another tab's write reaches that copy only ``lag`` seconds later (it is
    forwarded between processes asynchronously, with no ordering against Web Locks)."""

    def __init__(self, views: list[LaggingStorage], lag: float) -> None:
        self.items: dict[str, str] = {}
        self.views, self.lag = views, lag
        if views:
            self.items = dict(views[0].items)
        views.append(self)

    def _apply(self, key: str, value: str | None) -> None:
        if value is None:
            self.items.pop(key, None)
        else:
            self.items[key] = value

    def _write(self, key: str, value: str | None) -> None:
        self._apply(key, value)
        loop = asyncio.get_running_loop()
        for other in self.views:
            if other is not self:
                loop.call_later(self.lag, other._apply, key, value)

    def get_item(self, key: str) -> str | None:
        return self.items.get(key)

    def set_item(self, key: str, value: str) -> None:
        self._write(key, value)

    def remove_item(self, key: str) -> None:
        self._write(key, None)

    def clear(self) -> None:
        for key in list(self.items):
            self._write(key, None)


@pytest.mark.parametrize("rotation", [None, {"Feature": "ENABLED", "RetryGracePeriodSeconds": 0}])
async def test_five_tabs_whose_storage_lags_behind_the_lock_refresh_once(
    emu: Any, rotation: Any
) -> None:
    """The tabs' own storage shows another tab's refresh only 0.3 s after that tab released
    the refresh lock (as localStorage across Chromium's processes): the tab granted the lock
    next must not take the old tokens it still sees for the current ones. The tabs ask one
    after the other here (in one process, concurrent callers would share one flight)."""
    clock = Clock()
    s, transport = rotating(emu, rotation)
    emu.create_user(s.pool_id, "lia", PASSWORD)
    views: list[LaggingStorage] = []
    first = CognitoUser("lia", tab(s, LaggingStorage(views, 0.3), transport, clock))
    await first.authenticate_user(AuthenticationDetails("lia", PASSWORD))
    pools = [tab(s, LaggingStorage(views, 0.3), transport, clock) for _ in range(5)]
    seen = [record(p) for p in pools]
    users = [p.get_current_user() for p in pools]
    assert all(u is not None for u in users)
    clock.offset = 301
    emu.emulator.advance_clock(301)
    try:
        sessions = [await u.get_session() for u in users if u is not None]
    finally:
        emu.emulator.advance_clock(-301)
    assert transport.count("InitiateAuth", "REFRESH_TOKEN_AUTH") == 1
    assert transport.count("GetTokensFromRefreshToken") == (1 if rotation else 0)
    assert len({x.get_access_token().get_jwt_token() for x in sessions}) == 1
    assert len({x.get_refresh_token().get_token() for x in sessions}) == 1
    assert all(x.is_valid(clock()) for x in sessions)
    assert sum(1 for events in seen for e in events if e.name == "token_refreshed") == 1
    assert not any(e.name in ("signed_out", "session_expired") for ev in seen for e in ev)


async def test_rotation_switches_by_itself_and_keeps_the_new_token(emu: Any) -> None:
    clock = Clock()
    s, transport = rotating(emu, {"Feature": "ENABLED", "RetryGracePeriodSeconds": 0})
    emu.create_user(s.pool_id, "rob", PASSWORD)
    pool = tab(s, MemoryStorage(), transport, clock)
    u = CognitoUser("rob", pool)
    session = await u.authenticate_user(AuthenticationDetails("rob", PASSWORD))
    assert isinstance(session, CognitoUserSession)
    old = session.get_refresh_token().get_token()
    fresh = await u.refresh_session(old)
    assert pool.refresh_token_rotation is True
    new = fresh.get_refresh_token().get_token()
    assert new != old
    assert (
        pool.storage.get_item(f"CognitoIdentityServiceProvider.{s.client_id}.rob.refreshToken")
        == new
    )
    # The rotated-out token is refused with Cognito's error name.
    with pytest.raises(Exception) as err:
        await CognitoUser("rob", pool).refresh_session(old)
    assert getattr(err.value, "code", None) == "RefreshTokenReuseException"


async def test_revoked_refresh_token_fails_and_expires_the_session(emu: Any) -> None:
    clock = Clock()
    s, transport = rotating(emu, None)
    emu.create_user(s.pool_id, "rex", PASSWORD)
    pool = tab(s, MemoryStorage(), transport, clock)
    seen = record(pool)
    u = CognitoUser("rex", pool)
    await u.authenticate_user(AuthenticationDetails("rex", PASSWORD))
    # Signed out everywhere by an administrator: this tab still holds the tokens.
    emu.call("AdminUserGlobalSignOut", {"UserPoolId": s.pool_id, "Username": "rex"})
    clock.offset = 301
    with pytest.raises(NotAuthorizedException):
        await u.get_session()
    names = [e.name for e in seen]
    assert names[-2:] == ["token_refresh_failed", "session_expired"]
    assert isinstance(seen[-1].data["error"], NotAuthorizedException)
    with pytest.raises(NotAuthenticatedError):
        await u.get_session()


async def test_sign_out_elsewhere_ends_the_session_here(emu: Any) -> None:
    s = setup(emu)
    emu.create_user(s.pool_id, "sue", PASSWORD)
    storage = MemoryStorage()
    here = CognitoUser("sue", s.sdk_pool(storage=storage))
    there_pool = s.sdk_pool(storage=storage)
    seen = record(there_pool)
    await here.authenticate_user(AuthenticationDetails("sue", PASSWORD))
    there = there_pool.get_current_user()
    assert there is not None and (await there.get_session()).is_valid()
    here.sign_out(revoke=False)
    assert [e.name for e in seen] == []  # events of the pool object that signed out
    with pytest.raises(NotAuthenticatedError):
        await there.get_session()


@pytest.mark.node
def test_passwordless_flows_under_pyodide(emu: Any, tmp_path: Any) -> None:
    """The same flows inside real Pyodide (npm pyodide under Node): fetch, localStorage."""
    import json
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    s = setup(emu, RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 0})
    emu.create_user(s.pool_id, "pyu", PASSWORD, email="pyu@example.com")
    inp = tmp_path / "input.json"
    config = {"pool_id": s.pool_id, "client_id": s.client_id, "endpoint": emu.endpoint}
    inp.write_text(json.dumps({**config, "username": "pyu", "password": PASSWORD}))
    proc = subprocess.run(
        ["node", "tests/node/pyodide_run.js", "tests/node/passwordless_pyodide.py", str(inp)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {
        "otp_challenge": ["EMAIL_OTP", "EMAIL"],
        "otp_signed_in": True,
        "choices": ["PASSWORD_SRP", "EMAIL_OTP"],
        "srp_signed_in": True,
        "rotated": [True, True],
        "auto": "pyo",
        "events": ["signed_in", "signed_in", "token_refreshed", "signed_in"],
    }
