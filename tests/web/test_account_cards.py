"""The account components on CPython against the emulator, rendered into a recording page.

The page keeps the last nodes of each mount; the tests read them as a person reads the screen
(text, which control holds which value) and send the events a person's clicks would.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyotp
import pytest

from amazon_cognito_identity import (
    AuthenticationDetails,
    CognitoUser,
    CognitoUserPool,
    MemoryStorage,
)
from amazon_cognito_identity.web.account import (
    DeleteAccountCard,
    PasswordCard,
    ProfileCard,
    SessionCard,
)
from amazon_cognito_identity.web.component import Event, Node
from amazon_cognito_identity.web.devices import DevicesCard
from amazon_cognito_identity.web.mfa import MfaCard
from amazon_cognito_identity.web.outbox import Outbox
from amazon_cognito_identity.web.outbox_panel import USE_EVENT, OutboxPanel

PASSWORD = "Card-Passw0rd!"


def run(coro: Any) -> Any:
    """A fresh loop in a thread: the browser suite keeps a loop running in the main thread."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


class RecordingPage:
    """A Page that keeps what each mount shows."""

    def __init__(self) -> None:
        self.nodes: dict[str, list[Node]] = {}
        self.focus: dict[str, str | None] = {}
        self.emitted: list[tuple[str, str, dict[str, Any]]] = []
        self.components: dict[str, Any] = {}

    def attach(self, mount: str, component: Any) -> None:
        self.components[mount] = component

    def render(self, mount: str, nodes: Sequence[Node], *, focus: str | None = None) -> None:
        self.nodes[mount] = list(nodes)
        self.focus[mount] = focus

    def set_text(self, selector: str, text: str) -> None:
        self.nodes[selector] = [text]

    def emit(self, mount: str, name: str, detail: Mapping[str, Any]) -> None:
        self.emitted.append((mount, name, dict(detail)))

    def log(self, text: str, level: str = "info") -> None:
        pass

    # ---- reading the screen -----------------------------------------------------------------

    def all(self, mount: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []

        def walk(nodes: Sequence[Node]) -> None:
            for node in nodes:
                if isinstance(node, dict):
                    out.append(node)
                    walk(node.get("children", []))

        walk(self.nodes.get(mount, []))
        return out

    def text(self, node: Node | Sequence[Node]) -> str:
        if isinstance(node, str):
            return node
        if isinstance(node, dict):
            return "".join(self.text(c) for c in node.get("children", []))
        return "".join(self.text(n) for n in node)

    def screen(self, mount: str) -> str:
        return self.text(self.nodes.get(mount, []))

    def by_id(self, mount: str, ident: str) -> dict[str, Any]:
        found = [n for n in self.all(mount) if n.get("attrs", {}).get("id") == ident]
        assert found, f"no #{ident} in {mount}: {self.screen(mount)!r}"
        return found[0]

    def message(self, mount: str) -> tuple[str, dict[str, str]]:
        box = next(n for n in self.all(mount) if "cog-msg" in n.get("attrs", {}).get("class", ""))
        return self.text(box), box["attrs"]


@pytest.fixture(scope="module")
def demo(emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from cognito_emulator.seed import ensure_demo

    path = tmp_path_factory.mktemp("demo") / "config.json"
    ensure_demo(emulator.ctx(), emulator.endpoint, str(path))
    return dict(json.loads(Path(path).read_text()))


def signed_in(demo: dict[str, Any], emulator: Any, phone: bool = False) -> CognitoUser:
    """A new confirmed user, signed in (this 'browser' confirmed as a device)."""
    pool = CognitoUserPool(
        user_pool_id=demo["userPoolId"],
        client_id=demo["clientId"],
        endpoint=demo["endpoint"],
        storage=MemoryStorage(),
    )
    name = f"card-{secrets.token_hex(3)}"
    extra = {"phone_number": "+15555550199"} if phone else {}
    emulator.create_user(demo["userPoolId"], name, PASSWORD, email=f"{name}@example.com", **extra)
    user = CognitoUser(name, pool)
    run(user.authenticate_user(AuthenticationDetails(name, PASSWORD)))
    return user


def event(
    handler: str,
    values: Mapping[str, str] | None = None,
    *,
    type: str = "submit",
    target: str | None = None,
) -> Event:
    return Event(type, handler, dict(values or {}), target)


def test_password_rules_tick_live_and_a_stale_result_goes_on_edit(
    demo: dict[str, Any], emulator: Any
) -> None:
    page = RecordingPage()
    user = signed_in(demo, emulator)
    card = PasswordCard("#pw", user, page=page)
    card.refresh()
    # The hidden username field password managers pair the new password with.
    hidden = next(n for n in page.all("#pw") if n["attrs"].get("name") == "username")
    assert hidden["attrs"]["autocomplete"] == "username"
    assert hidden["attrs"]["value"] == user.get_username()
    assert "hidden" in hidden["attrs"]
    assert page.by_id("#pw", "pw-old")["attrs"]["autocomplete"] == "current-password"
    new = page.by_id("#pw", "pw-new")
    assert new["attrs"]["autocomplete"] == "new-password"
    assert new["attrs"]["aria-describedby"] == "pw-rules"

    def rules() -> dict[str, str]:
        items = page.by_id("#pw", "pw-rules")["children"]
        return {i["attrs"]["data-rule"]: i["attrs"]["data-met"] for i in items}

    assert set(rules().values()) == {"false"}
    run(card.dispatch(event("typed", {"new_password": "abc"}, type="input")))
    assert rules() == {
        "length": "false",
        "lowercase": "true",
        "uppercase": "false",
        "number": "false",
        "symbol": "false",
    }
    # A weak password: the service's error shows in the card, in an assertive live region.
    run(card.dispatch(event("change", {"old_password": PASSWORD, "new_password": "abc"})))
    text, attrs = page.message("#pw")
    assert text.startswith("InvalidPasswordException: "), text
    assert attrs["role"] == "alert" and attrs["aria-live"] == "assertive"
    # Editing the field clears that stale error and re-judges the rules.
    run(card.dispatch(event("typed", {"new_password": "abcD3-efgh"}, type="input")))
    assert page.message("#pw")[0] == ""
    assert set(rules().values()) == {"true"}
    run(
        card.dispatch(event("change", {"old_password": "Wrong-0ne!", "new_password": "abcD3-efgh"}))
    )
    assert page.message("#pw")[0].startswith("NotAuthorizedException: ")
    run(card.dispatch(event("change", {"old_password": PASSWORD, "new_password": "abcD3-efgh"})))
    text, attrs = page.message("#pw")
    assert text == "Password changed."
    assert attrs["role"] == "status" and attrs["aria-live"] == "polite"
    cleared = [
        n["attrs"].get("value") for n in page.all("#pw") if n["attrs"].get("type") == "password"
    ]
    assert cleared == ["", ""]


def test_mfa_state_follows_each_change(demo: dict[str, Any], emulator: Any) -> None:
    page = RecordingPage()
    user = signed_in(demo, emulator, phone=True)
    card = MfaCard("#mfa", user, page=page)
    run(card.load())
    assert page.text(page.by_id("#mfa", "mfa-current")) == "Off"
    run(card.dispatch(event("start_totp", type="click", target="mfa-totp-start")))
    secret = page.text(page.by_id("#mfa", "mfa-secret"))
    assert page.by_id("#mfa", "mfa-qr")["attrs"]["src"].startswith("data:image/svg+xml")
    assert page.focus["#mfa"] == "#mfa-code"
    run(card.dispatch(event("verify_totp", {"code": "000000"})))
    assert page.message("#mfa")[0].startswith("EnableSoftwareTokenMFAException: ")
    assert page.text(page.by_id("#mfa", "mfa-current")) == "Off"
    run(card.dispatch(event("verify_totp", {"code": pyotp.TOTP(secret).now()})))
    assert page.message("#mfa")[0] == "Authenticator app enabled."
    # No reload: the state line and the pressed choice show the new state at once.
    assert page.text(page.by_id("#mfa", "mfa-current")) == "Authenticator app (TOTP)"
    pressed = [n for n in page.all("#mfa") if n["attrs"].get("aria-pressed") == "true"]
    assert [page.text(n) for n in pressed] == ["Authenticator app (TOTP)"]
    run(card.dispatch(event("choose", type="click", target="mfa:both")))
    assert page.text(page.by_id("#mfa", "mfa-current")) == "SMS or app: ask at sign-in"
    run(card.dispatch(event("choose", type="click", target="mfa:none")))
    assert page.text(page.by_id("#mfa", "mfa-current")) == "Off"
    assert page.message("#mfa")[0] == "Second factor at sign-in: Off."


def test_devices_readable_remember_and_forget(demo: dict[str, Any], emulator: Any) -> None:
    page = RecordingPage()
    user = signed_in(demo, emulator)
    card = DevicesCard("#dev", user, page=page)
    run(card.load())
    screen = page.screen("#dev")
    key = user.storage.get_item(
        f"CognitoIdentityServiceProvider.{demo['clientId']}.{user.get_username()}.deviceKey"
    )
    assert key and key.split("_", 1)[1][:8] in screen
    assert key not in screen  # the short key only
    assert "Not remembered · this device" in screen
    run(card.dispatch(event("remember", type="click", target="dev-remember")))
    assert page.message("#dev")[0] == "This device is remembered."
    assert "Remembered · this device" in page.screen("#dev")
    forget = next(n for n in page.all("#dev") if n["attrs"].get("name") == f"forget:{key}")
    assert forget["attrs"]["aria-label"].startswith("Forget Python on ")
    run(card.dispatch(event("forget", type="click", target="forget:us-east-1_gone")))
    assert page.message("#dev")[0] == "InvalidParameterError: That device is no longer listed."
    run(card.dispatch(event("forget", type="click", target=f"forget:{key}")))
    assert page.message("#dev")[0].startswith("Device Python on ")
    assert "No devices yet." in page.screen("#dev")


def test_profile_save_delete_and_verify(demo: dict[str, Any], emulator: Any) -> None:
    page = RecordingPage()
    user = signed_in(demo, emulator)
    sent: list[str] = []
    card = ProfileCard("#prof", user, page=page, on_code_sent=sent.append)
    run(card.load())
    assert f"email{user.get_username()}@example.com" in page.screen("#prof")
    run(card.dispatch(event("save", {"attr_name": "name", "attr_value": "<b>Ann</b>"})))
    assert page.message("#prof")[0] == "Attribute name saved."
    assert "name<b>Ann</b>" in page.screen("#prof")  # text, never markup
    run(card.dispatch(event("delete", {"attr_name": "name"}, type="click")))
    assert page.message("#prof")[0] == "Attribute name deleted."
    assert "name<b>Ann</b>" not in page.screen("#prof")
    run(card.dispatch(event("save", {"attr_name": "", "attr_value": "x"})))
    assert page.message("#prof")[0] == "InvalidParameterError: Enter an attribute name."
    run(card.dispatch(event("send_code", {"attr_name": "email"}, type="click")))
    assert sent == [user.get_username()]
    assert page.focus["#prof"] == "#prof-code"
    code = emulator.last_code(user.get_username(), "verify_email")
    run(card.dispatch(event("verify", {"code": code})))
    assert page.message("#prof")[0] == "email verified."
    assert "email_verifiedtrue" in page.screen("#prof")


def test_session_and_delete(demo: dict[str, Any], emulator: Any) -> None:
    page = RecordingPage()
    user = signed_in(demo, emulator)
    outcomes: list[str] = []
    session = SessionCard("#ses", user, page=page, on_signed_out=outcomes.append)
    session.refresh()
    assert user.get_username() in page.screen("#ses")
    delete = DeleteAccountCard("#del", user, page=page, on_deleted=outcomes.append)
    delete.refresh()
    run(delete.dispatch(event("delete", {"confirm": "delete"})))
    text, attrs = page.message("#del")
    assert text == "Type DELETE (in capitals) to confirm." and attrs["role"] == "alert"
    assert page.focus["#del"] == "#del-confirm"
    run(session.dispatch(event("global_sign_out", type="click")))
    assert outcomes == ["Signed out on every device."]
    user2 = signed_in(demo, emulator)
    delete2 = DeleteAccountCard("#del2", user2, page=page, on_deleted=outcomes.append)
    delete2.refresh()
    run(delete2.dispatch(event("delete", {"confirm": "DELETE"})))
    assert outcomes[-1] == "Account deleted."
    with pytest.raises(Exception, match=r"UserNotFound|NotAuthorized"):
        emulator.call(
            "AdminGetUser", {"UserPoolId": demo["userPoolId"], "Username": user2.get_username()}
        )


def test_outbox_panel_lists_marks_and_hands_over_a_code(
    demo: dict[str, Any], emulator: Any
) -> None:
    page = RecordingPage()
    name = f"box-{secrets.token_hex(3)}"
    pool = {"UserPoolId": demo["userPoolId"], "ClientId": demo["clientId"]}
    emulator.call(
        "SignUp",
        {
            "ClientId": pool["ClientId"],
            "Username": name,
            "Password": PASSWORD,
            "UserAttributes": [{"Name": "email", "Value": f"{name}@example.com"}],
        },
    )
    emulator.call("ResendConfirmationCode", {"ClientId": pool["ClientId"], "Username": name})
    panel = OutboxPanel("#box", Outbox(demo["endpoint"], demo["userPoolId"]), page=page)
    panel.follow(name)
    run(panel.load())
    items = [n for n in page.all("#box") if n["tag"] == "li"]
    assert [i["attrs"]["data-state"] for i in items] == ["valid", "superseded"]
    assert "Sign-up code" in page.text(items[0]) and name in page.text(items[0])
    newest = emulator.last_code(name, "signup")
    assert newest in page.text(items[0])
    use = [n for n in page.all("#box") if n["tag"] == "button"]
    assert len(use) == 1  # a superseded code offers no button
    run(panel.dispatch(event("use", type="click", target=use[0]["attrs"]["name"])))
    assert page.emitted == [("#box", USE_EVENT, {"code": newest, "username": name})]


def test_account_view_focuses_your_account_and_loads_every_card(
    demo: dict[str, Any], emulator: Any
) -> None:
    from amazon_cognito_identity.web.account import AccountView

    page = RecordingPage()
    user = signed_in(demo, emulator)
    view = AccountView(user, page=page)
    run(view.show())
    assert page.focus["#account-session"] == "#account-session-title"
    assert page.text(page.by_id("#account-session", "account-session-title")) == "Your account"
    # The later cards render without moving the focus.
    assert all(page.focus[m] is None for m in page.nodes if m != "#account-session")
    assert f"email{user.get_username()}@example.com" in page.screen("#account-profile")
    assert page.text(page.by_id("#account-mfa", "account-mfa-current")) == "Off"
    assert "this device" in page.screen("#account-devices")
    assert "Type DELETE" in page.screen("#account-delete")
    assert "Change password" in page.screen("#account-password")
