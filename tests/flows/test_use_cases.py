"""Runs every code block of the README's "Use cases" section, in order, against the emulator.

The README is the source: blocks are extracted and executed (top-level ``await`` allowed) in
one namespace, like a reader following the page. The test only supplies what a reader
supplies - the pool ids, the user's answers to ``prompt`` (codes from the emulator's
outbox, TOTP codes) - plus a little set-up between use cases that the JS README also
leaves to the reader (an admin-created user for 23, a throwaway user for 13...). Each use
case's output and effects are then checked.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyotp
import pytest
from emulator_helpers import ALL_FLOWS

from amazon_cognito_identity import (
    AuthenticationDetails,
    Challenge,
    CognitoUser,
    CognitoUserSession,
)

DOC = Path(__file__).resolve().parents[2] / "README.md"
MAIN = "username"


def parse_doc() -> tuple[list[str], dict[int, list[str]], list[int]]:
    """(setup blocks, {use case: blocks}, use-case numbers in doc order)."""
    text = DOC.read_text()
    setup: list[str] = []
    cases: dict[int, list[str]] = {}
    order: list[int] = []
    current: int | None = None
    in_setup = False
    for part in re.split(r"(^#{2,3} [^\n]*$|^```python\n.*?^```$)", text, flags=re.M | re.S):
        heading = re.match(r"^### Use case (\d+)\.", part)
        if heading:
            current, in_setup = int(heading.group(1)), False
            order.append(current)
            cases[current] = []
        elif re.match(r"^#{2,3} ", part):
            # "### Setup" opens the shared set-up; any other heading closes the current part.
            in_setup, current = part.strip() == "### Setup", None
        elif part.startswith("```python"):
            code = part.split("\n", 1)[1].rsplit("```", 1)[0]
            if in_setup:
                setup.append(code)
            elif current is not None:
                cases[current].append(code)
    return setup, cases, order


async def run_block(code: str, ns: dict[str, Any], name: str) -> str:
    out = io.StringIO()
    compiled = compile(code, name, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    with contextlib.redirect_stdout(out):
        result = eval(compiled, ns)
        if result is not None:
            await result
    return out.getvalue()


def test_doc_has_every_use_case_in_order() -> None:
    setup, cases, order = parse_doc()
    assert setup, "no setup block"
    assert order == list(range(1, 41))
    assert all(cases[n] for n in order), [n for n in order if not cases[n]]


class Story:
    """The reader: answers prompts and does the set-up the README leaves implicit."""

    def __init__(self, emu: Any) -> None:
        self.emu = emu
        self.pool_id = emu.create_pool(
            "use-cases",
            MfaConfiguration="OPTIONAL",
            EmulatorCustomAuth="BUILTIN",
            AutoVerifiedAttributes=["email"],
            DeviceConfiguration={
                "ChallengeRequiredOnNewDevice": False,
                "DeviceOnlyRememberedOnUserPrompt": True,
            },
            Policies={
                "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]}
            },
        )
        self.client_id = emu.create_client(
            self.pool_id, ExplicitAuthFlows=[*ALL_FLOWS, "ALLOW_USER_AUTH"]
        )
        self.secrets: list[str] = []
        self.prompts: list[str] = []
        self.ns: dict[str, Any] = {"__name__": "use_cases"}
        self.saved: dict[str, Any] = {}
        self.monkeypatch: pytest.MonkeyPatch | None = None

    def who(self) -> str:
        user = self.ns.get("cognito_user")
        return user.get_username() if user is not None else MAIN

    def prompt(self, message: str) -> str:
        self.prompts.append(message)
        lower = message.lower()
        if "confirmation code" in lower:
            return self.emu.last_code(self.who(), "signup")
        if "verification code" in lower:
            return self.emu.last_code(self.who(), "verify_email")
        if "sms code" in lower:
            return self.emu.last_code(self.who(), "sms_mfa")
        if "totp code" in lower:
            return pyotp.TOTP(self.secrets[-1]).now()
        if "mfa method" in lower:
            return "SOFTWARE_TOKEN_MFA"
        if "emailed sign-in code" in lower:
            return self.emu.last_code(self.who(), "email_otp")
        if "email mfa code" in lower:
            return self.emu.last_code(self.who(), "email_mfa")
        if "challenge answer" in lower:
            return self.emu.last_code(self.who(), "custom_challenge")
        if lower.startswith("code"):
            return self.emu.last_code(self.who(), "forgot_password")
        raise AssertionError(f"unexpected prompt {message!r}")

    @property
    def authenticator(self) -> Any:
        """The reader's passkey device: a software authenticator on CPython."""
        from emulator.soft_authenticator import SoftAuthenticator

        soft = SoftAuthenticator()

        class Device:
            async def create(self, options: dict[str, Any]) -> dict[str, Any]:
                return soft.create(options)

            async def get(self, options: dict[str, Any]) -> dict[str, Any]:
                return soft.get(options)

        return Device()

    def open_in_browser(self, url: str) -> str:
        """The reader signs in on the hosted page (password, then the SMS or email code if
        asked)."""
        from emulator.hosted_ui_helpers import Browser

        browser = Browser()
        try:
            page = browser.sign_in(url, self.who(), "Passw0rd!")
            if page.status_code == 200 and 'autocomplete="one-time-code"' in page.text:
                # Use case 35 turned email MFA on for this user; SMS before that.
                kind = "email_mfa" if 'value="EMAIL_OTP"' in page.text else "sms_mfa"
                page = browser.submit(page, code=self.emu.last_code(self.who(), kind))
            assert page.status_code == 302, page.text
            return str(page.headers["location"])
        finally:
            browser.close()

    def show_qr_code(self, secret: str) -> None:
        self.secrets.append(secret)
        print("Add this key to your authenticator app:", secret)

    async def signed_in(self, username: str, password: str) -> CognitoUser:
        """A signed-in user on the story's pool and storage (answers SMS or, after use case 35,
        email MFA from the outbox if asked)."""
        user = CognitoUser(username, self.ns["user_pool"])
        result = await user.authenticate_user(AuthenticationDetails(username, password))
        if isinstance(result, Challenge):
            kinds = {"SMS_MFA": "sms_mfa", "EMAIL_OTP": "email_mfa"}
            assert result.name in kinds, result
            result = await user.answer({"code": self.emu.last_code(username, kinds[result.name])})
        assert isinstance(result, CognitoUserSession)
        return user


