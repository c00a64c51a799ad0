"""Passwordless sign-in, code errors and auto sign-in of the drop-in login.

What it adds to the :class:`~.authenticator.Authenticator` (a mixin, so that module stays small):

- ``first_factors``: the pool's ``AllowedFirstAuthFactors`` a page wants offered. ``EMAIL_OTP``
  and ``SMS_OTP`` become "Email me a code" / "Text me a code" buttons (``USER_AUTH`` with that
  ``PREFERRED_CHALLENGE``); the password fields show only when ``PASSWORD`` is among them. With
  ``flow="USER_AUTH"`` and no ``first_factors``, the sign-in form asks the username only and the
  service's ``SELECT_CHALLENGE`` (its ``AvailableChallenges``) offers the choices.
- A wrong, expired or used-up code is said next to the code field (``aria-invalid``,
  ``aria-describedby``), which keeps the focus; "Send a new code" restarts a passwordless sign-in.
- After the confirm step, ``auto_sign_in()`` with the ConfirmSignUp Session signs the person in
  without the password; when the service refuses it, the sign-in form says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..attributes import AuthenticationDetails
from ..challenges import Challenge
from ..errors import CognitoError
from ..tokens import CognitoUserSession
from ..user import CognitoUser
from .component import Event, Node, h

if TYPE_CHECKING:
    from .texts import Texts

__all__ = ["OTP_FACTORS", "PasswordlessMixin", "code_error_key"]

#: First factors answered with a one-time code, in the order the buttons show.
OTP_FACTORS = ("EMAIL_OTP", "SMS_OTP")
#: ``AllowedFirstAuthFactors`` values that mean "a password may be typed".
PASSWORD_FACTORS = ("PASSWORD", "PASSWORD_SRP")
#: Media of the codes a passwordless sign-in can send again.
_RESENDABLE = ("EMAIL", "SMS")


def code_error_key(err: BaseException, *, in_challenge: bool) -> str | None:
    """The text key of a code error to show next to the code field, or None for other errors.

    ``CodeMismatchException``: try again; ``ExpiredCodeException`` (or, while answering a
    challenge, a session the service no longer accepts): the code is gone;
    ``LimitExceededException`` while answering: too many wrong codes.
    """
    if not isinstance(err, CognitoError):
        return None
    name = err.code or err.name
    if name == "CodeMismatchException":
        return "error.code_mismatch"
    if name == "ExpiredCodeException":
        return "error.code_expired"
    if in_challenge and name == "NotAuthorizedException" and "session" in err.message.lower():
        return "error.code_expired"
    if in_challenge and name == "LimitExceededException":
        return "error.code_attempts"
    return None


class PasswordlessMixin:
    """The passwordless parts of the Authenticator (see the module docstring)."""

    # Set by the Authenticator.
    t: Texts
    flow: str
    view_name: str
    user: CognitoUser | None
    challenge: Challenge | None
    message: tuple[str, str] | None

    first_factors: tuple[str, ...] | None = None
    #: Sign in with the ConfirmSignUp Session after the confirm step.
    auto_sign_in_after_confirm = False
    #: ``(field name, text)`` of an error shown next to that field.
    field_error: tuple[str, str] | None = None
    #: ``(username, factor)`` of the passwordless sign-in in progress (for "Send a new code").
    otp_start: tuple[str, str] | None = None

    def _setup_passwordless(
        self, first_factors: Sequence[str] | None, auto_sign_in: bool | None
    ) -> None:
        self.first_factors = tuple(first_factors) if first_factors is not None else None
        uses_user_auth = self.flow == "USER_AUTH" or bool(self._otp_factors())
        self.auto_sign_in_after_confirm = uses_user_auth if auto_sign_in is None else auto_sign_in

    # ---- what the sign-in form offers -----------------------------------------------------

    def _otp_factors(self) -> list[str]:
        return [f for f in OTP_FACTORS if f in (self.first_factors or ())]

    def _asks_password(self) -> bool:
        """Whether the sign-in form has a password field."""
        if self.first_factors is None:
            return self.flow != "USER_AUTH"  # USER_AUTH alone: the service offers the choices
        return any(f in self.first_factors for f in PASSWORD_FACTORS)

    def _sign_in_submit(self) -> str:
        """The label of the sign-in form's main button."""
        if self._asks_password():
            return self.t("sign_in.submit")
        otp = self._otp_factors()
        return self.t(f"passwordless.{otp[0]}") if otp else self.t("sign_in.continue")

    def _factor_buttons(self) -> list[Node]:
        """ "Email me a code" / "Text me a code" (those the main button is not)."""
        otp = self._otp_factors()
        if not self._asks_password():
            otp = otp[1:]
        if not otp:
            return []
        buttons = [
            h("button", {"type": "button", "class": "cog-login-factor", "name": f"factor:{f}"},
              self.t(f"passwordless.{f}"), on={"click": "passwordless"})
            for f in otp
        ]  # fmt: skip
        return [
            h("p", {"class": "cog-login-or", "aria-hidden": "true"}, self.t("passwordless.or")),
            h("div", {"class": "cog-login-factors", "role": "group",
                      "aria-label": self.t("passwordless.group")}, buttons),
        ]  # fmt: skip

    def _with_factor_buttons(self, form: Node) -> Node:
        """``form`` with the passwordless buttons after its main button (inside the form, so
        a click sends the typed username)."""
        extra = self._factor_buttons()
        if extra and isinstance(form, dict):
            form["children"] = [*form.get("children", []), *extra]
        return form

    # ---- starting a sign-in ---------------------------------------------------------------

    if TYPE_CHECKING:  # provided by the Authenticator / Component

        def _user(self, username: str) -> CognitoUser: ...
        async def _next(self, result: CognitoUserSession | Challenge) -> None: ...
        def show(
            self, view: str, message: tuple[str, str] | None = None, focus: bool = True
        ) -> None: ...
        async def _act(self, step: Callable[[], Any]) -> None: ...
        def refresh(self, focus: str | None = None) -> None: ...

    async def _password_sign_in(self, username: str, password: str) -> None:
        """The sign-in form's submit: a password sign-in, or (no password offered) the first
        passwordless factor, or ``USER_AUTH`` without a preference (the service lists the
        choices in SELECT_CHALLENGE)."""
        self.otp_start = None
        if not self._asks_password():
            otp = self._otp_factors()
            if otp:
                await self._start_factor(username, otp[0])
                return
            user = self._user(username)
            user.set_authentication_flow_type("USER_AUTH")
            await self._next(await user.authenticate_user(AuthenticationDetails(username, None)))
            return
        user = self._user(username)
        details = AuthenticationDetails(username, password)
        if self.flow == "USER_AUTH":
            result = await user.authenticate_user(details, preferred_challenge="PASSWORD_SRP")
            await self._next(result)
            return
        user.set_authentication_flow_type(self.flow)
        await self._next(await user.authenticate_user(details))

    async def _start_factor(self, username: str, factor: str) -> None:
        """``USER_AUTH`` with ``factor`` preferred (the service falls back to SELECT_CHALLENGE
        when this user cannot use it)."""
        if not username:
            self.field_error = ("username", self.t("passwordless.username_needed"))
            self.message = None
            self.refresh(focus="#cog-login-username")
            return
        user = self._user(username)
        result = await user.authenticate_user(
            AuthenticationDetails(username, None), preferred_challenge=factor
        )
        self.otp_start = (username, factor)
        await self._next(result)

    async def do_passwordless(self, event: Event) -> None:
        """ "Email me a code" / "Text me a code" on the sign-in form."""
        factor = (event.target or "").removeprefix("factor:")
        if factor not in self._otp_factors():
            return
        await self._act(lambda: self._start_factor(event.value("username"), factor))

    def _note_choice(self, values: dict[str, str]) -> None:
        """Before answering: a one-time-code first factor picked in SELECT_CHALLENGE's
        ``answer`` choice can be restarted by "Send a new code" (an MFA type picked in
        SELECT_MFA_TYPE's ``mfa_type`` cannot: that needs the password again)."""
        challenge = self.challenge
        if challenge is None or self.user is None:
            return
        picked = [
            values.get(f.name)
            for f in challenge.fields
            if f.kind == "choice" and f.name == "answer" and values.get(f.name) in OTP_FACTORS
        ]
        if picked and picked[0]:
            self.otp_start = (self.user.get_username(), picked[0])

    # ---- codes ----------------------------------------------------------------------------

    def _can_resend(self) -> bool:
        challenge = self.challenge
        return (
            self.otp_start is not None
            and challenge is not None
            and challenge.delivery is not None
            and challenge.delivery.medium in _RESENDABLE
        )

    def _code_actions(self) -> list[Node]:
        """ "Send a new code" under a passwordless code challenge."""
        if not self._can_resend():
            return []
        resend = h("button", {"type": "button", "class": "cog-login-link", "name": "resend_code"},
                   self.t("confirm.resend"), on={"click": "resend_code"})  # fmt: skip
        return [h("nav", {"class": "cog-login-links"}, resend)]

    async def do_resend_code(self, event: Event) -> None:
        """ "Send a new code": the passwordless sign-in again (a new code, a new session)."""
        if self.otp_start is None:
            return
        username, factor = self.otp_start
        await self._act(lambda: self._start_factor(username, factor))

    def _field_error_for(self, err: BaseException) -> tuple[str, str] | None:
        """An error of the current view that belongs next to its code field."""
        has_code = self.view_name in ("confirm", "reset") or (
            self.view_name == "challenge"
            and self.challenge is not None
            and any(f.name == "code" for f in self.challenge.fields)
        )
        if not has_code:
            return None
        key = code_error_key(err, in_challenge=self.view_name == "challenge")
        if key is None:
            return None
        if key != "error.code_mismatch" and self.view_name != "confirm" and not self._can_resend():
            key += "_restart"  # no new code from here: start again
        return "code", self.t(key)

    def _mark_field(self, name: str, attrs: dict[str, Any]) -> list[Node]:
        """When ``name`` has an error: mark its input invalid and return the error line."""
        if self.field_error is None or self.field_error[0] != name:
            return []
        ident = f"cog-login-{name}-error"
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = " ".join(filter(None, (attrs.get("aria-describedby"), ident)))
        return [h("p", {"id": ident, "class": "cog-login-field-error", "role": "alert",
                        "aria-live": "assertive"}, self.field_error[1])]  # fmt: skip

    # ---- auto sign-in ----------------------------------------------------------------------

    async def _auto_sign_in(self, user: CognitoUser) -> bool:
        """Sign in with the ConfirmSignUp Session, when offered; True when handled (signed in,
        a challenge shown, or the sign-in form with the reason)."""
        if not self.auto_sign_in_after_confirm or not user.auto_sign_in_session:
            return False
        self.otp_start = None
        try:
            result = await user.auto_sign_in()
        except CognitoError:
            self.show("sign_in", ("info", self.t("auto_sign_in_failed")))
            return True
        await self._next(result)
        return True
