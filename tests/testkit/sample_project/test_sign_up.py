import asyncio

import pytest

from amazon_cognito_identity import AuthenticationDetails, CognitoUser


@pytest.mark.cognito_pool(mfa="OPTIONAL")
def test_sign_up_confirm_and_totp(user_pool, cognito_user_factory):
    async def scenario():
        pool = user_pool.pool()
        result = await pool.sign_up("dana", "Dana-Passw0rd!", {"email": "dana@example.com"})
        await result.user.confirm_registration(user_pool.outbox("dana", kind="signup")[0])
        erin = cognito_user_factory("erin", totp=True)
        user = CognitoUser("erin", pool)
        challenge = await user.authenticate_user(AuthenticationDetails("erin", erin.password))
        assert challenge.name == "SOFTWARE_TOKEN_MFA"
        session = await user.send_mfa_code(erin.totp_code(), mfa_type="SOFTWARE_TOKEN_MFA")
        assert session.is_valid()
        return session

    session = asyncio.run(scenario())
    assert session.get_id_token().decode_payload()["cognito:username"] == "erin"


def test_advance_clock_expires_sessions(user_pool, cognito_user, cognito_emulator):
    pool = user_pool.pool()
    user = CognitoUser(cognito_user.username, pool)
    details = AuthenticationDetails(cognito_user.username, cognito_user.password)
    session = asyncio.run(user.authenticate_user(details))
    assert session.is_valid(pool.clock())
    cognito_emulator.advance_clock(2 * 3600)  # the emulator's clock and the SDK pool's
    assert not session.is_valid(pool.clock())
    with pytest.raises(Exception, match="NotAuthorized"):
        cognito_emulator.admin.get_user(AccessToken=session.get_access_token().get_jwt_token())
    refreshed = asyncio.run(user.get_session())  # with the refresh token
    assert refreshed.is_valid(pool.clock())


def test_installed_not_editable():
    import amazon_cognito_identity
    import cognito_emulator

    for module in (amazon_cognito_identity, cognito_emulator):
        assert "site-packages" in module.__file__, module.__file__