def storage_keys(story: Story) -> dict[str, str]:
    return dict(story.ns["storage"]._data)


# use case -> set-up run before its blocks
async def before_13(s: Story) -> None:
    s.emu.create_user(s.pool_id, "throwaway", "Passw0rd!")
    s.saved["main_user"] = s.ns["cognito_user"]
    s.ns["cognito_user"] = await s.signed_in("throwaway", "Passw0rd!")


async def before_14(s: Story) -> None:
    s.ns["cognito_user"] = s.saved["main_user"]


async def before_15(s: Story) -> None:
    s.ns["cognito_user"] = await s.signed_in(MAIN, "Passw0rd!")


async def before_16(s: Story) -> None:
    await s.signed_in(MAIN, "Passw0rd!")


async def before_23(s: Story) -> None:
    s.emu.call(
        "AdminCreateUser",
        {
            "UserPoolId": s.pool_id,
            "Username": "newbie",
            "TemporaryPassword": "Temporary-Passw0rd",
            "MessageAction": "SUPPRESS",
            "UserAttributes": [
                {"Name": "email", "Value": "newbie@mydomain.com"},
                {"Name": "email_verified", "Value": "true"},
            ],
        },
    )


class FakeDocument:
    """``document.cookie`` of a page, for CookieStorage on CPython."""

    def __init__(self) -> None:
        from amazon_cognito_identity.storage import MemoryCookieJar

        self.jar = MemoryCookieJar()

    @property
    def cookie(self) -> str:
        return self.jar.read()

    @cookie.setter
    def cookie(self, value: str) -> None:
        self.jar.write(value)


async def before_26(s: Story) -> None:
    import amazon_cognito_identity.storage as storage_module

    page = type("Page", (), {"document": FakeDocument()})()
    s.saved["page"] = page
    assert s.monkeypatch is not None
    s.monkeypatch.setattr(storage_module, "browser_globals", lambda: page)


async def before_27(s: Story) -> None:
    s.emu.create_user(s.pool_id, "totpuser", "Passw0rd!")
    s.emu.call("SetUserPoolMfaConfig", {"UserPoolId": s.pool_id, "MfaConfiguration": "ON"})


async def before_28(s: Story) -> None:
    s.saved["totp_user"] = s.ns["cognito_user"]
    s.ns["cognito_user"] = await s.signed_in(MAIN, "Passw0rd!")


async def before_29(s: Story) -> None:
    s.saved["main_user"] = s.ns["cognito_user"]
    s.ns["cognito_user"] = s.saved["totp_user"]


