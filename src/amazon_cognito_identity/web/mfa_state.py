"""A user's second-factor state as an MFA control shows it, and the change a choice makes.

``GetUser`` reports ``PreferredMfaSetting`` and ``UserMFASettingList``; a control offers one
choice: off, SMS, authenticator app, or both with a choice at sign-in. :class:`MfaState` maps
one to the other, so the control can be refreshed from the service after every change
instead of trusting what was last selected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["CHOICES", "MfaState"]

SMS = "SMS_MFA"
TOTP = "SOFTWARE_TOKEN_MFA"

#: (value, label) of each choice, in the order a control lists them.
CHOICES = (
    ("none", "Off"),
    ("sms", "SMS code"),
    ("totp", "Authenticator app (TOTP)"),
    ("both", "SMS or app: ask at sign-in"),
)


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
        """The control's value: "none", "sms", "totp" or "both"."""
        if self.preferred == TOTP:
            return "totp"
        if self.preferred == SMS:
            return "sms"
        if SMS in self.enabled and TOTP in self.enabled:
            return "both"
        if TOTP in self.enabled:
            return "totp"
        return "sms" if SMS in self.enabled else "none"

    @property
    def label(self) -> str:
        """What the control shows for this state."""
        return dict(CHOICES)[self.choice]

    @property
    def totp_enabled(self) -> bool:
        """True when the authenticator app is one of the enabled factors."""
        return TOTP in self.enabled

    @staticmethod
    def settings_for(choice: str) -> tuple[dict[str, bool], dict[str, bool]]:
        """``(SMSMfaSettings, SoftwareTokenMfaSettings)`` that make ``choice`` the state."""
        if choice not in dict(CHOICES):
            raise ValueError(f"unknown MFA choice {choice!r}")
        both = choice == "both"
        sms = {"Enabled": choice == "sms" or both, "PreferredMfa": choice == "sms"}
        totp = {"Enabled": choice == "totp" or both, "PreferredMfa": choice == "totp"}
        return sms, totp
