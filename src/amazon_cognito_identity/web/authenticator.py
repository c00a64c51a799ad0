"""The drop-in sign-in component: sign-in with every challenge, sign-up, confirm, forgot password,
a signed-in state with sign-out, all rendered from data through a :class:`~.component.Page`.

Inside the site kit it runs in a Web Worker (``<script type="py-auth">``, see README "Add
sign-in to your site"); under PyScript on the main thread it renders with ``js.document``.
Challenges are drawn from :attr:`Challenge.fields <amazon_cognito_identity.Challenge.fields>`
and answered with :meth:`CognitoUser.answer <amazon_cognito_identity.CognitoUser.answer>`,
so a new challenge of the SDK needs no change here. Styling hooks (``cog-login*`` classes,
``--cog-*`` custom properties) are listed in ``web/cognito-auth.css``.
"""

from __future__ import annotations

import asyncio
import inspect
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from ..challenges import Challenge, Field
from ..errors import CognitoError, NetworkError
from ..hosted_ui import HostedUI
from ..oauth import OAuthConfig
from ..tokens import CognitoUserSession
from ..user import CognitoUser
from ..user_pool import CognitoUserPool
from .component import Component, Event, Node, Page, h
from .hosted_view import HostedSignIn, hosted_ui_for
from .passkey_view import PasskeySignIn
from .passwordless_view import PasswordlessMixin
from .texts import Texts

__all__ = ["Authenticator"]

SignedIn = Callable[[CognitoUser, CognitoUserSession], Any]


async def _call(callback: Callable[..., Any] | None, *args: Any) -> None:
    if callback is not None:
        outcome = callback(*args)
        if inspect.isawaitable(outcome):
            await outcome


