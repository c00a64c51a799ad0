"""The session store: the one owner of what the SDK keeps in a :class:`~.storage.Storage`.

Every key goes through :class:`~.storage.StorageKeys` (the JS SDK's names, so a page can
switch SDKs without signing users out). A session is written all or nothing, the
``LastAuthUser`` pointer last; reading a corrupt cache gives no session rather than an error.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .engine import DeviceKeys
from .errors import CognitoError, StorageError
from .storage import Storage, StorageKeys
from .tokens import CognitoAccessToken, CognitoIdToken, CognitoRefreshToken, CognitoUserSession

__all__ = ["SessionStore"]


class SessionStore:
    """Sessions, device keys and cached user data of one app client in ``storage``."""

    def __init__(self, storage: Storage, client_id: str, clock: Callable[[], float]) -> None:
        self.storage = storage
        self.client_id = client_id
        self.clock = clock

    def keys(self, username: str) -> StorageKeys:
        """The storage keys of ``username``."""
        return StorageKeys(self.client_id, username)

    def last_auth_user(self) -> str | None:
        """The user who signed in last on this storage, if any."""
        return self.storage.get_item(StorageKeys(self.client_id).last_auth_user)

    # ---- writing ---------------------------------------------------------------------------

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

    def _token_items(self, username: str, session: CognitoUserSession) -> list[tuple[str, str]]:
        keys = self.keys(username)
        return [
            (keys.id_token, session.get_id_token().get_jwt_token()),
            (keys.access_token, session.get_access_token().get_jwt_token()),
            (keys.refresh_token, session.get_refresh_token().get_token()),
            (keys.clock_drift, str(session.get_clock_drift())),
            (keys.last_auth_user, username),  # last: the session is whole
        ]

    def save_session(self, username: str, session: CognitoUserSession) -> None:
        """Store ``session`` as ``username``'s (all or nothing)."""
        self._write_all(self._token_items(username, session))

    def commit_sign_in(
        self, username: str, session: CognitoUserSession, device: DeviceKeys | None
    ) -> None:
        """Store a finished sign-in (tokens and a new device's keys) in one go."""
        keys = self.keys(username)
        items = []
        if device is not None:
            items = [
                (keys.device_key, device.key),
                (keys.device_group_key, device.group_key),
                (keys.random_password_key, device.password),
            ]
        self._write_all(items + self._token_items(username, session))
        self.storage.remove_item(keys.user_data)  # another sign-in: stale profile

    # ---- reading ---------------------------------------------------------------------------

    def read_session(self, username: str) -> CognitoUserSession | None:
        """The cached session of ``username``, or None (also for a corrupt cache)."""
        keys = self.keys(username)
        id_token = self.storage.get_item(keys.id_token)
        access_token = self.storage.get_item(keys.access_token)
        if not id_token or not access_token:
            return None
        try:
            drift = int(self.storage.get_item(keys.clock_drift) or 0)
        except ValueError:
            drift = 0
        try:
            return CognitoUserSession(
                id_token=CognitoIdToken(id_token),
                access_token=CognitoAccessToken(access_token),
                refresh_token=CognitoRefreshToken(self.refresh_token(username) or ""),
                clock_drift=drift,
            )
        except CognitoError:
            return None  # a corrupt cache is the same as none: sign in again

    def refresh_token(self, username: str) -> str | None:
        """The stored refresh token of ``username``."""
        return self.storage.get_item(self.keys(username).refresh_token)

    def device_keys(self, username: str) -> DeviceKeys | None:
        """The remembered device of ``username``, or None."""
        keys = self.keys(username)
        key = self.storage.get_item(keys.device_key)
        if not key:
            return None
        return DeviceKeys(
            key,
            self.storage.get_item(keys.device_group_key) or "",
            self.storage.get_item(keys.random_password_key) or "",
        )

    # ---- forgetting ------------------------------------------------------------------------

    def clear_device(self, username: str) -> None:
        """Forget the remembered device of ``username``."""
        keys = self.keys(username)
        for key in (keys.device_key, keys.random_password_key, keys.device_group_key):
            self.storage.remove_item(key)

    def clear_tokens(self, username: str) -> None:
        """Forget ``username``'s tokens (and LastAuthUser when it names them)."""
        keys = self.keys(username)
        for key in (keys.id_token, keys.access_token, keys.refresh_token, keys.clock_drift):
            self.storage.remove_item(key)
        # Only our own name: never sign another user out of this storage.
        if self.storage.get_item(keys.last_auth_user) == username:
            self.storage.remove_item(keys.last_auth_user)

    def clear_user(self, username: str) -> None:
        """Forget ``username``'s tokens and cached user data (device keys stay)."""
        self.clear_tokens(username)
        self.remove_user_data(username)

    # ---- cached user data (GetUser) ----------------------------------------------------

    def user_data(self, username: str) -> dict[str, Any] | None:
        """The cached GetUser answer, or None (a corrupt one is dropped)."""
        key = self.keys(username).user_data
        cached = self.storage.get_item(key)
        if not cached:
            return None
        try:
            value = json.loads(cached)
        except ValueError:
            value = None
        if isinstance(value, dict):
            return value
        self.storage.remove_item(key)
        return None

    def has_user_data(self, username: str) -> bool:
        """True when user data is cached (valid or not)."""
        return bool(self.storage.get_item(self.keys(username).user_data))

    def set_user_data(self, username: str, data: dict[str, Any]) -> None:
        """Cache a GetUser answer."""
        self.storage.set_item(self.keys(username).user_data, json.dumps(data))

    def remove_user_data(self, username: str) -> None:
        """Drop the cached user data."""
        self.storage.remove_item(self.keys(username).user_data)
