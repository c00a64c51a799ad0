"""Every word the :class:`~.authenticator.Authenticator` shows, in one replaceable mapping.

Pass ``translations={"sign_in.title": "Anmelden", ...}`` to replace any of :data:`DEFAULT_TEXT`.
Challenge inputs are looked up as ``"<CHALLENGE>.<field>"``, then ``"field.<field>"``, then
``"kind.<kind>"``, and fall back to the label the SDK gives (see
:class:`~amazon_cognito_identity.challenges.Field`); a challenge's heading is
``"<CHALLENGE>.title"``, else ``"challenge.title"``; a choice is ``"choice.<value>"``.
Placeholders in braces (``{username}``) are filled in. An error's text is ``"error.<code>"`` or
``"error.<class name>"`` when present (``error.PasskeyCancelledError``), else ``"error.service"``.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["DEFAULT_TEXT", "Texts"]

DEFAULT_TEXT: dict[str, str] = {
    "sign_in.title": "Sign in",
    "sign_in.submit": "Sign in",
    "sign_up.title": "Create an account",
    "sign_up.submit": "Create account",
    "confirm.title": "Confirm your account",
    "confirm.submit": "Confirm",
    "confirm.resend": "Send a new code",
    "forgot.title": "Reset your password",
    "forgot.submit": "Send code",
    "reset.title": "Choose a new password",
    "reset.submit": "Set password",
    "sign_in.continue": "Continue",
    "passwordless.EMAIL_OTP": "Email me a code",
    "passwordless.SMS_OTP": "Text me a code",
    "passwordless.or": "or",
    "passwordless.group": "Sign in without a password",
    "passwordless.username_needed": "Enter your username, then ask for a code.",
    "challenge.title": "One more step",
    "challenge.submit": "Continue",
    "SELECT_CHALLENGE.title": "Choose how to sign in",
    "EMAIL_OTP.title": "Check your email",
    "SMS_OTP.title": "Check your phone",
    "field.username": "Username",
    "field.password": "Password",
    "field.email": "Email",
    "field.code": "Code",
    "field.new_password": "New password",
    "link.sign_up": "Create an account",
    "link.forgot": "Forgot your password?",
    "link.confirm": "Confirm an account",
    "link.sign_in": "Back to sign in",
    "signed_in": "Signed in as {username}.",
    "sign_out": "Sign out",
    "sign_out_global": "Sign out everywhere",
    "signed_out": "You are signed out.",
    "working": "Working…",
    "code_sent": "We sent a code to {destination}.",
    "code_sent_app": "Enter the code from your authenticator app.",
    "sign_up_done": "Your account is confirmed. Sign in now.",
    "auto_sign_in_failed": "Your account is confirmed, but we could not sign you in "
    "automatically. Sign in now.",
    "error.code_mismatch": "That code is not right. Check it and try again.",
    "error.code_expired": "This code has expired. Send a new code.",
    "error.code_expired_restart": "This code has expired. Go back and start again.",
    "error.code_attempts": "Too many wrong codes. Send a new code.",
    "error.code_attempts_restart": "Too many wrong codes. Go back and start again.",
    "reset_done": "Your password is changed. Sign in with the new one.",
    "secret.hint": "Scan the QR code with your authenticator app, or type this key:",
    "secret.qr": "QR code for your authenticator app",
    "error.service": "{code}: {message}",
    "error.network": "Could not reach {host}: {message}",
    "error.config": "Sign-in is not configured: {message}",
    "error.other": "{code}: {message}",
    # passkeys and the hosted page (Authenticator(passkeys=True, hosted_ui=...))
    "passkey.sign_in": "Sign in with a passkey",
    "passkey.use": "Use your passkey",
    "passkey.hint": "Your device asks for your passkey (fingerprint, face or screen lock).",
    "passkey.waiting": "Waiting for your passkey…",
    "passkey.need_username": "Enter your username, then choose Sign in with a passkey.",
    "hosted.continue": "Continue with the hosted page",
    "hosted.leaving": "Going to the hosted sign-in page…",
    "error.PasskeyCancelledError": "No passkey was used: the prompt was closed or timed out.",
    "error.PasskeyUnavailableError": "Passkeys cannot be used here: {message}",
}


class Texts:
    """:data:`DEFAULT_TEXT` with the page's ``translations`` on top."""

    def __init__(self, translations: Mapping[str, str] | None = None) -> None:
        self.table = {**DEFAULT_TEXT, **dict(translations or {})}

    def __call__(self, key: str, default: str | None = None, **values: object) -> str:
        """The text for ``key`` (or ``default``, or the key itself) with ``values`` filled in."""
        return _fill(self.table.get(key, default if default is not None else key), values)

    def first(self, keys: list[str], default: str, **values: object) -> str:
        """The text of the first of ``keys`` present, else ``default``."""
        for key in keys:
            if key in self.table:
                return _fill(self.table[key], values)
        return _fill(default, values)


def _fill(text: str, values: Mapping[str, object]) -> str:
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text