class Authenticator(PasskeySignIn, HostedSignIn, PasswordlessMixin, Component):
    """Sign-in, sign-up, confirm and password reset for one user pool, in one element.

    Args:
        pool: the :class:`~amazon_cognito_identity.CognitoUserPool`.
        mount: CSS selector of the element to render into (the page's plain HTML form inside
            it is taken over: typed values and focus stay).
        on_signed_in: ``(user, session)``, sync or async, after a sign-in and on load when a
            stored session is valid (or refreshable).
        on_signed_out: ``()`` after a sign-out.
        on_error: ``(error)`` for every error shown.
        flow: ``"USER_SRP_AUTH"`` (default), ``"USER_PASSWORD_AUTH"``, ``"CUSTOM_AUTH"`` or
            ``"USER_AUTH"`` (choice-based: with no ``first_factors``, the form asks the username
            and the service's SELECT_CHALLENGE offers what this user may use).
        first_factors: the pool's ``AllowedFirstAuthFactors`` to offer, e.g. ``("PASSWORD",
            "EMAIL_OTP", "SMS_OTP")``: "Email me a code" / "Text me a code" buttons, the
            password only with ``PASSWORD`` (see :mod:`.passwordless_view`).
        auto_sign_in: sign in right after the confirm step with the ConfirmSignUp Session
            (default: when the sign-in uses ``USER_AUTH``).
        sign_up / confirm / forgot_password: offer those views (default on).
        sign_up_attributes: attributes asked at sign-up (default ``("email",)``).
        passkeys: offer "Sign in with a passkey" (the pool allows ``WEB_AUTHN``, the client
            ``ALLOW_USER_AUTH``; on by itself when ``first_factors`` names ``WEB_AUTHN``); see
            :mod:`.passkey_view`.
        hosted_ui: an :class:`~amazon_cognito_identity.OAuthConfig` (or a ready ``HostedUI``):
            offer "Continue with the hosted page" and finish that sign-in when the page comes
            back from it; see :mod:`.hosted_view`.
        translations: replaces any text of :data:`~.texts.DEFAULT_TEXT`.
        page: where to render (default :func:`~.component.current_page`).

    The page also gets bubbling DOM events on the mount: ``cog-signed-in`` (detail
    ``{username}``) and ``cog-signed-out``.
    """

    def __init__(
        self,
        pool: CognitoUserPool,
        mount: str = "#login",
        on_signed_in: SignedIn | None = None,
        *,
        on_signed_out: Callable[[], Any] | None = None,
        on_error: Callable[[BaseException], Any] | None = None,
        flow: str = "USER_SRP_AUTH",
        first_factors: Sequence[str] | None = None,
        auto_sign_in: bool | None = None,
        sign_up: bool = True,
        confirm: bool = True,
        forgot_password: bool = True,
        sign_up_attributes: Sequence[str] = ("email",),
        translations: Mapping[str, str] | None = None,
        page: Page | None = None,
        passkeys: bool = False,
        hosted_ui: OAuthConfig | HostedUI | None = None,
    ) -> None:
        super().__init__(mount, page=page)
        self.pool = pool
        self.on_signed_in = on_signed_in
        self.on_signed_out = on_signed_out
        self.on_error = on_error
        self.flow = flow
        self.offers = {"sign_up": sign_up, "confirm": confirm, "forgot": forgot_password}
        self.sign_up_attributes = tuple(sign_up_attributes)
        self.passkeys = passkeys or "WEB_AUTHN" in (first_factors or ())
        self.hosted = hosted_ui_for(pool, hosted_ui)
        self.t = Texts(translations)
        self.view_name = "sign_in"
        self.user: CognitoUser | None = None
        self.session: CognitoUserSession | None = None
        self.challenge: Challenge | None = None
        self.message: tuple[str, str] | None = None  # (kind, text)
        self.choices: dict[str, str] = {}  # current values of choice fields (shown_when)
        self._setup_passwordless(first_factors, auto_sign_in)
        self.started: asyncio.Future[None] = asyncio.ensure_future(self._start())

    # ---- start-up -----------------------------------------------------------------------

    async def _start(self) -> None:
        """Show the stored session when it is valid or refreshable, else the sign-in form."""
        if await self._finish_redirect():  # back from the hosted page
            return
        user = self.pool.get_current_user()
        if user is not None:
            try:
                session = await user.get_session()
            except CognitoError:
                session = None
            if session is not None and session.is_valid():
                self.user = user
                await self._signed_in(session, focus=False)
                return
        # The first render takes the page's plain form over: focus stays where the user is.
        self.refresh()

    # ---- rendering ------------------------------------------------------------------------

    def show(self, view: str, message: tuple[str, str] | None = None, focus: bool = True) -> None:
        """Switch to ``view`` (``sign_in``, ``sign_up``, ``confirm``, ``forgot``, ``reset``,
        ``challenge``, ``signed_in``) and render it, focusing its first input."""
        self.view_name = view
        self.message = message
        self.field_error = None
        self.refresh(focus="input:not([type=hidden]), select, button" if focus else None)

    def view(self) -> list[Node]:
        """The current view's nodes."""
        build = getattr(self, f"_view_{self.view_name}")
        body: list[Node] = build()
        return [h("div", {"class": "cog-login-view", "data-view": self.view_name}, body)]

    def _form(self, title: str, handler: str, submit: str, *children: Any) -> Node:
        return h(
            "form",
            {"class": "cog-login", "novalidate": True, "aria-label": title},
            h("h2", {"class": "cog-login-title"}, title),
            *children,
            self._message_node(),
            h("button", {"type": "submit", "class": "cog-login-submit"}, submit),
            on={"submit": handler},
        )

    def _message_node(self) -> Node:
        kind, text = self.message or ("info", "")
        role = "alert" if kind == "error" else "status"
        live = "assertive" if kind == "error" else "polite"
        attrs = {"class": "cog-login-message", "data-kind": kind, "role": role, "aria-live": live}
        return h("p", attrs, text)

    def _input(self, name: str, label: str, kind: str = "text", **attrs: Any) -> list[Node]:
        ident = f"cog-login-{name}"
        field_attrs = {"id": ident, "name": name, "type": kind, **attrs}
        error = self._mark_field(name, field_attrs)
        return [h("label", {"for": ident}, label), h("input", field_attrs), *error]

    def _links(self, *views: str) -> Node:
        buttons = [
            h("button", {"type": "button", "class": "cog-login-link", "data-to": view},
              self.t(f"link.{view}"),
              on={"click": f"show_{view}"})
            for view in views
            if view == "sign_in" or self.offers.get(view)
        ]  # fmt: skip
        return h("nav", {"class": "cog-login-links"}, buttons)

    def _view_sign_in(self) -> list[Node]:
        password = self._input(
            "password", self.t("field.password"), "password", autocomplete="current-password"
        )
        form = self._form(
            self.t("sign_in.title"),
            "sign_in",
            self._sign_in_submit(),
            self._input("username", self.t("field.username"), autocomplete="username"),
            password if self._asks_password() else None,
        )
        form = self._with_passkey_button(self._with_factor_buttons(form))
        hosted = self._hosted_button()
        return [form, *([hosted] if hosted else []), self._links("sign_up", "forgot", "confirm")]

    def _view_sign_up(self) -> list[Node]:
        attrs = [
            self._input(
                name,
                self.t(f"field.{name}", name),
                "email" if name == "email" else "text",
                autocomplete=name if name == "email" else None,
            )
            for name in self.sign_up_attributes
        ]
        form = self._form(
            self.t("sign_up.title"),
            "sign_up",
            self.t("sign_up.submit"),
            self._input("username", self.t("field.username"), autocomplete="username"),
            attrs,
            self._input(
                "password", self.t("field.password"), "password", autocomplete="new-password"
            ),
        )
        return [form, self._links("sign_in", "confirm")]

    def _view_confirm(self) -> list[Node]:
        form = self._form(
            self.t("confirm.title"),
            "confirm",
            self.t("confirm.submit"),
            self._input("username", self.t("field.username"), autocomplete="username"),
            self._code_input(),
        )
        resend = h(
            "button",
            {"type": "button", "class": "cog-login-link"},
            self.t("confirm.resend"),
            on={"click": "resend"},
        )
        return [form, h("nav", {"class": "cog-login-links"}, resend), self._links("sign_in")]

    def _code_input(self, name: str = "code", label: str | None = None) -> list[Node]:
        return self._input(
            name,
            label or self.t("field.code"),
            autocomplete="one-time-code",
            inputmode="numeric",
            value="",
        )

    def _view_forgot(self) -> list[Node]:
        form = self._form(
            self.t("forgot.title"),
            "forgot",
            self.t("forgot.submit"),
            self._input("username", self.t("field.username"), autocomplete="username"),
        )
        return [form, self._links("sign_in")]

    def _view_reset(self) -> list[Node]:
        form = self._form(
            self.t("reset.title"),
            "reset",
            self.t("reset.submit"),
            self._code_input(),
            self._input(
                "new_password",
                self.t("field.new_password"),
                "password",
                autocomplete="new-password",
            ),
        )
        return [form, self._links("sign_in")]

    def _view_challenge(self) -> list[Node]:
        challenge = self.challenge
        assert challenge is not None
        name = challenge.name
        fields = [self._field(name, f) for f in challenge.fields if self._visible(f)]
        return [
            self._form(
                self.t.first([f"{name}.title"], self.t("challenge.title")),
                "answer",
                self.t.first([f"{name}.submit"], self.t("challenge.submit")),
                fields,
            ),
            *self._code_actions(),
            self._links("sign_in"),
        ]

    def _visible(self, spec: Field) -> bool:
        if spec.shown_when is None:
            return True
        other, values = spec.shown_when
        return self.choices.get(other, "") in values

    def _field(self, challenge: str, spec: Field) -> list[Node]:
        label = self.t.first(
            [f"{challenge}.{spec.name}", f"field.{spec.name}", f"kind.{spec.kind}"], spec.label
        )
        if spec.kind == "secret":
            return self._secret(spec)
        if spec.kind == "passkey":
            return self._passkey_field(spec)
        ident = f"cog-login-{spec.name}"
        if spec.kind == "choice":
            current = self.choices.get(spec.name)
            options = [
                h("option", {"value": c.value, "selected": c.value == current},
                  self.t.first([f"choice.{c.value}"], c.label))
                for c in spec.choices
            ]  # fmt: skip
            select = h("select", {"id": ident, "name": spec.name}, options, on={"change": "choose"})
            return [h("label", {"for": ident}, label), select]
        kind = {"password": "password", "new_password": "password"}.get(spec.kind, "text")
        if spec.kind == "attribute" and spec.name == "email":
            kind = "email"
        return self._input(
            spec.name,
            label,
            kind,
            autocomplete=spec.autocomplete,
            inputmode=spec.input_mode,
            required=spec.required,
            value="" if spec.kind == "code" else None,
        )

    def _secret(self, spec: Field) -> list[Node]:
        nodes: list[Node] = [h("p", {"class": "cog-login-hint"}, self.t("secret.hint"))]
        if spec.uri:
            qr = _qr_svg(spec.uri, self.t("secret.qr"))
            if qr is not None:
                nodes.append(qr)
        nodes.append(h("code", {"class": "cog-login-secret"}, spec.value or ""))
        return nodes

    def _view_signed_in(self) -> list[Node]:
        name = self.user.get_username() if self.user else ""
        return [
            h(
                "div",
                {"class": "cog-login cog-login-signed-in"},
                h("p", {"class": "cog-login-done"}, self.t("signed_in", username=name)),
                self._message_node(),
                h("button", {"type": "button", "class": "cog-login-sign-out"},
                  self.t("sign_out"), on={"click": "sign_out"}),
                h("button", {"type": "button", "class": "cog-login-sign-out-global"},
                  self.t("sign_out_global"), on={"click": "sign_out_global"}),
            )
        ]  # fmt: skip

    # ---- running an action ----------------------------------------------------------------

    async def _act(self, step: Callable[[], Any]) -> None:
        """Show "Working…", run ``step``; errors end up next to the form, as one line."""
        before = self.message if self.message and self.message[0] != "error" else None
        self.message, self.field_error = ("info", self.t("working")), None
        self.refresh()
        try:
            outcome = step()
            if inspect.isawaitable(outcome):
                await outcome
        except Exception as err:  # every failure is shown; nothing escapes as a traceback
            near = self._field_error_for(err)
            if near is not None:  # next to its field, which keeps the focus
                self.message, self.field_error = before, near
                self.refresh(focus=f"#cog-login-{near[0]}")
            else:
                self.message = ("error", self._describe(err))
                if not isinstance(err, CognitoError):
                    self.page.log(traceback.format_exc(), "error")
                self.refresh()
            await _call(self.on_error, err)

    def _describe(self, err: BaseException) -> str:
        if isinstance(err, NetworkError):
            host = urlsplit(self.pool.client.endpoint).netloc or self.pool.client.endpoint
            return self.t("error.network", host=host, message=err.message)
        if isinstance(err, CognitoError):
            code = err.code or err.name  # its own text: "error.<code>" or "error.<class>"
            keys = [f"error.{code}", f"error.{type(err).__name__}"]
            return self.t.first(keys, self.t.table["error.service"], code=code, message=err.message)
        return self.t("error.other", code=type(err).__name__, message=str(err))

    def _user(self, username: str) -> CognitoUser:
        if self.user is None or self.user.get_username() != username:
            self.user = CognitoUser(username, self.pool)
        return self.user

    async def _next(self, result: CognitoUserSession | Challenge) -> None:
        if isinstance(result, CognitoUserSession):
            await self._signed_in(result)
        else:
            self.challenge = result
            self.choices = {f.name: f.choices[0].value for f in result.fields if f.choices}
            delivery = result.delivery
            note = None
            if delivery is not None and delivery.destination:
                note = ("info", self.t("code_sent", destination=delivery.destination))
            elif delivery is not None and delivery.medium == "TOTP":
                note = ("info", self.t("code_sent_app"))
            self.show("challenge", note)

    async def _signed_in(self, session: CognitoUserSession, focus: bool = True) -> None:
        assert self.user is not None
        self.session = session
        self.challenge = None
        self.show("signed_in", focus=focus)
        self.page.emit(self.mount, "cog-signed-in", {"username": self.user.get_username()})
        await _call(self.on_signed_in, self.user, session)

    # ---- handlers (names used in the views' ``on`` mappings) ------------------------------

    async def do_sign_in(self, event: Event) -> None:
        """Submit of the sign-in form."""

        await self._act(
            lambda: self._password_sign_in(event.value("username"), event.value("password"))
        )

    async def do_answer(self, event: Event) -> None:
        """Submit of a challenge form: the values of its fields go to ``user.answer``."""
        assert self.user is not None and self.challenge is not None
        user, challenge = self.user, self.challenge
        if any(f.kind == "passkey" for f in challenge.fields):  # nothing typed: the device
            return await self.do_passkey_answer(event)
        values = {f.name: event.value(f.name) for f in challenge.fields if f.kind != "secret"}
        self._note_choice(values)

        async def step() -> None:
            await self._next(await user.answer(values))

        await self._act(step)

    def do_choose(self, event: Event) -> None:
        """A choice changed: fields shown only for some choices appear or go."""
        self.choices.update({k: v for k, v in event.values.items() if k in self.choices})
        self.refresh()

    async def do_sign_up(self, event: Event) -> None:
        """Submit of the sign-up form."""

        async def step() -> None:
            attrs = {name: event.value(name) for name in self.sign_up_attributes}
            result = await self.pool.sign_up(
                event.value("username"), event.value("password"), attrs
            )
            self.user = result.user
            if result.user_confirmed:
                self.show("sign_in", ("info", self.t("sign_up_done")))
                return
            self._after_code_sent("confirm", result.code_delivery_details)

        await self._act(step)

    def _after_code_sent(self, view: str, details: Mapping[str, Any] | None) -> None:
        where = (details or {}).get("Destination")
        self.show(view, ("info", self.t("code_sent", destination=where)) if where else None)

    async def do_confirm(self, event: Event) -> None:
        """Submit of the confirm form (ConfirmSignUp)."""

        async def step() -> None:
            user = self._user(event.value("username"))
            await user.confirm_registration(event.value("code"))
            if not await self._auto_sign_in(user):
                self.show("sign_in", ("info", self.t("sign_up_done")))

        await self._act(step)

    async def do_resend(self, event: Event) -> None:
        """ "Send a new code" on the confirm view."""

        async def step() -> None:
            answer = await self._user(event.value("username")).resend_confirmation_code()
            self._after_code_sent("confirm", answer.get("CodeDeliveryDetails"))

        await self._act(step)

    async def do_forgot(self, event: Event) -> None:
        """Submit of the forgot-password form (ForgotPassword)."""

        async def step() -> None:
            answer = await self._user(event.value("username")).forgot_password()
            self._after_code_sent("reset", answer.get("CodeDeliveryDetails"))

        await self._act(step)

    async def do_reset(self, event: Event) -> None:
        """Submit of the new-password form (ConfirmForgotPassword)."""
        assert self.user is not None
        user = self.user

        async def step() -> None:
            await user.confirm_password(event.value("code"), event.value("new_password"))
            self.show("sign_in", ("info", self.t("reset_done")))

        await self._act(step)

    async def do_sign_out(self, event: Event) -> None:
        """ "Sign out": this browser (the refresh token is revoked when it can be)."""
        await self._sign_out(global_=False)

    async def do_sign_out_global(self, event: Event) -> None:
        """ "Sign out everywhere": GlobalSignOut, every device."""
        await self._sign_out(global_=True)

    async def _sign_out(self, global_: bool) -> None:
        user = self.user
        assert user is not None

        async def step() -> None:
            try:
                await (user.global_sign_out() if global_ else user.sign_out())
            finally:
                if global_:  # a failed GlobalSignOut still ends the session here
                    await user.sign_out(revoke=False)
            self.session = None
            self.show("sign_in", ("info", self.t("signed_out")))
            self.page.emit(self.mount, "cog-signed-out", {"username": user.get_username()})
            await _call(self.on_signed_out)

        await self._act(step)

    def do_show_sign_in(self, event: Event) -> None:
        """Link back to the sign-in form."""
        self.challenge = None
        self.show("sign_in")

    def do_show_sign_up(self, event: Event) -> None:
        """Link to the sign-up form."""
        self.show("sign_up")

    def do_show_forgot(self, event: Event) -> None:
        """Link to the forgot-password form."""
        self.show("forgot")

    def do_show_confirm(self, event: Event) -> None:
        """Link to the confirm form."""
        self.show("confirm")


def _qr_svg(text: str, label: str) -> Node | None:
    """An SVG QR code of ``text`` (segno), or None when segno is missing."""
    from .account import qr_matrix

    matrix = qr_matrix(text)
    if not matrix:
        return None
    size = len(matrix) + 8
    path = "".join(
        f"M{x + 4} {y + 4}h1v1h-1z"
        for y, row in enumerate(matrix)
        for x, dark in enumerate(row)
        if dark
    )
    return h(
        "svg",
        {"class": "cog-login-qr", "viewBox": f"0 0 {size} {size}", "role": "img",
         "aria-label": label, "shape-rendering": "crispEdges"},
        h("rect", {"width": str(size), "height": str(size), "fill": "#fff"}),
        h("path", {"d": path, "fill": "#000"}),
    )  # fmt: skip
