"""Device tracking: NewDeviceMetadata, ConfirmDevice, DEVICE_SRP_AUTH, device operations."""

from __future__ import annotations

import pyotp
import pytest

from cognito_emulator.testing import EmulatorServer

from .conftest import PoolSetup
from .srp_client import Api, CognitoError, device_sign_in, device_verifier, srp_sign_in

PASSWORD = "Passw0rd!"


class Device:
    def __init__(self, key: str, group: str, password: str) -> None:
        self.key, self.group, self.password = key, group, password


def _first_sign_in(
    api: Api, pool_id: str, client_id: str, name: str = "alice", device_name: str = "laptop"
) -> tuple[dict[str, str], Device, bool]:
    result = srp_sign_in(api, pool_id, client_id, name, PASSWORD)["AuthenticationResult"]
    meta = result["NewDeviceMetadata"]
    password, config = device_verifier(meta["DeviceGroupKey"], meta["DeviceKey"])
    confirm = api(
        "ConfirmDevice",
        AccessToken=result["AccessToken"],
        DeviceKey=meta["DeviceKey"],
        DeviceName=device_name,
        DeviceSecretVerifierConfig=config,
    )
    return (
        result,
        Device(meta["DeviceKey"], meta["DeviceGroupKey"], password),
        bool(confirm["UserConfirmationNecessary"]),
    )


def test_remembered_device_srp(setup: PoolSetup) -> None:
    setup.server.create_user(setup.pool_id, "alice", PASSWORD)
    _tokens, device, necessary = _first_sign_in(setup.api, setup.pool_id, setup.client_id)
    assert necessary is False  # this pool remembers at once
    assert device.key.startswith("us-east-1_") and device.group.startswith("-")
    challenge = srp_sign_in(
        setup.api, setup.pool_id, setup.client_id, "alice", PASSWORD, device_key=device.key
    )
    assert challenge["ChallengeName"] == "DEVICE_SRP_AUTH"
    out = device_sign_in(
        setup.api,
        setup.client_id,
        "alice",
        device.key,
        device.group,
        device.password,
        challenge["Session"],
    )
    result = out["AuthenticationResult"]
    assert "NewDeviceMetadata" not in result
    # Wrong device password is rejected.
    challenge = srp_sign_in(
        setup.api, setup.pool_id, setup.client_id, "alice", PASSWORD, device_key=device.key
    )
    with pytest.raises(CognitoError) as err:
        device_sign_in(
            setup.api,
            setup.client_id,
            "alice",
            device.key,
            device.group,
            "wrong-device-password",
            challenge["Session"],
        )
    assert err.value.name == "NotAuthorizedException"
    # Device operations.
    access = result["AccessToken"]
    got = setup.api("GetDevice", AccessToken=access, DeviceKey=device.key)["Device"]
    attrs = {a["Name"]: a["Value"] for a in got["DeviceAttributes"]}
    assert attrs["device_name"] == "laptop"
    assert attrs["dev:device_remembered_status"] == "remembered"
    setup.api(
        "UpdateDeviceStatus",
        AccessToken=access,
        DeviceKey=device.key,
        DeviceRememberedStatus="not_remembered",
    )
    # Not remembered: no device challenge, no new metadata either (the key is known).
    plain = srp_sign_in(
        setup.api, setup.pool_id, setup.client_id, "alice", PASSWORD, device_key=device.key
    )
    assert "NewDeviceMetadata" not in plain["AuthenticationResult"]
    setup.api("ForgetDevice", AccessToken=access, DeviceKey=device.key)
    assert setup.api("ListDevices", AccessToken=access)["Devices"] == []


def test_unknown_device_key_resource_not_found_then_retry(setup: PoolSetup) -> None:
    from datetime import UTC, datetime

    from .srp_client import SrpSession

    setup.server.create_user(setup.pool_id, "alice", PASSWORD)
    s = SrpSession()
    init = setup.api(
        "InitiateAuth",
        AuthFlow="USER_SRP_AUTH",
        ClientId=setup.client_id,
        AuthParameters={
            "USERNAME": "alice",
            "SRP_A": format(s.A, "x"),
            "DEVICE_KEY": "us-east-1_gone",
        },
    )
    cp = init["ChallengeParameters"]
    ts, sig = s.claim(
        setup.pool_name,
        "alice",
        PASSWORD,
        cp["SALT"],
        cp["SRP_B"],
        cp["SECRET_BLOCK"],
        datetime.now(UTC),
    )
    responses = {
        "USERNAME": "alice",
        "PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"],
        "TIMESTAMP": ts,
        "PASSWORD_CLAIM_SIGNATURE": sig,
        "DEVICE_KEY": "us-east-1_gone",
    }
    with pytest.raises(CognitoError) as err:
        setup.api(
            "RespondToAuthChallenge",
            ChallengeName="PASSWORD_VERIFIER",
            ClientId=setup.client_id,
            Session=init["Session"],
            ChallengeResponses=responses,
        )
    assert err.value.name == "ResourceNotFoundException"
    assert "device" in err.value.message.lower()
    del responses["DEVICE_KEY"]  # what the JS SDK does: retry the same answer without it
    out = setup.api(
        "RespondToAuthChallenge",
        ChallengeName="PASSWORD_VERIFIER",
        ClientId=setup.client_id,
        Session=init["Session"],
        ChallengeResponses=responses,
    )
    assert "NewDeviceMetadata" in out["AuthenticationResult"]


