"""The worker side of passkeys and the hosted page, on CPython against the emulator.

The page's main thread is played by :class:`FakePage`: it answers the worker's main-thread
calls as ``web/portal/rpc.js`` does (bytes as ``{"$bytes": base64}``), with a software
authenticator (``tests/emulator/soft_authenticator.py``, which shares no code with the SDK or the
emulator's verification) standing in for ``navigator.credentials``, and the scripted hosted-UI
browser of the emulator tests standing in for the person on the hosted page. The real page is
tested in Chromium by tests/browser/test_passkeys_web.py.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import json
import secrets
from typing import Any

import pytest

from amazon_cognito_identity import CognitoUserPool, MemoryStorage, OAuthConfig
from amazon_cognito_identity.errors import (
    ClientError,
    InvalidResponseError,
    PasskeyCancelledError,
    PasskeyError,
    PasskeyUnavailableError,
)
from amazon_cognito_identity.web import component, worker
from amazon_cognito_identity.web.account import AccountView
from amazon_cognito_identity.web.authenticator import Authenticator
from amazon_cognito_identity.web.bridge import MainThread, from_wire, to_wire
from amazon_cognito_identity.web.browser_calls import MainThreadAuthenticator
from amazon_cognito_identity.web.component import Event, PostPage
from amazon_cognito_identity.web.hosted_view import oauth_config, without_redirect
from amazon_cognito_identity.web.passkeys_card import PasskeysCard
from emulator.hosted_ui_helpers import Browser
from emulator.soft_authenticator import SoftAuthenticator, b64u

PASSWORD = "Keys-Passw0rd!"
PAGE = "http://localhost:8765/app/"


def run(coro: Any) -> Any:
    """A fresh loop in a thread: the browser suite keeps a loop running in the main thread."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


# ----------------------------------------------------------------------------- the wire


def test_bytes_cross_as_tagged_base64_both_ways() -> None:
    value = {"challenge": b"\x00\xffab", "user": {"id": bytearray(b"u1"), "name": "ann"},
             "allow": [{"id": memoryview(b"k")}], "n": 3, "none": None}  # fmt: skip
    wire = to_wire(value)
    assert wire["challenge"] == {"$bytes": base64.b64encode(b"\x00\xffab").decode()}
    assert json.loads(json.dumps(wire)) == wire  # plain JSON
    back = from_wire(wire)
    assert back == {"challenge": b"\x00\xffab", "user": {"id": b"u1", "name": "ann"},
                    "allow": [{"id": b"k"}], "n": 3, "none": None}  # fmt: skip
    # Only an object with the one tag is bytes; anything else stays data.
    assert from_wire({"$bytes": "YQ==", "other": 1}) == {"$bytes": "YQ==", "other": 1}
    with pytest.raises(InvalidResponseError):
        from_wire({"$bytes": "not base64!"})


def test_main_thread_call_reply_and_error() -> None:
    async def scenario() -> None:
        posted: list[dict[str, Any]] = []
        main = MainThread(lambda text: posted.append(json.loads(text)))
        loop = asyncio.get_running_loop()
        first = loop.create_task(main.call("location"))
        second = loop.create_task(main.call("credentials", method="get", options={"c": b"x"}))
        await asyncio.sleep(0)
        assert [(m["type"], m["call"], m["op"]) for m in posted] == [
            ("main", 1, "location"),
            ("main", 2, "credentials"),
        ]
        assert posted[1]["args"] == {"method": "get", "options": {"c": {"$bytes": "eA=="}}}
        # Answers come in any order; an unknown or repeated call number is ignored.
        main.reply(json.dumps({"call": 2, "error": {"name": "NotAllowedError", "message": "no"}}))
        main.reply(json.dumps({"call": 99, "result": 1}))
        main.reply(json.dumps({"call": 1, "result": PAGE}))
        main.reply(json.dumps({"call": 1, "result": "again"}))
        assert await first == PAGE
        with pytest.raises(ClientError) as err:
            await second
        assert (err.value.name, err.value.message) == ("NotAllowedError", "no")

    run(scenario())


