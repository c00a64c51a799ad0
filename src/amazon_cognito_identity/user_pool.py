"""``CognitoUserPool``: a user pool + app client, sign-up and the current user."""

from __future__ import annotations

import base64
import hashlib
import hmac
import sys
import time
import warnings
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .attributes import attribute_list
from .client import Client, RetryPolicy
from .engine import PoolInfo
from .errors import InvalidParameterError
from .events import Events
from .handlers import run_with_callback
from .ids import region_from_pool_id, validate_pool_id
from .runtime import default_storage, get_js, is_pyodide
from .storage import StorageKeys
from .tabs import follow_other_tabs
from .transport import Transport, http_fetch
from .wire import USER_AGENT

if TYPE_CHECKING:
    from .storage import Storage
    from .user import CognitoUser

__all__ = ["CognitoUserPool", "SignUpResult"]


@dataclass
class SignUpResult:
    """What ``sign_up`` gives back (JS: user, userConfirmed, userSub, codeDeliveryDetails)."""

    user: CognitoUser
    user_confirmed: bool
    user_sub: str | None
    code_delivery_details: dict[str, Any] | None
    #: SignUp's Session (kept on ``user`` too): ConfirmSignUp takes it back, and once the user
    #: is confirmed :meth:`~.user.CognitoUser.auto_sign_in` signs in with it.
    session: str | None = None


