"""Passwordless sign-in, code errors and auto sign-in of the Authenticator, on CPython against
the emulator: the views as data (what the page would show), the focus asked for, the calls made."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from test_authenticator import Recorder, run

from amazon_cognito_identity import CognitoUserPool, MemoryStorage
from amazon_cognito_identity.errors import CognitoError, InvalidParameterError
from amazon_cognito_identity.web.authenticator import Authenticator
from amazon_cognito_identity.web.passwordless_view import code_error_key

PASSWORD = "Otp-Passw0rd!"
ALL = ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]
FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def make_pool(
    emulator: Any,
    factors: list[str] | None = None,
    flows: list[str] | None = None,
    **pool: Any,
) -> tuple[CognitoUserPool, str]:
    params: dict[str, Any] = {"AutoVerifiedAttributes": ["email"], **pool}
    if factors is not None:
        params["Policies"] = {"SignInPolicy": {"AllowedFirstAuthFactors": factors}}
    pool_id, client_id = emulator.create_pool_and_client(
        params, {"ExplicitAuthFlows": flows or FLOWS}
    )
    cognito = CognitoUserPool(
        user_pool_id=pool_id,
        client_id=client_id,
        endpoint=emulator.endpoint,
        storage=MemoryStorage(),
        timeout=5,
    )
    return cognito, pool_id


def new_user(emulator: Any, pool_id: str, **attrs: str) -> str:
    name = f"otp-{secrets.token_hex(3)}"
    attrs.setdefault("email", f"{name}@example.com")
    emulator.create_user(pool_id, name, PASSWORD, **attrs)
    return name


def buttons(rec: Recorder) -> dict[str, dict[str, Any]]:
    """The buttons of the last render by their text."""
    return {"".join(b.get("children", [])): b for b in rec.nodes("button")}


def field_error(rec: Recorder, name: str) -> str | None:
    """The text next to input ``name`` (its aria-describedby error line), or None."""
    found = [i for i in rec.nodes("input") if i["attrs"]["name"] == name]
    assert found, f"no input {name}"
    attrs = found[0]["attrs"]
    if attrs.get("aria-invalid") != "true":
        return None
    ident = attrs["aria-describedby"].split()[-1]
    line = next(p for p in rec.nodes("p") if p["attrs"].get("id") == ident)
    assert line["attrs"]["role"] == "alert"
    return "".join(line["children"])


@pytest.fixture
def clock(emulator: Any) -> Iterator[Any]:
    """The emulator's clock, put back after the test."""
    before = emulator.emulator.clock_offset
    yield emulator.emulator
    emulator.emulator.clock_offset = before


def test_email_code_button_wrong_code_then_right_code(emulator: Any) -> None:
    pool, pool_id = make_pool(emulator, ALL)
    user = new_user(emulator, pool_id)
    rec = Recorder()
    seen: list[str] = []

    async def scenario() -> None:
        auth = Authenticator(
            pool,
            "#login",
            page=rec.page,
            first_factors=ALL,
            on_signed_in=lambda u, s: seen.append(u.get_username()),
        )
        await auth.started
        shown = buttons(rec)
        assert shown["Sign in"]["attrs"]["type"] == "submit"
        assert [shown[t]["on"]["click"] for t in ("Email me a code", "Text me a code")] == [
            "passwordless",
            "passwordless",
        ]
        assert [i["attrs"]["name"] for i in rec.nodes("input")] == ["username", "password"]
        await rec.page.event(
            "#login",
            "passwordless",
            "click",
            {"username": user, "password": ""},
            "factor:EMAIL_OTP",
        )
        assert "Check your email" in rec.texts()
        assert rec.message() == ("info", f"We sent a code to {user[0]}***@e***.")
        code = rec.nodes("input")[0]["attrs"]
        assert (code["name"], code["autocomplete"], code["inputmode"]) == (
            "code",
            "one-time-code",
            "numeric",
        )
        assert "Send a new code" in buttons(rec)
        # A wrong code: said next to the field, which gets the focus; the note stays.
        await rec.page.event("#login", "answer", "submit", {"code": "000000"})
        assert field_error(rec, "code") == "That code is not right. Check it and try again."
        assert rec.last()["focus"] == "#cog-login-code"
        assert rec.message() == ("info", f"We sent a code to {user[0]}***@e***.")
        await rec.page.event(
            "#login", "answer", "submit", {"code": emulator.last_code(user, "email_otp")}
        )
        assert rec.texts()[0] == f"Signed in as {user}."

    run(scenario)
    assert seen == [user]


