"""Sign-up, codes (single-use, expiring, attempt-limited), password policy and user operations."""

from __future__ import annotations

import httpx
import pytest

from .conftest import PoolSetup
from .srp_client import CognitoError, srp_sign_in

PASSWORD = "Passw0rd!"


def _outbox(setup: PoolSetup, username: str) -> list[dict[str, object]]:
    resp = httpx.get(
        f"{setup.server.endpoint}_emulator/outbox",
        params={"username": username, "pool_id": setup.pool_id},
    )
    assert resp.status_code == 200
    return list(resp.json())


def _code(setup: PoolSetup, username: str, kind: str) -> str:
    items = [m for m in _outbox(setup, username) if m["kind"] == kind]
    assert items, f"no {kind} for {username}"
    return str(items[-1]["code"])


def _sign_up(setup: PoolSetup, name: str = "alice") -> dict[str, object]:
    return setup.api(
        "SignUp",
        ClientId=setup.client_id,
        Username=name,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}],
    )


def _other(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_sign_up_code_in_outbox_and_confirm(setup: PoolSetup) -> None:
    out = _sign_up(setup)
    assert out["UserConfirmed"] is False and out["UserSub"]
    assert out["CodeDeliveryDetails"] == {
        "Destination": "a***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    messages = _outbox(setup, "alice")
    assert [m["kind"] for m in messages] == ["signup"]
    assert messages[0]["destination"] == "alice@example.com"
    code = str(messages[0]["code"])
    assert len(code) == 6 and code.isdigit()
    with pytest.raises(CognitoError) as err:
        setup.api(
            "ConfirmSignUp",
            ClientId=setup.client_id,
            Username="alice",
            ConfirmationCode=_other(code),
        )
    assert err.value.name == "CodeMismatchException"
    setup.api("ConfirmSignUp", ClientId=setup.client_id, Username="alice", ConfirmationCode=code)
    user = setup.server.call("AdminGetUser", {"UserPoolId": setup.pool_id, "Username": "alice"})
    assert user["UserStatus"] == "CONFIRMED"
    assert {"Name": "email_verified", "Value": "true"} in user["UserAttributes"]
    with pytest.raises(CognitoError) as err:  # single use: a second confirm fails
        setup.api(
            "ConfirmSignUp", ClientId=setup.client_id, Username="alice", ConfirmationCode=code
        )
    assert err.value.name == "NotAuthorizedException"


def test_codes_are_random(setup: PoolSetup) -> None:
    codes = set()
    for i in range(12):
        _sign_up(setup, f"user{i}")
        codes.add(_code(setup, f"user{i}", "signup"))
    assert len(codes) >= 10


def test_expired_code(setup: PoolSetup) -> None:
    _sign_up(setup)
    code = _code(setup, "alice", "signup")
    setup.server.emulator.advance_clock(24 * 3600 + 1)
    with pytest.raises(CognitoError) as err:
        setup.api(
            "ConfirmSignUp", ClientId=setup.client_id, Username="alice", ConfirmationCode=code
        )
    assert err.value.name == "ExpiredCodeException"


def test_attempt_limit(setup: PoolSetup) -> None:
    _sign_up(setup)
    code = _code(setup, "alice", "signup")
    names = []
    for _ in range(5):
        with pytest.raises(CognitoError) as err:
            setup.api(
                "ConfirmSignUp",
                ClientId=setup.client_id,
                Username="alice",
                ConfirmationCode=_other(code),
            )
        names.append(err.value.name)
    assert names == ["CodeMismatchException"] * 4 + ["LimitExceededException"]
    with pytest.raises(CognitoError) as err:  # the right code is gone too
        setup.api(
            "ConfirmSignUp", ClientId=setup.client_id, Username="alice", ConfirmationCode=code
        )
    assert err.value.name == "ExpiredCodeException"


def test_resend_replaces_code(setup: PoolSetup) -> None:
    _sign_up(setup)
    first = _code(setup, "alice", "signup")
    out = setup.api("ResendConfirmationCode", ClientId=setup.client_id, Username="alice")
    assert out["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    second = _code(setup, "alice", "signup")
    if first != second:
        with pytest.raises(CognitoError):
            setup.api(
                "ConfirmSignUp", ClientId=setup.client_id, Username="alice", ConfirmationCode=first
            )
    setup.api("ConfirmSignUp", ClientId=setup.client_id, Username="alice", ConfirmationCode=second)


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("Sh0rt!", "Password not long enough"),
        ("NOLOWER0!", "Password must have lowercase characters"),
        ("noupper0!", "Password must have uppercase characters"),
        ("NoNumbers!", "Password must have numeric characters"),
        ("NoSymbols0", "Password must have symbol characters"),
    ],
)
def test_password_policy(setup: PoolSetup, password: str, problem: str) -> None:
    with pytest.raises(CognitoError) as err:
        setup.api("SignUp", ClientId=setup.client_id, Username="x", Password=password)
    assert err.value.name == "InvalidPasswordException"
    assert err.value.message == f"Password did not conform with policy: {problem}"


def test_custom_password_policy(setup: PoolSetup) -> None:
    pool_id = setup.server.create_pool(
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 6,
                "RequireSymbols": False,
                "RequireUppercase": False,
            }
        }
    )
    client_id = setup.server.create_client(pool_id)
    setup.api("SignUp", ClientId=client_id, Username="x", Password="abc123")