class Answering:
    """A main thread whose ``credentials`` call answers ``reply`` (or raises it)."""

    def __init__(self, reply: Any) -> None:
        self.reply = reply

    async def call(self, op: str, **args: Any) -> Any:
        if isinstance(self.reply, BaseException):
            raise self.reply
        return self.reply


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (ClientError("dismissed", name="NotAllowedError"), PasskeyCancelledError),
        (ClientError("timed out", name="AbortError"), PasskeyCancelledError),
        (ClientError("rp id", name="SecurityError"), PasskeyUnavailableError),
        (ClientError("no webauthn", name="NotSupportedError"), PasskeyUnavailableError),
        (ClientError("known", name="InvalidStateError"), PasskeyError),
        (None, PasskeyCancelledError),
        ({"rawId": b"k", "response": {"clientDataJSON": b"{}"}}, InvalidResponseError),
        ("not a credential", InvalidResponseError),
    ],
)
def test_the_page_refusing_becomes_a_typed_error(reply: Any, expected: type) -> None:
    auth = MainThreadAuthenticator(Answering(reply))  # type: ignore[arg-type]
    options = {"challenge": b64u(b"c"), "user": {"id": b64u(b"u"), "name": "a"}}
    with pytest.raises(expected) as err:
        run(auth.create(options))
    assert type(err.value) is expected
    if isinstance(reply, ClientError):
        assert err.value.name == reply.name


def test_redirect_parameters_leave_the_address_and_config_reads_amplify_names() -> None:
    assert without_redirect(f"{PAGE}?code=c&state=s") == PAGE
    assert without_redirect(f"{PAGE}?tab=2&state=s&error=x&error_description=y") == f"{PAGE}?tab=2"
    config = oauth_config(
        {"domain": "auth.example.com", "redirectSignIn": PAGE, "scopes": ["openid"]}
    )
    assert config == OAuthConfig("auth.example.com", PAGE, None, ("openid",))
    assert oauth_config(None) is None
    with pytest.raises(ClientError):
        oauth_config({"domain": "auth.example.com"})


# ----------------------------------------------------------------------------- a fake page


def b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class FakePage:
    """The page's main thread for one worker app: answers main-thread calls, applies storage
    writes, records renders; ``soft`` is the person's device, ``href`` the address."""

    def __init__(self, soft: SoftAuthenticator, href: str = PAGE, **init: Any) -> None:
        self.soft = soft
        self.href = href
        self.assigned: list[str] = []
        self.local: dict[str, str] = dict(init.get("storage") or {})
        self.session: dict[str, str] = dict(init.get("session") or {})
        self.renders: dict[str, list[Any]] = {}
        self.order: list[str] = []  # the mount of each render, in order
        self.app = worker.create_app(json.dumps(init), self.post)
        self.page = PostPage(self.post)

    def post(self, text: str) -> None:
        msg = json.loads(text)
        if msg.get("type") == "storage":
            store = self.session if msg["area"] == "session" else self.local
            if msg["op"] == "set":
                store[msg["key"]] = msg["value"]
            else:
                store.pop(msg["key"], None)
        elif msg.get("type") == "ui" and msg["op"] == "render":
            self.renders[msg["mount"]] = msg["nodes"]
            self.order.append(msg["mount"])
        elif msg.get("type") == "main":
            reply = self._answer(msg["op"], from_wire(msg["args"]))
            answer = json.dumps({"type": "main-reply", "call": msg["call"], **reply})
            asyncio.get_running_loop().call_soon(self.app.main_reply, answer)

    def _answer(self, op: str, args: dict[str, Any]) -> dict[str, Any]:
        if op == "location":
            return {"result": self.href}
        if op == "assign":
            self.assigned.append(args["url"])
            return {"result": None}
        if op == "replace":
            self.href = args["url"]
            return {"result": self.href}
        assert op == "credentials"
        return {"result": to_wire(self._ceremony(args["method"], args["options"]))}

    def _ceremony(self, method: str, options: dict[str, Any]) -> dict[str, Any]:
        """navigator.credentials: bytes in, a credential's members (bytes) out."""
        for key in ("challenge",):
            assert isinstance(options[key], bytes)  # the browser takes buffers, not text
        as_json = {**options, "challenge": b64u(options["challenge"])}
        if method == "create":
            assert isinstance(options["user"]["id"], bytes)
            user = {**options["user"], "id": b64u(options["user"]["id"])}
            made = self.soft.create({**as_json, "user": user})
        else:
            made = self.soft.get(as_json)
        response = {k: b64(v) if k != "transports" else v for k, v in made["response"].items()}
        if "transports" in response:
            response["transports"] = list(response["transports"])
        return {"id": made["id"], "rawId": b64(made["rawId"]), "type": "public-key",
                "authenticatorAttachment": "platform", "response": response,
                "clientExtensionResults": {}}  # fmt: skip

    def texts(self, mount: str) -> list[str]:
        out: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, str):
                out.append(node)
            elif isinstance(node, dict):
                for child in node.get("children", ()):
                    walk(child)

        for node in self.renders.get(mount, []):
            walk(node)
        return out


@pytest.fixture
def fresh_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """create_app makes its app (and page) current: undone after each test."""
    monkeypatch.setattr(worker, "_CURRENT", [])
    monkeypatch.setattr(component, "_CURRENT", [])


