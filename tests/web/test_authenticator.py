"""The Authenticator component on CPython: views as data, against the emulator."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import secrets
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from amazon_cognito_identity import CognitoUserPool, MemoryStorage
from amazon_cognito_identity.challenges import Challenge, Choice, Field
from amazon_cognito_identity.web.authenticator import Authenticator
from amazon_cognito_identity.web.component import PostPage

PASSWORD = "Auth-Passw0rd!"


def run(make: Callable[[], Awaitable[Any]]) -> Any:
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, make()).result()


class Recorder:
    """A PostPage whose messages are kept, with helpers to read the last render."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.page = PostPage(lambda text: self.messages.append(json.loads(text)))

    def renders(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["op"] == "render"]

    def last(self) -> dict[str, Any]:
        return self.renders()[-1]

    def texts(self) -> list[str]:
        out: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, str):
                out.append(node)
            else:
                for child in node.get("children", ()):
                    walk(child)

        for node in self.last()["nodes"]:
            walk(node)
        return out

    def nodes(self, tag: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if node["tag"] == tag:
                    found.append(node)
                for child in node.get("children", ()):
                    walk(child)

        for node in self.last()["nodes"]:
            walk(node)
        return found

    def message(self) -> tuple[str, str]:
        box = next(p for p in self.nodes("p") if p["attrs"].get("class") == "cog-login-message")
        return box["attrs"]["data-kind"], "".join(box.get("children", []))


def make_pool(emulator: Any, storage: Any = None, endpoint: str | None = None) -> Any:
    from cognito_emulator.seed import ensure_demo

    config = ensure_demo(emulator.ctx(), emulator.endpoint, "/dev/null")
    pool = CognitoUserPool(
        user_pool_id=config["userPoolId"],
        client_id=config["clientId"],
        endpoint=endpoint or emulator.endpoint,
        storage=storage or MemoryStorage(),
        timeout=5,
    )
    return pool, config


def test_sign_in_then_reload_then_sign_out(emulator: Any) -> None:
    storage = MemoryStorage()
    pool, config = make_pool(emulator, storage)
    user = f"auth-{secrets.token_hex(3)}"
    emulator.create_user(config["userPoolId"], user, PASSWORD, email=f"{user}@example.com")
    seen: list[str] = []
    rec = Recorder()

    async def scenario() -> None:
        auth = Authenticator(
            pool,
            "#login",
            on_signed_in=lambda u, s: seen.append(f"in:{u.get_username()}"),
            page=rec.page,
        )
        await auth.started
        assert rec.last()["focus"] is None  # the first render keeps the user's focus
        await rec.page.event(
            "#login", "sign_in", "submit", {"username": user, "password": PASSWORD}
        )
        assert rec.texts()[0] == f"Signed in as {user}."
        # A second component on the same storage (a reload) starts signed in.
        again = Recorder()
        auth2 = Authenticator(
            pool,
            "#login",
            on_signed_in=lambda u, s: seen.append("again"),
            on_signed_out=lambda: seen.append("out"),
            page=again.page,
        )
        await auth2.started
        assert again.texts()[0] == f"Signed in as {user}."
        await again.page.event("#login", "sign_out", "click", {})
        assert again.message() == ("info", "You are signed out.")

    run(scenario)
    assert seen == [f"in:{user}", "again", "out"]
    assert (
        storage.get_item(f"CognitoIdentityServiceProvider.{config['clientId']}.LastAuthUser")
        is None
    )
    emits = [m["name"] for m in rec.messages if m["op"] == "emit"]
    assert emits == ["cog-signed-in"]


def test_service_error_and_translations(emulator: Any) -> None:
    pool, _ = make_pool(emulator)
    rec = Recorder()

    async def scenario() -> None:
        auth = Authenticator(
            pool,
            "#login",
            page=rec.page,
            sign_up=False,
            translations={"sign_in.title": "Anmelden", "error.service": "Fehler {code}"},
        )
        await auth.started
        assert "Anmelden" in rec.texts()
        buttons = [b for b in rec.nodes("button") if b["attrs"].get("class") == "cog-login-link"]
        assert [b["on"]["click"] for b in buttons] == ["show_forgot", "show_confirm"]
        await rec.page.event(
            "#login", "sign_in", "submit", {"username": "nobody-x", "password": "Bad-Passw0rd!"}
        )
        kind, text = rec.message()
        assert kind == "error" and text in (
            "Fehler NotAuthorizedException",
            "Fehler UserNotFoundException",
        )
        # The form is offered again with what was typed left alone (no value set).
        assert all("value" not in i.get("attrs", {}) for i in rec.nodes("input"))

    run(scenario)


def test_network_error_names_the_host(emulator: Any) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    pool, _ = make_pool(emulator, endpoint=f"http://127.0.0.1:{port}/")
    rec = Recorder()

    async def scenario() -> None:
        auth = Authenticator(pool, "#login", page=rec.page)
        await auth.started
        await rec.page.event("#login", "sign_in", "submit", {"username": "a", "password": "b"})

    run(scenario)
    kind, text = rec.message()
    assert kind == "error" and text.startswith(f"Could not reach 127.0.0.1:{port}: "), text


def test_challenge_rendered_from_its_fields(emulator: Any) -> None:
    pool, _ = make_pool(emulator)
    rec = Recorder()
    challenge = Challenge("SOME_FUTURE_CHALLENGE")
    challenge.fields = (
        Field("method", "choice", "Method", choices=(Choice("A", "First"), Choice("B", "Second"))),
        Field("extra", "text", "Extra", shown_when=("method", ("B",))),
        Field(
            "secret",
            "secret",
            "Key",
            value="JBSWY3DPEHPK3PXP",
            uri="otpauth://totp/x?secret=JBSWY3DPEHPK3PXP",
        ),
        Field("code", "code", "Code", autocomplete="one-time-code", input_mode="numeric"),
    )

    async def scenario() -> None:
        auth = Authenticator(pool, "#login", page=rec.page, translations={"choice.B": "Zweite"})
        await auth.started
        await auth._next(challenge)
        names = [i["attrs"]["name"] for i in rec.nodes("input")]
        assert names == ["code"]  # "extra" waits for method B; the secret is shown, not typed
        assert [o.get("children") for o in rec.nodes("option")] == [["First"], ["Zweite"]]
        assert rec.nodes("code")[0]["children"] == ["JBSWY3DPEHPK3PXP"]
        assert rec.nodes("svg")[0]["attrs"]["aria-label"] == "QR code for your authenticator app"
        code = rec.nodes("input")[0]["attrs"]
        assert code["inputmode"] == "numeric" and code["value"] == ""
        await rec.page.event("#login", "choose", "change", {"method": "B", "code": ""})
        assert [i["attrs"]["name"] for i in rec.nodes("input")] == ["extra", "code"]

    run(scenario)