def test_resend_sends_a_new_code_and_the_old_one_is_refused(emulator: Any) -> None:
    pool, pool_id = make_pool(emulator, ALL)
    user = new_user(emulator, pool_id, phone_number="+15555550123")
    rec = Recorder()

    async def scenario() -> None:
        auth = Authenticator(pool, "#login", page=rec.page, first_factors=ALL)
        await auth.started
        await rec.page.event(
            "#login", "passwordless", "click", {"username": user}, "factor:SMS_OTP"
        )
        assert "Check your phone" in rec.texts()
        assert rec.message() == ("info", "We sent a code to +*******0123.")
        first = emulator.last_code(user, "sms_otp")
        await rec.page.event("#login", "resend_code", "click", {"code": ""}, "resend_code")
        assert len([m for m in emulator.outbox(user) if m["kind"] == "sms_otp"]) == 2
        second = emulator.last_code(user, "sms_otp")
        assert rec.last()["focus"] is not None  # the new code view takes the focus (code field)
        if first != second:
            await rec.page.event("#login", "answer", "submit", {"code": first})
            assert field_error(rec, "code") == "That code is not right. Check it and try again."
        await rec.page.event("#login", "answer", "submit", {"code": second})
        assert rec.texts()[0] == f"Signed in as {user}."

    run(scenario)


def test_expired_code_says_so_and_a_new_code_works(emulator: Any, clock: Any) -> None:
    pool, pool_id = make_pool(emulator, ALL)
    user = new_user(emulator, pool_id)
    rec = Recorder()

    async def scenario() -> None:
        auth = Authenticator(pool, "#login", page=rec.page, first_factors=ALL)
        await auth.started
        await rec.page.event(
            "#login", "passwordless", "click", {"username": user}, "factor:EMAIL_OTP"
        )
        code = emulator.last_code(user, "email_otp")
        clock.advance_clock(600)
        await rec.page.event("#login", "answer", "submit", {"code": code})
        assert field_error(rec, "code") == "This code has expired. Send a new code."
        assert rec.last()["focus"] == "#cog-login-code"
        await rec.page.event("#login", "resend_code", "click", {}, "resend_code")
        assert field_error(rec, "code") is None
        await rec.page.event(
            "#login", "answer", "submit", {"code": emulator.last_code(user, "email_otp")}
        )
        assert rec.texts()[0] == f"Signed in as {user}."

    run(scenario)


def test_too_many_wrong_codes(emulator: Any) -> None:
    pool, pool_id = make_pool(emulator, ALL)
    user = new_user(emulator, pool_id)
    rec = Recorder()

    async def scenario() -> None:
        auth = Authenticator(pool, "#login", page=rec.page, first_factors=ALL)
        await auth.started
        await rec.page.event(
            "#login", "passwordless", "click", {"username": user}, "factor:EMAIL_OTP"
        )
        right = emulator.last_code(user, "email_otp")
        wrong = "111111" if right != "111111" else "222222"
        texts = []
        for _ in range(5):
            await rec.page.event("#login", "answer", "submit", {"code": wrong})
            texts.append(field_error(rec, "code"))
        assert texts[0] == "That code is not right. Check it and try again."
        assert texts[-1] == "Too many wrong codes. Send a new code."
        await rec.page.event("#login", "answer", "submit", {"code": right})
        assert field_error(rec, "code") is not None  # the code is gone: a new one is needed

    run(scenario)


