"""An embeddable sign-in form for PyScript / Pyodide pages.

::

    <div id="login"></div>
    <script type="py" config='{"interpreter": "/vendor/pyodide.mjs",
                               "files": {"/dist/sdk.whl": "./*"}}'>
    from amazon_cognito_identity import CognitoUserPool
    from amazon_cognito_identity.web import LoginForm

    pool = CognitoUserPool(user_pool_id="us-east-1_abc", client_id="...")
    LoginForm(pool, mount="#login", on_signed_in=lambda user, session: print(user.username))
    </script>

The form handles every sign-in challenge (SMS and TOTP codes, MFA selection, new password,
custom challenge, TOTP set-up) and shows errors as ``Code: message``. Everything the user or
the service supplies is inserted as text, never as HTML.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
from collections.abc import Callable
from typing import Any

from ..attributes import AuthenticationDetails
from ..challenges import Challenge
from ..errors import CognitoError, InvalidParameterError
from ..tokens import CognitoUserSession
from ..user import CognitoUser
from ..user_pool import CognitoUserPool

__all__ = ["LoginForm"]

SignedIn = Callable[[CognitoUser, CognitoUserSession], Any]


def _browser() -> tuple[Any, Callable[[Callable[..., Any]], Any]]:
    js = importlib.import_module("js")
    ffi = importlib.import_module("pyodide.ffi")
    return js.document, ffi.create_proxy


def _js_null() -> object:
    # Pyodide 0.28+ maps JS null to ``jsnull``, not None: DOM lookups must test for both.
    try:
        return getattr(importlib.import_module("pyodide.ffi"), "jsnull", None)
    except ModuleNotFoundError:
        return None


class LoginForm:
    """Renders a sign-in form into ``mount`` and walks the user through every challenge.

    Args:
        pool: the :class:`~amazon_cognito_identity.CognitoUserPool` to sign in to.
        mount: CSS selector of the element the form replaces the content of.
        on_signed_in: called (sync or async) with ``(user, session)`` once signed in.
        on_error: called with each :class:`CognitoError` (the form shows it anyway).
        flow: ``"USER_SRP_AUTH"`` (default), ``"USER_PASSWORD_AUTH"`` or ``"CUSTOM_AUTH"``.
        document / create_proxy: injected for tests; default to Pyodide's ``js.document`` and
            ``pyodide.ffi.create_proxy``.
    """

    def __init__(
        self,
        pool: CognitoUserPool,
        mount: str = "#login",
        on_signed_in: SignedIn | None = None,
        *,
        on_error: Callable[[CognitoError], Any] | None = None,
        flow: str = "USER_SRP_AUTH",
        document: Any = None,
        create_proxy: Callable[[Callable[..., Any]], Any] | None = None,
    ) -> None:
        if document is None or create_proxy is None:
            doc, proxy = _browser()
            document = document or doc
            create_proxy = create_proxy or proxy
        self.pool = pool
        self.document = document
        self._proxy = create_proxy
        self._null = _js_null()
        self.root = document.querySelector(mount)
        if self._missing(self.root):
            raise InvalidParameterError(f"no element matches {mount!r}")
        self.on_signed_in = on_signed_in
        self.on_error = on_error
        self.flow = flow
        self.user: CognitoUser | None = None
        self.session: CognitoUserSession | None = None
        self._keep: list[Any] = []  # proxies must outlive the listeners that use them
        self._tasks: set[asyncio.Future[Any]] = set()
        self.show_sign_in()

    # ---- DOM helpers ----------------------------------------------------------------------

    def _missing(self, node: Any) -> bool:
        return node is None or (self._null is not None and node is self._null)

    def _el(self, tag: str, text: str | None = None, **attrs: str) -> Any:
        el = self.document.createElement(tag)
        for name, value in attrs.items():
            el.setAttribute(name.rstrip("_").replace("_", "-"), value)
        if text is not None:
            el.textContent = text
        return el

    def _field(self, form: Any, name: str, label: str, kind: str = "text", **attrs: str) -> Any:
        ident = f"cog-login-{name}"
        form.appendChild(self._el("label", label, for_=ident))
        field = self._el("input", id=ident, name=name, type=kind, **attrs)
        form.appendChild(field)
        return field

    def _form(self, title: str, submit: str, handler: Callable[[Any], Any]) -> Any:
        self._clear()
        form = self._el("form", class_="cog-login", novalidate="")
        form.appendChild(self._el("h2", title))

        def on_submit(event: Any) -> None:
            event.preventDefault()
            task = asyncio.ensure_future(self._run(handler, form))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        proxy = self._proxy(on_submit)
        self._keep.append(proxy)
        form.addEventListener("submit", proxy)
        self.root.appendChild(form)
        self._submit_label = submit
        return form

    def _finish(self, form: Any) -> None:
        form.appendChild(self._el("p", "", class_="cog-login-message", role="alert"))
        form.appendChild(self._el("button", self._submit_label, type="submit"))
        first = form.querySelector("input, select")
        if not self._missing(first):
            first.focus()

    def _clear(self) -> None:
        self.root.replaceChildren()

    def _message(self, form: Any, text: str, error: bool = True) -> None:
        box = form.querySelector(".cog-login-message")
        if not self._missing(box):
            box.textContent = text
            box.setAttribute("data-kind", "error" if error else "info")

    def _value(self, form: Any, name: str) -> str:
        field = form.querySelector(f"[name='{name}']")
        return "" if self._missing(field) else str(field.value)

    async def _run(self, handler: Callable[[Any], Any], form: Any) -> None:
        button = form.querySelector("button")
        if not self._missing(button):
            button.disabled = True
        form.setAttribute("aria-busy", "true")
        self._message(form, "Working…", error=False)
        try:
            await handler(form)
        except CognitoError as err:
            self._message(form, f"{err.code or err.name}: {err.message}")
            if self.on_error is not None:
                outcome = self.on_error(err)
                if inspect.isawaitable(outcome):
                    await outcome
        finally:
            form.removeAttribute("aria-busy")
            if not self._missing(button):
                button.disabled = False

    # ---- steps ----------------------------------------------------------------------------

    def show_sign_in(self) -> None:
        """The first step: username and password."""
        form = self._form("Sign in", "Sign in", self._sign_in)
        self._field(form, "username", "Username", autocomplete="username")
        self._field(form, "password", "Password", "password", autocomplete="current-password")
        self._finish(form)

    async def _sign_in(self, form: Any) -> None:
        username = self._value(form, "username").strip()
        user = CognitoUser(username, self.pool)
        user.set_authentication_flow_type(self.flow)
        self.user = user
        details = AuthenticationDetails(username, self._value(form, "password"))
        await self._next(await user.authenticate_user(details))

    async def _next(self, result: CognitoUserSession | Challenge) -> None:
        if isinstance(result, CognitoUserSession):
            await self._signed_in(result)
        else:
            await self._challenge(result)

    async def _signed_in(self, session: CognitoUserSession) -> None:
        assert self.user is not None
        self.session = session
        self._clear()
        self.root.appendChild(
            self._el("p", f"Signed in as {self.user.get_username()}.", class_="cog-login-done")
        )
        if self.on_signed_in is not None:
            outcome = self.on_signed_in(self.user, session)
            if inspect.isawaitable(outcome):
                await outcome

    async def _challenge(self, challenge: Challenge) -> None:
        user = self.user
        assert user is not None
        name, params = challenge.name, challenge.parameters
        if name in ("SMS_MFA", "SOFTWARE_TOKEN_MFA"):

            async def code(form: Any) -> None:
                answer = self._value(form, "code").strip()
                await self._next(await user.send_mfa_code(answer, mfa_type=name))

            where = params.get("CODE_DELIVERY_DESTINATION") or "your phone"
            hint = f"Code sent to {where}" if name == "SMS_MFA" else "Code from your app"
            form = self._form("Verification code", "Verify", code)
            self._field(form, "code", hint, inputmode="numeric", autocomplete="one-time-code")
        elif name == "SELECT_MFA_TYPE":

            async def select(form: Any) -> None:
                choice = self._value(form, "mfa")
                await self._next(await user.send_mfa_selection_answer(choice))

            form = self._form("Choose a second factor", "Continue", select)
            form.appendChild(self._el("label", "Second factor", for_="cog-login-mfa"))
            menu = self._el("select", id="cog-login-mfa", name="mfa")
            for option, label in (("SOFTWARE_TOKEN_MFA", "Authenticator app"), ("SMS_MFA", "SMS")):
                menu.appendChild(self._el("option", label, value=option))
            form.appendChild(menu)
        elif name == "NEW_PASSWORD_REQUIRED":
            required = list(challenge.required_attributes or [])

            async def new_password(form: Any) -> None:
                attrs = {a: self._value(form, f"attr-{a}") for a in required}
                password = self._value(form, "new_password")
                await self._next(await user.complete_new_password_challenge(password, attrs))

            form = self._form("Choose a new password", "Set password", new_password)
            self._field(form, "new_password", "New password", "password")
            for attr in required:
                self._field(form, f"attr-{attr}", attr)
        elif name == "CUSTOM_CHALLENGE":

            async def custom(form: Any) -> None:
                answer = self._value(form, "answer")
                await self._next(await user.send_custom_challenge_answer(answer))

            form = self._form("Answer the challenge", "Answer", custom)
            for key, value in params.items():
                if key != "USERNAME":
                    form.appendChild(self._el("p", f"{key}: {value}", class_="cog-login-param"))
            self._field(form, "answer", "Answer")
        elif name == "MFA_SETUP":
            secret = await user.associate_software_token()

            async def setup(form: Any) -> None:
                code = self._value(form, "code").strip()
                await self._next(await user.verify_software_token(code, "Authenticator"))

            form = self._form("Set up an authenticator app", "Verify", setup)
            form.appendChild(self._el("p", "Add this key to your authenticator app:"))
            form.appendChild(self._el("code", secret, class_="cog-login-secret"))
            self._field(form, "code", "Code from the app", inputmode="numeric")
        else:
            form = self._form("Unsupported step", "Back", self._restart)
            form.appendChild(self._el("p", f"The pool asked for {name}."))
        self._finish(form)

    async def _restart(self, form: Any) -> None:
        self.show_sign_in()