def keys_pool(emulator: Any, callback: str = PAGE) -> dict[str, Any]:
    pool_id = emulator.create_pool(
        f"wk-{secrets.token_hex(2)}",
        Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}},
    )
    emulator.call(
        "SetUserPoolMfaConfig",
        {"UserPoolId": pool_id, "WebAuthnConfiguration": {"RelyingPartyId": "localhost"}},
    )
    client_id = emulator.create_client(
        pool_id,
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH"],
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email", "aws.cognito.signin.user.admin"],
        CallbackURLs=[callback],
    )
    user = f"wk-{secrets.token_hex(3)}"
    emulator.create_user(pool_id, user, PASSWORD, email=f"{user}@example.com")
    return {"pool_id": pool_id, "client_id": client_id, "user": user}


def sdk_pool(emulator: Any, setup: dict[str, Any], app: Any) -> CognitoUserPool:
    return CognitoUserPool(
        user_pool_id=setup["pool_id"],
        client_id=setup["client_id"],
        endpoint=emulator.endpoint,
        storage=app.storage if app is not None else MemoryStorage(),
    )


def click(handler: str, **values: str) -> Event:
    return Event("click", handler, values)


def test_register_then_sign_in_with_a_passkey_through_the_main_thread(
    emulator: Any, fresh_worker: None
) -> None:
    setup = keys_pool(emulator)
    soft = SoftAuthenticator(origin="http://localhost:8765")

    async def scenario() -> None:
        fake = FakePage(soft)
        pool = sdk_pool(emulator, setup, fake.app)
        login = Authenticator(pool, "#login", page=fake.page, passkeys=True)
        await login.started
        await login.dispatch(click("sign_in", username=setup["user"], password=PASSWORD))
        assert login.view_name == "signed_in"
        user = login.user
        assert user is not None
        card = PasskeysCard("#passkeys", user, page=fake.page)
        await card.show()
        assert "No passkeys yet." in fake.texts("#passkeys")
        await card.dispatch(click("add"))
        assert "Passkey added." in fake.texts("#passkeys")
        assert [k.friendly_name for k in card.passkeys] == ["Passkey"]

        await login.dispatch(click("sign_out"))
        assert login.view_name == "sign_in"
        assert "Sign in with a passkey" in fake.texts("#login")
        await login.dispatch(click("passkey_sign_in", username=setup["user"]))
        assert login.view_name == "signed_in", login.message
        assert soft.sign_count == 1
        prefix = f"CognitoIdentityServiceProvider.{setup['client_id']}"
        assert fake.local[f"{prefix}.LastAuthUser"] == setup["user"]

        # Deleting asks first; "Keep it" keeps it.
        key = card.passkeys[0].credential_id
        await card.dispatch(Event("click", "ask", {}, f"ask:{key}"))
        assert "Yes, delete it" in fake.texts("#passkeys")
        await card.dispatch(click("keep"))
        assert len(card.passkeys) == 1 and "Yes, delete it" not in fake.texts("#passkeys")
        await card.dispatch(Event("click", "ask", {}, f"ask:{key}"))
        await card.dispatch(Event("click", "delete", {}, f"delete:{key}"))
        assert card.passkeys == [] and "Passkey deleted." in fake.texts("#passkeys")

    run(scenario())


def test_web_authn_chosen_in_select_challenge_asks_the_device(
    emulator: Any, fresh_worker: None
) -> None:
    setup = keys_pool(emulator)
    soft = SoftAuthenticator(origin="http://localhost:8765")

    async def scenario() -> None:
        fake = FakePage(soft)
        pool = sdk_pool(emulator, setup, fake.app)
        login = Authenticator(pool, "#login", page=fake.page, passkeys=True)
        await login.started
        await login.dispatch(click("sign_in", username=setup["user"], password=PASSWORD))
        assert login.user is not None
        card = PasskeysCard("#passkeys", login.user, page=fake.page)
        await card.show()
        await card.dispatch(click("add"))
        assert len(card.passkeys) == 1
        await login.dispatch(click("sign_out"))

        # USER_AUTH without a preference: the pool offers its factors, WEB_AUTHN among them.
        choosing = Authenticator(pool, "#login", page=fake.page, flow="USER_AUTH")
        await choosing.started
        await choosing.dispatch(click("sign_in", username=setup["user"], password=""))
        assert choosing.challenge is not None
        assert choosing.challenge.name == "SELECT_CHALLENGE", choosing.message
        await choosing.dispatch(Event("submit", "answer", {"answer": "WEB_AUTHN"}))
        assert choosing.challenge is not None, choosing.message
        assert choosing.challenge.name == "WEB_AUTHN", (
            choosing.message,
            choosing.challenge.parameters,
        )
        shown = fake.texts("#login")
        assert "Use your passkey" in shown
        assert not [n for n in _inputs(fake.renders["#login"]) if n["attrs"].get("name") ==
                    "credential"]  # fmt: skip
        # The form's own button (Enter) asks the device too: nothing is typed for a passkey.
        await choosing.dispatch(Event("submit", "answer", {}))
        assert choosing.view_name == "signed_in", choosing.message
        assert soft.sign_count == 1

    run(scenario())