def test_unavailable_factor_falls_back_to_the_choice_the_service_offers(emulator: Any) -> None:
    pool, pool_id = make_pool(emulator, ALL)
    user = new_user(emulator, pool_id)  # no phone number: SMS_OTP is not available
    rec = Recorder()

    async def scenario() -> None:
        auth = Authenticator(pool, "#login", page=rec.page, first_factors=ALL)
        await auth.started
        await rec.page.event(
            "#login", "passwordless", "click", {"username": user}, "factor:SMS_OTP"
        )
        assert "Choose how to sign in" in rec.texts()
        options = [o["attrs"]["value"] for o in rec.nodes("option")]
        assert options == ["PASSWORD_SRP", "EMAIL_OTP"]
        await rec.page.event("#login", "choose", "change", {"answer": "EMAIL_OTP"})
        assert [i["attrs"]["name"] for i in rec.nodes("input")] == []  # no password for a code
        await rec.page.event("#login", "answer", "submit", {"answer": "EMAIL_OTP"})
        assert "Check your email" in rec.texts()
        assert "Send a new code" in buttons(rec)  # the choice can be sent again
        await rec.page.event(
            "#login", "answer", "submit", {"code": emulator.last_code(user, "email_otp")}
        )
        assert rec.texts()[0] == f"Signed in as {user}."

    run(scenario)


def test_user_auth_without_factors_asks_the_username_then_the_service(emulator: Any) -> None:
    pool, pool_id = make_pool(emulator, ALL)
    user = new_user(emulator, pool_id)
    rec = Recorder()

    async def scenario() -> None:
        auth = Authenticator(pool, "#login", page=rec.page, flow="USER_AUTH")
        await auth.started
        assert [i["attrs"]["name"] for i in rec.nodes("input")] == ["username"]
        assert "Continue" in buttons(rec)
        await rec.page.event("#login", "sign_in", "submit", {"username": user})
        assert "Choose how to sign in" in rec.texts()
        labels = [o["children"][0] for o in rec.nodes("option")]
        assert labels == ["Password", "Email me a code"]
        assert [i["attrs"]["name"] for i in rec.nodes("input")] == ["password"]
        await rec.page.event(
            "#login", "answer", "submit", {"answer": "PASSWORD_SRP", "password": PASSWORD}
        )
        assert rec.texts()[0] == f"Signed in as {user}."

    run(scenario)


def test_code_only_pool_main_button_and_empty_username(emulator: Any) -> None:
    pool, pool_id = make_pool(emulator, ["EMAIL_OTP", "PASSWORD"])
    user = new_user(emulator, pool_id)
    rec = Recorder()

    async def scenario() -> None:
        auth = Authenticator(pool, "#login", page=rec.page, first_factors=["EMAIL_OTP"])
        await auth.started
        assert [i["attrs"]["name"] for i in rec.nodes("input")] == ["username"]
        shown = buttons(rec)
        assert shown["Email me a code"]["attrs"]["type"] == "submit"
        assert "Text me a code" not in shown and "Sign in" not in shown
        await rec.page.event("#login", "sign_in", "submit", {"username": ""})
        assert field_error(rec, "username") == "Enter your username, then ask for a code."
        assert rec.last()["focus"] == "#cog-login-username"
        assert emulator.outbox(user) == []
        await rec.page.event("#login", "sign_in", "submit", {"username": user})
        assert "Check your email" in rec.texts()

    run(scenario)


def test_password_with_user_auth_flow_and_email_mfa_has_no_resend(emulator: Any) -> None:
    pool, pool_id = make_pool(emulator, ALL, MfaConfiguration="OPTIONAL")
    emulator.call(
        "SetUserPoolMfaConfig",
        {"UserPoolId": pool_id, "MfaConfiguration": "OPTIONAL", "EmailMfaConfiguration": {}},
    )
    user = new_user(emulator, pool_id)
    emulator.call(
        "AdminSetUserMFAPreference",
        {
            "UserPoolId": pool_id,
            "Username": user,
            "EmailMfaSettings": {"Enabled": True, "PreferredMfa": True},
        },
    )
    rec = Recorder()

    async def scenario() -> None:
        auth = Authenticator(pool, "#login", page=rec.page, flow="USER_AUTH", first_factors=ALL)
        await auth.started
        await rec.page.event(
            "#login", "sign_in", "submit", {"username": user, "password": PASSWORD}
        )
        assert "Check your email" in rec.texts()  # email MFA after the password
        assert "Send a new code" not in buttons(rec)  # no new code without the password again
        await rec.page.event("#login", "answer", "submit", {"code": "000000"})
        assert field_error(rec, "code") == "That code is not right. Check it and try again."
        await rec.page.event(
            "#login", "answer", "submit", {"code": emulator.last_code(user, "email_mfa")}
        )
        assert rec.texts()[0] == f"Signed in as {user}."

    run(scenario)


