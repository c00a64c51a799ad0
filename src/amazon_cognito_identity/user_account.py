"""The account operations of :class:`~.user.CognitoUser`: sign-up confirmation,
attributes, password, MFA settings, devices and account deletion.

Each is a few lines over ``client.call`` (or ``_authed``, which refreshes an expired
session first); :class:`AccountOperations` is mixed into ``CognitoUser``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from .attributes import CognitoUserAttribute, attribute_list
from .errors import CognitoError, InvalidParameterError
from .handlers import deliver_success, get_handler, invoke, is_node_style, run_with_callback

if TYPE_CHECKING:
    from .client import Client
    from .session_store import SessionStore
    from .tokens import CognitoUserSession
    from .user_pool import CognitoUserPool

__all__ = ["SUCCESS", "AccountOperations"]

SUCCESS = "SUCCESS"


class _User(Protocol):
    """What the account operations use of a ``CognitoUser``."""

    username: str
    pool: CognitoUserPool
    client: Client
    store: SessionStore
    sign_in_user_session: CognitoUserSession | None
    device_key: str | None
    last_update_result: dict[str, Any]
    auto_sign_in_session: str | None

    def _context(self) -> dict[str, str] | None: ...
    def _has_valid_session(self) -> bool: ...
    async def _authed(self, operation: str, params: dict[str, Any]) -> dict[str, Any]: ...
    async def _refresh(
        self, token: str, client_metadata: Mapping[str, str] | None, stale: str | None = None
    ) -> CognitoUserSession: ...
    async def _simple(self, operation: str, params: dict[str, Any]) -> str: ...
    async def _simple_authed(self, operation: str, params: dict[str, Any]) -> str: ...
    async def _refresh_if_possible(self) -> None: ...
    async def _best_effort_user_data(self) -> None: ...
    def _clear_cached_user(self) -> None: ...
    def _clear_device_keys(self) -> None: ...
    def _load_device_keys(self) -> None: ...
    def _own_device_key(self) -> str: ...
    def _device_status(self, status: str, callback: Any) -> Awaitable[str]: ...
    def get_user_data(
        self, callback: Any = None, bypass_cache: bool = False
    ) -> Awaitable[dict[str, Any]]: ...


class AccountOperations:
    """Account operations of a signed-in (or, for sign-up and passwords, any) user."""

    sign_in_user_session: CognitoUserSession | None

    # ---- sign-up ----------------------------------------------------------------------

    def confirm_registration(
        self: _User,
        confirmation_code: str,
        force_alias_creation: bool = False,
        callback: Any = None,
        client_metadata: Mapping[str, str] | None = None,
    ) -> Awaitable[str]:
        """ConfirmSignUp with the code sent at sign-up. Returns ``"SUCCESS"``; the Session
        of the answer is kept for :meth:`~.user.CognitoUser.auto_sign_in`."""
        params = {
            "ClientId": self.pool.get_client_id(),
            "ConfirmationCode": confirmation_code,
            "Username": self.username,
            "ForceAliasCreation": force_alias_creation,
            "ClientMetadata": dict(client_metadata) if client_metadata else None,
            "SecretHash": self.pool.secret_hash(self.username),
            "UserContextData": self._context(),
            "Session": self.auto_sign_in_session,  # SignUp's, when this object signed up
        }

        async def go() -> str:
            data = await self.client.call("ConfirmSignUp", params)
            session = data.get("Session")
            self.auto_sign_in_session = session if isinstance(session, str) and session else None
            return SUCCESS

        return run_with_callback(go(), callback)

    def resend_confirmation_code(
        self: _User, callback: Any = None, client_metadata: Mapping[str, str] | None = None
    ) -> Awaitable[dict[str, Any]]:
        """ResendConfirmationCode. Returns the answer (CodeDeliveryDetails)."""
        return run_with_callback(
            self.client.call(
                "ResendConfirmationCode",
                {
                    "ClientId": self.pool.get_client_id(),
                    "Username": self.username,
                    "ClientMetadata": dict(client_metadata) if client_metadata else None,
                    "SecretHash": self.pool.secret_hash(self.username),
                },
            ),
            callback,
        )

    async def _simple(self: _User, operation: str, params: dict[str, Any]) -> str:
        await self.client.call(operation, params)
        return SUCCESS

    async def _simple_authed(self: _User, operation: str, params: dict[str, Any]) -> str:
        await self._authed(operation, params)
        return SUCCESS

    def set_user_mfa_preference(
        self: _User,
        sms_mfa_settings: Mapping[str, bool] | None,
        software_token_mfa_settings: Mapping[str, bool] | None,
        callback: Any = None,
        email_mfa_settings: Mapping[str, bool] | None = None,
    ) -> Awaitable[str]:
        """SetUserMFAPreference, e.g. ``({"PreferredMfa": True, "Enabled": True}, None)``;
        ``email_mfa_settings`` turns email MFA on or off the same way. Emits
        ``mfa_changed`` (with the settings sent) on ``pool.events``."""
        settings = {
            "SMSMfaSettings": sms_mfa_settings,
            "SoftwareTokenMfaSettings": software_token_mfa_settings,
            "EmailMfaSettings": email_mfa_settings,
        }

        async def go() -> str:
            result = await self._simple_authed("SetUserMFAPreference", settings)
            sent = {k: dict(v) for k, v in settings.items() if v is not None}
            self.pool.events.emit("mfa_changed", self.username, **sent)
            return result

        return run_with_callback(go(), callback)

    def enable_mfa(self: _User, callback: Any = None) -> Awaitable[str]:
        """SMS MFA on (legacy SetUserSettings)."""
        options = [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]
        return run_with_callback(
            self._simple_authed("SetUserSettings", {"MFAOptions": options}), callback
        )

    def disable_mfa(self: _User, callback: Any = None) -> Awaitable[str]:
        """SMS MFA off (legacy SetUserSettings with no options)."""
        return run_with_callback(
            self._simple_authed("SetUserSettings", {"MFAOptions": []}), callback
        )

    def get_mfa_options(
        self: _User, callback: Any = None
    ) -> Awaitable[list[dict[str, str]] | None]:
        """The legacy MFAOptions from GetUser."""

        async def go() -> list[dict[str, str]] | None:
            data = await self._authed("GetUser", {})
            return data.get("MFAOptions")

        return run_with_callback(go(), callback)

    # ---- attributes -------------------------------------------------------------------

    def get_user_attributes(
        self: _User, callback: Any = None
    ) -> Awaitable[list[CognitoUserAttribute]]:
        """GetUser's attributes as :class:`CognitoUserAttribute` objects."""

        async def go() -> list[CognitoUserAttribute]:
            data = await self._authed("GetUser", {})
            return [CognitoUserAttribute(a) for a in data.get("UserAttributes", [])]

        return run_with_callback(go(), callback)

    def get_user_data(
        self: _User, callback: Any = None, bypass_cache: bool = False
    ) -> Awaitable[dict[str, Any]]:
        """GetUser's whole answer, cached under ``.userData``.

        ``bypass_cache=True`` fetches it again and, when data was cached (as the JS SDK),
        refreshes the session too, so the ID token carries changed attributes."""

        async def go() -> dict[str, Any]:
            if not self._has_valid_session():
                self.store.remove_user_data(self.username)
            had_cache = self.store.has_user_data(self.username)
            cached = self.store.user_data(self.username)
            if cached is not None and not bypass_cache and self._has_valid_session():
                return cached
            data = await self._authed("GetUser", {})
            self.store.set_user_data(self.username, data)
            if bypass_cache and had_cache:
                await self._refresh_if_possible()
            return data

        return run_with_callback(go(), callback)

    def update_attributes(
        self: _User,
        attributes: Any,
        callback: Any = None,
        client_metadata: Mapping[str, str] | None = None,
    ) -> Awaitable[str]:
        """UpdateUserAttributes, then refresh the cached user data. Returns ``"SUCCESS"``;
        the service's answer (CodeDeliveryDetailsList) is kept in
        ``self.last_update_result``."""

        async def go() -> str:
            self.last_update_result = await self._authed(
                "UpdateUserAttributes",
                {
                    "UserAttributes": attribute_list(attributes),
                    "ClientMetadata": dict(client_metadata) if client_metadata else None,
                },
            )
            await self._best_effort_user_data()
            return SUCCESS

        return run_with_callback(go(), callback)

    async def _best_effort_user_data(self: _User) -> None:
        try:
            await self.get_user_data(bypass_cache=True)
        except CognitoError:
            self.store.remove_user_data(self.username)

    def delete_attributes(
        self: _User, attribute_list: list[str], callback: Any = None
    ) -> Awaitable[str]:
        """DeleteUserAttributes by name. Returns ``"SUCCESS"``."""

        async def go() -> str:
            await self._authed("DeleteUserAttributes", {"UserAttributeNames": attribute_list})
            await self._best_effort_user_data()
            return SUCCESS

        return run_with_callback(go(), callback)

    def get_attribute_verification_code(
        self: _User,
        attribute_name: str,
        callback: Any = None,
        client_metadata: Mapping[str, str] | None = None,
    ) -> Awaitable[dict[str, Any]]:
        """GetUserAttributeVerificationCode. Returns the answer (CodeDeliveryDetails)."""
        coro = self._authed(
            "GetUserAttributeVerificationCode",
            {
                "AttributeName": attribute_name,
                "ClientMetadata": dict(client_metadata) if client_metadata else None,
            },
        )
        return run_with_callback(coro, callback, _verification_deliver(SUCCESS))

    def verify_attribute(
        self: _User, attribute_name: str, confirmation_code: str, callback: Any = None
    ) -> Awaitable[str]:
        """VerifyUserAttribute with the code received. Returns ``"SUCCESS"``."""
        return run_with_callback(
            self._simple_authed(
                "VerifyUserAttribute", {"AttributeName": attribute_name, "Code": confirmation_code}
            ),
            callback,
        )

    # ---- password and account ---------------------------------------------------------

    def change_password(
        self: _User,
        old_user_password: str,
        new_user_password: str,
        callback: Any = None,
        client_metadata: Mapping[str, str] | None = None,
    ) -> Awaitable[str]:
        """ChangePassword. Returns ``"SUCCESS"``."""
        return run_with_callback(
            self._simple_authed(
                "ChangePassword",
                {
                    "PreviousPassword": old_user_password,
                    "ProposedPassword": new_user_password,
                    "ClientMetadata": dict(client_metadata) if client_metadata else None,
                },
            ),
            callback,
        )

    def forgot_password(
        self: _User, callback: Any = None, client_metadata: Mapping[str, str] | None = None
    ) -> Awaitable[dict[str, Any]]:
        """ForgotPassword: a code is sent. Returns the answer (CodeDeliveryDetails);
        handlers get ``input_verification_code(data)`` (or ``on_success(data)``)."""
        coro = self.client.call(
            "ForgotPassword",
            {
                "ClientId": self.pool.get_client_id(),
                "Username": self.username,
                "ClientMetadata": dict(client_metadata) if client_metadata else None,
                "SecretHash": self.pool.secret_hash(self.username),
                "UserContextData": self._context(),
            },
        )
        return run_with_callback(coro, callback, _verification_deliver(None))

    def confirm_password(
        self: _User,
        confirmation_code: str,
        new_password: str,
        callback: Any = None,
        client_metadata: Mapping[str, str] | None = None,
    ) -> Awaitable[str]:
        """ConfirmForgotPassword with the code and a new password. Returns ``"SUCCESS"``."""
        return run_with_callback(
            self._simple(
                "ConfirmForgotPassword",
                {
                    "ClientId": self.pool.get_client_id(),
                    "Username": self.username,
                    "ConfirmationCode": confirmation_code,
                    "Password": new_password,
                    "ClientMetadata": dict(client_metadata) if client_metadata else None,
                    "SecretHash": self.pool.secret_hash(self.username),
                    "UserContextData": self._context(),
                },
            ),
            callback,
        )

    def delete_user(
        self: _User, callback: Any = None, client_metadata: Mapping[str, str] | None = None
    ) -> Awaitable[str]:
        """DeleteUser, then forget everything stored for the user (device keys too)."""

        async def go() -> str:
            metadata = dict(client_metadata) if client_metadata else None
            await self._authed("DeleteUser", {"ClientMetadata": metadata})
            self._clear_cached_user()
            self._clear_device_keys()
            self.sign_in_user_session = None
            return SUCCESS

        return run_with_callback(go(), callback)

    def global_sign_out(self: _User, callback: Any = None) -> Awaitable[str]:
        """GlobalSignOut (every token of the user, everywhere), then clear the cache."""

        async def go() -> str:
            await self._authed("GlobalSignOut", {})
            self._clear_cached_user()
            self.sign_in_user_session = None
            return SUCCESS

        return run_with_callback(go(), callback)

    # ---- devices ----------------------------------------------------------------------

    def _own_device_key(self: _User) -> str:
        if not self.device_key:
            self._load_device_keys()
        if not self.device_key:
            raise InvalidParameterError("no device is remembered for this user")
        return self.device_key

    def list_devices(
        self: _User, limit: int = 60, pagination_token: str | None = None, callback: Any = None
    ) -> Awaitable[dict[str, Any]]:
        """ListDevices: ``{"Devices": [...], "PaginationToken": ...}``."""
        return run_with_callback(
            self._authed("ListDevices", {"Limit": limit, "PaginationToken": pagination_token}),
            callback,
        )

    def get_device(self: _User, callback: Any = None) -> Awaitable[dict[str, Any]]:
        """GetDevice for this user's remembered device."""

        async def go() -> dict[str, Any]:
            return await self._authed("GetDevice", {"DeviceKey": self._own_device_key()})

        return run_with_callback(go(), callback)

    def _device_status(self: _User, status: str, callback: Any) -> Awaitable[str]:
        async def go() -> str:
            return await self._simple_authed(
                "UpdateDeviceStatus",
                {"DeviceKey": self._own_device_key(), "DeviceRememberedStatus": status},
            )

        return run_with_callback(go(), callback)

    def set_device_status_remembered(self: _User, callback: Any = None) -> Awaitable[str]:
        """Mark this device remembered."""
        return self._device_status("remembered", callback)

    def set_device_status_not_remembered(self: _User, callback: Any = None) -> Awaitable[str]:
        """Mark this device not remembered."""
        return self._device_status("not_remembered", callback)

    def forget_specific_device(
        self: _User, device_key: str, callback: Any = None
    ) -> Awaitable[str]:
        """ForgetDevice by key (our own stored keys go too when it is this device)."""

        async def go() -> str:
            await self._authed("ForgetDevice", {"DeviceKey": device_key})
            stored = self.store.device_keys(self.username)
            if stored is not None and device_key == stored.key:
                self._clear_device_keys()
            return SUCCESS

        return run_with_callback(go(), callback)

    def forget_device(self: _User, callback: Any = None) -> Awaitable[str]:
        """ForgetDevice for this device, and drop its stored keys."""

        async def go() -> str:
            await self._authed("ForgetDevice", {"DeviceKey": self._own_device_key()})
            self._clear_device_keys()
            return SUCCESS

        return run_with_callback(go(), callback)


def _verification_deliver(success_value: Any) -> Any:
    """``input_verification_code(data)`` when the handler has it, else ``on_success``."""

    async def deliver(callback: Any, data: Any) -> None:
        fn = None if is_node_style(callback) else get_handler(callback, "input_verification_code")
        if fn is not None:
            await invoke(fn, data)
        else:
            await deliver_success(callback, data if success_value is None else success_value)

    return deliver