def _inputs(nodes: list[Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for node in nodes:
        if isinstance(node, dict):
            if node["tag"] == "input":
                found.append(node)
            found.extend(_inputs(node.get("children", [])))
    return found


def test_passkey_sign_in_asks_for_the_username_first(emulator: Any, fresh_worker: None) -> None:
    setup = keys_pool(emulator)

    async def scenario() -> None:
        fake = FakePage(SoftAuthenticator())
        login = Authenticator(sdk_pool(emulator, setup, fake.app), "#login", page=fake.page,
                              passkeys=True)  # fmt: skip
        await login.started
        await login.dispatch(click("passkey_sign_in", username=" "))
        assert login.message == (
            "error",
            "Enter your username, then choose Sign in with a passkey.",
        )
        assert login.view_name == "sign_in"

    run(scenario())


def test_hosted_page_there_and_back(emulator: Any, fresh_worker: None) -> None:
    setup = keys_pool(emulator)
    config = OAuthConfig(f"{emulator.endpoint}{setup['pool_id']}", PAGE, scopes=("openid", "email"))

    async def leave() -> FakePage:
        fake = FakePage(SoftAuthenticator())
        login = Authenticator(sdk_pool(emulator, setup, fake.app), "#login", page=fake.page,
                              hosted_ui=config)  # fmt: skip
        await login.started
        assert "Continue with the hosted page" in fake.texts("#login")
        await login.dispatch(click("hosted_sign_in"))
        assert login.message == ("info", "Going to the hosted sign-in page…")
        return fake

    before = run(leave())
    [authorize] = before.assigned
    assert authorize.startswith(f"{config.base}/oauth2/authorize?")
    assert any(k.endswith(".oauth.pkce") for k in before.session)  # waits in sessionStorage
    browser = Browser()
    try:
        back = browser.sign_in(authorize, setup["user"], PASSWORD)
    finally:
        browser.close()
    assert back.status_code == 302
    callback = back.headers["location"]
    assert callback.startswith(f"{PAGE}?code=")

    async def come_back() -> FakePage:
        # A new page load: the worker starts with the tab's storage and the callback address.
        fake = FakePage(SoftAuthenticator(), callback, storage={}, session=before.session)
        login = Authenticator(sdk_pool(emulator, setup, fake.app), "#login", page=fake.page,
                              hosted_ui=config)  # fmt: skip
        await login.started
        assert login.view_name == "signed_in", login.message
        assert f"Signed in as {setup['user']}." in fake.texts("#login")
        return fake

    after = run(come_back())
    assert after.href == PAGE  # code and state gone from the address bar
    prefix = f"CognitoIdentityServiceProvider.{setup['client_id']}"
    assert after.local[f"{prefix}.LastAuthUser"] == setup["user"]
    assert f"{prefix}.{setup['user']}.idToken" in after.local
    assert not [k for k in after.session if ".oauth." in k]

    async def replayed() -> None:
        # The same callback again (no sign-in in progress any more): refused, shown.
        fake = FakePage(SoftAuthenticator(), callback, storage={}, session=after.session)
        login = Authenticator(sdk_pool(emulator, setup, fake.app), "#login", page=fake.page,
                              hosted_ui=config)  # fmt: skip
        await login.started
        assert login.view_name == "sign_in"
        assert login.message is not None and login.message[0] == "error"
        assert login.message[1].startswith("RedirectSignInError: ")

    run(replayed())


def test_account_view_shows_every_card_before_loading_any(
    emulator: Any, fresh_worker: None
) -> None:
    setup = keys_pool(emulator)

    async def scenario() -> None:
        fake = FakePage(SoftAuthenticator())
        login = Authenticator(sdk_pool(emulator, setup, fake.app), "#login", page=fake.page)
        await login.started
        await login.dispatch(click("sign_in", username=setup["user"], password=PASSWORD))
        assert login.user is not None
        fake.order.clear()
        view = AccountView(login.user, page=fake.page, passkeys=True)
        await view.show()
        mounts = {card.mount for card in view.cards}
        assert "#account-passkeys" in mounts
        # The first render of each card comes before any card renders a second time (after
        # its service call): a person can read and Tab to every card at once.
        first = fake.order[: len(mounts)]
        assert set(first) == mounts, fake.order
        assert "Passkeys" in fake.texts("#account-passkeys")

    run(scenario())
