"""``CognitoUser``: every user operation of amazon-cognito-identity-js, async.

Each public method returns an awaitable. ``await user.method(...)`` gives the result or
raises a typed :class:`~amazon_cognito_identity.errors.CognitoError`; passing a JS-style
``callback`` (handler object, mapping or ``callback(err, result)``) instead delivers the
outcome to it (see :mod:`amazon_cognito_identity.handlers`). Sign-in methods return a
:class:`~amazon_cognito_identity.tokens.CognitoUserSession`, or a
:class:`~amazon_cognito_identity.challenges.Challenge` to answer with the matching method.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Mapping
from typing import TYPE_CHECKING, Any

from .attributes import AuthenticationDetails, CognitoUserAttribute, attribute_list
from .challenges import Challenge, MfaSetup, unit_for
from .errors import (
    CognitoError,
    InvalidParameterError,
    InvalidResponseError,
    NotAuthenticatedError,
    NotAuthorizedException,
    StorageError,
)
from .handlers import (
    deliver_auth,
    deliver_success,
    get_handler,
    invoke,
    is_node_style,
    run_with_callback,
)
from .signin import SignInContext, dispatch, is_device_not_found
from .srp import AuthenticationHelper
from .tokens import CognitoAccessToken, CognitoIdToken, CognitoRefreshToken, CognitoUserSession

if TYPE_CHECKING:
    from .storage import Storage
    from .user_pool import CognitoUserPool

__all__ = ["AUTH_FLOWS", "CognitoUser"]

#: The flows ``authenticate_user`` knows.
AUTH_FLOWS = ("USER_SRP_AUTH", "USER_PASSWORD_AUTH", "CUSTOM_AUTH")
_MFA_CHALLENGES = ("SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP", "SMS_OTP")
# Challenges whose answer carries the remembered device's key (as the JS SDK).
_DEVICE_KEY_CHALLENGES = (*_MFA_CHALLENGES, "CUSTOM_CHALLENGE")
SUCCESS = "SUCCESS"

# In-flight refreshes by (event loop, client id, refresh token): concurrent get_session /
# refresh_session calls - from any CognitoUser or pool object - share one request.
_REFRESHES: dict[tuple[int, str, str], asyncio.Task[CognitoUserSession]] = {}


class CognitoUser:
    """One user of a pool.

    ``CognitoUser("alice", pool)`` or the JS form
    ``CognitoUser({"Username": "alice", "Pool": pool, "Storage": storage})``.
    """

    def __init__(
        self,
        username: str | Mapping[str, Any] | None = None,
        pool: CognitoUserPool | None = None,
        storage: Storage | None = None,
    ) -> None:
        if isinstance(username, Mapping):
            data = username
            username, pool = data.get("Username"), data.get("Pool")
            storage = data.get("Storage", storage)
        if username is None or pool is None:
            raise InvalidParameterError("Username and Pool information are required.")
        self.username: str = username
        self.pool: CognitoUserPool = pool
        self.client = pool.client
        self.storage: Storage = storage if storage is not None else pool.storage
        #: Session string of the challenge in progress (the JS SDK's ``user.Session``).
        self.Session: str | None = None
        self.challenge_name: str | None = None
        #: The challenge waiting for :meth:`answer`, if any.
        self.challenge: Challenge | None = None
        self.sign_in_user_session: CognitoUserSession | None = None
        self.authentication_flow_type: str = "USER_SRP_AUTH"
        self.device_key: str | None = None
        self.device_group_key: str | None = None
        self.random_password: str | None = None
        #: True when the last ConfirmDevice said the user must confirm the device.
        self.user_confirmation_necessary: bool = False
        #: The error of the last failed automatic ConfirmDevice, if any.
        self.device_error: CognitoError | None = None
        #: The service's answer to the last ``update_attributes`` (CodeDeliveryDetailsList).
        self.last_update_result: dict[str, Any] = {}

    # ---- storage ---------------------------------------------------------------------

    def _key(self, name: str, username: str | None = None) -> str:
        prefix = f"CognitoIdentityServiceProvider.{self.pool.get_client_id()}"
        if name == "LastAuthUser":
            return f"{prefix}.LastAuthUser"
        return f"{prefix}.{username or self.username}.{name}"

    def _write_all(self, items: list[tuple[str, str]]) -> None:
        """Write every item or none: on a failure, restore what was there before."""
        before = [(k, self.storage.get_item(k)) for k, _ in items]
        try:
            for key, value in items:
                self.storage.set_item(key, value)
        except Exception as err:
            for key, old in before:
                try:
                    if old is None:
                        self.storage.remove_item(key)
                    else:
                        self.storage.set_item(key, old)
                except Exception:  # noqa: S112 - best effort rollback, report the first error
                    continue
            if isinstance(err, CognitoError):
                raise
            raise StorageError(f"could not write the session: {err}") from err

    def _set_username(self, username: str) -> None:
        self.username = username

    def _token_items(self, session: CognitoUserSession) -> list[tuple[str, str]]:
        return [
            (self._key("idToken"), session.get_id_token().get_jwt_token()),
            (self._key("accessToken"), session.get_access_token().get_jwt_token()),
            (self._key("refreshToken"), session.get_refresh_token().get_token()),
            (self._key("clockDrift"), str(session.get_clock_drift())),
            (self._key("LastAuthUser"), self.username),  # last: the session is whole
        ]

    def _cache_tokens(self, session: CognitoUserSession) -> None:
        self._write_all(self._token_items(session))

    def _commit_sign_in(
        self, session: CognitoUserSession, device_keys: dict[str, str] | None
    ) -> None:
        """Store a finished sign-in (tokens and new device keys) in one go."""
        items = [(self._key(k), v) for k, v in (device_keys or {}).items()]
        self._write_all(items + self._token_items(session))
        self.storage.remove_item(self._key("userData"))  # another sign-in: stale profile
        if device_keys:
            self.device_key = device_keys["deviceKey"]
            self.device_group_key = device_keys["deviceGroupKey"]
            self.random_password = device_keys["randomPasswordKey"]
        self.sign_in_user_session = session

    def _load_device_keys(self) -> None:
        key = self.storage.get_item(self._key("deviceKey"))
        if key:
            self.device_key = key
            self.random_password = self.storage.get_item(self._key("randomPasswordKey"))
            self.device_group_key = self.storage.get_item(self._key("deviceGroupKey"))

    def _clear_device_keys(self) -> None:
        self.device_key = self.device_group_key = self.random_password = None
        for name in ("deviceKey", "randomPasswordKey", "deviceGroupKey"):
            self.storage.remove_item(self._key(name))

    def _clear_cached_tokens(self) -> None:
        for name in ("idToken", "accessToken", "refreshToken", "clockDrift"):
            self.storage.remove_item(self._key(name))
        # Only our own name: never sign another user out of this storage.
        if self.storage.get_item(self._key("LastAuthUser")) == self.username:
            self.storage.remove_item(self._key("LastAuthUser"))

    def _clear_cached_user(self) -> None:
        self._clear_cached_tokens()
        self.storage.remove_item(self._key("userData"))

    def _read_cached_session(self) -> CognitoUserSession | None:
        id_token = self.storage.get_item(self._key("idToken"))
        access_token = self.storage.get_item(self._key("accessToken"))
        if not id_token or not access_token:
            return None
        drift_text = self.storage.get_item(self._key("clockDrift"))
        try:
            drift = int(drift_text or 0)
        except ValueError:
            drift = 0
        try:
            return CognitoUserSession(
                id_token=CognitoIdToken(id_token),
                access_token=CognitoAccessToken(access_token),
                refresh_token=CognitoRefreshToken(
                    self.storage.get_item(self._key("refreshToken")) or ""
                ),
                clock_drift=drift,
                now=self.pool.clock(),
            )
        except CognitoError:
            return None  # a corrupt cache is the same as none: sign in again

    def _session_from_result(self, result: Mapping[str, Any]) -> CognitoUserSession:
        try:
            return CognitoUserSession(
                id_token=CognitoIdToken(result["IdToken"]),
                access_token=CognitoAccessToken(result["AccessToken"]),
                refresh_token=CognitoRefreshToken(result.get("RefreshToken") or ""),
                now=self.pool.clock(),
            )
        except KeyError as err:
            raise InvalidResponseError(f"AuthenticationResult lacks {err}") from err

    # ---- request helpers --------------------------------------------------------------

    def _context(self) -> dict[str, str] | None:
        return self.pool.get_user_context_data(self.username)

    async def _respond(
        self,
        challenge: str,
        answers: dict[str, str],
        session: str | None,
        client_metadata: Mapping[str, str] | None,
    ) -> dict[str, Any]:
        """RespondToAuthChallenge with SECRET_HASH and UserContextData added."""
        answers = dict(answers)
        secret = self.pool.secret_hash(answers.get("USERNAME", self.username))
        if secret:
            answers["SECRET_HASH"] = secret
        return await self.client.call(
            "RespondToAuthChallenge",
            {
                "ChallengeName": challenge,
                "ClientId": self.pool.get_client_id(),
                "ChallengeResponses": answers,
                "Session": session,
                "ClientMetadata": dict(client_metadata) if client_metadata else None,
                "UserContextData": self._context(),
            },
        )

    async def _access_token(self) -> str:
        """The access token of a valid session, refreshing an expired one when possible."""
        session = self.sign_in_user_session
        if session is None or not session.is_valid(self.pool.clock()):
            if session is None or not session.get_refresh_token().get_token():
                raise NotAuthenticatedError("User is not authenticated")
            session = await self._refresh(session.get_refresh_token().get_token(), None)
        return session.get_access_token().get_jwt_token()

    async def _authed(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        return await self.client.call(
            operation, {"AccessToken": await self._access_token(), **params}
        )

    async def _confirm_new_device(
        self, session: CognitoUserSession, device: Mapping[str, Any]
    ) -> dict[str, str]:
        """ConfirmDevice for NewDeviceMetadata; returns the device keys to store."""
        helper = AuthenticationHelper(self.pool.get_user_pool_name())
        verifier = helper.generate_hash_device(device["DeviceGroupKey"], device["DeviceKey"])
        reply = await self.client.call(
            "ConfirmDevice",
            {
                "AccessToken": session.get_access_token().get_jwt_token(),
                "DeviceKey": device["DeviceKey"],
                "DeviceName": self.pool.device_name,
                "DeviceSecretVerifierConfig": {
                    "Salt": verifier.salt_b64,
                    "PasswordVerifier": verifier.verifier_b64,
                },
            },
        )
        self.user_confirmation_necessary = reply.get("UserConfirmationNecessary") is True
        return {
            "deviceKey": device["DeviceKey"],
            "deviceGroupKey": device["DeviceGroupKey"],
            "randomPasswordKey": verifier.random_password,
        }

    def _auth_deliver(self) -> Any:
        async def deliver(callback: Any, result: Any) -> None:
            if isinstance(result, Challenge):
                await deliver_auth(callback, result)
            elif self.user_confirmation_necessary:
                await deliver_success(callback, result, True)
            else:
                await deliver_success(callback, result)

        return deliver

    def _sign_in(self, coro: Any, callback: Any) -> Awaitable[CognitoUserSession | Challenge]:
        return run_with_callback(coro, callback, self._auth_deliver())

    # ---- plain accessors --------------------------------------------------------------

    def get_username(self) -> str:
        """The username (USER_ID_FOR_SRP after an SRP sign-in)."""
        return self.username

    def get_sign_in_user_session(self) -> CognitoUserSession | None:
        """The session of the last sign-in or refresh, if any."""
        return self.sign_in_user_session

    def set_sign_in_user_session(self, session: CognitoUserSession) -> None:
        """Adopt ``session`` and cache it (clears the cached user data)."""
        self.storage.remove_item(self._key("userData"))
        self._cache_tokens(session)
        self.sign_in_user_session = session

    def get_authentication_flow_type(self) -> str:
        """USER_SRP_AUTH (default), USER_PASSWORD_AUTH or CUSTOM_AUTH."""
        return self.authentication_flow_type

    def set_authentication_flow_type(self, flow: str) -> None:
        """Pick the flow ``authenticate_user`` uses."""
        self.authentication_flow_type = flow

    # ---- sign-up ----------------------------------------------------------------------

    def confirm_registration(
        self,
        confirmation_code: str,
        force_alias_creation: bool = False,
        callback: Any = None,
        client_metadata: Mapping[str, str] | None = None,
    ) -> Awaitable[str]:
        """ConfirmSignUp with the code sent at sign-up. Returns ``"SUCCESS"``."""
        return run_with_callback(
            self._simple(
                "ConfirmSignUp",
                {
                    "ClientId": self.pool.get_client_id(),
                    "ConfirmationCode": confirmation_code,
                    "Username": self.username,
                    "ForceAliasCreation": force_alias_creation,
                    "ClientMetadata": dict(client_metadata) if client_metadata else None,
                    "SecretHash": self.pool.secret_hash(self.username),
                    "UserContextData": self._context(),
                },
            ),
            callback,
        )

    def resend_confirmation_code(
        self, callback: Any = None, client_metadata: Mapping[str, str] | None = None
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

    async def _simple(self, operation: str, params: dict[str, Any]) -> str:
        await self.client.call(operation, params)
        return SUCCESS

    async def _simple_authed(self, operation: str, params: dict[str, Any]) -> str:
        await self._authed(operation, params)
        return SUCCESS

    # ---- sign-in ----------------------------------------------------------------------

    def authenticate_user(
        self, auth_details: AuthenticationDetails | Mapping[str, Any], callback: Any = None
    ) -> Awaitable[CognitoUserSession | Challenge]:
        """Sign in with the flow set by ``set_authentication_flow_type`` (SRP by default).

        Returns the session, or a :class:`Challenge` (MFA, new password, custom...).
        A wrong password raises NotAuthorizedException.
        """
        return self._sign_in(self._authenticate(_details(auth_details)), callback)

    async def _authenticate(self, details: AuthenticationDetails) -> CognitoUserSession | Challenge:
        if self.authentication_flow_type not in AUTH_FLOWS:
            raise InvalidParameterError("Authentication flow type is invalid.")
        if not details.get_password():
            raise InvalidParameterError("PASSWORD parameter is required")
        start_name = self.username
        try:
            return await self._authenticate_once(details)
        except CognitoError as err:
            if not (is_device_not_found(err) and self.device_key):
                raise
        # The service forgot our device at a step other than PASSWORD_VERIFIER: forget it
        # too and sign in once more from the start (as Amplify v6 does).
        self._clear_device_keys()
        self._set_username(start_name)
        return await self._authenticate_once(details)

    async def _authenticate_once(
        self, details: AuthenticationDetails
    ) -> CognitoUserSession | Challenge:
        flow = self.authentication_flow_type
        metadata = details.sign_in_metadata()
        self._load_device_keys()
        params: dict[str, str] = {"USERNAME": self.username}
        ctx = SignInContext(password=details.get_password(), client_metadata=metadata)
        if flow == "USER_PASSWORD_AUTH":
            params["PASSWORD"] = details.get_password() or ""
        else:
            ctx.helper = AuthenticationHelper(self.pool.get_user_pool_name())
            params["SRP_A"] = ctx.helper.get_large_a_hex()
            if flow == "CUSTOM_AUTH":
                params["CHALLENGE_NAME"] = "SRP_A"
        if self.device_key:
            params["DEVICE_KEY"] = self.device_key
        data = await self._initiate(flow, params, metadata)
        return await dispatch(self, data, ctx)

    async def _initiate(
        self, flow: str, params: dict[str, str], metadata: Mapping[str, str] | None
    ) -> dict[str, Any]:
        secret = self.pool.secret_hash(self.username)
        if secret:
            params["SECRET_HASH"] = secret
        return await self.client.call(
            "InitiateAuth",
            {
                "AuthFlow": flow,
                "ClientId": self.pool.get_client_id(),
                "AuthParameters": params,
                "ClientMetadata": dict(metadata) if metadata else None,
                "UserContextData": self._context(),
            },
        )

    def initiate_auth(
        self, auth_details: AuthenticationDetails | Mapping[str, Any], callback: Any = None
    ) -> Awaitable[CognitoUserSession | Challenge]:
        """CUSTOM_AUTH without SRP: InitiateAuth with the details' AuthParameters."""
        details = _details(auth_details)

        async def go() -> CognitoUserSession | Challenge:
            params = {**details.get_auth_parameters(), "USERNAME": self.username}
            self._load_device_keys()
            if self.device_key:
                params["DEVICE_KEY"] = self.device_key
            metadata = details.sign_in_metadata()
            data = await self._initiate("CUSTOM_AUTH", params, metadata)
            return await dispatch(self, data, SignInContext(client_metadata=metadata))

        return self._sign_in(go(), callback)

    def answer(
        self,
        values: Mapping[str, str],
        client_metadata: Mapping[str, str] | None = None,
        callback: Any = None,
    ) -> Awaitable[CognitoUserSession | Challenge]:
        """Answer the current challenge with ``{field name: value}`` (see
        :attr:`Challenge.fields`). Returns the session, or the next :class:`Challenge`."""

        async def go() -> CognitoUserSession | Challenge:
            if self.challenge is None:
                raise InvalidParameterError("there is no challenge to answer")
            return await self._answer(self.challenge, values, client_metadata)

        return self._sign_in(go(), callback)

    def _named_challenge(self, name: str) -> Challenge:
        """The current challenge when it is ``name``; else ``name`` with no parameters (the
        JS style: answer what the caller says, with the stored ``Session``)."""
        if self.challenge is not None and self.challenge.name == name:
            return self.challenge
        return Challenge(name)

    async def _answer(
        self,
        challenge: Challenge,
        values: Mapping[str, str],
        client_metadata: Mapping[str, str] | None,
    ) -> CognitoUserSession | Challenge:
        unit = unit_for(challenge.name)
        if unit is None:
            raise InvalidParameterError(f"this SDK cannot answer challenge {challenge.name}")
        reply = unit.answer(challenge, values)
        if reply.operation == "":  # a step inside the challenge: describe the next inputs
            return self._set_challenge(
                Challenge(challenge.name, challenge.parameters, step=reply.step)
            )
        if reply.operation == "AssociateSoftwareToken":
            return await self._associate_for_setup(challenge, reply.step)
        if reply.operation == "VerifySoftwareToken":
            return await self._finish_totp_setup(reply.responses)
        self._load_device_keys()
        answers = {"USERNAME": self.username, **reply.responses}
        if self.device_key and challenge.name in _DEVICE_KEY_CHALLENGES:
            answers["DEVICE_KEY"] = self.device_key
        data = await self._respond(challenge.name, answers, self.Session, client_metadata)
        return await dispatch(self, data, SignInContext(client_metadata=client_metadata))

    def _set_challenge(self, challenge: Challenge) -> Challenge:
        self.challenge = challenge
        self.challenge_name = challenge.name
        return challenge

    async def _prepare_challenge(self, challenge: Challenge) -> Challenge:
        """MFA_SETUP with TOTP as the only choice: associate the secret at once."""
        if (
            challenge.name == "MFA_SETUP"
            and MfaSetup().chosen(challenge) == "SOFTWARE_TOKEN_MFA"
            and not challenge.step.get("secret")
        ):
            return await self._associate_for_setup(challenge, {"mfa_type": "SOFTWARE_TOKEN_MFA"})
        return self._set_challenge(challenge)

    async def _associate_for_setup(self, challenge: Challenge, step: dict[str, str]) -> Challenge:
        data = await self.client.call("AssociateSoftwareToken", {"Session": self.Session})
        self.Session = data.get("Session") or self.Session
        secret = data.get("SecretCode")
        if not isinstance(secret, str) or not secret:
            raise InvalidResponseError("AssociateSoftwareToken answered no SecretCode")
        step = {**step, "secret": secret, "label": self.username}
        return self._set_challenge(Challenge(challenge.name, challenge.parameters, step=step))

    async def _finish_totp_setup(self, params: Mapping[str, str]) -> CognitoUserSession | Challenge:
        data = await self.client.call("VerifySoftwareToken", {"Session": self.Session, **params})
        self.Session = data.get("Session") or self.Session
        reply = await self._respond("MFA_SETUP", {"USERNAME": self.username}, self.Session, None)
        return await dispatch(self, reply, SignInContext())

    def send_custom_challenge_answer(
        self,
        answer_challenge: str,
        callback: Any = None,
        client_metadata: Mapping[str, str] | None = None,
    ) -> Awaitable[CognitoUserSession | Challenge]:
        """Answer a CUSTOM_CHALLENGE."""
        challenge = self._named_challenge("CUSTOM_CHALLENGE")
        coro = self._answer(challenge, {"answer": answer_challenge}, client_metadata)
        return self._sign_in(coro, callback)

    def send_mfa_code(
        self,
        confirmation_code: str,
        callback: Any = None,
        mfa_type: str | None = None,
        client_metadata: Mapping[str, str] | None = None,
    ) -> Awaitable[CognitoUserSession | Challenge]:
        """Answer SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP or SMS_OTP (default: the
        challenge just received, else SMS_MFA as the JS SDK)."""
        kind = mfa_type or (
            self.challenge_name if self.challenge_name in _MFA_CHALLENGES else "SMS_MFA"
        )
        challenge = self._named_challenge(kind)
        coro = self._answer(challenge, {"code": confirmation_code}, client_metadata)
        return self._sign_in(coro, callback)

    def send_mfa_selection_answer(
        self, answer_challenge: str, callback: Any = None
    ) -> Awaitable[CognitoUserSession | Challenge]:
        """Answer SELECT_MFA_TYPE with ``"SMS_MFA"``, ``"SOFTWARE_TOKEN_MFA"`` or
        ``"EMAIL_OTP"``."""
        challenge = self._named_challenge("SELECT_MFA_TYPE")
        coro = self._answer(challenge, {"mfa_type": answer_challenge}, None)
        return self._sign_in(coro, callback)

    def complete_new_password_challenge(
        self,
        new_password: str,
        required_attribute_data: Mapping[str, str] | None = None,
        callback: Any = None,
        client_metadata: Mapping[str, str] | None = None,
    ) -> Awaitable[CognitoUserSession | Challenge]:
        """Answer NEW_PASSWORD_REQUIRED with a new password and the required attributes."""

        async def go() -> CognitoUserSession | Challenge:
            if not new_password:
                raise InvalidParameterError("New password is required.")
            values = {**(required_attribute_data or {}), "new_password": new_password}
            challenge = self._named_challenge("NEW_PASSWORD_REQUIRED")
            return await self._answer(challenge, values, client_metadata)

        return self._sign_in(go(), callback)

    # ---- MFA --------------------------------------------------------------------------

    def associate_software_token(self, callback: Any = None) -> Awaitable[str]:
        """AssociateSoftwareToken: returns the TOTP secret (during MFA_SETUP or signed in).

        During MFA_SETUP the SDK has usually associated the secret already (it is the
        challenge's ``secret`` field): that secret is returned without another request."""

        async def go() -> str:
            if self._has_valid_session():
                data = await self._authed("AssociateSoftwareToken", {})
                return str(data.get("SecretCode", ""))
            challenge = self._named_challenge("MFA_SETUP")
            if not challenge.step.get("secret"):
                step = {"mfa_type": "SOFTWARE_TOKEN_MFA"}
                challenge = await self._associate_for_setup(challenge, step)
            return challenge.step["secret"]

        async def deliver(cb: Any, secret: str) -> None:
            fn = get_handler(cb, "associate_secret_code")
            if fn is not None:
                await invoke(fn, secret)
            else:
                await deliver_success(cb, secret)

        return run_with_callback(go(), callback, deliver)

    def verify_software_token(
        self, totp_code: str, friendly_device_name: str | None = None, callback: Any = None
    ) -> Awaitable[Any]:
        """VerifySoftwareToken. During MFA_SETUP this finishes the sign-in and returns the
        session; when signed in it returns the service's answer (``{"Status": ...}``)."""

        async def go() -> Any:
            params = {"UserCode": totp_code, "FriendlyDeviceName": friendly_device_name}
            if self._has_valid_session():
                return await self._authed("VerifySoftwareToken", params)
            return await self._finish_totp_setup({k: v for k, v in params.items() if v})

        return run_with_callback(go(), callback, self._auth_deliver())

    def set_user_mfa_preference(
        self,
        sms_mfa_settings: Mapping[str, bool] | None,
        software_token_mfa_settings: Mapping[str, bool] | None,
        callback: Any = None,
    ) -> Awaitable[str]:
        """SetUserMFAPreference, e.g. ``({"PreferredMfa": True, "Enabled": True}, None)``."""
        return run_with_callback(
            self._simple_authed(
                "SetUserMFAPreference",
                {
                    "SMSMfaSettings": sms_mfa_settings,
                    "SoftwareTokenMfaSettings": software_token_mfa_settings,
                },
            ),
            callback,
        )

    def enable_mfa(self, callback: Any = None) -> Awaitable[str]:
        """SMS MFA on (legacy SetUserSettings)."""
        options = [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]
        return run_with_callback(
            self._simple_authed("SetUserSettings", {"MFAOptions": options}), callback
        )

    def disable_mfa(self, callback: Any = None) -> Awaitable[str]:
        """SMS MFA off (legacy SetUserSettings with no options)."""
        return run_with_callback(
            self._simple_authed("SetUserSettings", {"MFAOptions": []}), callback
        )

    def get_mfa_options(self, callback: Any = None) -> Awaitable[list[dict[str, str]] | None]:
        """The legacy MFAOptions from GetUser."""

        async def go() -> list[dict[str, str]] | None:
            data = await self._authed("GetUser", {})
            return data.get("MFAOptions")

        return run_with_callback(go(), callback)

    # ---- session ----------------------------------------------------------------------

    def _has_valid_session(self) -> bool:
        session = self.sign_in_user_session
        return session is not None and session.is_valid(self.pool.clock())

    def get_session(
        self, callback: Any = None, client_metadata: Mapping[str, str] | None = None
    ) -> Awaitable[CognitoUserSession]:
        """The valid session: from memory, from storage, or refreshed when expired.

        Concurrent calls share one refresh request.
        """

        async def go() -> CognitoUserSession:
            if not self.username:
                raise NotAuthenticatedError("Username is null. Cannot retrieve a new session")
            if self._has_valid_session():
                return self.sign_in_user_session  # type: ignore[return-value]
            cached = self._read_cached_session()
            if cached is None:
                raise NotAuthenticatedError(
                    "Local storage is missing an ID Token, Please authenticate"
                )
            if cached.is_valid(self.pool.clock()):
                self.sign_in_user_session = cached
                return cached
            token = cached.get_refresh_token().get_token()
            if not token:
                raise NotAuthenticatedError("Cannot retrieve a new session. Please authenticate.")
            return await self._refresh(token, client_metadata)

        return run_with_callback(go(), callback)

    def refresh_session(
        self,
        refresh_token: CognitoRefreshToken | str,
        callback: Any = None,
        client_metadata: Mapping[str, str] | None = None,
    ) -> Awaitable[CognitoUserSession]:
        """REFRESH_TOKEN_AUTH. Keeps the old refresh token when none comes back; a
        NotAuthorizedException (expired or revoked token) clears the cached user."""
        token = (
            refresh_token.get_token()
            if isinstance(refresh_token, CognitoRefreshToken)
            else str(refresh_token)
        )
        return run_with_callback(self._refresh(token, client_metadata), callback)

    async def _refresh(
        self, token: str, client_metadata: Mapping[str, str] | None
    ) -> CognitoUserSession:
        key = (id(asyncio.get_running_loop()), self.pool.get_client_id(), token)
        flights = _REFRESHES
        task = flights.get(key)
        if task is None:
            task = asyncio.ensure_future(self._refresh_request(token, client_metadata))
            flights[key] = task

            def done(t: asyncio.Task[CognitoUserSession]) -> None:
                if flights.get(key) is t:
                    del flights[key]
                if not t.cancelled():
                    t.exception()  # mark retrieved: every waiter gets it re-raised

            task.add_done_callback(done)
        # shield: one caller giving up must not cancel the refresh the others wait on.
        session = await asyncio.shield(task)
        self.sign_in_user_session = session
        return session

    async def _refresh_request(
        self, token: str, client_metadata: Mapping[str, str] | None
    ) -> CognitoUserSession:
        params: dict[str, str] = {"REFRESH_TOKEN": token}
        device_key = self.storage.get_item(self._key("deviceKey"))
        if device_key:
            params["DEVICE_KEY"] = device_key
        try:
            data = await self._initiate("REFRESH_TOKEN_AUTH", params, client_metadata)
        except NotAuthorizedException:
            self.sign_in_user_session = None
            if self._stored_refresh_token() in (token, None):
                self._clear_cached_user()
            raise
        result = data.get("AuthenticationResult")
        if not isinstance(result, dict):
            raise InvalidResponseError("REFRESH_TOKEN_AUTH answered no AuthenticationResult")
        result = {"RefreshToken": token, **{k: v for k, v in result.items() if v}}
        session = self._session_from_result(result)
        # A sign-in that happened while this refresh was in flight stored a newer session:
        # keep it rather than overwrite it with this one.
        if self._stored_refresh_token() in (token, None):
            self._cache_tokens(session)
        return session

    def _stored_refresh_token(self) -> str | None:
        return self.storage.get_item(self._key("refreshToken"))

    # ---- attributes -------------------------------------------------------------------

    def get_user_attributes(self, callback: Any = None) -> Awaitable[list[CognitoUserAttribute]]:
        """GetUser's attributes as :class:`CognitoUserAttribute` objects."""

        async def go() -> list[CognitoUserAttribute]:
            data = await self._authed("GetUser", {})
            return [CognitoUserAttribute(a) for a in data.get("UserAttributes", [])]

        return run_with_callback(go(), callback)

    def get_user_data(
        self, callback: Any = None, bypass_cache: bool = False
    ) -> Awaitable[dict[str, Any]]:
        """GetUser's whole answer, cached under ``.userData``.

        ``bypass_cache=True`` fetches it again and, when data was cached (as the JS SDK),
        refreshes the session too, so the ID token carries changed attributes."""

        async def go() -> dict[str, Any]:
            if not self._has_valid_session():
                self.storage.remove_item(self._key("userData"))
            cached = self.storage.get_item(self._key("userData"))
            if cached and not bypass_cache and self._has_valid_session():
                try:
                    value = json.loads(cached)
                    if isinstance(value, dict):
                        return value
                except ValueError:
                    pass
                self.storage.remove_item(self._key("userData"))
            data = await self._authed("GetUser", {})
            self.storage.set_item(self._key("userData"), json.dumps(data))
            if bypass_cache and cached:
                await self._refresh_if_possible()
            return data

        return run_with_callback(go(), callback)

    async def _refresh_if_possible(self) -> None:
        session = self.sign_in_user_session
        token = session.get_refresh_token().get_token() if session else ""
        if token:
            # Best effort, as the JS SDK: the data itself was fetched.
            with contextlib.suppress(CognitoError):
                await self._refresh(token, None)

    def update_attributes(
        self,
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

    async def _best_effort_user_data(self) -> None:
        try:
            await self.get_user_data(bypass_cache=True)
        except CognitoError:
            self.storage.remove_item(self._key("userData"))

    def delete_attributes(self, attribute_list: list[str], callback: Any = None) -> Awaitable[str]:
        """DeleteUserAttributes by name. Returns ``"SUCCESS"``."""

        async def go() -> str:
            await self._authed("DeleteUserAttributes", {"UserAttributeNames": attribute_list})
            await self._best_effort_user_data()
            return SUCCESS

        return run_with_callback(go(), callback)

    def get_attribute_verification_code(
        self,
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
        self, attribute_name: str, confirmation_code: str, callback: Any = None
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
        self,
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
        self, callback: Any = None, client_metadata: Mapping[str, str] | None = None
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
        self,
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
        self, callback: Any = None, client_metadata: Mapping[str, str] | None = None
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

    # ---- sign-out ---------------------------------------------------------------------

    def sign_out(self, callback: Any = None, revoke: bool = True) -> Awaitable[None]:
        """Revoke the refresh token (when the access token has ``origin_jti``) and clear
        the cached tokens; device keys stay. The local sign-out happens even if the
        revocation fails (the error is then raised, or given to ``callback(err)``)."""

        async def go() -> None:
            error: CognitoError | None = None
            if revoke:
                try:
                    await self._revoke_tokens()
                except NotAuthenticatedError:
                    pass  # nothing to revoke
                except CognitoError as err:
                    error = err
            self.sign_in_user_session = None
            self._clear_cached_user()
            if error is not None:
                raise error

        # JS: signOut(callback) calls callback(err) or callback(); invoke() drops the
        # result argument a one-argument callback cannot take.
        return run_with_callback(go(), callback)

    async def _revoke_tokens(self) -> None:
        session = self.sign_in_user_session
        if session is None:
            session = self._read_cached_session()
        if session is None:
            raise NotAuthenticatedError("User is not authenticated")
        token = session.get_refresh_token().get_token()
        try:
            revocable = bool(session.get_access_token().decode_payload().get("origin_jti"))
        except CognitoError:
            revocable = False
        if revocable and token:
            await self.client.call(
                "RevokeToken",
                {
                    "Token": token,
                    "ClientId": self.pool.get_client_id(),
                    "ClientSecret": self.pool.client_secret,
                },
            )

    def global_sign_out(self, callback: Any = None) -> Awaitable[str]:
        """GlobalSignOut (every token of the user, everywhere), then clear the cache."""

        async def go() -> str:
            await self._authed("GlobalSignOut", {})
            self._clear_cached_user()
            self.sign_in_user_session = None
            return SUCCESS

        return run_with_callback(go(), callback)

    # ---- devices ----------------------------------------------------------------------

    def _own_device_key(self) -> str:
        if not self.device_key:
            self._load_device_keys()
        if not self.device_key:
            raise InvalidParameterError("no device is remembered for this user")
        return self.device_key

    def list_devices(
        self, limit: int = 60, pagination_token: str | None = None, callback: Any = None
    ) -> Awaitable[dict[str, Any]]:
        """ListDevices: ``{"Devices": [...], "PaginationToken": ...}``."""
        return run_with_callback(
            self._authed("ListDevices", {"Limit": limit, "PaginationToken": pagination_token}),
            callback,
        )

    def get_device(self, callback: Any = None) -> Awaitable[dict[str, Any]]:
        """GetDevice for this user's remembered device."""

        async def go() -> dict[str, Any]:
            return await self._authed("GetDevice", {"DeviceKey": self._own_device_key()})

        return run_with_callback(go(), callback)

    def _device_status(self, status: str, callback: Any) -> Awaitable[str]:
        async def go() -> str:
            return await self._simple_authed(
                "UpdateDeviceStatus",
                {"DeviceKey": self._own_device_key(), "DeviceRememberedStatus": status},
            )

        return run_with_callback(go(), callback)

    def set_device_status_remembered(self, callback: Any = None) -> Awaitable[str]:
        """Mark this device remembered."""
        return self._device_status("remembered", callback)

    def set_device_status_not_remembered(self, callback: Any = None) -> Awaitable[str]:
        """Mark this device not remembered."""
        return self._device_status("not_remembered", callback)

    def forget_specific_device(self, device_key: str, callback: Any = None) -> Awaitable[str]:
        """ForgetDevice by key (our own stored keys go too when it is this device)."""

        async def go() -> str:
            await self._authed("ForgetDevice", {"DeviceKey": device_key})
            if device_key == self.storage.get_item(self._key("deviceKey")):
                self._clear_device_keys()
            return SUCCESS

        return run_with_callback(go(), callback)

    def forget_device(self, callback: Any = None) -> Awaitable[str]:
        """ForgetDevice for this device, and drop its stored keys."""

        async def go() -> str:
            await self._authed("ForgetDevice", {"DeviceKey": self._own_device_key()})
            self._clear_device_keys()
            return SUCCESS

        return run_with_callback(go(), callback)

    def __repr__(self) -> str:
        return f"CognitoUser({self.username!r}, pool={self.pool.get_user_pool_id()!r})"


def _details(value: AuthenticationDetails | Mapping[str, Any]) -> AuthenticationDetails:
    return value if isinstance(value, AuthenticationDetails) else AuthenticationDetails(value)


def _verification_deliver(success_value: Any) -> Any:
    """``input_verification_code(data)`` when the handler has it, else ``on_success``."""

    async def deliver(callback: Any, data: Any) -> None:
        fn = None if is_node_style(callback) else get_handler(callback, "input_verification_code")
        if fn is not None:
            await invoke(fn, data)
        else:
            await deliver_success(callback, data if success_value is None else success_value)

    return deliver