def test_username_exists(setup: PoolSetup) -> None:
    _sign_up(setup)
    with pytest.raises(CognitoError) as err:
        _sign_up(setup)
    assert err.value.name == "UsernameExistsException"


def test_email_as_username(setup: PoolSetup) -> None:
    pool_id = setup.server.create_pool(
        UsernameAttributes=["email"], AutoVerifiedAttributes=["email"]
    )
    client_id = setup.server.create_client(pool_id)
    out = setup.api("SignUp", ClientId=client_id, Username="Zed@Example.com", Password=PASSWORD)
    code = setup.server.last_code(str(out["UserSub"]), "signup")
    setup.api(
        "ConfirmSignUp", ClientId=client_id, Username="zed@example.com", ConfirmationCode=code
    )
    result = srp_sign_in(setup.api, pool_id, client_id, "zed@example.com", PASSWORD)
    me = setup.api("GetUser", AccessToken=result["AuthenticationResult"]["AccessToken"])
    assert me["Username"] == out["UserSub"]


def test_forgot_password(setup: PoolSetup) -> None:
    setup.server.create_user(setup.pool_id, "alice", PASSWORD, email="alice@example.com")
    out = setup.api("ForgotPassword", ClientId=setup.client_id, Username="alice")
    assert out["CodeDeliveryDetails"]["AttributeName"] == "email"
    code = _code(setup, "alice", "forgot_password")
    with pytest.raises(CognitoError) as err:
        setup.api(
            "ConfirmForgotPassword",
            ClientId=setup.client_id,
            Username="alice",
            ConfirmationCode=code,
            Password="weak",
        )
    assert err.value.name == "InvalidPasswordException"
    with pytest.raises(CognitoError) as err:
        setup.api(
            "ConfirmForgotPassword",
            ClientId=setup.client_id,
            Username="alice",
            ConfirmationCode=_other(code),
            Password="N3w-Passw0rd!",
        )
    assert err.value.name == "CodeMismatchException"
    setup.api(
        "ConfirmForgotPassword",
        ClientId=setup.client_id,
        Username="alice",
        ConfirmationCode=code,
        Password="N3w-Passw0rd!",
    )
    with pytest.raises(CognitoError) as err:  # single use
        setup.api(
            "ConfirmForgotPassword",
            ClientId=setup.client_id,
            Username="alice",
            ConfirmationCode=code,
            Password="N3w-Passw0rd!2",
        )
    assert err.value.name == "ExpiredCodeException"
    srp_sign_in(setup.api, setup.pool_id, setup.client_id, "alice", "N3w-Passw0rd!")
    with pytest.raises(CognitoError):
        srp_sign_in(setup.api, setup.pool_id, setup.client_id, "alice", PASSWORD)


def _signed_in(setup: PoolSetup, name: str = "alice") -> dict[str, str]:
    setup.server.create_user(setup.pool_id, name, PASSWORD, email=f"{name}@example.com")
    return dict(
        srp_sign_in(setup.api, setup.pool_id, setup.client_id, name, PASSWORD)[
            "AuthenticationResult"
        ]
    )