def test_remembered_device_skips_mfa(emulator: EmulatorServer) -> None:
    pool_id = emulator.create_pool(
        MfaConfiguration="OPTIONAL",
        DeviceConfiguration={
            "ChallengeRequiredOnNewDevice": True,
            "DeviceOnlyRememberedOnUserPrompt": True,
        },
    )
    client_id = emulator.create_client(pool_id)
    emulator.create_user(pool_id, "alice", PASSWORD)
    api = Api(emulator.endpoint)
    tokens, device, necessary = _first_sign_in(api, pool_id, client_id)
    assert necessary is True
    access = tokens["AccessToken"]
    secret = api("AssociateSoftwareToken", AccessToken=access)["SecretCode"]
    api("VerifySoftwareToken", AccessToken=access, UserCode=pyotp.TOTP(secret).now())
    api(
        "SetUserMFAPreference",
        AccessToken=access,
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    # Confirmed but not yet remembered: the device does not stand in for MFA.
    challenge = srp_sign_in(api, pool_id, client_id, "alice", PASSWORD, device_key=device.key)
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    api(
        "UpdateDeviceStatus",
        AccessToken=access,
        DeviceKey=device.key,
        DeviceRememberedStatus="remembered",
    )
    challenge = srp_sign_in(api, pool_id, client_id, "alice", PASSWORD, device_key=device.key)
    assert challenge["ChallengeName"] == "DEVICE_SRP_AUTH"
    out = device_sign_in(
        api, client_id, "alice", device.key, device.group, device.password, challenge["Session"]
    )
    assert "AuthenticationResult" in out
    # A new device still needs the second factor.
    assert (
        srp_sign_in(api, pool_id, client_id, "alice", PASSWORD)["ChallengeName"]
        == "SOFTWARE_TOKEN_MFA"
    )


def test_list_devices_pagination(setup: PoolSetup) -> None:
    setup.server.create_user(setup.pool_id, "alice", PASSWORD)
    keys = []
    access = ""
    for i in range(5):
        tokens, device, _ = _first_sign_in(
            setup.api, setup.pool_id, setup.client_id, device_name=f"d{i}"
        )
        keys.append(device.key)
        access = tokens["AccessToken"]
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        params = {"AccessToken": access, "Limit": 2}
        if token:
            params["PaginationToken"] = token
        page = setup.api("ListDevices", **params)
        assert len(page["Devices"]) <= 2
        seen += [d["DeviceKey"] for d in page["Devices"]]
        pages += 1
        token = page.get("PaginationToken")
        if not token:
            break
    assert pages == 3 and sorted(seen) == sorted(keys)
    with pytest.raises(CognitoError) as err:
        setup.api("ListDevices", AccessToken=access, Limit=61)
    assert err.value.name == "InvalidParameterException"


def test_confirm_device_of_someone_else_rejected(setup: PoolSetup) -> None:
    setup.server.create_user(setup.pool_id, "alice", PASSWORD)
    setup.server.create_user(setup.pool_id, "bob", PASSWORD)
    alice = srp_sign_in(setup.api, setup.pool_id, setup.client_id, "alice", PASSWORD)[
        "AuthenticationResult"
    ]
    bob = srp_sign_in(setup.api, setup.pool_id, setup.client_id, "bob", PASSWORD)[
        "AuthenticationResult"
    ]
    meta = alice["NewDeviceMetadata"]
    _pw, config = device_verifier(meta["DeviceGroupKey"], meta["DeviceKey"])
    with pytest.raises(CognitoError) as err:
        setup.api(
            "ConfirmDevice",
            AccessToken=bob["AccessToken"],
            DeviceKey=meta["DeviceKey"],
            DeviceSecretVerifierConfig=config,
        )
    assert err.value.name == "ResourceNotFoundException"