async def before_30(s: Story) -> None:
    s.ns["cognito_user"] = CognitoUser(MAIN, s.ns["user_pool"])
    s.ns["authentication_details"] = AuthenticationDetails(MAIN, "Passw0rd!")


async def before_33(s: Story) -> None:
    # Use case 27 made MFA required; one-time-code sign-in is for pools where it is not.
    s.emu.call("SetUserPoolMfaConfig", {"UserPoolId": s.pool_id, "MfaConfiguration": "OPTIONAL"})


async def before_39(s: Story) -> None:
    # The pool admin allows passkeys (the pool's sign-in policy and relying party).
    from cognito_emulator.model import get_pool

    emu = s.emu.emulator
    pool = get_pool(emu, s.pool_id)
    pool["Policies"]["SignInPolicy"] = {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}
    emu.store.put("pool", s.pool_id, pool)
    s.emu.call(
        "SetUserPoolMfaConfig",
        {"UserPoolId": s.pool_id, "WebAuthnConfiguration": {"RelyingPartyId": "localhost"}},
    )
    s.emu.call(
        "UpdateUserPoolClient",
        {
            "UserPoolId": s.pool_id,
            "ClientId": s.client_id,
            "ExplicitAuthFlows": [*ALL_FLOWS, "ALLOW_USER_AUTH"],
        },
    )
    s.ns["cognito_user"] = await s.signed_in(MAIN, "Passw0rd!")


async def before_40(s: Story) -> None:
    # The app client gets its hosted-UI settings (UpdateUserPoolClient resets what it is not
    # given, so the sign-in flows are named again).
    s.emu.call(
        "UpdateUserPoolClient",
        {
            "UserPoolId": s.pool_id,
            "ClientId": s.client_id,
            "ExplicitAuthFlows": [*ALL_FLOWS, "ALLOW_USER_AUTH"],
            "AllowedOAuthFlowsUserPoolClient": True,
            "AllowedOAuthFlows": ["code"],
            "AllowedOAuthScopes": ["openid", "email", "aws.cognito.signin.user.admin"],
            "CallbackURLs": ["http://localhost:8000/callback"],
            "LogoutURLs": ["http://localhost:8000/"],
        },
    )


BEFORE: dict[int, Callable[[Story], Any]] = {
    13: before_13,
    14: before_14,
    15: before_15,
    16: before_16,
    23: before_23,
    26: before_26,
    27: before_27,
    28: before_28,
    29: before_29,
    30: before_30,
    33: before_33,
    39: before_39,
    40: before_40,
}


def check(n: int, out: str, s: Story) -> None:
    ns, emu = s.ns, s.emu
    keys = storage_keys(s)
    prefix = f"CognitoIdentityServiceProvider.{s.client_id}"
    if n == 1:
        assert "user name is username" in out and "confirmed: False" in out
    elif n == 2:
        assert "call result: SUCCESS" in out
        assert (
            emu.call("AdminGetUser", {"UserPoolId": s.pool_id, "Username": MAIN})["UserStatus"]
            == "CONFIRMED"
        )
    elif n == 3:
        assert "code sent to: e***@m***" in out or "code sent to:" in out
        assert len([m for m in emu.outbox(MAIN) if m["kind"] == "signup"]) == 2
    elif n == 4:
        assert out.count("Successfully logged in!") == 2
        assert keys[f"{prefix}.LastAuthUser"] == MAIN
        assert keys.get(f"{prefix}.{MAIN}.deviceKey")
    elif n == 5:
        assert "attribute email has value email@mydomain.com" in out
    elif n == 6:
        assert out.count("call result: SUCCESS") == 2
    elif n in (7, 8, 9, 10, 11, 20, 21, 22, 28, 29):
        assert ("call result: SUCCESS" in out) or ("call result SUCCESS" in out), out
        if n == 8:
            attrs = emu.call("AdminGetUser", {"UserPoolId": s.pool_id, "Username": MAIN})
            assert {"Name": "nickname", "Value": "joe"} in attrs["UserAttributes"]
        if n == 22:
            assert f"{prefix}.{MAIN}.deviceKey" not in keys
    elif n == 12:
        assert "Code sent to:" in out and "Password confirmed!" in out
    elif n == 13:
        assert "call result: SUCCESS" in out
        with pytest.raises(Exception):  # noqa: B017 - any "no such user" answer
            emu.call("AdminGetUser", {"UserPoolId": s.pool_id, "Username": "throwaway"})
    elif n == 14:
        assert f"{prefix}.LastAuthUser" not in keys
        assert keys.get(f"{prefix}.{MAIN}.deviceKey")  # device keys stay
    elif n == 15:
        assert "call result: SUCCESS" in out and f"{prefix}.{MAIN}.idToken" not in keys
    elif n == 16:
        assert "session validity: True" in out and "'nickname': 'joe'" in out
    elif n == 17:
        assert "You are now logged in." in out
        assert list(ns["logins"]) == [f"cognito-idp.us-east-1.amazonaws.com/{s.pool_id}"]
    elif n == 18:
        assert f"call result: ['{keys[f'{prefix}.{MAIN}.deviceKey']}']" in out
    elif n == 19:
        assert keys[f"{prefix}.{MAIN}.deviceKey"] in out
    elif n == 23:
        assert "signed in: True" in out
    elif n == 24:
        assert "'PreferredMfaSetting': None" in out
    elif n == 25:
        assert "custom sign-in done: True" in out
    elif n == 26:
        cookies = ns["cookie_user"].storage
        assert cookies is not ns["cookie_pool"].storage
        cookies.set_item("k", "v" * 5000)  # split over several cookies
        assert cookies.get_item("k") == "v" * 5000
        assert s.saved["page"].document.cookie.count("; ") >= 1  # more than one cookie
    elif n == 27:
        assert "signed in with MFA" in out and s.secrets
    elif n == 30:
        assert "password sign-in: True" in out
        assert any("sms code" in p.lower() for p in s.prompts)
    elif n == 31:
        assert out.count("User data for user username") == 2
    elif n == 32:
        assert "TOKEN SUCCESSFULLY UPDATED" in out
    elif n == 39:
        assert "passkeys: [('Passkey', 'localhost')]" in out
        assert "passkey sign-in: True" in out
        assert "passkeys left: 0" in out
    elif n == 40:
        assert f"hosted sign-in: {MAIN} {MAIN}" in out
        assert f"signed out through {emu.endpoint}{s.pool_id}/logout" in out
        assert f"{prefix}.LastAuthUser" not in storage_keys(s)
    else:
        check_modern(n, out, s)