def test_user_attribute_operations(setup: PoolSetup) -> None:
    tokens = _signed_in(setup)
    access = tokens["AccessToken"]
    out = setup.api(
        "UpdateUserAttributes",
        AccessToken=access,
        UserAttributes=[
            {"Name": "email", "Value": "new@example.com"},
            {"Name": "custom:team", "Value": "blue"},
        ],
    )
    assert out["CodeDeliveryDetailsList"][0]["AttributeName"] == "email"
    attrs = {
        a["Name"]: a["Value"] for a in setup.api("GetUser", AccessToken=access)["UserAttributes"]
    }
    assert attrs["email"] == "new@example.com" and attrs["email_verified"] == "false"
    assert attrs["custom:team"] == "blue"
    code = _code(setup, "alice", "verify_email")
    with pytest.raises(CognitoError) as err:
        setup.api(
            "VerifyUserAttribute", AccessToken=access, AttributeName="email", Code=_other(code)
        )
    assert err.value.name == "CodeMismatchException"
    setup.api("VerifyUserAttribute", AccessToken=access, AttributeName="email", Code=code)
    # GetUserAttributeVerificationCode sends a fresh code.
    setup.api("GetUserAttributeVerificationCode", AccessToken=access, AttributeName="email")
    code2 = _code(setup, "alice", "verify_email")
    setup.api("VerifyUserAttribute", AccessToken=access, AttributeName="email", Code=code2)
    attrs = {
        a["Name"]: a["Value"] for a in setup.api("GetUser", AccessToken=access)["UserAttributes"]
    }
    assert attrs["email_verified"] == "true"
    setup.api("DeleteUserAttributes", AccessToken=access, UserAttributeNames=["custom:team"])
    attrs = {
        a["Name"]: a["Value"] for a in setup.api("GetUser", AccessToken=access)["UserAttributes"]
    }
    assert "custom:team" not in attrs
    with pytest.raises(CognitoError) as err:
        setup.api(
            "UpdateUserAttributes",
            AccessToken=access,
            UserAttributes=[{"Name": "sub", "Value": "x"}],
        )
    assert err.value.name == "InvalidParameterException"


def test_change_password(setup: PoolSetup) -> None:
    access = _signed_in(setup)["AccessToken"]
    with pytest.raises(CognitoError) as err:
        setup.api(
            "ChangePassword",
            AccessToken=access,
            PreviousPassword="Wr0ng-pass!",
            ProposedPassword="N3w-Passw0rd!",
        )
    assert err.value.name == "NotAuthorizedException"
    with pytest.raises(CognitoError) as err:
        setup.api(
            "ChangePassword",
            AccessToken=access,
            PreviousPassword=PASSWORD,
            ProposedPassword="short",
        )
    assert err.value.name == "InvalidPasswordException"
    setup.api(
        "ChangePassword",
        AccessToken=access,
        PreviousPassword=PASSWORD,
        ProposedPassword="N3w-Passw0rd!",
    )
    srp_sign_in(setup.api, setup.pool_id, setup.client_id, "alice", "N3w-Passw0rd!")


def test_delete_user(setup: PoolSetup) -> None:
    access = _signed_in(setup)["AccessToken"]
    setup.api("DeleteUser", AccessToken=access)
    with pytest.raises(CognitoError) as err:
        setup.api("GetUser", AccessToken=access)
    assert err.value.name == "NotAuthorizedException"
    with pytest.raises(CognitoError) as err:
        srp_sign_in(setup.api, setup.pool_id, setup.client_id, "alice", PASSWORD)
    assert err.value.name == "UserNotFoundException"


