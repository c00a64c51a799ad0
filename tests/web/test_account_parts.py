"""The account components' pure parts: password policy, device rows, MFA state, outbox."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from amazon_cognito_identity.errors import NetworkError
from amazon_cognito_identity.transport import HttpRequest, HttpResponse, MockTransport
from amazon_cognito_identity.web.device_view import describe_user_agent, device_rows, short_key
from amazon_cognito_identity.web.mfa_state import MfaState
from amazon_cognito_identity.web.outbox import Outbox, OutboxMessage, latest
from amazon_cognito_identity.web.password_policy import PasswordPolicy

# ---------------------------------------------------------------- password policy


def met(policy: PasswordPolicy, password: str) -> dict[str, bool]:
    return {c.rule.key: c.met for c in policy.check(password)}


def test_default_policy_is_cognitos_default_and_reports_every_rule() -> None:
    policy = PasswordPolicy()
    assert [r.key for r in policy.rules()] == [
        "length",
        "lowercase",
        "uppercase",
        "number",
        "symbol",
    ]
    assert met(policy, "") == dict.fromkeys(
        ["length", "lowercase", "uppercase", "number", "symbol"], False
    )
    # Every rule is judged on its own: one met rule does not hide the others.
    assert met(policy, "abc") == {
        "length": False,
        "lowercase": True,
        "uppercase": False,
        "number": False,
        "symbol": False,
    }
    assert policy.accepts("Corr3ct-Horse!")
    assert not policy.accepts("Corr3ctHorse")


def test_policy_from_config_drops_rules_the_pool_does_not_require() -> None:
    policy = PasswordPolicy.from_config(
        {"MinimumLength": 12, "RequireSymbols": False, "RequireNumbers": False}
    )
    assert [r.key for r in policy.rules()] == ["length", "lowercase", "uppercase"]
    assert policy.rules()[0].label == "At least 12 characters"
    assert not policy.accepts("Elevenchars")
    assert policy.accepts("Twelvechars!x".replace("!", "X"))
    assert PasswordPolicy.from_config(None) == PasswordPolicy()


@pytest.mark.parametrize("symbol", list("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- "))
def test_each_cognito_symbol_counts(symbol: str) -> None:
    assert met(PasswordPolicy(), f"a{symbol}b")["symbol"]


@pytest.mark.parametrize("char", ["€", "é", "0", "A", "\t"])
def test_non_symbols_do_not_count(char: str) -> None:
    assert not met(PasswordPolicy(), char)["symbol"]


def test_length_boundary() -> None:
    policy = PasswordPolicy(minimum_length=8)
    assert not met(policy, "x" * 7)["length"]
    assert met(policy, "x" * 8)["length"]


def test_policy_matches_the_emulators_verdicts() -> None:
    from cognito_emulator import model
    from cognito_emulator.errors import ServiceError

    pool = {"Policies": {"PasswordPolicy": {"MinimumLength": 9, "RequireSymbols": False}}}
    policy = PasswordPolicy.from_config(pool["Policies"]["PasswordPolicy"])
    for password in ["short", "alllowercase1", "ALLUPPER123", "NoDigitsHere", "Go0dEnough", "A1b"]:
        try:
            model.check_password_policy(pool, password)
            accepted = True
        except ServiceError:
            accepted = False
        assert policy.accepts(password) is accepted, password


# ---------------------------------------------------------------- devices

CHROME_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/156.0.0.0 Safari/537.36"
)
EDGE_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
FIREFOX_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Safari/605.1.15"
)


@pytest.mark.parametrize(
    ("agent", "text"),
    [
        (CHROME_LINUX, "Chrome 156 on Linux"),
        (EDGE_WINDOWS, "Edge 131 on Windows"),
        (SAFARI_IPHONE, "Safari 17 on iOS"),
        (FIREFOX_MAC, "Firefox 128 on macOS"),
        (CHROME_ANDROID, "Chrome 126 on Android"),
        (SAFARI_MAC, "Safari 17 on macOS"),
        ("python/linux", "Python on linux"),
        ("My phone", "My phone"),
        ("", "Unknown device"),
        (None, "Unknown device"),
    ],
)
def test_describe_user_agent(agent: str | None, text: str) -> None:
    assert describe_user_agent(agent) == text


def test_a_long_unknown_name_is_cut() -> None:
    text = describe_user_agent("x" * 100)
    assert len(text) == 40 and text.endswith("…")


def test_short_key() -> None:
    assert short_key("us-east-1_0f6c5e0a-1b2c-4d5e-8f90-123456789abc") == "0f6c5e0a"
    assert short_key("") == ""
    assert short_key(None) == ""


def device(key: str, agent: str, remembered: bool, seen: float) -> dict[str, Any]:
    return {
        "DeviceKey": key,
        "DeviceAttributes": [
            {"Name": "device_name", "Value": agent},
            {
                "Name": "dev:device_remembered_status",
                "Value": "remembered" if remembered else "not_remembered",
            },
        ],
        "DeviceCreateDate": seen - 10,
        "DeviceLastAuthenticatedDate": seen,
    }


def test_device_rows_put_this_device_first_then_newest() -> None:
    devices = [
        device("us-east-1_aaaaaaaa-1", EDGE_WINDOWS, True, 1_700_000_000),
        device("us-east-1_bbbbbbbb-2", CHROME_LINUX, False, 1_700_000_500),
        device("us-east-1_cccccccc-3", SAFARI_IPHONE, True, 1_600_000_000),
    ]
    rows = device_rows(devices, "us-east-1_cccccccc-3")
    assert [r.short_key for r in rows] == ["cccccccc", "bbbbbbbb", "aaaaaaaa"]
    first = rows[0].as_dict()
    assert first["name"] == "Safari 17 on iOS"
    assert first["status"] == "Remembered · this device"
    assert first["current"] is True
    assert first["last_seen"] == "2020-09-13 12:26 UTC"
    assert rows[1].status == "Not remembered"
    assert device_rows(devices, None)[0].short_key == "bbbbbbbb"
    assert not any(r.current for r in device_rows(devices, None))


def test_device_without_dates_or_attributes() -> None:
    rows = device_rows([{"DeviceKey": "eu-west-1_dddddddd-4"}], "")
    assert rows[0].name == "Unknown device"
    assert rows[0].last_seen == ""
    assert not rows[0].remembered and not rows[0].current


# ---------------------------------------------------------------- MFA state


@pytest.mark.parametrize(
    ("data", "choice", "label"),
    [
        ({}, "none", "Off"),
        ({"UserMFASettingList": []}, "none", "Off"),
        (
            {
                "PreferredMfaSetting": "SOFTWARE_TOKEN_MFA",
                "UserMFASettingList": ["SOFTWARE_TOKEN_MFA"],
            },
            "totp",
            "Authenticator app (TOTP)",
        ),
        ({"PreferredMfaSetting": "SMS_MFA", "UserMFASettingList": ["SMS_MFA"]}, "sms", "SMS code"),
        (
            {"UserMFASettingList": ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]},
            "both",
            "SMS or app: ask at sign-in",
        ),
        (
            {
                "PreferredMfaSetting": "SMS_MFA",
                "UserMFASettingList": ["SMS_MFA", "SOFTWARE_TOKEN_MFA"],
            },
            "sms",
            "SMS code",
        ),
        ({"UserMFASettingList": ["SOFTWARE_TOKEN_MFA"]}, "totp", "Authenticator app (TOTP)"),
    ],
)
def test_mfa_state_from_get_user(data: dict[str, Any], choice: str, label: str) -> None:
    state = MfaState.from_user_data(data)
    assert state.choice == choice
    assert state.label == label


@pytest.mark.parametrize("choice", ["none", "sms", "totp", "both"])
def test_mfa_settings_round_trip(choice: str) -> None:
    """The settings a choice sends, applied as Cognito applies them, read back as that choice."""
    sms, totp = MfaState.settings_for(choice)
    enabled = [n for n, s in (("SMS_MFA", sms), ("SOFTWARE_TOKEN_MFA", totp)) if s["Enabled"]]
    preferred = next(
        (n for n, s in (("SMS_MFA", sms), ("SOFTWARE_TOKEN_MFA", totp)) if s["PreferredMfa"]), None
    )
    state = MfaState.from_user_data(
        {"PreferredMfaSetting": preferred, "UserMFASettingList": enabled}
    )
    assert state.choice == choice


def test_unknown_mfa_choice() -> None:
    with pytest.raises(ValueError, match="unknown MFA choice"):
        MfaState.settings_for("sometimes")


# ---------------------------------------------------------------- outbox


def run(coro: Any) -> Any:
    return asyncio.new_event_loop().run_until_complete(coro)


def outbox_answer(items: Any, status: int = 200) -> MockTransport:
    def handler(request: HttpRequest) -> HttpResponse:
        return HttpResponse(
            status, {"content-type": "application/json"}, json.dumps(items).encode()
        )

    return MockTransport(handler)


def test_outbox_messages_newest_first_with_marks() -> None:
    transport = outbox_answer(
        [
            {
                "kind": "signup",
                "code": "111111",
                "destination": "a***@e***",
                "time": 100.0,
                "superseded": True,
            },
            {"kind": "signup", "code": "222222", "destination": "a***@e***", "time": 200.0},
            {
                "kind": "verify_email",
                "code": "333333",
                "destination": "a***@e***",
                "time": 150.0,
                "used": True,
            },
        ]
    )
    box = Outbox("http://127.0.0.1:9/", "us-east-1_abc", transport)
    messages = run(box.messages("ann"))
    request = transport.requests[0]
    assert request.method == "GET"
    assert request.url == "http://127.0.0.1:9/_emulator/outbox?username=ann&pool_id=us-east-1_abc"
    assert [m.code for m in messages] == ["222222", "333333", "111111"]
    assert [m.state for m in messages] == ["", "used", "superseded"]
    assert messages[1].label == "Email verification code"
    assert messages[0].label == "Sign-up code"
    assert messages[0].as_dict()["clock"] == "00:03:20"
    assert latest(messages).code == "222222"  # type: ignore[union-attr]
    assert latest(messages, ["verify_email"]) is None
    assert latest(messages, ["forgot_password"]) is None


def test_outbox_error_status_is_a_network_error() -> None:
    box = Outbox("http://127.0.0.1:9", "p", outbox_answer({"__type": "Forbidden"}, 403))
    with pytest.raises(NetworkError, match="HTTP 403"):
        run(box.messages("ann"))


def test_outbox_message_without_marks_or_time() -> None:
    message = OutboxMessage.from_json({"kind": "custom_kind", "code": 5})
    assert message.code == "5"
    assert message.label == "Custom kind"
    assert message.clock == ""
    assert message.state == ""


def test_outbox_pool_wide_and_superseded_marked_when_the_emulator_does_not() -> None:
    transport = outbox_answer(
        [
            {"username": "ann", "kind": "signup", "code": "111111", "time": 100.0},
            {"username": "bob", "kind": "signup", "code": "222222", "time": 110.0},
            {"username": "ann", "kind": "signup", "code": "333333", "time": 120.0},
            {"username": "ann", "kind": "forgot_password", "code": "444444", "time": 90.0},
        ]
    )
    box = Outbox("http://127.0.0.1:9", "us-east-1_abc", transport)
    messages = run(box.messages())
    assert transport.requests[0].url.endswith("/_emulator/outbox?pool_id=us-east-1_abc")
    assert [(m.username, m.code, m.state) for m in messages] == [
        ("ann", "333333", ""),
        ("bob", "222222", ""),
        ("ann", "111111", "superseded"),
        ("ann", "444444", ""),
    ]
    assert messages[0].as_dict()["username"] == "ann"


def test_outbox_marks_from_the_emulator_are_kept_as_they_are() -> None:
    transport = outbox_answer(
        [
            {"username": "ann", "kind": "signup", "code": "1", "time": 1.0, "superseded": False},
            {"username": "ann", "kind": "signup", "code": "2", "time": 2.0, "superseded": False},
        ]
    )
    messages = run(Outbox("http://e", "p", transport).messages("ann"))
    assert [m.state for m in messages] == ["", ""]


def test_demo_config_carries_the_pools_password_policy(emulator: Any, tmp_path: Any) -> None:
    """The portal learns the policy from config.json (DescribeUserPool needs AWS credentials)."""
    from cognito_emulator.seed import ensure_demo

    config = ensure_demo(emulator.ctx(), emulator.endpoint, str(tmp_path / "config.json"))
    assert json.loads((tmp_path / "config.json").read_text()) == config
    pool = emulator.call("DescribeUserPool", {"UserPoolId": config["userPoolId"]})["UserPool"]
    assert config["passwordPolicy"] == pool["Policies"]["PasswordPolicy"]
    assert PasswordPolicy.from_config(config["passwordPolicy"]) == PasswordPolicy()


def test_outbox_messages_of_the_same_second_keep_the_endpoints_order() -> None:
    transport = outbox_answer(
        [
            {"username": "ann", "kind": "signup", "code": "1", "time": 5.0},
            {"username": "ann", "kind": "signup", "code": "2", "time": 5.0},
        ]
    )
    messages = run(Outbox("http://e", "p", transport).messages("ann"))
    assert [(m.code, m.state) for m in messages] == [("2", ""), ("1", "superseded")]


def test_outbox_time_as_the_emulator_sends_it() -> None:
    """ISO-8601 UTC with milliseconds (docs/emulator.md), shown as HH:MM:SS."""
    message = OutboxMessage.from_json({"kind": "signup", "time": "2026-11-29T11:43:16.123Z"})
    assert message.clock == "11:43:16"
    assert message.time == pytest.approx(1795952596.123)
    assert OutboxMessage.from_json({"time": "yesterday"}).clock == ""
