"""Web safety outside the browser: cookie defaults, the emulator's CORS, and no secret in
logs, console output, exception messages or reprs."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from reliability_helpers import PASSWORD
from test_load_crash import admin, create_user, sdk_pool, start_server

from amazon_cognito_identity import (
    AuthenticationDetails,
    CognitoUser,
    CognitoUserAttribute,
    CookieStorage,
)
from amazon_cognito_identity.errors import CognitoError, InvalidParameterError
from amazon_cognito_identity.storage import MemoryCookieJar

# ---------------------------------------------------------------- cookies


class RecordingJar(MemoryCookieJar):
    """A cookie jar that keeps every raw ``document.cookie = ...`` string written."""

    def __init__(self) -> None:
        super().__init__()
        self.written: list[str] = []

    def write(self, cookie: str) -> None:
        self.written.append(cookie)
        super().write(cookie)


def test_cookies_are_secure_and_samesite_by_default() -> None:
    jar = RecordingJar()
    storage = CookieStorage(domain="app.example.com", jar=jar)
    storage.set_item("CognitoIdentityServiceProvider.c.alice.idToken", "x" * 5000)  # split
    storage.set_item("CognitoIdentityServiceProvider.c.LastAuthUser", "alice")
    storage.remove_item("CognitoIdentityServiceProvider.c.LastAuthUser")
    assert len(jar.written) >= 4
    for cookie in jar.written:
        attrs = {
            part.split("=", 1)[0].strip().lower(): part.partition("=")[2].strip().lower()
            for part in cookie.split(";")[1:]
        }
        assert "secure" in attrs, cookie
        assert attrs.get("samesite") in ("lax", "strict"), cookie


def test_samesite_none_without_secure_is_refused() -> None:
    with pytest.raises(InvalidParameterError):
        CookieStorage(domain="app.example.com", secure=False, same_site="none")


# ---------------------------------------------------------------- CORS


def request(url: str, method: str, origin: str) -> tuple[int, dict[str, str]]:
    req = urllib.request.Request(url, method=method, data=b"{}" if method == "POST" else None)
    req.add_header("Origin", origin)
    req.add_header("Access-Control-Request-Method", "POST")
    req.add_header("Access-Control-Request-Headers", "content-type,x-amz-target")
    if method == "POST":
        req.add_header("X-Amz-Target", "AWSCognitoIdentityProviderService.ListUserPools")
        req.add_header("Content-Type", "application/x-amz-json-1.1")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "http://127.0.0.1.evil.example", "null", "http://localhost.evil:80"],
)
def test_emulator_cors_refuses_foreign_origins(emulator: Any, origin: str) -> None:
    status, headers = request(emulator.endpoint, "OPTIONS", origin)
    assert status == 403 and "access-control-allow-origin" not in headers
    _status, headers = request(emulator.endpoint, "POST", origin)
    assert "access-control-allow-origin" not in headers


def test_emulator_cors_allows_local_pages(emulator: Any) -> None:
    origin = "http://127.0.0.1:8000"
    status, headers = request(emulator.endpoint, "OPTIONS", origin)
    assert status == 204 and headers["access-control-allow-origin"] == origin
    _status, headers = request(emulator.endpoint, "POST", origin)
    assert headers["access-control-allow-origin"] == origin


def test_emulator_configured_origins_are_exact() -> None:
    from cognito_emulator import testing

    config = testing.EmulatorConfig(print_outbox=False, allowed_origins=["https://app.example"])
    with testing.EmulatorServer(config=config) as emu:
        assert request(emu.endpoint, "OPTIONS", "https://app.example")[0] == 204
        for origin in ("http://127.0.0.1:8000", "https://app.example.evil", "http://app.example"):
            status, headers = request(emu.endpoint, "OPTIONS", origin)
            assert status == 403 and "access-control-allow-origin" not in headers


# ---------------------------------------------------------------- no secrets anywhere


async def test_no_secret_in_logs_console_messages_or_reprs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server = start_server(tmp_path / "state.sqlite", tmp_path)
    secrets_seen: set[str] = {PASSWORD, "N3w-S3cret-Pass!"}
    codes: set[str] = set()
    texts: list[str] = []
    try:
        pool = sdk_pool(server)
        await create_user(server, "leaky")
        user = CognitoUser("leaky", pool)
        details = AuthenticationDetails("leaky", PASSWORD)
        session = await user.authenticate_user(details)
        for token in (
            session.get_id_token(),  # type: ignore[union-attr]
            session.get_access_token(),  # type: ignore[union-attr]
        ):
            secrets_seen.add(token.get_jwt_token())
            texts.append(repr(token))
            texts.append(str(token))
        refresh = session.get_refresh_token()  # type: ignore[union-attr]
        secrets_seen.add(refresh.get_token())
        texts += [repr(refresh), str(refresh), repr(session), str(session), repr(details)]
        texts += [str(details), repr(user), repr(pool)]
        await user.change_password(PASSWORD, "N3w-S3cret-Pass!")
        # Failures: their messages and reprs must not echo what was sent.
        for wrong in (PASSWORD, "Wr0ng-but-Secret-1!"):
            secrets_seen.add(wrong)
            try:
                await CognitoUser("leaky", pool).authenticate_user(
                    AuthenticationDetails("leaky", wrong)
                )
            except CognitoError as err:
                texts += [str(err), repr(err), repr(err.args)]
        await CognitoUser("leaky", pool).forgot_password()
        outbox = await admin(server).call("ListUsers", {"UserPoolId": server.pool_id})
        assert outbox["Users"]
        import json
        import urllib.request as ur

        with ur.urlopen(f"{server.endpoint}_emulator/outbox?username=leaky") as resp:
            codes |= {m["code"] for m in json.loads(resp.read())}
        try:
            await CognitoUser("leaky", pool).confirm_password(
                "000000" if "000000" not in codes else "111111", "An0ther-Secret!"
            )
        except CognitoError as err:
            texts += [str(err), repr(err)]
        secrets_seen.add("An0ther-Secret!")
        await pool.sign_up(
            "leaky2", "Sign-up-S3cret!", [CognitoUserAttribute("email", "l2@example.com")]
        )
        secrets_seen.add("Sign-up-S3cret!")
        await user.sign_out()
    finally:
        server.proc.terminate()
        server.proc.wait(10)
    console = server.log.read_text()
    assert "listening" in console
    texts.append("\n".join(r.getMessage() for r in caplog.records))
    for secret in secrets_seen:
        for text in texts:
            assert secret not in text, f"secret leaked into {text[:120]!r}"
        assert secret not in console, "secret in the emulator console output"
    # Codes are "delivered" on the console outbox lines (the emulator's SMS/e-mail), and
    # nowhere else.
    for line in console.splitlines():
        if not line.startswith("[outbox]"):
            for code in codes:
                assert code not in line, line
    for code in codes:
        for text in texts:
            assert code not in text
