"""The SDK against moto_server, a third-party Cognito implementation.

The emulator and the SDK are written by the same project; running the subset moto supports
here means a shared misunderstanding of the protocol would show up as a failure. (moto
does not check SRP passwords, accepts any code and lacks devices/RevokeToken: see
/work/shared/reference/offline-browser-and-backends.md.)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from amazon_cognito_identity import (
    AuthenticationDetails,
    Challenge,
    CognitoUser,
    CognitoUserAttribute,
    CognitoUserPool,
    CognitoUserSession,
    HttpRequest,
    HttpResponse,
    InvalidResponseError,
    MemoryStorage,
    NotAuthenticatedError,
    NotAuthorizedException,
    RetryPolicy,
    UrllibTransport,
)

pytestmark = pytest.mark.moto

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

PASSWORD = "Passw0rd!x"


class RecordingTransport(UrllibTransport):
    """urllib, keeping the last response (moto sends codes in headers)."""

    last: HttpResponse | None = None

    async def send(self, request: HttpRequest) -> HttpResponse:
        self.last = await super().send(request)
        return self.last


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    # Port 0: the server binds a port nobody else can take between a pick and the bind.
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    port = server.get_host_and_port()[1]
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def idp(moto_endpoint: str) -> Any:
    return boto3.client(
        "cognito-idp",
        region_name="us-east-1",
        endpoint_url=moto_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def make_pool(
    idp: Any, endpoint: str, **pool_args: Any
) -> tuple[CognitoUserPool, RecordingTransport]:
    pool_id = idp.create_user_pool(PoolName=f"p{uuid.uuid4().hex[:8]}", **pool_args)["UserPool"][
        "Id"
    ]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="web", ExplicitAuthFlows=FLOWS
    )["UserPoolClient"]["ClientId"]
    transport = RecordingTransport(10.0)
    pool = CognitoUserPool(
        user_pool_id=pool_id,
        client_id=client_id,
        endpoint=endpoint,
        storage=MemoryStorage(),
        transport=transport,
    )
    return pool, transport


async def signed_up(pool: CognitoUserPool, email: str) -> CognitoUser:
    res = await pool.sign_up(email, PASSWORD, [CognitoUserAttribute("email", email)])
    assert res.user_confirmed is False and res.user_sub
    assert await res.user.confirm_registration("123456") == "SUCCESS"
    return res.user


async def test_srp_sign_in_on_email_pool(idp: Any, moto_endpoint: str) -> None:
    pool, _ = make_pool(idp, moto_endpoint, UsernameAttributes=["email"])
    await signed_up(pool, "srp@example.com")
    user = CognitoUser("srp@example.com", pool)
    session = await user.authenticate_user(AuthenticationDetails("srp@example.com", PASSWORD))
    assert isinstance(session, CognitoUserSession) and session.is_valid()
    sub = session.get_id_token().decode_payload()["sub"]
    # moto's USER_ID_FOR_SRP is the sub: the username and storage keys follow it.
    assert user.get_username() == sub
    current = pool.get_current_user()
    assert current is not None and current.get_username() == sub
    assert (await current.get_session()).get_access_token().get_jwt_token() == (
        session.get_access_token().get_jwt_token()
    )
    attrs = {a.get_name(): a.get_value() for a in await user.get_user_attributes()}
    assert attrs["email"] == "srp@example.com"


async def test_password_auth_refresh_getuser_update_change_password(
    idp: Any, moto_endpoint: str
) -> None:
    pool, _ = make_pool(idp, moto_endpoint)
    await signed_up(pool, "pw@example.com")
    user = CognitoUser("pw@example.com", pool)
    user.set_authentication_flow_type("USER_PASSWORD_AUTH")

    with pytest.raises(NotAuthorizedException):
        await user.authenticate_user(AuthenticationDetails("pw@example.com", "wrong-Passw0rd"))
    assert pool.get_current_user() is None

    session = await user.authenticate_user(AuthenticationDetails("pw@example.com", PASSWORD))
    assert isinstance(session, CognitoUserSession)
    refreshed = await user.refresh_session(session.get_refresh_token())
    assert refreshed.is_valid()
    assert refreshed.get_refresh_token().get_token() == session.get_refresh_token().get_token()

    data = await user.get_user_data()
    assert data["Username"] == "pw@example.com"
    assert await user.update_attributes([CognitoUserAttribute("name", "Pat")]) == "SUCCESS"
    attrs = {a.get_name(): a.get_value() for a in await user.get_user_attributes()}
    assert attrs["name"] == "Pat"
    assert await user.change_password(PASSWORD, PASSWORD + "2") == "SUCCESS"
    other = CognitoUser("pw@example.com", pool)
    other.set_authentication_flow_type("USER_PASSWORD_AUTH")
    with pytest.raises(NotAuthorizedException):
        await other.authenticate_user(AuthenticationDetails("pw@example.com", PASSWORD))
    assert isinstance(
        await other.authenticate_user(AuthenticationDetails("pw@example.com", PASSWORD + "2")),
        CognitoUserSession,
    )


async def test_forgot_password_with_moto_header_code(idp: Any, moto_endpoint: str) -> None:
    pool, transport = make_pool(idp, moto_endpoint)
    await signed_up(pool, "fp@example.com")
    user = CognitoUser("fp@example.com", pool)
    data = await user.forgot_password()
    assert "CodeDeliveryDetails" in data
    assert transport.last is not None
    code = transport.last.header("x-moto-forgot-password-confirmation-code")
    assert code
    assert await user.confirm_password(code, "Brand-new-Passw0rd") == "SUCCESS"
    user.set_authentication_flow_type("USER_PASSWORD_AUTH")
    session = await user.authenticate_user(
        AuthenticationDetails("fp@example.com", "Brand-new-Passw0rd")
    )
    assert isinstance(session, CognitoUserSession)


async def test_global_sign_out_revokes_refresh(idp: Any, moto_endpoint: str) -> None:
    pool, _ = make_pool(idp, moto_endpoint)
    await signed_up(pool, "gso@example.com")
    user = CognitoUser("gso@example.com", pool)
    user.set_authentication_flow_type("USER_PASSWORD_AUTH")
    session = await user.authenticate_user(AuthenticationDetails("gso@example.com", PASSWORD))
    assert isinstance(session, CognitoUserSession)
    assert await user.global_sign_out() == "SUCCESS"
    assert pool.get_current_user() is None
    with pytest.raises(NotAuthenticatedError):
        await user.get_session()
    with pytest.raises(NotAuthorizedException):
        await user.refresh_session(session.get_refresh_token())


async def test_new_password_required(idp: Any, moto_endpoint: str) -> None:
    pool, _ = make_pool(idp, moto_endpoint)
    idp.admin_create_user(
        UserPoolId=pool.get_user_pool_id(),
        Username="np@example.com",
        TemporaryPassword="Temp-Passw0rd",
        MessageAction="SUPPRESS",
    )
    user = CognitoUser("np@example.com", pool)
    user.set_authentication_flow_type("USER_PASSWORD_AUTH")
    challenge = await user.authenticate_user(
        AuthenticationDetails("np@example.com", "Temp-Passw0rd")
    )
    assert isinstance(challenge, Challenge) and challenge.name == "NEW_PASSWORD_REQUIRED"
    assert isinstance(challenge.user_attributes, dict)
    session = await user.complete_new_password_challenge("Final-Passw0rd", {})
    assert isinstance(session, CognitoUserSession) and session.is_valid()


async def test_mfa_setup_and_preference(idp: Any, moto_endpoint: str) -> None:
    # moto asks MFA_SETUP after an SRP PASSWORD_VERIFIER, so: an email pool and SRP.
    pool, _ = make_pool(idp, moto_endpoint, UsernameAttributes=["email"])
    idp.set_user_pool_mfa_config(
        UserPoolId=pool.get_user_pool_id(),
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="ON",
    )
    await signed_up(pool, "mfa@example.com")
    user = CognitoUser("mfa@example.com", pool)
    challenge = await user.authenticate_user(AuthenticationDetails("mfa@example.com", PASSWORD))
    assert isinstance(challenge, Challenge) and challenge.name == "MFA_SETUP"
    secret = await user.associate_software_token()
    assert secret
    # moto's fixed secret is too short for pyotp and moto checks no code unless told to:
    # here the flow and request shapes are what count (the emulator checks real codes).
    session = await user.verify_software_token("123456", "phone")
    assert isinstance(session, CognitoUserSession) and session.is_valid()
    assert (
        await user.set_user_mfa_preference(None, {"Enabled": True, "PreferredMfa": True})
        == "SUCCESS"
    )
    data = await user.get_user_data(bypass_cache=True)
    assert data.get("PreferredMfaSetting") == "SOFTWARE_TOKEN_MFA"


async def test_unimplemented_operation_html_500_is_a_clear_error(
    idp: Any, moto_endpoint: str
) -> None:
    """moto answers operations it lacks with an HTML 500 page: a real-world non-JSON body."""
    pool, _ = make_pool(idp, moto_endpoint)
    delays: list[float] = []

    async def no_sleep(seconds: float) -> None:
        delays.append(seconds)

    pool.client.retry_policy = RetryPolicy(sleep=no_sleep, rand=lambda: 0.0)
    await signed_up(pool, "html@example.com")
    user = CognitoUser("html@example.com", pool)
    user.set_authentication_flow_type("USER_PASSWORD_AUTH")
    await user.authenticate_user(AuthenticationDetails("html@example.com", PASSWORD))
    with pytest.raises(InvalidResponseError) as info:
        await user.list_devices(10)
    assert info.value.status_code == 500
    assert "HTTP 500" in info.value.message and "<" not in info.value.message
    assert len(delays) == 5  # 5xx is retried with backoff, then reported
