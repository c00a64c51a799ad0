"""A user's second-factor state as an MFA control shows it, and the change a choice makes.

``GetUser`` reports ``PreferredMfaSetting`` and ``UserMFASettingList``; a control offers one
choice: off, SMS, authenticator app, email (where the pool sends email MFA codes), or SMS and
app with a choice at sign-in. :class:`MfaState` maps
one to the other, so the control can be refreshed from the service after every change
instead of trusting what was last selected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["CHOICES", "EMAIL_CHOICE", "MfaState"]

SMS = "SMS_MFA"
TOTP = "SOFTWARE_TOKEN_MFA"
EMAIL = "EMAIL_OTP"

#: (value, label) of each choice, in the order a control lists them.
CHOICES = (
    ("none", "Off"),
    ("sms", "SMS code"),
    ("totp", "Authenticator app (TOTP)"),
    ("both", "SMS or app: ask at sign-in"),
)
#: The email choice, offered when the pool sends email MFA codes (``EmailMfaConfiguration``).
EMAIL_CHOICE = ("email", "Email code")
_PREFERRED = {TOTP: "totp", SMS: "sms", EMAIL: "email"}


@dataclass(frozen=True)
class MfaState:
    """The preferred factor (or None) and the enabled ones, as ``GetUser`` names them."""

    preferred: str | None = None
    enabled: tuple[str, ...] = ()

    @classmethod
    def from_user_data(cls, data: Mapping[str, Any]) -> MfaState:
        """From ``GetUser``'s answer."""
        preferred = data.get("PreferredMfaSetting") or None
        enabled = tuple(str(f) for f in data.get("UserMFASettingList") or ())
        return cls(str(preferred) if preferred else None, enabled)

    @property
    def choice(self) -> str:
        """The control's value: "none", "sms", "totp", "email" or "both"."""
        if self.preferred in _PREFERRED:
            return _PREFERRED[self.preferred]
        if SMS in self.enabled and TOTP in self.enabled:
            return "both"
        for factor in (TOTP, SMS, EMAIL):
            if factor in self.enabled:
                return _PREFERRED[factor]
        return "none"

    @property
    def label(self) -> str:
        """What the control shows for this state."""
        return dict(self.choices(email=True))[self.choice]

    @staticmethod
    def choices(email: bool = False) -> tuple[tuple[str, str], ...]:
        """(value, label) of the control's choices; ``email``: with the email choice."""
        if not email:
            return CHOICES
        return (*CHOICES[:3], EMAIL_CHOICE, *CHOICES[3:])

    @property
    def totp_enabled(self) -> bool:
        """True when the authenticator app is one of the enabled factors."""
        return TOTP in self.enabled

    @property
    def email_enabled(self) -> bool:
        """True when email codes are one of the enabled factors."""
        return EMAIL in self.enabled

    @staticmethod
    def email_settings_for(choice: str) -> dict[str, bool]:
        """``EmailMfaSettings`` that make ``choice`` the state (email on and preferred only for
        the email choice)."""
        MfaState.settings_for(choice)  # refuses an unknown choice
        return {"Enabled": choice == "email", "PreferredMfa": choice == "email"}

    @staticmethod
    def settings_for(choice: str) -> tuple[dict[str, bool], dict[str, bool]]:
        """``(SMSMfaSettings, SoftwareTokenMfaSettings)`` that make ``choice`` the state (with
        :meth:`email_settings_for` where the pool offers email)."""
        if choice not in dict(MfaState.choices(email=True)):
            raise ValueError(f"unknown MFA choice {choice!r}")
        both = choice == "both"
        sms = {"Enabled": choice == "sms" or both, "PreferredMfa": choice == "sms"}
        totp = {"Enabled": choice == "totp" or both, "PreferredMfa": choice == "totp"}
        return sms, totp