def test_email_picked_as_mfa_type_has_no_resend(emulator: Any) -> None:
    pool, pool_id = make_pool(emulator, ALL, MfaConfiguration="OPTIONAL")
    emulator.call(
        "SetUserPoolMfaConfig",
        {"UserPoolId": pool_id, "MfaConfiguration": "OPTIONAL", "EmailMfaConfiguration": {}},
    )
    user = new_user(emulator, pool_id, phone_number="+15555550177")
    emulator.call(
        "AdminSetUserMFAPreference",
        {
            "UserPoolId": pool_id,
            "Username": user,
            "SMSMfaSettings": {"Enabled": True},
            "EmailMfaSettings": {"Enabled": True},
        },
    )
    rec = Recorder()

    async def scenario() -> None:
        auth = Authenticator(pool, "#login", page=rec.page, first_factors=ALL)
        await auth.started
        await rec.page.event(
            "#login", "sign_in", "submit", {"username": user, "password": PASSWORD}
        )
        assert [o["attrs"]["value"] for o in rec.nodes("option")] == ["SMS_MFA", "EMAIL_OTP"]
        await rec.page.event("#login", "answer", "submit", {"mfa_type": "EMAIL_OTP"})
        assert "Check your email" in rec.texts()
        assert "Send a new code" not in buttons(rec)
        await rec.page.event(
            "#login", "answer", "submit", {"code": emulator.last_code(user, "email_mfa")}
        )
        assert rec.texts()[0] == f"Signed in as {user}."

    run(scenario)


def test_auto_sign_in_after_sign_up_and_confirm(emulator: Any) -> None:
    pool, _ = make_pool(emulator, ALL)
    rec = Recorder()
    name = f"otp-{secrets.token_hex(3)}"

    async def scenario() -> None:
        auth = Authenticator(pool, "#login", page=rec.page, first_factors=ALL)
        await auth.started
        await rec.page.event("#login", "show_sign_up", "click", {})
        await rec.page.event(
            "#login",
            "sign_up",
            "submit",
            {"username": name, "email": f"{name}@example.com", "password": PASSWORD},
        )
        # A wrong confirmation code is said next to the code field too.
        await rec.page.event("#login", "confirm", "submit", {"username": name, "code": "000000"})
        assert field_error(rec, "code") == "That code is not right. Check it and try again."
        await rec.page.event(
            "#login", "confirm", "submit", {"username": name, "code": emulator.last_code(name)}
        )
        assert rec.texts()[0] == f"Signed in as {name}."

    run(scenario)
    assert pool.get_current_user() is not None


