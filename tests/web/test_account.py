"""The portal's AccountService on CPython against the emulator (same code the worker runs)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import secrets
from pathlib import Path
from typing import Any

import pyotp
import pytest

from amazon_cognito_identity import CognitoUserPool, MemoryStorage
from amazon_cognito_identity.errors import CognitoError
from amazon_cognito_identity.web.account_rpc import AccountService, qr_matrix, totp_uri


def run(coro: Any) -> Any:
    """Run a coroutine on a fresh loop in a thread: the Playwright fixtures of the browser
    suite keep an event loop running in the main thread for the whole session."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


PASSWORD = "Acc0unt-Passw0rd!"


@pytest.fixture(scope="module")
def demo(emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from cognito_emulator.seed import ensure_demo

    path = tmp_path_factory.mktemp("demo") / "config.json"
    ensure_demo(emulator.ctx(), emulator.endpoint, str(path))
    return dict(json.loads(Path(path).read_text()))


@pytest.fixture
def service(demo: dict[str, Any]) -> AccountService:
    pool = CognitoUserPool(
        user_pool_id=demo["userPoolId"],
        client_id=demo["clientId"],
        endpoint=demo["endpoint"],
        storage=MemoryStorage(),
    )
    return AccountService(pool)


async def _test_sign_up_sign_in_totp_and_mfa_challenge(
    service: AccountService, emulator: Any
) -> None:
    user = f"svc-{secrets.token_hex(3)}"
    out = await service.sign_up(user, PASSWORD, f"{user}@example.com")
    assert out == {"user_confirmed": False, "destination": out["destination"]}
    assert out["destination"]  # masked email
    await service.confirm_sign_up(user, emulator.last_code(user, "signup"))
    assert await service.current_user() is None
    assert (await service.sign_in(user, PASSWORD))["state"] == "signed_in"
    assert await service.current_user() == {"username": user}
    attrs = {a["name"]: a["value"] for a in await service.get_attributes()}
    assert attrs["email"] == f"{user}@example.com"

    setup = await service.totp_setup()
    assert setup["uri"] == totp_uri(setup["secret"], user)
    assert setup["qr"] is not None and len(setup["qr"]) == len(setup["qr"][0])
    await service.totp_verify(pyotp.TOTP(setup["secret"]).now())
    assert (await service.get_mfa())["preferred"] == "SOFTWARE_TOKEN_MFA"
    await service.sign_out()
    assert await service.current_user() is None

    step = await service.sign_in(user, PASSWORD)
    assert step["state"] == "SOFTWARE_TOKEN_MFA"
    with pytest.raises(CognitoError) as err:
        await service.answer_challenge("SOFTWARE_TOKEN_MFA", "000000")
    assert err.value.code == "CodeMismatchException"
    step = await service.sign_in(user, PASSWORD)
    done = await service.answer_challenge("SOFTWARE_TOKEN_MFA", pyotp.TOTP(setup["secret"]).now())
    assert done == {"state": "signed_in", "username": user}


async def _test_signed_out_calls_raise_not_authorized(service: AccountService) -> None:
    with pytest.raises(CognitoError) as err:
        await service.get_attributes()
    assert err.value.code == "NotAuthorizedException"
    with pytest.raises(CognitoError):
        await service.answer_challenge("SMS_MFA", "123456")


def test_qr_matrix_is_a_qr_symbol() -> None:
    matrix = qr_matrix("otpauth://totp/x?secret=ABC")
    assert matrix is not None
    size = len(matrix)
    assert (size - 17) % 4 == 0  # QR versions are 21, 25, 29, ... modules wide
    # Finder pattern: the top-left 7x7 corner is a dark ring around a light ring.
    assert matrix[0][:7] == [1] * 7 and matrix[1][:7] == [1, 0, 0, 0, 0, 0, 1]


def test_sign_up_sign_in_totp_and_mfa_challenge(service: AccountService, emulator: Any) -> None:
    run(_test_sign_up_sign_in_totp_and_mfa_challenge(service, emulator))


def test_signed_out_calls_raise_not_authorized(service: AccountService) -> None:
    run(_test_signed_out_calls_raise_not_authorized(service))


async def _test_challenge_fields_and_generic_answer(service: AccountService, emulator: Any) -> None:
    user = f"fld-{secrets.token_hex(3)}"
    await service.sign_up(user, PASSWORD, f"{user}@example.com")
    await service.confirm_sign_up(user, emulator.last_code(user, "signup"))
    await service.sign_in(user, PASSWORD)
    setup = await service.totp_setup()
    await service.totp_verify(pyotp.TOTP(setup["secret"]).now())
    await service.sign_out()

    step = await service.sign_in(user, PASSWORD)
    assert step["state"] == "SOFTWARE_TOKEN_MFA"
    assert [(f["name"], f["kind"], f["input_mode"]) for f in step["fields"]] == [
        ("code", "code", "numeric")
    ]
    assert step["delivery"] == {"medium": "TOTP", "destination": None}
    json.dumps(step)  # what the worker posts to the page must be JSON
    done = await service.answer({"code": pyotp.TOTP(setup["secret"]).now()})
    assert done == {"state": "signed_in", "username": user}


def test_challenge_fields_and_generic_answer(service: AccountService, emulator: Any) -> None:
    run(_test_challenge_fields_and_generic_answer(service, emulator))
