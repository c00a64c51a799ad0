"""``CognitoUser``: every user operation of amazon-cognito-identity-js, async.

Each public method returns an awaitable. ``await user.method(...)`` gives the result or
raises a typed :class:`~amazon_cognito_identity.errors.CognitoError`; passing a JS-style
``callback`` (handler object, mapping or ``callback(err, result)``) instead delivers the
outcome to it (see :mod:`amazon_cognito_identity.handlers`). Sign-in methods return a
:class:`~amazon_cognito_identity.tokens.CognitoUserSession`, or a
:class:`~amazon_cognito_identity.challenges.Challenge` to answer with :meth:`CognitoUser.answer`
(or the matching JS-named method).

The sign-in itself is :class:`~amazon_cognito_identity.engine.SignIn` (pure) driven by
:func:`~amazon_cognito_identity.signin.drive`; what is stored goes through
:class:`~amazon_cognito_identity.session_store.SessionStore`.
"""

from __future__ import annotations

import asyncio
import contextlib
import warnings
from collections.abc import Awaitable, Generator, Mapping
from typing import TYPE_CHECKING, Any

from . import engine as _engine
from .aio import SingleFlight
from .attributes import AuthenticationDetails
from .challenges import Challenge
from .engine import Done, SignIn, refresh_request, session_from_result
from .errors import (
    CognitoError,
    InvalidParameterError,
    InvalidResponseError,
    NotAuthenticatedError,
    NotAuthorizedException,
)
from .handlers import deliver_auth, deliver_success, get_handler, invoke, run_with_callback
from .session_store import SessionStore
from .signin import drive
from .tokens import CognitoRefreshToken, CognitoUserSession
from .user_account import AccountOperations

if TYPE_CHECKING:
    from .storage import Storage
    from .user_pool import CognitoUserPool

__all__ = ["AUTH_FLOWS", "CognitoUser"]

#: The flows ``authenticate_user`` knows (see :data:`.engine.AUTH_FLOWS`).
AUTH_FLOWS = tuple(_engine.AUTH_FLOWS)
_MFA_CHALLENGES = ("SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP", "SMS_OTP")

# In-flight refreshes by (client id, refresh token), per event loop: concurrent get_session
# / refresh_session calls - from any CognitoUser or pool object - share one request.
_REFRESHES: SingleFlight[CognitoUserSession] = SingleFlight()

SignInResult = CognitoUserSession | Challenge