def test_auto_sign_in_refused_falls_back_to_the_sign_in_form(emulator: Any) -> None:
    # The client does not allow USER_AUTH: the Session is refused, the form says what to do.
    pool, _ = make_pool(emulator, ALL, flows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    rec = Recorder()
    name = f"otp-{secrets.token_hex(3)}"
    errors: list[BaseException] = []

    async def scenario() -> None:
        auth = Authenticator(
            pool, "#login", page=rec.page, auto_sign_in=True, on_error=errors.append
        )
        await auth.started
        await rec.page.event("#login", "show_sign_up", "click", {})
        await rec.page.event(
            "#login",
            "sign_up",
            "submit",
            {"username": name, "email": f"{name}@example.com", "password": PASSWORD},
        )
        await rec.page.event(
            "#login", "confirm", "submit", {"username": name, "code": emulator.last_code(name)}
        )
        assert rec.last()["nodes"][0]["attrs"]["data-view"] == "sign_in"
        assert rec.message() == (
            "info",
            "Your account is confirmed, but we could not sign you in automatically. Sign in now.",
        )
        await rec.page.event(
            "#login", "sign_in", "submit", {"username": name, "password": PASSWORD}
        )
        assert rec.texts()[0] == f"Signed in as {name}."

    run(scenario)


def test_no_auto_sign_in_without_user_auth(emulator: Any) -> None:
    pool, _ = make_pool(emulator, flows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    rec = Recorder()
    name = f"otp-{secrets.token_hex(3)}"

    async def scenario() -> None:
        auth = Authenticator(pool, "#login", page=rec.page)
        await auth.started
        await rec.page.event("#login", "show_sign_up", "click", {})
        await rec.page.event(
            "#login",
            "sign_up",
            "submit",
            {"username": name, "email": f"{name}@example.com", "password": PASSWORD},
        )
        await rec.page.event(
            "#login", "confirm", "submit", {"username": name, "code": emulator.last_code(name)}
        )
        assert rec.message() == ("info", "Your account is confirmed. Sign in now.")

    run(scenario)


def test_email_mfa_set_up_during_sign_in(emulator: Any) -> None:
    pool, pool_id = make_pool(emulator, MfaConfiguration="ON")
    emulator.call(
        "SetUserPoolMfaConfig",
        {"UserPoolId": pool_id, "MfaConfiguration": "ON", "EmailMfaConfiguration": {}},
    )
    name = f"otp-{secrets.token_hex(3)}"
    emulator.create_user(pool_id, name, PASSWORD)  # no email yet
    rec = Recorder()

    async def scenario() -> None:
        auth = Authenticator(pool, "#login", page=rec.page)
        await auth.started
        await rec.page.event(
            "#login", "sign_in", "submit", {"username": name, "password": PASSWORD}
        )
        labels = {o["attrs"]["value"]: o["children"][0] for o in rec.nodes("option")}
        assert labels == {"SOFTWARE_TOKEN_MFA": "Authenticator app", "EMAIL_OTP": "Email"}
        await rec.page.event("#login", "answer", "submit", {"mfa_type": "EMAIL_OTP"})
        email = rec.nodes("input")[0]["attrs"]
        assert (email["name"], email["type"], email["autocomplete"]) == ("email", "email", "email")
        await rec.page.event("#login", "answer", "submit", {"email": f"{name}@example.org"})
        assert "Check your email" in rec.texts()
        assert rec.message() == ("info", f"We sent a code to {name[0]}***@e***.")
        await rec.page.event(
            "#login", "answer", "submit", {"code": emulator.last_code(name, "email_mfa")}
        )
        assert rec.texts()[0] == f"Signed in as {name}."

    run(scenario)


def test_code_error_key() -> None:
    def err(name: str, message: str = "m") -> CognitoError:
        return CognitoError(message, code=name, name=name)

    assert code_error_key(err("CodeMismatchException"), in_challenge=False) == "error.code_mismatch"
    assert code_error_key(err("ExpiredCodeException"), in_challenge=False) == "error.code_expired"
    expired = err("NotAuthorizedException", "Invalid session for the user, session is expired.")
    assert code_error_key(expired, in_challenge=True) == "error.code_expired"
    assert code_error_key(expired, in_challenge=False) is None
    wrong_password = err("NotAuthorizedException", "Incorrect username or password.")
    assert code_error_key(wrong_password, in_challenge=True) is None
    assert code_error_key(err("LimitExceededException"), in_challenge=True) == "error.code_attempts"
    assert code_error_key(err("LimitExceededException"), in_challenge=False) is None
    assert code_error_key(InvalidParameterError("x"), in_challenge=True) is None
    assert code_error_key(ValueError("CodeMismatchException"), in_challenge=True) is None


def test_expired_mfa_code_says_start_again(emulator: Any, clock: Any) -> None:
    pool, pool_id = make_pool(emulator, ALL)
    emulator.call(
        "SetUserPoolMfaConfig",
        {"UserPoolId": pool_id, "MfaConfiguration": "OPTIONAL", "EmailMfaConfiguration": {}},
    )
    user = new_user(emulator, pool_id)
    emulator.call(
        "AdminSetUserMFAPreference",
        {
            "UserPoolId": pool_id,
            "Username": user,
            "EmailMfaSettings": {"Enabled": True, "PreferredMfa": True},
        },
    )
    rec = Recorder()

    async def scenario() -> None:
        auth = Authenticator(pool, "#login", page=rec.page, first_factors=ALL)
        await auth.started
        await rec.page.event(
            "#login", "sign_in", "submit", {"username": user, "password": PASSWORD}
        )
        code = emulator.last_code(user, "email_mfa")
        clock.advance_clock(600)
        await rec.page.event("#login", "answer", "submit", {"code": code})
        assert field_error(rec, "code") == "This code has expired. Go back and start again."
        assert rec.last()["focus"] == "#cog-login-code"

    run(scenario)
