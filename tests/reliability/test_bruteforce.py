"""Brute force: the emulator locks an account after repeated wrong passwords, and every code
(sign-up, forgot password, SMS MFA, TOTP) dies after a few wrong attempts."""

from __future__ import annotations

import time
from typing import Any

import pyotp
import pytest
from reliability_helpers import PASSWORD, Env, new_env, sign_in

from amazon_cognito_identity import AuthenticationDetails, CognitoUser, CognitoUserAttribute
from amazon_cognito_identity.challenges import Challenge
from amazon_cognito_identity.errors import (
    CodeMismatchException,
    CognitoError,
    ExpiredCodeException,
    LimitExceededException,
    NotAuthorizedException,
)

WRONG = "Wr0ng-Passw0rd!"


@pytest.fixture(scope="module")
def env(own_emulator: Any) -> Env:
    return new_env(own_emulator, MfaConfiguration="OPTIONAL")


def max_failures(env: Env) -> int:
    return int(env.emu.emulator.config.max_failed_sign_ins)


async def attempt(env: Env, name: str, password: str, flow: str = "USER_PASSWORD_AUTH") -> Any:
    user = CognitoUser(name, env.sdk_pool())
    user.set_authentication_flow_type(flow)
    return await user.authenticate_user(AuthenticationDetails(name, password))


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.mark.parametrize("flow", ["USER_PASSWORD_AUTH", "USER_SRP_AUTH"])
async def test_lockout_after_repeated_wrong_passwords(env: Env, flow: str) -> None:
    victim, bystander = env.user(), env.user()
    for _ in range(max_failures(env)):
        with pytest.raises(NotAuthorizedException):
            await attempt(env, victim, WRONG, flow)
    # Locked: even the right password is refused, with a distinct message.
    with pytest.raises(NotAuthorizedException) as info:
        await attempt(env, victim, PASSWORD, flow)
    assert "attempts exceeded" in info.value.message.lower()
    # Another user of the pool is not affected.
    assert await attempt(env, bystander, PASSWORD, flow)
    emulator = env.emu.emulator
    emulator.advance_clock(emulator.config.lockout_seconds + 1)
    try:
        # (password auth: a moved server clock would make the SRP TIMESTAMP look stale)
        assert await attempt(env, victim, PASSWORD)
    finally:
        emulator.clock_offset = 0.0
    # A success resets the count: one more failure does not lock again.
    with pytest.raises(NotAuthorizedException) as info:
        await attempt(env, victim, WRONG, flow)
    assert "attempts exceeded" not in info.value.message.lower()
    assert await attempt(env, victim, PASSWORD, flow)


async def test_signup_code_attempt_limit(env: Env) -> None:
    pool = env.sdk_pool()
    name = "bf-signup"
    await pool.sign_up(name, PASSWORD, [CognitoUserAttribute("email", "bf@example.com")])
    code = env.code(name, "signup")
    user = CognitoUser(name, pool)
    errors: list[type[CognitoError]] = []
    for _ in range(6):
        try:
            await user.confirm_registration(wrong_code(code))
        except CognitoError as err:
            errors.append(type(err))
    assert errors[:4] == [CodeMismatchException] * 4
    assert errors[4] is LimitExceededException
    # The code is dead: the right one no longer confirms the account.
    with pytest.raises((ExpiredCodeException, CodeMismatchException)):
        await user.confirm_registration(code)
    # A new code works.
    await user.resend_confirmation_code()
    await user.confirm_registration(env.code(name, "signup"))


async def test_forgot_password_code_attempt_limit(env: Env) -> None:
    name = env.user()
    user = CognitoUser(name, env.sdk_pool())
    await user.forgot_password()
    code = env.code(name, "forgot_password")
    for i in range(5):
        expected = LimitExceededException if i == 4 else CodeMismatchException
        with pytest.raises(expected):
            await user.confirm_password(wrong_code(code), "N3w-Passw0rd!")
    with pytest.raises((ExpiredCodeException, CodeMismatchException)):
        await user.confirm_password(code, "N3w-Passw0rd!")
    assert await attempt(env, name, PASSWORD)  # the password did not change


async def test_sms_mfa_code_attempt_limit(env: Env) -> None:
    name = env.user(phone_number="+15555550123")
    signed = await sign_in(env.sdk_pool(), name)
    await signed.set_user_mfa_preference({"Enabled": True, "PreferredMfa": True}, None)
    user = CognitoUser(name, env.sdk_pool())
    challenge = await user.authenticate_user(AuthenticationDetails(name, PASSWORD))
    assert isinstance(challenge, Challenge) and challenge.name == "SMS_MFA"
    code = env.code(name, "sms_mfa")
    failures = 0
    with pytest.raises(CognitoError):
        for _ in range(10):
            try:
                await user.send_mfa_code(wrong_code(code))
            except CodeMismatchException:
                failures += 1
    assert 1 <= failures < 5
    with pytest.raises(CognitoError):
        await user.send_mfa_code(code)
    assert user.get_sign_in_user_session() is None


async def test_totp_attempt_limit(env: Env) -> None:
    name = env.user()
    signed = await sign_in(env.sdk_pool(), name)
    secret = await signed.associate_software_token()
    await signed.verify_software_token(pyotp.TOTP(secret).now(), "phone")
    await signed.set_user_mfa_preference(None, {"Enabled": True, "PreferredMfa": True})
    user = CognitoUser(name, env.sdk_pool())
    challenge = await user.authenticate_user(AuthenticationDetails(name, PASSWORD))
    assert isinstance(challenge, Challenge) and challenge.name == "SOFTWARE_TOKEN_MFA"
    totp = pyotp.TOTP(secret)
    now = time.time()
    # Codes of the neighbouring time steps too: the server allows some clock skew.
    valid = {totp.at(now + 30 * step) for step in (-2, -1, 0, 1, 2)}
    wrong = next(f"{i:06d}" for i in range(1_000_000) if f"{i:06d}" not in valid)
    failures = 0
    with pytest.raises(NotAuthorizedException):
        for _ in range(10):
            try:
                await user.send_mfa_code(wrong, mfa_type="SOFTWARE_TOKEN_MFA")
            except CodeMismatchException:
                failures += 1
    assert failures == 5
    with pytest.raises(NotAuthorizedException):
        await user.send_mfa_code(pyotp.TOTP(secret).now(), mfa_type="SOFTWARE_TOKEN_MFA")