def check_modern(n: int, out: str, s: Story) -> None:
    """Use cases 33-38: choice-based and passwordless sign-in, email MFA, auto sign-in,
    events and refresh-token rotation."""
    sent = [m["kind"] for m in s.emu.outbox(MAIN)]
    if n == 33:
        assert "***@m***" in out and "signed in with an emailed code: True" in out
        assert "email_otp" in sent
    elif n == 34:
        assert "SELECT_CHALLENGE answer choice ['Password', 'Email me a code'" in out
        assert "SELECT_CHALLENGE password password []" in out
        assert "signed in with the chosen factor: True" in out
    elif n == 35:
        assert "second factor: EMAIL_OTP" in out and "signed in with email MFA: True" in out
        assert "email_mfa" in sent
    elif n == 36:
        assert "signed in after sign-up: newcomer" in out
    elif n == 37:
        assert out.splitlines() == [
            "event: token_refreshed newcomer this_tab",
            "event: signed_out newcomer this_tab",
        ]
    elif n == 38:
        assert "refreshed with rotation: True" in out
        assert s.ns["rotating_pool"].refresh_token_rotation is True


async def test_every_use_case_runs_against_the_emulator(
    emu: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup, cases, order = parse_doc()
    story = Story(emu)
    story.monkeypatch = monkeypatch
    ns = story.ns
    for i, code in enumerate(setup):
        await run_block(code, ns, f"setup-{i}")
    # What a reader fills in.
    ns.update(
        USER_POOL_ID=story.pool_id,
        CLIENT_ID=story.client_id,
        ENDPOINT=emu.endpoint,
        prompt=story.prompt,
        show_qr_code=story.show_qr_code,
        authenticator=story.authenticator,
        HOSTED_UI_DOMAIN=f"{emu.endpoint}{story.pool_id}",
        open_in_browser=story.open_in_browser,
    )
    # Resending a code only makes sense before confirming: 3 runs before 2.
    run_order = [1, 3, 2, *[n for n in order if n > 3]]
    for n in run_order:
        if n in BEFORE:
            await BEFORE[n](story)
        out = ""
        for j, code in enumerate(cases[n]):
            try:
                out += await run_block(code, ns, f"use-case-{n}-{j}")
            except Exception as err:
                raise AssertionError(f"use case {n} block {j} failed: {err!r}") from err
        try:
            check(n, out, story)
        except AssertionError as err:
            raise AssertionError(f"use case {n}: {err}\n--- output ---\n{out}") from err
