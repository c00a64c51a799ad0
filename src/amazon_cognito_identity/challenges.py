"""Sign-in challenges as data: what Cognito asks, which inputs a UI shows, how to answer.

Every challenge the caller answers has ONE home here: a :class:`ChallengeUnit` that reads
the challenge's parameters, describes its inputs (:class:`Field`) and where a code went
(:class:`CodeDelivery`), and turns the values a user typed into Cognito's
``ChallengeResponses`` (or into the set-up call it needs first). :data:`UNITS` maps a
challenge name to its unit; nothing else in the SDK spells challenge names to render or
answer them.

Adding a challenge is one change here: write a unit and register it with :func:`unit`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import InvalidParameterError, InvalidResponseError

__all__ = [
    "MFA_LABELS",
    "UNITS",
    "USER_ATTRIBUTES_PREFIX",
    "Challenge",
    "ChallengeUnit",
    "Choice",
    "CodeDelivery",
    "Field",
    "Reply",
    "unit",
    "unit_for",
]

#: Prefix of attribute names in NEW_PASSWORD_REQUIRED's parameters and answers.
USER_ATTRIBUTES_PREFIX = "userAttributes."

#: Default English labels of the MFA types a user may pick or set up.
MFA_LABELS = {
    "SMS_MFA": "Text message (SMS)",
    "SOFTWARE_TOKEN_MFA": "Authenticator app",
    "EMAIL_OTP": "Email",
}

#: MFA types the MFA_SETUP challenge can set up without a signed-in session (as Amplify:
#: SMS needs a verified phone number, which cannot be added mid sign-in).
SETUP_TYPES = ("SOFTWARE_TOKEN_MFA", "EMAIL_OTP")


@dataclass(frozen=True)
class Choice:
    """One option of a ``choice`` field: the value to answer and its default label."""

    value: str
    label: str


@dataclass(frozen=True)
class Field:
    """One input of a challenge, as a UI renders it.

    Attributes:
        name: the key of this input in ``answer(values)``.
        kind: ``"code"``, ``"password"``, ``"new_password"``, ``"choice"``, ``"attribute"``,
            ``"text"`` or ``"secret"`` (read-only: shown, never typed).
        label: default English label; UIs translate by ``f"{challenge}.{name}"`` or kind.
        required: whether ``answer`` needs a non-empty value.
        choices: the options of a ``choice`` field.
        value / uri: for a ``secret`` field, the value to show and an ``otpauth://`` URI.
        autocomplete / input_mode: HTML hints (``"one-time-code"``, ``"numeric"``...).
        shown_when: ``(other field, values)``: show this field only for those values.
    """

    name: str
    kind: str
    label: str
    required: bool = True
    choices: tuple[Choice, ...] = ()
    value: str | None = None
    uri: str | None = None
    autocomplete: str | None = None
    input_mode: str | None = None
    shown_when: tuple[str, tuple[str, ...]] | None = None


@dataclass(frozen=True)
class CodeDelivery:
    """Where the code of a code challenge went: ``medium`` is ``"SMS"``, ``"EMAIL"`` or
    ``"TOTP"`` (an authenticator app); ``destination`` is the masked address, if known."""

    medium: str
    destination: str | None = None


@dataclass
class Challenge:
    """Cognito wants an answer before the sign-in can finish.

    Attributes:
        name: the challenge name, e.g. ``"SMS_MFA"``, ``"SOFTWARE_TOKEN_MFA"``,
            ``"SELECT_MFA_TYPE"``, ``"MFA_SETUP"``, ``"NEW_PASSWORD_REQUIRED"``,
            ``"CUSTOM_CHALLENGE"``.
        parameters: the ChallengeParameters as sent by Cognito.
        user_attributes / required_attributes: for NEW_PASSWORD_REQUIRED, the user's
            current attributes and the names still required (``userAttributes.`` removed).
        fields: the inputs to ask for (see :class:`Field`); answer them with
            ``CognitoUser.answer({field.name: value, ...})``.
        delivery: where the code went, for code challenges.
        step: the SDK's own progress inside a multi-step challenge (MFA_SETUP:
            ``{"mfa_type": ..., "secret": ...}``); empty at first.

    The JS-named methods (``send_mfa_code``, ``send_mfa_selection_answer``,
    ``associate_software_token`` + ``verify_software_token``,
    ``complete_new_password_challenge``, ``send_custom_challenge_answer``) answer too.
    """

    name: str
    parameters: dict[str, Any] = field(default_factory=dict)
    user_attributes: dict[str, Any] | None = None
    required_attributes: list[str] | None = None
    fields: tuple[Field, ...] = ()
    delivery: CodeDelivery | None = None
    step: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        found = unit_for(self.name)
        if found is not None:
            found.read(self)


@dataclass(frozen=True)
class Reply:
    """What answering a challenge sends: ``RespondToAuthChallenge`` with ``responses`` as
    ChallengeResponses (USERNAME, DEVICE_KEY and SECRET_HASH are added by the engine), or
    another operation of a multi-step challenge (``AssociateSoftwareToken``,
    ``VerifySoftwareToken``) with ``responses`` as its parameters."""

    responses: dict[str, str]
    operation: str = "RespondToAuthChallenge"
    step: dict[str, str] = field(default_factory=dict)


class ChallengeUnit:
    """Reads one kind of challenge, describes its inputs and builds its answer.

    Subclasses set :attr:`name` and :attr:`callback` and override :meth:`describe` and
    :meth:`reply`.
    """

    name: str = ""
    #: The JS-style handler that receives this challenge (``mfa_required``...).
    callback: str = ""

    def callback_args(self, challenge: Challenge) -> tuple[Any, ...]:
        """The arguments of :attr:`callback` (the JS SDK's: name and parameters)."""
        return (challenge.name, challenge.parameters)

    def read(self, challenge: Challenge) -> None:
        """Fill ``challenge.fields`` and ``challenge.delivery`` from its parameters."""
        challenge.fields, challenge.delivery = self.describe(challenge)

    def describe(self, challenge: Challenge) -> tuple[tuple[Field, ...], CodeDelivery | None]:
        """The inputs of ``challenge`` and where its code went."""
        return (), None

    def reply(self, challenge: Challenge, values: Mapping[str, str]) -> Reply:
        """The answer to send for ``values`` (already checked against the fields)."""
        raise InvalidParameterError(f"challenge {challenge.name} cannot be answered")

    def check(self, challenge: Challenge, values: Mapping[str, str]) -> None:
        """Refuse missing required values and names that are no field of the challenge."""
        names = {f.name for f in challenge.fields if f.kind != "secret"}
        unknown = sorted(set(values) - names)
        if unknown:
            raise InvalidParameterError(
                f"{challenge.name} has no field {', '.join(unknown)} (fields: "
                f"{', '.join(sorted(names)) or 'none'})"
            )
        for f in challenge.fields:
            if f.kind == "secret" or not f.required:
                continue
            if not _visible(f, values):
                continue
            value = values.get(f.name)
            if not isinstance(value, str) or not value:
                raise InvalidParameterError(f"{challenge.name} needs a value for {f.name!r}")
            if f.choices and value not in {c.value for c in f.choices}:
                raise InvalidParameterError(
                    f"{value!r} is not one of {', '.join(c.value for c in f.choices)}"
                )

    def answer(self, challenge: Challenge, values: Mapping[str, str]) -> Reply:
        """Check ``values`` and build the reply."""
        self.check(challenge, values)
        return self.reply(challenge, values)


def _visible(f: Field, values: Mapping[str, str]) -> bool:
    if f.shown_when is None:
        return True
    other, allowed = f.shown_when
    return values.get(other) in allowed


#: Challenge name -> its unit.
UNITS: dict[str, ChallengeUnit] = {}


def unit(cls: type[ChallengeUnit]) -> type[ChallengeUnit]:
    """Class decorator: register one instance of ``cls`` under ``cls.name``."""
    UNITS[cls.name] = cls()
    return cls


def unit_for(name: str) -> ChallengeUnit | None:
    """The unit answering challenge ``name``, or None when the SDK knows no such challenge."""
    return UNITS.get(name)


def json_list(params: Mapping[str, Any], key: str, *, strict: bool = True) -> list[str]:
    """A JSON-encoded list of strings among the parameters (``[]`` when absent).

    ``strict=False`` (lists of MFA type names) also reads a list not written as JSON
    (``['SMS_MFA']``, as some emulators send) by its upper-case names.
    """
    raw = params.get(key)
    if raw in (None, ""):
        return []
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError as err:
        if not strict and isinstance(raw, str):
            return re.findall(r"[A-Z][A-Z0-9_]*", raw)
        raise InvalidResponseError(f"{key} is not JSON: {err}") from err
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidResponseError(f"{key} is not a list of strings")
    return value


def mfa_choices(names: list[str]) -> tuple[Choice, ...]:
    """Choices for MFA type names, labelled in English."""
    return tuple(Choice(n, MFA_LABELS.get(n, n)) for n in names)


def code_field(label: str = "Code") -> Field:
    """The one-time code input of a code challenge."""
    return Field("code", "code", label, autocomplete="one-time-code", input_mode="numeric")


# ---- the units ------------------------------------------------------------------------


class CodeUnit(ChallengeUnit):
    """A challenge answered with one code (SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP, SMS_OTP)."""

    medium = "SMS"
    response_key = ""
    callback = "mfa_required"

    def describe(self, challenge: Challenge) -> tuple[tuple[Field, ...], CodeDelivery | None]:
        params = challenge.parameters
        medium = params.get("CODE_DELIVERY_DELIVERY_MEDIUM") or self.medium
        destination = params.get("CODE_DELIVERY_DESTINATION") or None
        return (code_field(),), CodeDelivery(str(medium), destination)

    def reply(self, challenge: Challenge, values: Mapping[str, str]) -> Reply:
        code = values["code"]
        # As the JS SDK's sendMFACode: SMS_MFA_CODE always, plus the kind's own key.
        responses = {"SMS_MFA_CODE": code}
        if self.response_key:
            responses[self.response_key] = code
        return Reply(responses)


@unit
class SmsMfa(CodeUnit):
    """SMS_MFA: the code texted to the user's phone."""

    name = "SMS_MFA"


@unit
class SoftwareTokenMfa(CodeUnit):
    """SOFTWARE_TOKEN_MFA: the code of the user's authenticator app."""

    name = "SOFTWARE_TOKEN_MFA"
    callback = "totp_required"
    medium = "TOTP"
    response_key = "SOFTWARE_TOKEN_MFA_CODE"


@unit
class EmailOtp(CodeUnit):
    """EMAIL_OTP: the code e-mailed to the user."""

    name = "EMAIL_OTP"
    medium = "EMAIL"
    response_key = "EMAIL_OTP_CODE"


@unit
class SmsOtp(CodeUnit):
    """SMS_OTP: the code texted to the user (passwordless and MFA)."""

    name = "SMS_OTP"
    response_key = "SMS_OTP_CODE"


@unit
class SelectMfaType(ChallengeUnit):
    """SELECT_MFA_TYPE: pick one of MFAS_CAN_CHOOSE."""

    name = "SELECT_MFA_TYPE"
    callback = "select_mfa_type"

    def describe(self, challenge: Challenge) -> tuple[tuple[Field, ...], CodeDelivery | None]:
        choices = mfa_choices(json_list(challenge.parameters, "MFAS_CAN_CHOOSE", strict=False))
        return (Field("mfa_type", "choice", "Verification method", choices=choices),), None

    def reply(self, challenge: Challenge, values: Mapping[str, str]) -> Reply:
        return Reply({"ANSWER": values["mfa_type"]})


@unit
class MfaSetup(ChallengeUnit):
    """MFA_SETUP: pick a type (when there is a choice), then set it up.

    TOTP: the SDK associates a secret (AssociateSoftwareToken with the challenge's
    session), shows it (``secret``), verifies the first ``code`` (VerifySoftwareToken),
    then answers MFA_SETUP. Email: the user gives the ``email`` address and Cognito
    answers with an EMAIL_OTP challenge for its code.
    """

    name = "MFA_SETUP"
    callback = "mfa_setup"

    def types(self, challenge: Challenge) -> list[str]:
        """The MFA types this challenge can set up (TOTP when the service names none)."""
        offered = json_list(challenge.parameters, "MFAS_CAN_SETUP", strict=False)
        types = [t for t in offered if t in SETUP_TYPES]
        return types or ["SOFTWARE_TOKEN_MFA"]

    def chosen(self, challenge: Challenge) -> str | None:
        """The type being set up, or None while the user still has to pick."""
        if challenge.step.get("mfa_type"):
            return challenge.step["mfa_type"]
        types = self.types(challenge)
        return types[0] if len(types) == 1 else None

    def describe(self, challenge: Challenge) -> tuple[tuple[Field, ...], CodeDelivery | None]:
        kind = self.chosen(challenge)
        secret = challenge.step.get("secret")
        if kind is None:
            choices = mfa_choices(self.types(challenge))
            return (Field("mfa_type", "choice", "Set up", choices=choices),), None
        if kind == "EMAIL_OTP":
            email = Field("email", "attribute", "Email", autocomplete="email")
            return (email,), None
        if not secret:  # TOTP chosen but no secret yet: the SDK associates one first
            return (), None
        label = challenge.step.get("label") or challenge.parameters.get("USER_ID_FOR_SRP") or ""
        uri = totp_uri(secret, str(label), challenge.step.get("issuer") or "")
        return (
            Field("secret", "secret", "Secret key", required=False, value=secret, uri=uri),
            code_field(),
            Field("device_name", "text", "Device name", required=False),
        ), CodeDelivery("TOTP")

    def reply(self, challenge: Challenge, values: Mapping[str, str]) -> Reply:
        kind = values.get("mfa_type") or self.chosen(challenge)
        if kind == "EMAIL_OTP":
            if "email" not in values:  # picked email: ask for the address next
                return Reply({}, operation="", step={"mfa_type": kind})
            return Reply({"EMAIL": values["email"]}, step={"mfa_type": kind})
        if not challenge.step.get("secret"):
            return Reply({}, operation="AssociateSoftwareToken", step={"mfa_type": str(kind)})
        params = {"UserCode": values["code"]}
        if values.get("device_name"):
            params["FriendlyDeviceName"] = values["device_name"]
        return Reply(params, operation="VerifySoftwareToken", step=dict(challenge.step))


def totp_uri(secret: str, label: str, issuer: str = "") -> str:
    """The ``otpauth://totp/...`` URI authenticator apps scan from a QR code."""
    from urllib.parse import quote

    name = f"{issuer}:{label}" if issuer else label
    uri = f"otpauth://totp/{quote(name)}?secret={quote(secret)}"
    return uri + (f"&issuer={quote(issuer)}" if issuer else "")


_ATTRIBUTE_AUTOCOMPLETE = {
    "email": "email",
    "phone_number": "tel",
    "name": "name",
    "given_name": "given-name",
    "family_name": "family-name",
    "middle_name": "additional-name",
    "nickname": "nickname",
    "preferred_username": "username",
    "address": "street-address",
    "birthdate": "bday",
    "gender": "sex",
    "locale": "language",
    "website": "url",
}


def _strip_prefix(name: str) -> str:
    return name[len(USER_ATTRIBUTES_PREFIX) :] if name.startswith(USER_ATTRIBUTES_PREFIX) else name


@unit
class NewPasswordRequired(ChallengeUnit):
    """NEW_PASSWORD_REQUIRED: a new password, and every attribute the pool still needs."""

    name = "NEW_PASSWORD_REQUIRED"
    callback = "new_password_required"

    def callback_args(self, challenge: Challenge) -> tuple[Any, ...]:
        """``new_password_required(user_attributes, required_attributes)``."""
        return (challenge.user_attributes, challenge.required_attributes)

    def read(self, challenge: Challenge) -> None:
        params = challenge.parameters
        if challenge.user_attributes is None or challenge.required_attributes is None:
            try:
                attrs = json.loads(params.get("userAttributes") or "{}")
                required = json_list(params, "requiredAttributes")
            except ValueError as err:
                raise InvalidResponseError(f"bad NEW_PASSWORD_REQUIRED parameters: {err}") from err
            if not isinstance(attrs, dict):
                raise InvalidResponseError("userAttributes is not an object")
            if challenge.user_attributes is None:
                challenge.user_attributes = attrs
            if challenge.required_attributes is None:
                challenge.required_attributes = [_strip_prefix(r) for r in required]
        super().read(challenge)

    def describe(self, challenge: Challenge) -> tuple[tuple[Field, ...], CodeDelivery | None]:
        fields = [
            Field("new_password", "new_password", "New password", autocomplete="new-password")
        ]
        for name in challenge.required_attributes or []:
            label = name.removeprefix("custom:").replace("_", " ").capitalize()
            fields.append(
                Field(name, "attribute", label, autocomplete=_ATTRIBUTE_AUTOCOMPLETE.get(name))
            )
        return tuple(fields), None

    def check(self, challenge: Challenge, values: Mapping[str, str]) -> None:
        # Any attribute may be given besides the required ones (as the JS SDK allows).
        extra = {k: v for k, v in values.items() if k not in {f.name for f in challenge.fields}}
        if any(not isinstance(v, str) for v in extra.values()):
            raise InvalidParameterError("attribute values must be strings")
        known = {k: v for k, v in values.items() if k not in extra}
        super().check(challenge, known)

    def reply(self, challenge: Challenge, values: Mapping[str, str]) -> Reply:
        responses = {
            USER_ATTRIBUTES_PREFIX + k: v for k, v in values.items() if k != "new_password"
        }
        responses["NEW_PASSWORD"] = values["new_password"]
        return Reply(responses)


@unit
class CustomChallenge(ChallengeUnit):
    """CUSTOM_CHALLENGE: one answer, checked by the pool's Lambda triggers."""

    name = "CUSTOM_CHALLENGE"
    callback = "custom_challenge"

    def callback_args(self, challenge: Challenge) -> tuple[Any, ...]:
        """``custom_challenge(parameters)``."""
        return (challenge.parameters,)

    def describe(self, challenge: Challenge) -> tuple[tuple[Field, ...], CodeDelivery | None]:
        return (Field("answer", "text", "Answer", autocomplete="off"),), None

    def reply(self, challenge: Challenge, values: Mapping[str, str]) -> Reply:
        return Reply({"ANSWER": values["answer"]})
