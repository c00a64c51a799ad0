"""Account operations as RPC methods of the worker app (``window.portal.call`` in the portal).

The portal's UI is the components of :mod:`.account` and :mod:`.mfa`; these methods are the
programmatic door into the same worker, used by the interoperability tests and by scripts
that drive the SDK from the page's JavaScript. Each is a few lines over
:class:`~amazon_cognito_identity.CognitoUserPool` / :class:`~amazon_cognito_identity.CognitoUser`
and returns plain JSON. Sessions live in the worker's storage mirror, so they land in the
page's localStorage under the same keys the JS SDK uses.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from .. import srp
from ..attributes import AuthenticationDetails
from ..challenges import Challenge
from ..errors import InvalidParameterError, NotAuthorizedException
from ..storage import StorageKeys
from ..tokens import CognitoUserSession
from ..user import CognitoUser
from ..user_pool import CognitoUserPool
from .mfa_state import MfaState
from .totp import qr_matrix, totp_uri

if TYPE_CHECKING:
    from .worker import WorkerApp

__all__ = ["AccountService", "auth_result", "install", "qr_matrix", "totp_uri"]


def auth_result(user: CognitoUser, result: CognitoUserSession | Challenge) -> dict[str, Any]:
    """The page's view of a sign-in step: signed in, or which challenge comes next."""
    if isinstance(result, CognitoUserSession):
        return {"state": "signed_in", "username": user.get_username()}
    details: dict[str, Any] = dict(result.parameters)
    if result.required_attributes is not None:
        details["required_attributes"] = list(result.required_attributes)
    return {
        "state": result.name,
        "details": details,
        # What to render: the challenge's inputs and where its code went (see Field).
        "fields": [dataclasses.asdict(f) for f in result.fields],
        "delivery": dataclasses.asdict(result.delivery) if result.delivery else None,
    }


def _destination(details: Any) -> str | None:
    if isinstance(details, dict):
        for key in ("CodeDeliveryDetails", "codeDeliveryDetails"):
            if isinstance(details.get(key), dict):
                details = details[key]
        dest = details.get("Destination")
        return str(dest) if dest else None
    return None


