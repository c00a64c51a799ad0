"""PyScript page: user pool sign-in -> identity pool credentials -> a SigV4-signed request."""

import asyncio
import json
from typing import Any
from urllib.parse import parse_qs

from js import document, fetch, location
from pyodide.ffi import create_proxy

from amazon_cognito_identity import AuthenticationDetails, CognitoUser, CognitoUserPool
from amazon_cognito_identity.identity import (
    CognitoIdentityCredentials,
    aws_fetch,
    identity_provider_name,
)

state: dict[str, Any] = {}
_tasks: set[asyncio.Task[None]] = set()


def _el(name: str) -> Any:
    return document.getElementById(name)


def _status(text: str, kind: str = "info") -> None:
    _el("status").textContent = text
    _el("status").dataset.kind = kind


async def _settings() -> dict[str, str]:
    query = {k: v[0] for k, v in parse_qs(str(location.search).lstrip("?")).items()}
    settings: dict[str, str] = {}
    if "userPoolId" not in query:  # fully configured by the URL: no need for /config.json
        response = await fetch("/config.json", cache="no-cache")
        if response.ok:
            settings.update(json.loads(await response.text()))
    settings.update(query)
    return settings


def _spawn(coro: Any) -> None:
    # Event handlers stay synchronous (preventDefault must run before the browser acts);
    # the work goes on in a task that is kept referenced until it ends.
    task = asyncio.ensure_future(coro)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


def on_submit(event: Any) -> None:
    event.preventDefault()
    _spawn(sign_in())


def on_sign_out(event: Any) -> None:
    _spawn(sign_out())


async def sign_in() -> None:
    cfg = state["settings"]
    _el("submit").disabled = True
    try:
        _status("signing in…")
        pool = CognitoUserPool(
            {
                "UserPoolId": cfg["userPoolId"],
                "ClientId": cfg["clientId"],
                "endpoint": cfg.get("endpoint"),
            }
        )
        username = _el("username").value
        user = CognitoUser({"Username": username, "Pool": pool})
        session = await user.authenticate_user(
            AuthenticationDetails({"Username": username, "Password": _el("password").value})
        )
        _status("getting AWS credentials…")
        credentials = CognitoIdentityCredentials(
            cfg["identityPoolId"],
            logins={
                identity_provider_name(cfg["userPoolId"]): session.get_id_token().get_jwt_token()
            },
            endpoint=cfg.get("identityEndpoint") or cfg.get("endpoint"),
            storage=pool.storage,
        )
        await credentials.refresh()
        state.update(user=user, credentials=credentials)
        _el("identity-id").textContent = credentials.identity_id
        _el("access-key-id").textContent = credentials.access_key_id
        _el("expiration").textContent = credentials.expire_time.isoformat()
        _el("result").hidden = False
        if cfg.get("target"):
            _status("sending a signed request…")
            response = await aws_fetch(
                cfg["target"],
                credentials=credentials,
                service=cfg.get("service", "execute-api"),
                method="POST",
                headers={"Content-Type": "application/json"},
                body=json.dumps({"hello": "from PyScript"}),
            )
            _el("signed-response").textContent = f"{response.status} {response.body.decode()}"
            # A GET too: fetch() refuses a body there, so this proves the transport omits it.
            response = await aws_fetch(
                cfg["target"],
                credentials=credentials,
                service=cfg.get("service", "execute-api"),
                method="GET",
            )
            _el("signed-get-response").textContent = f"{response.status} {response.body.decode()}"
        _el("sign-out").disabled = False
        _status("signed in", "ok")
        document.body.dataset.state = "signed-in"
    except Exception as err:  # shown to the user; the page stays usable
        _status(f"{type(err).__name__}: {err}", "error")
        document.body.dataset.state = "error"
    finally:
        _el("submit").disabled = False


async def sign_out() -> None:
    user, credentials = state.pop("user", None), state.pop("credentials", None)
    if user is not None:
        await user.sign_out()
    if credentials is not None:
        credentials.clear()
    _el("result").hidden = True
    _el("sign-out").disabled = True
    _status("signed out")
    document.body.dataset.state = "signed-out"


async def main() -> None:
    state["settings"] = await _settings()
    _el("sign-in").addEventListener("submit", create_proxy(on_submit))
    _el("sign-out").addEventListener("click", create_proxy(on_sign_out))
    _el("submit").disabled = False
    _status("ready")
    document.body.dataset.state = "ready"


_spawn(main())
