"""Email as a second factor in the portal: the MFA card's choices, the state read back from
GetUser, the RPC door, and the demo config that tells the page what the pool allows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_account_cards import RecordingPage, event, run, signed_in

from amazon_cognito_identity.web.account_rpc import AccountService
from amazon_cognito_identity.web.mfa import MfaCard
from amazon_cognito_identity.web.mfa_state import CHOICES, MfaState
from amazon_cognito_identity.web.portal import Portal


@pytest.fixture(scope="module")
def demo(emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from cognito_emulator.seed import ensure_demo

    path = tmp_path_factory.mktemp("demo") / "config.json"
    ensure_demo(emulator.ctx(), emulator.endpoint, str(path))
    return dict(json.loads(Path(path).read_text()))


def choice_labels(page: RecordingPage, mount: str) -> list[str]:
    return [page.text(n) for n in page.all(mount) if n["attrs"].get("class") == "choice"]


def test_demo_config_says_what_the_pool_allows(demo: dict[str, Any], emulator: Any) -> None:
    assert demo["firstFactors"] == ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]
    assert demo["emailMfa"] is True
    client = emulator.call(
        "DescribeUserPoolClient",
        {"UserPoolId": demo["userPoolId"], "ClientId": demo["clientId"]},
    )["UserPoolClient"]
    assert "ALLOW_USER_AUTH" in client["ExplicitAuthFlows"]


def test_demo_data_from_before_gets_the_new_settings(emulator: Any, tmp_path: Path) -> None:
    from cognito_emulator.seed import ensure_demo

    path = tmp_path / "config.json"
    first = ensure_demo(emulator.ctx(), emulator.endpoint, str(path))
    store = emulator.emulator.store
    pool = store.get("pool", first["userPoolId"])
    pool["Policies"].pop("SignInPolicy")
    pool.pop("EmailMfaConfiguration")
    store.put("pool", pool["Id"], pool)
    client = store.get("client", first["clientId"])
    client["ExplicitAuthFlows"].remove("ALLOW_USER_AUTH")
    store.put("client", client["ClientId"], client)
    again = ensure_demo(emulator.ctx(), emulator.endpoint, str(path))
    assert again["firstFactors"] == ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]
    assert again["emailMfa"] is True
    assert "ALLOW_USER_AUTH" in store.get("client", first["clientId"])["ExplicitAuthFlows"]


def test_card_offers_email_only_when_the_pool_does(demo: dict[str, Any], emulator: Any) -> None:
    user = signed_in(demo, emulator)
    without, with_email = RecordingPage(), RecordingPage()
    run(MfaCard("#mfa", user, page=without).load())
    run(MfaCard("#mfa", user, page=with_email, email=True).load())
    assert choice_labels(without, "#mfa") == [label for _, label in CHOICES]
    assert choice_labels(with_email, "#mfa") == [
        "Off",
        "SMS code",
        "Authenticator app (TOTP)",
        "Email code",
        "SMS or app: ask at sign-in",
    ]


def test_enable_prefer_and_disable_email(demo: dict[str, Any], emulator: Any) -> None:
    page = RecordingPage()
    user = signed_in(demo, emulator, phone=True)
    card = MfaCard("#mfa", user, page=page, email=True)
    run(card.load())
    run(card.dispatch(event("choose", type="click", target="mfa:email")))
    assert page.message("#mfa")[0] == "Second factor at sign-in: Email code."
    assert page.text(page.by_id("#mfa", "mfa-current")) == "Email code"
    assert page.focus["#mfa"] == "[name='mfa:email']"
    data = run(user.get_user_data(bypass_cache=True))
    assert data["PreferredMfaSetting"] == "EMAIL_OTP"
    assert data["UserMFASettingList"] == ["EMAIL_OTP"]
    # Another choice turns email off (the card shows one state: what GetUser says).
    run(card.dispatch(event("choose", type="click", target="mfa:sms")))
    data = run(user.get_user_data(bypass_cache=True))
    assert data["PreferredMfaSetting"] == "SMS_MFA"
    assert data["UserMFASettingList"] == ["SMS_MFA"]
    run(card.dispatch(event("choose", type="click", target="mfa:email")))
    run(card.dispatch(event("choose", type="click", target="mfa:none")))
    data = run(user.get_user_data(bypass_cache=True))
    assert not data.get("PreferredMfaSetting") and not data.get("UserMFASettingList")
    assert page.text(page.by_id("#mfa", "mfa-current")) == "Off"


@pytest.mark.parametrize(
    ("data", "choice"),
    [
        ({"PreferredMfaSetting": "EMAIL_OTP", "UserMFASettingList": ["EMAIL_OTP"]}, "email"),
        ({"UserMFASettingList": ["EMAIL_OTP"]}, "email"),
        ({"UserMFASettingList": ["EMAIL_OTP", "SOFTWARE_TOKEN_MFA"]}, "totp"),
        ({"PreferredMfaSetting": "SMS_MFA", "UserMFASettingList": ["SMS_MFA", "EMAIL_OTP"]}, "sms"),
    ],
)
def test_state_with_email(data: dict[str, Any], choice: str) -> None:
    state = MfaState.from_user_data(data)
    assert state.choice == choice
    assert state.email_enabled is ("EMAIL_OTP" in data["UserMFASettingList"])


@pytest.mark.parametrize("choice", ["none", "sms", "totp", "email", "both"])
def test_email_settings_round_trip(choice: str) -> None:
    """The settings a choice sends, applied as Cognito applies them, read back as that choice."""
    sms, totp = MfaState.settings_for(choice)
    email = MfaState.email_settings_for(choice)
    named = (("SMS_MFA", sms), ("SOFTWARE_TOKEN_MFA", totp), ("EMAIL_OTP", email))
    enabled = [n for n, s in named if s["Enabled"]]
    preferred = next((n for n, s in named if s["PreferredMfa"]), None)
    state = MfaState.from_user_data(
        {"PreferredMfaSetting": preferred, "UserMFASettingList": enabled}
    )
    assert state.choice == choice


def test_unknown_choice_for_email() -> None:
    with pytest.raises(ValueError, match="unknown MFA choice"):
        MfaState.email_settings_for("sometimes")


def test_rpc_sets_email(demo: dict[str, Any], emulator: Any) -> None:
    user = signed_in(demo, emulator)
    service = AccountService(user.pool)

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        await service.set_mfa_preference("email")
        on = await service.get_mfa()
        await service.set_mfa_preference("none", email=True)
        return on, await service.get_mfa()

    on, off = run(scenario())
    assert on == {"preferred": "EMAIL_OTP", "enabled": ["EMAIL_OTP"]}
    assert off == {"preferred": None, "enabled": []}


def test_portal_passes_the_pool_settings_on(demo: dict[str, Any]) -> None:
    from amazon_cognito_identity import CognitoUserPool, MemoryStorage

    pool = CognitoUserPool(
        user_pool_id=demo["userPoolId"],
        client_id=demo["clientId"],
        endpoint=demo["endpoint"],
        storage=MemoryStorage(),
    )
    page = RecordingPage()

    async def scenario() -> tuple[Portal, Portal]:
        portal = Portal(pool, demo, page=page)
        await portal.login.started
        plain_config = {**demo, "firstFactors": None, "emailMfa": False}
        plain = Portal(pool, plain_config, page=RecordingPage())
        await plain.login.started
        return portal, plain

    portal, plain = run(scenario())
    assert portal.login.first_factors == ("PASSWORD", "EMAIL_OTP", "SMS_OTP")
    assert portal.login.auto_sign_in_after_confirm is True
    texts = page.text(page.nodes["#portal-login"])
    assert "Email me a code" in texts and "Text me a code" in texts
    assert plain.login.first_factors is None
    assert plain.login.auto_sign_in_after_confirm is False
