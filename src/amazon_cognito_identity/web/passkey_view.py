"""Passkey sign-in for the drop-in :class:`~.authenticator.Authenticator`.

With ``Authenticator(..., passkeys=True)`` (for a pool whose sign-in policy allows
``WEB_AUTHN`` and an app client with ``ALLOW_USER_AUTH``) the sign-in form offers "Sign in with
a passkey": ``InitiateAuth`` ``USER_AUTH`` preferring ``WEB_AUTHN`` for the typed username, then
the browser's passkey prompt. A ``WEB_AUTHN`` challenge reached another way (chosen in
``SELECT_CHALLENGE``) shows a "Use your passkey" button instead of a text field. The prompt runs
on the page's main thread (:func:`~.browser_calls.page_authenticator`); a dismissed prompt or a
browser without WebAuthn is shown in the form as its typed error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from ..challenges import Challenge, Field
from ..hosted_ui import HostedUI
from ..passkeys import answer_passkey_challenge, sign_in_with_passkey
from ..tokens import CognitoUserSession
from ..user import CognitoUser
from ..user_pool import CognitoUserPool
from .browser_calls import page_authenticator
from .component import Event, Node, Page, h
from .texts import Texts

__all__ = ["PasskeySignIn", "SignInHost"]


class SignInHost(Protocol):
    """What the sign-in mixins use of their :class:`~.authenticator.Authenticator`."""

    pool: CognitoUserPool
    user: CognitoUser | None
    challenge: Challenge | None
    message: tuple[str, str] | None
    page: Page
    mount: str
    t: Texts
    passkeys: bool
    hosted: HostedUI | None
    on_error: Callable[[BaseException], Any] | None

    def refresh(self, focus: str | None = None) -> None:
        """Render again."""

    def show(self, view: str, message: tuple[str, str] | None = None, focus: bool = True) -> None:
        """Switch view."""

    async def _act(self, step: Callable[[], Any]) -> None: ...

    async def _next(self, result: CognitoUserSession | Challenge) -> None: ...

    async def _signed_in(self, session: CognitoUserSession, focus: bool = True) -> None: ...

    def _user(self, username: str) -> CognitoUser: ...

    def _describe(self, err: BaseException) -> str: ...


class PasskeySignIn:
    """Authenticator mixin: the passkey button of the sign-in form and of ``WEB_AUTHN``."""

    message: tuple[str, str] | None  # the Authenticator's

    def _with_passkey_button(self: SignInHost, form: Node) -> Node:
        """``form`` (the sign-in form) with "Sign in with a passkey" after its submit button
        when passkeys are on; inside the form, so the typed username comes with the click."""
        if not self.passkeys or not isinstance(form, dict):
            return form
        button = h(
            "button",
            {"type": "button", "class": "cog-login-passkey"},
            self.t("passkey.sign_in"),
            on={"click": "passkey_sign_in"},
        )
        return {**form, "children": [*form.get("children", []), button]}

    def _passkey_field(self: SignInHost, spec: Field) -> list[Node]:
        """A field of kind ``passkey``: nothing to type, a button that asks the device."""
        return [
            h("p", {"class": "cog-login-hint"}, self.t("passkey.hint")),
            h(
                "button",
                {"type": "button", "class": "cog-login-passkey", "name": spec.name},
                self.t("passkey.use"),
                on={"click": "passkey_answer"},
            ),
        ]

    async def do_passkey_sign_in(self: SignInHost, event: Event) -> None:
        """ "Sign in with a passkey": USER_AUTH with WEB_AUTHN for the typed username."""
        username = event.value("username")
        if not username:
            self.message = ("error", self.t("passkey.need_username"))
            self.refresh(focus="input[name=username]")
            return

        async def step() -> None:
            user = self._user(username)
            self.message = ("info", self.t("passkey.waiting"))
            self.refresh()
            await self._next(await sign_in_with_passkey(user, page_authenticator()))

        await self._act(step)

    async def do_passkey_answer(self: SignInHost, event: Event) -> None:
        """ "Use your passkey" on a WEB_AUTHN challenge."""
        user = self.user
        assert user is not None

        async def step() -> None:
            self.message = ("info", self.t("passkey.waiting"))
            self.refresh()
            await self._next(await answer_passkey_challenge(user, page_authenticator()))

        await self._act(step)
