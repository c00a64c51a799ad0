"""Defects of issue 12 in the session paths, each pinned by a test that failed before the fix:
TOTP set-up with an expired but refreshable session, a sign-out that is not awaited, email
MFA in set_user_mfa_preference."""

from __future__ import annotations

import asyncio
import gc
import warnings
from typing import Any

from flows_helpers import CLIENT_ID, POOL_ID, FakeCognito, auth_result, error

from amazon_cognito_identity import (
    AuthenticationDetails,
    CognitoUser,
    CognitoUserPool,
    CognitoUserSession,
    MemoryStorage,
    MockTransport,
    NetworkError,
    RetryPolicy,
)

PREFIX = f"CognitoIdentityServiceProvider.{CLIENT_ID}"
T0 = 1_800_000_000


def clocked(fake: FakeCognito, now: list[float]) -> CognitoUserPool:
    return CognitoUserPool(
        user_pool_id=POOL_ID,
        client_id=CLIENT_ID,
        storage=MemoryStorage(),
        transport=MockTransport(fake),
        retry=RetryPolicy.never(),
        clock=lambda: now[0],
    )


def needs_token_or_session(body: dict[str, Any]) -> Any:
    if not body.get("AccessToken") and not body.get("Session"):
        return error(400, "InvalidParameterException", "Either AccessToken or Session is required")
    if body.get("AccessToken") and body["AccessToken"] != FRESH["AccessToken"]:
        return error(400, "NotAuthorizedException", "Access Token has expired")
    return {"SecretCode": "SECRET"} if "UserCode" not in body else {"Status": "SUCCESS"}


FRESH = auth_result(iat=T0 + 7200, exp=T0 + 10800)


async def signed_in_then_expired(fake: FakeCognito) -> CognitoUser:
    now = [float(T0)]
    fake.routes["InitiateAuth"] = lambda b: (
        {"AuthenticationResult": {**FRESH, "RefreshToken": None}}
        if b["AuthFlow"] == "REFRESH_TOKEN_AUTH"
        else {"AuthenticationResult": auth_result(iat=T0, exp=T0 + 3600)}
    )
    fake.routes["AssociateSoftwareToken"] = needs_token_or_session
    fake.routes["VerifySoftwareToken"] = needs_token_or_session
    user = CognitoUser("bob", clocked(fake, now))
    user.set_authentication_flow_type("USER_PASSWORD_AUTH")
    assert isinstance(
        await user.authenticate_user(AuthenticationDetails("bob", "pw")), CognitoUserSession
    )
    now[0] = T0 + 7300  # the access token expired; the refresh token still works
    return user


async def test_associate_software_token_refreshes_an_expired_session(fake: FakeCognito) -> None:
    user = await signed_in_then_expired(fake)
    assert await user.associate_software_token() == "SECRET"
    assert fake.ops()[-2:] == ["InitiateAuth", "AssociateSoftwareToken"]
    assert fake.bodies("InitiateAuth")[-1]["AuthFlow"] == "REFRESH_TOKEN_AUTH"
    assert fake.bodies("AssociateSoftwareToken")[-1] == {"AccessToken": FRESH["AccessToken"]}


async def test_verify_software_token_refreshes_an_expired_session(fake: FakeCognito) -> None:
    user = await signed_in_then_expired(fake)
    assert await user.verify_software_token("123456", "Phone") == {"Status": "SUCCESS"}
    body = fake.bodies("VerifySoftwareToken")[-1]
    assert body == {
        "AccessToken": FRESH["AccessToken"],
        "UserCode": "123456",
        "FriendlyDeviceName": "Phone",
    }


async def signed_in(fake: FakeCognito, pool: CognitoUserPool) -> CognitoUser:
    fake.routes["InitiateAuth"] = lambda b: {"AuthenticationResult": auth_result(origin_jti="o")}
    user = CognitoUser("bob", pool)
    user.set_authentication_flow_type("USER_PASSWORD_AUTH")
    await user.authenticate_user(AuthenticationDetails("bob", "pw"))
    assert pool.storage.get_item(f"{PREFIX}.bob.idToken")
    return user


async def test_sign_out_without_await_signs_out_at_once(
    fake: FakeCognito, pool: CognitoUserPool
) -> None:
    user = await signed_in(fake, pool)
    fake.routes["RevokeToken"] = lambda b: {}
    user.sign_out()  # the literal port of JS `user.signOut()`: no await
    assert user.get_sign_in_user_session() is None
    for name in ("idToken", "accessToken", "refreshToken", "clockDrift"):
        assert pool.storage.get_item(f"{PREFIX}.bob.{name}") is None
    assert pool.storage.get_item(f"{PREFIX}.LastAuthUser") is None
    assert pool.get_current_user() is None
    for _ in range(20):  # the revocation runs on its own meanwhile
        await asyncio.sleep(0)
        if "RevokeToken" in fake.ops():
            break
    assert fake.bodies("RevokeToken") == [{"Token": "refresh-1", "ClientId": CLIENT_ID}]


async def test_awaited_sign_out_raises_a_failed_revocation_after_clearing(
    fake: FakeCognito, pool: CognitoUserPool
) -> None:
    user = await signed_in(fake, pool)
    fake.routes["RevokeToken"] = lambda b: NetworkError("down")
    pending = user.sign_out()
    assert pool.storage.get_item(f"{PREFIX}.bob.idToken") is None  # before any await
    try:
        await pending
    except NetworkError:
        pass
    else:
        raise AssertionError("the failed revocation was not reported")


def test_sign_out_outside_an_event_loop_clears_and_leaves_nothing_dangling(
    fake: FakeCognito, pool: CognitoUserPool
) -> None:
    user = asyncio.run(signed_in(fake, pool))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. "coroutine ... was never awaited"
        user.sign_out()
        gc.collect()
    assert pool.storage.get_item(f"{PREFIX}.bob.accessToken") is None
    assert "RevokeToken" not in fake.ops()


async def test_set_user_mfa_preference_sets_email_mfa(
    fake: FakeCognito, pool: CognitoUserPool
) -> None:
    user = await signed_in(fake, pool)
    fake.routes["SetUserMFAPreference"] = lambda b: {}
    settings = {"Enabled": True, "PreferredMfa": True}
    assert await user.set_user_mfa_preference(None, None, email_mfa_settings=settings) == "SUCCESS"
    body = fake.bodies("SetUserMFAPreference")[-1]
    assert body["EmailMfaSettings"] == settings
    assert "SMSMfaSettings" not in body and "SoftwareTokenMfaSettings" not in body
