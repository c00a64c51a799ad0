"""The demo account portal, composed from the SDK's web components.

``web/index.html`` holds the mounts and a plain-HTML sign-in form (typeable before Python
runs); ``web/portal/portal.py``, a ``<script type="py-auth">`` that ``/cognito-auth.js`` runs in
its worker, calls :func:`start_portal`. The login component handles sign-in, sign-up, confirm,
forgot password and every challenge; once signed in, :class:`~.account.AccountView` shows the
account cards; with the emulator, an :class:`~.outbox_panel.OutboxPanel` lists the codes it
would have sent. The page's JavaScript only shows the view Python names (``portal-view``
events) and the boot line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..errors import NetworkError
from ..runtime import default_transport
from ..storage import Storage
from ..transport import HttpRequest, Transport
from ..user import CognitoUser
from ..user_pool import CognitoUserPool
from .account import AccountView
from .authenticator import Authenticator
from .card import policy_list
from .component import Event, Node, Page, current_page
from .hosted_view import oauth_config
from .outbox import Outbox
from .outbox_panel import OutboxPanel
from .password_policy import PasswordPolicy

__all__ = [
    "READY_EVENT",
    "VIEW_EVENT",
    "PolicyAuthenticator",
    "Portal",
    "load_config",
    "start_portal",
]

#: Dispatched on ``#portal`` once Python has taken the page over.
READY_EVENT = "portal-ready"
#: Dispatched on ``#portal`` with ``{"view": "signin" | "account", "outbox": bool}``.
VIEW_EVENT = "portal-view"


def _nodes(children: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    stack = [children]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            out.append(item)
            stack.append(item.get("children", []))
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return out


class PolicyAuthenticator(Authenticator):
    """The kit's :class:`~.authenticator.Authenticator` with the pool's password rules shown
    beside every new-password field (sign-up, reset, new-password challenge), ticked off as
    the user types; an error from an earlier try goes as soon as the form is edited.

    Args:
        policy: the pool's :class:`~.password_policy.PasswordPolicy`.
        *args, **kwargs: as for :class:`~.authenticator.Authenticator`.
    """

    def __init__(self, *args: Any, policy: PasswordPolicy | None = None, **kwargs: Any) -> None:
        self.policy = policy or PasswordPolicy()
        self.typed: dict[str, str] = {}
        super().__init__(*args, **kwargs)

    def show(self, view: str, message: tuple[str, str] | None = None, focus: bool = True) -> None:
        """Switch view; what was typed in the previous one is forgotten."""
        self.typed = {}
        super().show(view, message, focus)

    def _input(self, name: str, label: str, kind: str = "text", **attrs: Any) -> list[Node]:
        nodes = super()._input(name, label, kind, **attrs)
        field = nodes[1]
        assert isinstance(field, dict)
        if attrs.get("autocomplete") == "new-password":
            rules = f"cog-login-{name}-rules"
            field["attrs"]["aria-describedby"] = rules
            nodes.append(policy_list(rules, self.policy, self.typed.get(name, "")))
        elif name in self.typed and "value" in field.get("attrs", {}):
            field["attrs"]["value"] = self.typed[name]  # a re-render keeps a typed code
        return nodes

    def _form(self, title: str, handler: str, submit: str, *children: Any) -> Node:
        form = super()._form(title, handler, submit, *children)
        assert isinstance(form, dict)
        if any(n.get("attrs", {}).get("autocomplete") == "new-password" for n in _nodes(children)):
            form["on"] = {**form.get("on", {}), "input": "typed"}
        return form

    def do_typed(self, event: Event) -> None:
        """A keystroke in a form with a new password: re-judge the rules, drop stale errors."""
        self.typed = dict(event.values)
        if self.message is not None and self.message[0] == "error":
            self.message = None
        self.refresh()


class Portal:
    """Sign-in, account and (emulator) outbox views over one pool.

    Args:
        pool: the user pool.
        config: the page's config (``passwordPolicy``, ``emulator``, ``endpoint``;
            ``firstFactors``: the pool's AllowedFirstAuthFactors, for "Email me a code" /
            "Text me a code" and auto sign-in; ``emailMfa``: offer email as a second factor;
            ``passkeys``: true when the pool allows ``WEB_AUTHN`` (also when ``firstFactors``
            names it): passkey sign-in and the passkeys card; ``oauth``: ``{domain,
            redirectSignIn, redirectSignOut, scopes}`` offers the hosted sign-in page).
        page: where to render (default: the current page).
    """

    def __init__(
        self, pool: CognitoUserPool, config: Mapping[str, Any], *, page: Page | None = None
    ) -> None:
        self.pool = pool
        self.config = dict(config)
        self.page = page if page is not None else current_page()
        self.policy = PasswordPolicy.from_config(self.config.get("passwordPolicy"))
        factors = self.config.get("firstFactors") or ()
        self.passkeys = bool(self.config.get("passkeys")) or "WEB_AUTHN" in factors
        self.account: AccountView | None = None
        self.outbox: OutboxPanel | None = None
        if self.config.get("emulator") and self.config.get("endpoint"):
            box = Outbox(str(self.config["endpoint"]), pool.get_user_pool_id())
            self.outbox = OutboxPanel("#outbox", box, page=self.page)
        self.login = self._login()

    def _login(self) -> PolicyAuthenticator:
        return PolicyAuthenticator(
            self.pool,
            "#portal-login",
            self._signed_in,
            page=self.page,
            policy=self.policy,
            sign_up_attributes=("email",),
            # The pool's AllowedFirstAuthFactors (the SDK cannot read them: config.json says).
            first_factors=self.config.get("firstFactors") or None,
            passkeys=self.passkeys,
            hosted_ui=oauth_config(self.config.get("oauth")),
        )

    async def start(self) -> None:
        """Show the outbox, then tell the page Python has it."""
        self.page.emit("#portal", VIEW_EVENT, {"outbox": self.outbox is not None})
        if self.outbox is not None:
            self.outbox.start()
        self.page.emit("#portal", READY_EVENT, {})

    def notice(self, text: str) -> None:
        """The page-level status line (``#status``), e.g. after signing out."""
        self.page.render("#status", [text] if text else [])

    async def _signed_in(self, user: CognitoUser, session: Any = None) -> None:
        self.notice(f"Signed in as {user.get_username()}.")
        if self.outbox is not None:
            self.outbox.follow(user.get_username())
        self.account = AccountView(
            user,
            page=self.page,
            policy=self.policy,
            on_signed_out=self._signed_out,
            on_code_sent=self._code_sent,
            email_mfa=bool(self.config.get("emailMfa")),
            passkeys=self.passkeys,
        )
        self.page.emit("#portal", VIEW_EVENT, {"view": "account"})
        await self.account.show()

    async def _signed_out(self, text: str) -> None:
        self.account = None
        if self.outbox is not None:
            self.outbox.follow("")
        self.page.emit("#portal", VIEW_EVENT, {"view": "signin"})
        self.notice("")
        self.login.show("sign_in", ("info", text))

    def _code_sent(self, username: str) -> None:
        if self.outbox is not None:
            self.outbox.follow(username)


async def load_config(url: str, transport: Transport | None = None) -> dict[str, Any]:
    """GET the page's JSON config (``/config.json`` as ``build.py serve`` writes it)."""
    transport = transport if transport is not None else default_transport()
    response = await transport.send(HttpRequest("GET", url, {}, b""))
    if response.status != 200:
        raise NetworkError(f"{url} answered HTTP {response.status}")
    data = json.loads(response.body)
    if not isinstance(data, dict):
        raise NetworkError(f"{url} does not hold a JSON object")
    return data


async def start_portal(config_url: str = "/config.json", storage: Storage | None = None) -> Portal:
    """Load the config, build the pool and the :class:`Portal`, and start it."""
    config = await load_config(config_url)
    pool = CognitoUserPool(
        user_pool_id=str(config["userPoolId"]),
        client_id=str(config["clientId"]),
        endpoint=config.get("endpoint") or None,
        storage=storage,
    )
    portal = Portal(pool, config)
    await portal.start()
    return portal