class CognitoUserPool:
    """A Cognito user pool seen through one app client.

    ``CognitoUserPool(user_pool_id="us-east-1_abc", client_id="...")`` or the JS form
    ``CognitoUserPool({"UserPoolId": ..., "ClientId": ..., "endpoint": ..., "Storage": ...})``.

    Args:
        user_pool_id: ``<region>_<name>``; the region picks the endpoint.
        client_id: the app client id.
        endpoint: URL override (e.g. the local emulator).
        storage: where sessions are kept; per-instance memory on CPython, localStorage in
            the browser, when None.
        client_secret: for app clients with a secret (server-side use only: a secret in a
            browser is not secret, so this warns under Pyodide).
        transport, retry, timeout: passed to the :class:`~amazon_cognito_identity.client.Client`.
        advanced_security_data_collection_flag: send UserContextData when the page defines
            ``AmazonCognitoAdvancedSecurityData`` (JS default: True).
        advanced_security_data: an object with ``getData(username, pool_id, client_id)``
            to use instead of the page's global (CPython callers, tests).
        device_name: the DeviceName given to ConfirmDevice (default: the browser's user
            agent, or ``python/<platform>``).
        clock: returns the current Unix time in seconds; every "now" of the SDK (session
            validity, clock drift, the SRP TIMESTAMP, expiry checks before calls) reads it.
            Default: ``time.time``.
        refresh_token_rotation: True when the app client rotates refresh tokens: refreshes
            use GetTokensFromRefreshToken (and keep the new refresh token it returns). None
            (default): REFRESH_TOKEN_AUTH, switching once the service refuses it for a
            rotating client. False: always REFRESH_TOKEN_AUTH.
    """

    def __init__(
        self,
        user_pool_id: str | Mapping[str, Any] | None = None,
        client_id: str | None = None,
        endpoint: str | None = None,
        storage: Storage | None = None,
        client_secret: str | None = None,
        *,
        transport: Transport | None = None,
        retry: RetryPolicy | None = None,
        timeout: float | None = None,
        advanced_security_data_collection_flag: bool = True,
        advanced_security_data: Any = None,
        device_name: str | None = None,
        user_agent: str = USER_AGENT,
        clock: Callable[[], float] | None = None,
        refresh_token_rotation: bool | None = None,
    ) -> None:
        if isinstance(user_pool_id, Mapping):
            data = user_pool_id
            user_pool_id = data.get("UserPoolId")
            client_id = data.get("ClientId", client_id)
            endpoint = data.get("endpoint", endpoint)
            storage = data.get("Storage", storage)
            client_secret = data.get("ClientSecret", client_secret)
            advanced_security_data_collection_flag = (
                data.get("AdvancedSecurityDataCollectionFlag") is not False
            )
        if not user_pool_id or not client_id:
            raise InvalidParameterError("Both UserPoolId and ClientId are required.")
        self.user_pool_id: str = validate_pool_id(user_pool_id)
        self.client_id: str = client_id
        self.client_secret = client_secret
        if client_secret and is_pyodide():
            warnings.warn(
                "a client secret in a browser is visible to every visitor; use an app client "
                "without a secret for public clients",
                stacklevel=2,
            )
        self.client = Client(
            region_from_pool_id(self.user_pool_id),
            endpoint,
            transport,
            user_agent,
            retry,
            timeout=timeout,
        )
        self.storage: Storage = storage if storage is not None else default_storage()
        self.advanced_security_data_collection_flag = advanced_security_data_collection_flag
        self.advanced_security_data = advanced_security_data
        self.device_name = device_name or _default_device_name()
        #: The pool's clock (Unix seconds); see the ``clock`` argument.
        self.clock: Callable[[], float] = clock if clock is not None else time.time
        #: See the ``refresh_token_rotation`` argument (None: not known yet).
        self.refresh_token_rotation: bool | None = refresh_token_rotation
        #: The pool's auth events (``subscribe(name, listener)``); see :mod:`.events`.
        self.events = Events()
        follow_other_tabs(self)

    def get_user_pool_id(self) -> str:
        """The pool id."""
        return self.user_pool_id

    def get_user_pool_name(self) -> str:
        """The part of the pool id after ``_`` (SRP's pool name)."""
        return self.user_pool_id.split("_", 1)[1]

    def get_client_id(self) -> str:
        """The app client id."""
        return self.client_id

    def info(self) -> PoolInfo:
        """What the sign-in engine needs of this pool (no client, no storage)."""
        return PoolInfo(
            client_id=self.client_id,
            pool_name=self.get_user_pool_name(),
            secret_hash=self.secret_hash,
            context_data=self.get_user_context_data,
            device_name=self.device_name,
            clock=self.clock,
        )

    def secret_hash(self, username: str) -> str | None:
        """SECRET_HASH for ``username``, or None when the client has no secret."""
        if not self.client_secret:
            return None
        digest = hmac.new(
            self.client_secret.encode(), (username + self.client_id).encode(), hashlib.sha256
        ).digest()
        return base64.b64encode(digest).decode("ascii")

    def get_user_context_data(self, username: str | None) -> dict[str, str] | None:
        """``{"EncodedData": ...}`` from ``AmazonCognitoAdvancedSecurityData.getData`` when
        the page defines it (and collection is on); None otherwise."""
        if not self.advanced_security_data_collection_flag:
            return None
        source = self.advanced_security_data
        if source is None:
            js = get_js()
            source = getattr(js, "AmazonCognitoAdvancedSecurityData", None) if js else None
        if source is None:
            return None
        get_data = getattr(source, "getData", None) or getattr(source, "get_data", None)
        if get_data is None:
            return None
        encoded = get_data(username, self.user_pool_id, self.client_id)
        return {"EncodedData": str(encoded)} if encoded else None

    def sign_up(
        self,
        username: str,
        password: str,
        user_attributes: Any = None,
        validation_data: Any = None,
        callback: Any = None,
        client_metadata: Mapping[str, str] | None = None,
    ) -> Awaitable[SignUpResult]:
        """Register a user (SignUp). Returns a :class:`SignUpResult`.

        Attributes may be :class:`~amazon_cognito_identity.attributes.CognitoUserAttribute`
        objects, ``{"Name", "Value"}`` dicts or a ``{name: value}`` mapping.
        """
        return run_with_callback(
            self._sign_up(username, password, user_attributes, validation_data, client_metadata),
            callback,
        )

    async def _sign_up(
        self,
        username: str,
        password: str,
        user_attributes: Any,
        validation_data: Any,
        client_metadata: Mapping[str, str] | None,
    ) -> SignUpResult:
        from .user import CognitoUser

        params: dict[str, Any] = {
            "ClientId": self.client_id,
            "Username": username,
            "Password": password,
            "UserAttributes": attribute_list(user_attributes),
            "ValidationData": attribute_list(validation_data),
            "ClientMetadata": dict(client_metadata) if client_metadata else None,
            "SecretHash": self.secret_hash(username),
            "UserContextData": self.get_user_context_data(username),
        }
        data = await self.client.call("SignUp", params)
        session = data.get("Session")
        user = CognitoUser(username, self, storage=self.storage)
        user.auto_sign_in_session = session if isinstance(session, str) and session else None
        return SignUpResult(
            user=user,
            user_confirmed=bool(data.get("UserConfirmed")),
            user_sub=data.get("UserSub"),
            code_delivery_details=data.get("CodeDeliveryDetails"),
            session=user.auto_sign_in_session,
        )

    async def verify_token(
        self,
        token: str,
        token_use: str = "id",  # noqa: S107 - a claim value
        **options: Any,
    ) -> dict[str, Any]:
        """:func:`~amazon_cognito_identity.verify.verify_token` for this pool and app client,
        the JWKS fetched over this pool's transport (``options``: ``issuer``, ``cache``,
        ``backend``, ``leeway``... as there). Returns the verified claims."""
        from .verify import verify_token  # an optional part of the browser build

        options.setdefault("fetch", http_fetch(self.client.transport))
        return await verify_token(
            token,
            user_pool_id=self.user_pool_id,
            client_id=self.client_id,
            token_use=token_use,
            **options,
        )

    def get_current_user(self) -> CognitoUser | None:
        """The last user who signed in on this storage (``LastAuthUser``), or None."""
        from .user import CognitoUser

        last = self.storage.get_item(StorageKeys(self.client_id).last_auth_user)
        return CognitoUser(last, self, storage=self.storage) if last else None

    def __repr__(self) -> str:
        return f"CognitoUserPool({self.user_pool_id!r}, client_id={self.client_id!r})"


def _default_device_name() -> str:
    js = get_js()
    navigator = getattr(js, "navigator", None) if js else None
    agent = getattr(navigator, "userAgent", None) if navigator else None
    if agent:
        return str(agent)
    return f"python/{sys.platform}"