def test_admin_operations(setup: PoolSetup) -> None:
    call = setup.server.call
    pool = call("DescribeUserPool", {"UserPoolId": setup.pool_id})["UserPool"]
    assert pool["Id"] == setup.pool_id and pool["MfaConfiguration"] == "OPTIONAL"
    client = call(
        "DescribeUserPoolClient", {"UserPoolId": setup.pool_id, "ClientId": setup.client_id}
    )["UserPoolClient"]
    assert client["ClientId"] == setup.client_id
    _sign_up(setup, "u1")
    call("AdminConfirmSignUp", {"UserPoolId": setup.pool_id, "Username": "u1"})
    srp_sign_in(setup.api, setup.pool_id, setup.client_id, "u1", PASSWORD)
    call(
        "AdminSetUserPassword",
        {
            "UserPoolId": setup.pool_id,
            "Username": "u1",
            "Password": "Adm1n-Set!",
            "Permanent": True,
        },
    )
    srp_sign_in(setup.api, setup.pool_id, setup.client_id, "u1", "Adm1n-Set!")
    for i in range(5):
        _sign_up(setup, f"list{i}")
    page = call("ListUsers", {"UserPoolId": setup.pool_id, "Limit": 4})
    assert len(page["Users"]) == 4 and page["PaginationToken"]
    rest = call(
        "ListUsers",
        {"UserPoolId": setup.pool_id, "Limit": 4, "PaginationToken": page["PaginationToken"]},
    )
    assert len(page["Users"]) + len(rest["Users"]) == 6 and "PaginationToken" not in rest
    found = call(
        "ListUsers", {"UserPoolId": setup.pool_id, "Filter": 'email = "list3@example.com"'}
    )
    assert [u["Username"] for u in found["Users"]] == ["list3"]
    prefix = call("ListUsers", {"UserPoolId": setup.pool_id, "Filter": 'username ^= "list"'})
    assert len(prefix["Users"]) == 5
    call("AdminDeleteUser", {"UserPoolId": setup.pool_id, "Username": "list3"})
    with pytest.raises(Exception) as err:
        call("AdminGetUser", {"UserPoolId": setup.pool_id, "Username": "list3"})
    assert "UserNotFoundException" in str(err.value)


def test_alias_sign_in_needs_verified_email(setup: PoolSetup) -> None:
    pool_id = setup.server.create_pool(AliasAttributes=["email"], AutoVerifiedAttributes=["email"])
    client_id = setup.server.create_client(pool_id)
    setup.api(
        "SignUp",
        ClientId=client_id,
        Username="gina",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "Gina@Example.com"}],
    )
    setup.server.call("AdminConfirmSignUp", {"UserPoolId": pool_id, "Username": "gina"})
    with pytest.raises(CognitoError) as err:  # email not verified yet: no alias sign-in
        srp_sign_in(setup.api, pool_id, client_id, "gina@example.com", PASSWORD)
    assert err.value.name == "UserNotFoundException"
    access = srp_sign_in(setup.api, pool_id, client_id, "gina", PASSWORD)["AuthenticationResult"][
        "AccessToken"
    ]
    setup.api("GetUserAttributeVerificationCode", AccessToken=access, AttributeName="email")
    code = setup.server.last_code("gina", "verify_email")
    setup.api("VerifyUserAttribute", AccessToken=access, AttributeName="email", Code=code)
    out = srp_sign_in(setup.api, pool_id, client_id, "gina@example.com", PASSWORD)
    assert "AuthenticationResult" in out
    # The index follows attribute changes: the old address no longer finds her.
    setup.api(
        "UpdateUserAttributes",
        AccessToken=access,
        UserAttributes=[{"Name": "email", "Value": "g2@example.com"}],
    )
    with pytest.raises(CognitoError) as err:
        srp_sign_in(setup.api, pool_id, client_id, "gina@example.com", PASSWORD)
    assert err.value.name == "UserNotFoundException"
    sub = setup.api("GetUser", AccessToken=access)["UserAttributes"]
    sub_value = next(a["Value"] for a in sub if a["Name"] == "sub")
    assert (
        setup.server.call("AdminGetUser", {"UserPoolId": pool_id, "Username": sub_value})[
            "Username"
        ]
        == "gina"
    )


def test_pool_admin_extras(setup: PoolSetup) -> None:
    call = setup.server.call
    names = {p["Id"]: p["Name"] for p in call("ListUserPools", {"MaxResults": 10})["UserPools"]}
    assert names[setup.pool_id] == "test-pool"
    out = call("SetUserPoolMfaConfig", {"UserPoolId": setup.pool_id, "MfaConfiguration": "ON"})
    assert out["MfaConfiguration"] == "ON"
    setup.server.create_user(setup.pool_id, "mfa", PASSWORD)
    challenge = srp_sign_in(setup.api, setup.pool_id, setup.client_id, "mfa", PASSWORD)
    assert challenge["ChallengeName"] == "MFA_SETUP"
    call("DeleteUserPool", {"UserPoolId": setup.pool_id})
    with pytest.raises(CognitoError) as err:
        setup.api("SignUp", ClientId=setup.client_id, Username="late", Password=PASSWORD)
    assert err.value.name == "ResourceNotFoundException"