class AccountService:
    """Portal operations over one pool; ``pending`` is the user whose sign-in is in progress."""

    def __init__(self, pool: CognitoUserPool) -> None:
        self.pool = pool
        self.pending: CognitoUser | None = None

    # ---- helpers -------------------------------------------------------------------------

    def _user(self, username: str) -> CognitoUser:
        if not username:
            raise InvalidParameterError("Enter a username.")
        return CognitoUser(username, self.pool)

    async def _signed_in(self) -> CognitoUser:
        user = self.pool.get_current_user()
        if user is None:
            raise NotAuthorizedException("You are not signed in.")
        await user.get_session()
        return user

    def prewarm(self) -> None:
        """Compute the SRP ephemeral ahead of sign-in (while the user types the password),
        when the SDK's srp module offers it."""
        fn = getattr(srp, "prewarm", None)
        if fn is not None:
            fn()

    # ---- sign-up ---------------------------------------------------------------------------

    async def sign_up(
        self, username: str, password: str, email: str, phone_number: str | None = None
    ) -> dict[str, Any]:
        """SignUp with email (and phone) attributes."""
        attributes = {"email": email}
        if phone_number:
            attributes["phone_number"] = phone_number
        result = await self.pool.sign_up(username, password, attributes)
        return {
            "user_confirmed": result.user_confirmed,
            "destination": _destination(result.code_delivery_details or {}),
        }

    async def confirm_sign_up(self, username: str, code: str) -> str:
        """ConfirmSignUp."""
        return str(await self._user(username).confirm_registration(code))

    async def resend_code(self, username: str) -> dict[str, Any]:
        """ResendConfirmationCode."""
        data = await self._user(username).resend_confirmation_code()
        return {"destination": _destination(data)}

    # ---- sign-in and challenges ----------------------------------------------------------------

    async def sign_in(self, username: str, password: str, custom: bool = False) -> dict[str, Any]:
        """SRP sign-in (``custom``: CUSTOM_AUTH, SRP then a custom challenge); the next step."""
        user = self._user(username)
        if custom:
            user.set_authentication_flow_type("CUSTOM_AUTH")
        self.pending = user
        result = await user.authenticate_user(AuthenticationDetails(username, password))
        return auth_result(user, result)

    async def answer_challenge(
        self,
        challenge: str,
        answer: str,
        attributes: dict[str, str] | None = None,
        device_name: str | None = None,
    ) -> dict[str, Any]:
        """Answer the pending challenge with what the user typed."""
        user = self.pending
        if user is None:
            raise InvalidParameterError("No sign-in in progress: sign in again.")
        result: CognitoUserSession | Challenge
        if challenge in ("SMS_MFA", "SOFTWARE_TOKEN_MFA"):
            result = await user.send_mfa_code(answer, mfa_type=challenge)
        elif challenge == "SELECT_MFA_TYPE":
            result = await user.send_mfa_selection_answer(answer)
        elif challenge == "NEW_PASSWORD_REQUIRED":
            result = await user.complete_new_password_challenge(answer, attributes or {})
        elif challenge == "CUSTOM_CHALLENGE":
            result = await user.send_custom_challenge_answer(answer)
        elif challenge == "MFA_SETUP":
            result = await user.verify_software_token(answer, device_name or "Authenticator")
        else:
            raise InvalidParameterError(f"Unsupported challenge {challenge}.")
        return auth_result(user, result)

    async def answer(self, values: dict[str, str]) -> dict[str, Any]:
        """Answer the pending challenge with ``{field name: value}`` (its ``fields``)."""
        user = self.pending
        if user is None:
            raise InvalidParameterError("No sign-in in progress: sign in again.")
        return auth_result(user, await user.answer(values))

    async def challenge_totp_setup(self) -> dict[str, Any]:
        """MFA_SETUP during sign-in: the secret and its QR code."""
        user = self.pending
        if user is None:
            raise InvalidParameterError("No sign-in in progress: sign in again.")
        secret = await user.associate_software_token()
        uri = totp_uri(secret, user.get_username())
        return {"secret": secret, "uri": uri, "qr": qr_matrix(uri)}

    # ---- session ---------------------------------------------------------------------------

    async def current_user(self) -> dict[str, Any] | None:
        """The signed-in user (valid or refreshable session), or None."""
        user = self.pool.get_current_user()
        if user is None:
            return None
        try:
            await user.get_session()
        except NotAuthorizedException:
            return None
        return {"username": user.get_username()}

    async def sign_out(self) -> None:
        """Sign out here (tokens revoked, storage cleared)."""
        user = self.pool.get_current_user()
        if user is not None:
            await user.sign_out()
        self.pending = None

    async def global_sign_out(self) -> None:
        """Sign out on every device."""
        user = await self._signed_in()
        await user.global_sign_out()
        self.pending = None

    async def delete_user(self) -> None:
        """DeleteUser, then forget the local session."""
        user = await self._signed_in()
        await user.delete_user()
        self.pending = None

    # ---- profile ---------------------------------------------------------------------------

    async def get_attributes(self) -> list[dict[str, str]]:
        """The user's attributes as ``[{name, value}]``."""
        user = await self._signed_in()
        attrs = await user.get_user_attributes()
        return [{"name": a.get_name(), "value": a.get_value()} for a in attrs]

    async def update_attributes(self, attributes: dict[str, str]) -> dict[str, Any]:
        """UpdateUserAttributes from ``{name: value}``."""
        user = await self._signed_in()
        await user.update_attributes(attributes)
        return {"result": "SUCCESS"}

    async def delete_attributes(self, names: list[str]) -> dict[str, Any]:
        """DeleteUserAttributes."""
        user = await self._signed_in()
        await user.delete_attributes(list(names))
        return {"result": "SUCCESS"}

    async def request_attribute_verification(self, name: str) -> dict[str, Any]:
        """GetUserAttributeVerificationCode."""
        user = await self._signed_in()
        data = await user.get_attribute_verification_code(name)
        return {"destination": _destination(data)}

    async def verify_attribute(self, name: str, code: str) -> dict[str, Any]:
        """VerifyUserAttribute."""
        user = await self._signed_in()
        await user.verify_attribute(name, code)
        return {"result": "SUCCESS"}

    async def change_password(self, old_password: str, new_password: str) -> dict[str, Any]:
        """ChangePassword."""
        user = await self._signed_in()
        await user.change_password(old_password, new_password)
        return {"result": "SUCCESS"}

    async def forgot_password(self, username: str) -> dict[str, Any]:
        """ForgotPassword: sends a code."""
        data = await self._user(username).forgot_password()
        return {"destination": _destination(data)}

    async def confirm_password(self, username: str, code: str, password: str) -> dict[str, Any]:
        """ConfirmForgotPassword."""
        await self._user(username).confirm_password(code, password)
        return {"result": "SUCCESS"}

    # ---- MFA -------------------------------------------------------------------------------

    async def totp_setup(self) -> dict[str, Any]:
        """AssociateSoftwareToken for the signed-in user: the secret and its QR code."""
        user = await self._signed_in()
        secret = await user.associate_software_token()
        uri = totp_uri(secret, user.get_username())
        return {"secret": secret, "uri": uri, "qr": qr_matrix(uri)}

    async def totp_verify(self, code: str, device_name: str | None = None) -> dict[str, Any]:
        """VerifySoftwareToken, then make TOTP the preferred second factor."""
        user = await self._signed_in()
        answer = await user.verify_software_token(code, device_name or "Authenticator")
        await user.set_user_mfa_preference(None, {"Enabled": True, "PreferredMfa": True})
        status = answer.get("Status") if isinstance(answer, dict) else None
        return {"status": status or "SUCCESS"}

    async def set_mfa_preference(self, preferred: str, email: bool = False) -> dict[str, Any]:
        """``preferred``: "none", "sms", "totp", "email" or "both" (SMS and app on, chosen at
        sign-in). ``email``: the pool offers email MFA, so the other choices turn it off."""
        user = await self._signed_in()
        try:
            sms, totp = MfaState.settings_for(preferred)
        except ValueError:
            raise InvalidParameterError(f"Unknown MFA preference {preferred!r}.") from None
        email_settings = None
        if email or preferred == "email":
            email_settings = MfaState.email_settings_for(preferred)
        await user.set_user_mfa_preference(sms, totp, email_mfa_settings=email_settings)
        return {"result": "SUCCESS"}

    async def get_mfa(self) -> dict[str, Any]:
        """The preferred factor and the enabled ones (from GetUser)."""
        user = await self._signed_in()
        data = await user.get_user_data(bypass_cache=True)
        return {
            "preferred": data.get("PreferredMfaSetting"),
            "enabled": list(data.get("UserMFASettingList") or []),
        }

    # ---- devices ---------------------------------------------------------------------------

    async def list_devices(self) -> list[dict[str, Any]]:
        """The user's devices: key, name, remembered status, and whether it is this one."""
        user = await self._signed_in()
        data = await user.list_devices()
        own = user.storage.get_item(
            StorageKeys(self.pool.get_client_id(), user.get_username()).device_key
        )
        devices = []
        for device in data.get("Devices") or []:
            attrs = {a["Name"]: a.get("Value") for a in device.get("DeviceAttributes") or []}
            devices.append(
                {
                    "key": device.get("DeviceKey"),
                    "name": attrs.get("device_name"),
                    "remembered": attrs.get("dev:device_remembered_status") == "remembered",
                    "current": device.get("DeviceKey") == own,
                }
            )
        return devices

    async def remember_device(self) -> dict[str, Any]:
        """Mark this browser's device remembered."""
        user = await self._signed_in()
        await user.set_device_status_remembered()
        return {"result": "SUCCESS"}

    async def forget_device(self, device_key: str) -> dict[str, Any]:
        """ForgetDevice by key."""
        user = await self._signed_in()
        await user.forget_specific_device(device_key)
        return {"result": "SUCCESS"}


def install(app: WorkerApp, pool: CognitoUserPool | None = None) -> None:
    """Register the account methods on ``app``, over ``pool`` or the pool its config names."""
    if pool is None:
        config = app.config
        if not config.get("userPoolId") or not config.get("clientId"):
            return
        pool = CognitoUserPool(
            user_pool_id=str(config["userPoolId"]),
            client_id=str(config["clientId"]),
            endpoint=config.get("endpoint") or None,
            storage=app.storage,
        )
    service = AccountService(pool)
    app.register_object(service)
    app.account = service