class CognitoUser(AccountOperations):
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
        self.store = SessionStore(self.storage, pool.get_client_id(), pool.clock)
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
        self._engine: SignIn | None = None

    # ---- stored state ------------------------------------------------------------------

    def _load_device_keys(self) -> None:
        keys = self.store.device_keys(self.username)
        self.device_key = keys.key if keys else None
        self.device_group_key = (keys.group_key if keys else None) or None
        self.random_password = (keys.password if keys else None) or None

    def _clear_device_keys(self) -> None:
        self.device_key = self.device_group_key = self.random_password = None
        self.store.clear_device(self.username)

    def _clear_cached_user(self) -> None:
        self.store.clear_user(self.username)

    def _read_cached_session(self) -> CognitoUserSession | None:
        return self.store.read_session(self.username)

    # ---- request helpers --------------------------------------------------------------

    def _context(self) -> dict[str, str] | None:
        return self.pool.get_user_context_data(self.username)

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

    def _sign_in(self, coro: Any, callback: Any) -> Awaitable[SignInResult]:
        async def deliver(cb: Any, result: Any) -> None:
            if isinstance(result, Challenge):
                await deliver_auth(cb, result)
            elif self.user_confirmation_necessary:
                await deliver_success(cb, result, True)
            else:
                await deliver_success(cb, result)

        return run_with_callback(coro, callback, deliver)

    # ---- plain accessors --------------------------------------------------------------

    def get_username(self) -> str:
        """The username (USER_ID_FOR_SRP after an SRP sign-in)."""
        return self.username

    def get_sign_in_user_session(self) -> CognitoUserSession | None:
        """The session of the last sign-in or refresh, if any."""
        return self.sign_in_user_session

    def set_sign_in_user_session(self, session: CognitoUserSession) -> None:
        """Adopt ``session`` and cache it (clears the cached user data)."""
        self.store.remove_user_data(self.username)
        self.store.save_session(self.username, session)
        self.sign_in_user_session = session

    def get_authentication_flow_type(self) -> str:
        """USER_SRP_AUTH (default), USER_PASSWORD_AUTH or CUSTOM_AUTH."""
        return self.authentication_flow_type

    def set_authentication_flow_type(self, flow: str) -> None:
        """Pick the flow ``authenticate_user`` uses."""
        self.authentication_flow_type = flow

    # ---- sign-in ----------------------------------------------------------------------

    def _new_engine(self) -> SignIn:
        self._engine = SignIn(self.pool.info(), self.username, self.store.device_keys)
        return self._engine

    async def _run(self, engine: SignIn, step: _engine.Step) -> SignInResult:
        """Drive ``engine`` from ``step``; keep what it gives (challenge or session)."""
        try:
            outcome = await drive(self.client, engine, step, self.store.clear_device)
        finally:
            self.username = engine.username
            self.Session = engine.session
        if isinstance(outcome, Challenge):
            self.challenge, self.challenge_name = outcome, outcome.name
            return outcome
        return self._signed_in(outcome)

    def _signed_in(self, done: Done) -> CognitoUserSession:
        self._engine = None
        self.challenge = self.challenge_name = self.Session = None
        self.user_confirmation_necessary = done.user_confirmation_necessary
        if done.device_error is not None:
            warnings.warn(
                f"ConfirmDevice failed, device not remembered: {done.device_error}", stacklevel=2
            )
            self.device_error = done.device_error
        self.store.commit_sign_in(done.username, done.session, done.new_device)
        self._load_device_keys()
        self.sign_in_user_session = done.session
        return done.session

    def authenticate_user(
        self, auth_details: AuthenticationDetails | Mapping[str, Any], callback: Any = None
    ) -> Awaitable[SignInResult]:
        """Sign in with the flow set by ``set_authentication_flow_type`` (SRP by default).

        Returns the session, or a :class:`Challenge` (MFA, new password, custom...).
        A wrong password raises NotAuthorizedException.
        """
        details = _details(auth_details)

        async def go() -> SignInResult:
            engine = self._new_engine()
            step = engine.start(
                self.authentication_flow_type,
                password=details.get_password() or "",
                client_metadata=details.sign_in_metadata(),
            )
            return await self._run(engine, step)

        return self._sign_in(go(), callback)

    def initiate_auth(
        self, auth_details: AuthenticationDetails | Mapping[str, Any], callback: Any = None
    ) -> Awaitable[SignInResult]:
        """CUSTOM_AUTH without SRP: InitiateAuth with the details' AuthParameters."""
        details = _details(auth_details)

        async def go() -> SignInResult:
            engine = self._new_engine()
            step = engine.start(
                "CUSTOM_AUTH",
                auth_parameters=details.get_auth_parameters(),
                client_metadata=details.sign_in_metadata(),
            )
            return await self._run(engine, step)

        return self._sign_in(go(), callback)

    def answer(
        self,
        values: Mapping[str, str],
        client_metadata: Mapping[str, str] | None = None,
        callback: Any = None,
    ) -> Awaitable[SignInResult]:
        """Answer the current challenge with ``{field name: value}`` (see
        :attr:`Challenge.fields`). Returns the session, or the next :class:`Challenge`."""

        async def go() -> SignInResult:
            if self.challenge is None:
                raise InvalidParameterError("there is no challenge to answer")
            return await self._answer(self.challenge.name, values, client_metadata)

        return self._sign_in(go(), callback)

    def _engine_at(self, name: str) -> SignIn:
        """The engine waiting at challenge ``name``: the current one, or (JS style: answer
        what the caller names, with the stored ``Session``) a new one resumed there."""
        engine = self._engine
        if engine is None or engine.challenge is None or engine.challenge.name != name:
            engine = self._new_engine()
            engine.resume(name, self.Session)
        engine.session = self.Session  # the JS SDK's user.Session is the caller's to set
        return engine

    async def _answer(
        self, name: str, values: Mapping[str, str], client_metadata: Mapping[str, str] | None
    ) -> SignInResult:
        engine = self._engine_at(name)
        return await self._run(engine, engine.answer(values, client_metadata))

    def send_custom_challenge_answer(
        self,
        answer_challenge: str,
        callback: Any = None,
        client_metadata: Mapping[str, str] | None = None,
    ) -> Awaitable[SignInResult]:
        """Answer a CUSTOM_CHALLENGE."""
        coro = self._answer("CUSTOM_CHALLENGE", {"answer": answer_challenge}, client_metadata)
        return self._sign_in(coro, callback)

    def send_mfa_code(
        self,
        confirmation_code: str,
        callback: Any = None,
        mfa_type: str | None = None,
        client_metadata: Mapping[str, str] | None = None,
    ) -> Awaitable[SignInResult]:
        """Answer SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP or SMS_OTP (default: the
        challenge just received, else SMS_MFA as the JS SDK)."""
        kind = mfa_type or (
            self.challenge_name if self.challenge_name in _MFA_CHALLENGES else "SMS_MFA"
        )
        coro = self._answer(kind, {"code": confirmation_code}, client_metadata)
        return self._sign_in(coro, callback)

    def send_mfa_selection_answer(
        self, answer_challenge: str, callback: Any = None
    ) -> Awaitable[SignInResult]:
        """Answer SELECT_MFA_TYPE with ``"SMS_MFA"``, ``"SOFTWARE_TOKEN_MFA"`` or
        ``"EMAIL_OTP"``."""
        coro = self._answer("SELECT_MFA_TYPE", {"mfa_type": answer_challenge}, None)
        return self._sign_in(coro, callback)

    def complete_new_password_challenge(
        self,
        new_password: str,
        required_attribute_data: Mapping[str, str] | None = None,
        callback: Any = None,
        client_metadata: Mapping[str, str] | None = None,
    ) -> Awaitable[SignInResult]:
        """Answer NEW_PASSWORD_REQUIRED with a new password and the required attributes."""

        async def go() -> SignInResult:
            if not new_password:
                raise InvalidParameterError("New password is required.")
            values = {**(required_attribute_data or {}), "new_password": new_password}
            return await self._answer("NEW_PASSWORD_REQUIRED", values, client_metadata)

        return self._sign_in(go(), callback)

    # ---- TOTP set-up ---------------------------------------------------------------------

    def _in_mfa_setup(self) -> bool:
        """True while a sign-in waits at MFA_SETUP (not signed in yet)."""
        if self.challenge is not None:
            return self.challenge.name == "MFA_SETUP"
        return self.sign_in_user_session is None and self.Session is not None

    def associate_software_token(self, callback: Any = None) -> Awaitable[str]:
        """AssociateSoftwareToken: returns the TOTP secret (during MFA_SETUP or signed in;
        an expired session is refreshed first).

        During MFA_SETUP the SDK has usually associated the secret already (it is the
        challenge's ``secret`` field): that secret is returned without another request."""

        async def go() -> str:
            if not self._in_mfa_setup():
                data = await self._authed("AssociateSoftwareToken", {})
                return str(data.get("SecretCode", ""))
            engine = self._engine_at("MFA_SETUP")
            challenge = engine.challenge
            if challenge is None or not challenge.step.get("secret"):
                challenge = await self._run(engine, engine.associate_software_token())  # type: ignore[assignment]
            if not isinstance(challenge, Challenge) or not challenge.step.get("secret"):
                raise InvalidResponseError("AssociateSoftwareToken gave no secret")
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
        session; when signed in (an expired session is refreshed first) it returns the
        service's answer (``{"Status": ...}``)."""

        async def go() -> Any:
            if not self._in_mfa_setup():
                params = {"UserCode": totp_code, "FriendlyDeviceName": friendly_device_name}
                return await self._authed("VerifySoftwareToken", params)
            engine = self._engine_at("MFA_SETUP")
            return await self._run(
                engine, engine.verify_software_token(totp_code, friendly_device_name)
            )

        return self._sign_in(go(), callback)

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
            session = self.sign_in_user_session
            if session is not None and session.is_valid(self.pool.clock()):
                return session
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
        key = (self.pool.get_client_id(), token)
        session = await _REFRESHES.run(key, lambda: self._refresh_request(token, client_metadata))
        self.sign_in_user_session = session
        return session

    async def _refresh_request(
        self, token: str, client_metadata: Mapping[str, str] | None
    ) -> CognitoUserSession:
        device = self.store.device_keys(self.username)
        request = refresh_request(
            self.pool.info(), self.username, token, device.key if device else None, client_metadata
        )
        try:
            data = await self.client.call(request.operation, request.params)
        except NotAuthorizedException:
            self.sign_in_user_session = None
            if self.store.refresh_token(self.username) in (token, None):
                self._clear_cached_user()
            raise
        result = data.get("AuthenticationResult")
        if not isinstance(result, dict):
            raise InvalidResponseError("REFRESH_TOKEN_AUTH answered no AuthenticationResult")
        result = {"RefreshToken": token, **{k: v for k, v in result.items() if v}}
        session = session_from_result(result, self.pool.clock())
        # A sign-in that happened while this refresh was in flight stored a newer session:
        # keep it rather than overwrite it with this one.
        if self.store.refresh_token(self.username) in (token, None):
            self.store.save_session(self.username, session)
        return session

    async def _refresh_if_possible(self) -> None:
        session = self.sign_in_user_session
        token = session.get_refresh_token().get_token() if session else ""
        if token:
            # Best effort, as the JS SDK: the data itself was fetched.
            with contextlib.suppress(CognitoError):
                await self._refresh(token, None)

    # ---- sign-out ---------------------------------------------------------------------

    def sign_out(self, callback: Any = None, revoke: bool = True) -> Awaitable[None]:
        """Sign out: the cached tokens are cleared at once, before this returns (device
        keys stay), as the JS SDK's ``signOut()``. The returned awaitable revokes the
        refresh token (when the access token has ``origin_jti``); in a running event loop
        the revocation starts even when it is not awaited. A failed revocation is raised
        by the awaitable, or given to ``callback(err)``."""
        session = self.sign_in_user_session or self._read_cached_session()
        self.sign_in_user_session = None
        self._clear_cached_user()

        async def go() -> None:
            if revoke and session is not None:
                await self._revoke_tokens(session)

        if callback is not None:
            # JS: signOut(callback) calls callback(err) or callback(); invoke() drops the
            # result argument a one-argument callback cannot take.
            return run_with_callback(go(), callback)
        return _Started(go) if revoke and session is not None else _Started(None)

    async def _revoke_tokens(self, session: CognitoUserSession) -> None:
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

    def __repr__(self) -> str:
        return f"CognitoUser({self.username!r}, pool={self.pool.get_user_pool_id()!r})"


class _Started:
    """An awaitable whose work starts at once in a running event loop (so it happens even
    when nobody awaits it), or on ``await`` when there is no loop yet."""

    def __init__(self, start: Any) -> None:
        self._start = start
        self._task: asyncio.Future[None] | None = None
        if start is None:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        self._task = asyncio.ensure_future(start())
        self._task.add_done_callback(_retrieved)

    def __await__(self) -> Generator[Any, None, None]:
        if self._task is None and self._start is not None:
            self._task = asyncio.ensure_future(self._start())
        if self._task is not None:
            yield from self._task.__await__()


def _retrieved(task: asyncio.Future[None]) -> None:
    if not task.cancelled():
        task.exception()


def _details(value: AuthenticationDetails | Mapping[str, Any]) -> AuthenticationDetails:
    return value if isinstance(value, AuthenticationDetails) else AuthenticationDetails(value)
