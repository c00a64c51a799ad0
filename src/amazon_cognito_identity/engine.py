"""The sign-in engine: a pure state machine, in the spirit of h11's ``Connection``.

:class:`SignIn` never sends anything. Given the last answer of the service it returns what
comes next: a :class:`Request` to send, a :class:`~.challenges.Challenge` for the caller,
or :class:`Done` with the session. SRP (PASSWORD_VERIFIER), device SRP (DEVICE_SRP_AUTH,
DEVICE_PASSWORD_VERIFIER), the TOTP set-up calls of MFA_SETUP and the confirmation of a
new device are answered here; every challenge the caller answers goes through its unit in
:mod:`.challenges`. A driver (:func:`.signin.drive`) performs the I/O::

    engine = SignIn(pool_info, "alice", devices=store.device_keys)
    step = engine.start("USER_SRP_AUTH", password="pw")
    while isinstance(step, Request):
        step = engine.receive(await client.call(step.operation, step.params))

Adding an auth flow is one change here: a function that builds its AuthParameters,
registered with :func:`auth_flow`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .challenges import Challenge, MfaSetup, Reply, unit_for
from .errors import CognitoError, InvalidParameterError, InvalidResponseError
from .srp import AuthenticationHelper, format_timestamp, parse_srp_int, password_claim_signature
from .tokens import CognitoAccessToken, CognitoIdToken, CognitoRefreshToken, CognitoUserSession

__all__ = [
    "AUTH_FLOWS",
    "DeviceKeys",
    "Done",
    "PoolInfo",
    "Request",
    "SignIn",
    "auth_flow",
    "is_device_not_found",
    "refresh_request",
    "session_from_result",
]

# Challenges whose answer carries the remembered device's key (as the JS SDK).
_DEVICE_KEY_CHALLENGES = (
    "SMS_MFA",
    "SOFTWARE_TOKEN_MFA",
    "EMAIL_OTP",
    "SMS_OTP",
    "CUSTOM_CHALLENGE",
)


@dataclass(frozen=True)
class PoolInfo:
    """What the engine needs of a pool: no client, no storage."""

    client_id: str
    pool_name: str
    secret_hash: Callable[[str], str | None] = lambda username: None
    context_data: Callable[[str], dict[str, str] | None] = lambda username: None
    device_name: str = "python"
    clock: Callable[[], float] = time.time


@dataclass(frozen=True)
class DeviceKeys:
    """A remembered device: its key, group key and the random password of device SRP."""

    key: str
    group_key: str
    password: str


@dataclass(frozen=True)
class Request:
    """One request to send: ``client.call(operation, params)``."""

    operation: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Done:
    """The sign-in finished.

    ``new_device``: keys of a device confirmed during this sign-in (to store);
    ``device_error``: why confirming it failed (the sign-in still succeeded).
    """

    session: CognitoUserSession
    username: str
    new_device: DeviceKeys | None = None
    user_confirmation_necessary: bool = False
    device_error: CognitoError | None = None


Step = Request | Challenge | Done


def is_device_not_found(err: CognitoError) -> bool:
    """True for the service's "device does not exist" answer."""
    return err.code == "ResourceNotFoundException" and "device" in err.message.lower()


def session_from_result(result: Mapping[str, Any], now: float) -> CognitoUserSession:
    """The session of an AuthenticationResult (clock drift computed at ``now``)."""
    try:
        return CognitoUserSession(
            id_token=CognitoIdToken(result["IdToken"]),
            access_token=CognitoAccessToken(result["AccessToken"]),
            refresh_token=CognitoRefreshToken(result.get("RefreshToken") or ""),
            now=now,
        )
    except (KeyError, TypeError) as err:
        raise InvalidResponseError(f"AuthenticationResult lacks {err}") from err


def initiate_request(
    pool: PoolInfo,
    flow: str,
    username: str,
    params: Mapping[str, str],
    client_metadata: Mapping[str, str] | None,
) -> Request:
    """InitiateAuth for ``flow`` with SECRET_HASH and UserContextData added."""
    auth = dict(params)
    secret = pool.secret_hash(username)
    if secret:
        auth["SECRET_HASH"] = secret
    return Request(
        "InitiateAuth",
        {
            "AuthFlow": flow,
            "ClientId": pool.client_id,
            "AuthParameters": auth,
            "ClientMetadata": dict(client_metadata) if client_metadata else None,
            "UserContextData": pool.context_data(username),
        },
    )


def refresh_request(
    pool: PoolInfo,
    username: str,
    token: str,
    device_key: str | None,
    client_metadata: Mapping[str, str] | None = None,
) -> Request:
    """REFRESH_TOKEN_AUTH with the refresh token (and the device key when remembered)."""
    params = {"REFRESH_TOKEN": token}
    if device_key:
        params["DEVICE_KEY"] = device_key
    return initiate_request(pool, "REFRESH_TOKEN_AUTH", username, params, client_metadata)


# ---- auth flows -------------------------------------------------------------------------

FlowBuilder = Callable[["SignIn", str | None, Mapping[str, str]], dict[str, str]]

#: Auth flow name -> the builder of its AuthParameters (USERNAME and DEVICE_KEY added).
AUTH_FLOWS: dict[str, FlowBuilder] = {}


def auth_flow(name: str) -> Callable[[FlowBuilder], FlowBuilder]:
    """Register the AuthParameters builder of flow ``name``."""

    def register(fn: FlowBuilder) -> FlowBuilder:
        AUTH_FLOWS[name] = fn
        return fn

    return register


def _need_password(password: str | None) -> str:
    if not password:
        raise InvalidParameterError("PASSWORD parameter is required")
    return password


@auth_flow("USER_SRP_AUTH")
def _srp_flow(engine: SignIn, password: str | None, extra: Mapping[str, str]) -> dict[str, str]:
    engine.password = _need_password(password)
    engine.helper = AuthenticationHelper(engine.pool.pool_name)
    return {"SRP_A": engine.helper.get_large_a_hex()}


@auth_flow("USER_PASSWORD_AUTH")
def _password_flow(
    engine: SignIn, password: str | None, extra: Mapping[str, str]
) -> dict[str, str]:
    return {"PASSWORD": _need_password(password)}


@auth_flow("CUSTOM_AUTH")
def _custom_flow(engine: SignIn, password: str | None, extra: Mapping[str, str]) -> dict[str, str]:
    if password is None:  # initiate_auth: the caller's AuthParameters, no SRP
        return dict(extra)
    params = _srp_flow(engine, password, extra)
    params["CHALLENGE_NAME"] = "SRP_A"
    return params


# ---- the state machine ------------------------------------------------------------------


class SignIn:
    """One sign-in, from InitiateAuth to the session. Pure: no I/O, no clock but the pool's.

    Args:
        pool: the pool's :class:`PoolInfo`.
        username: the name the user typed (it becomes USER_ID_FOR_SRP after SRP).
        devices: ``devices(username)`` gives the remembered device's keys, or None.

    After a device the service no longer knows was dropped, :attr:`forgotten_devices`
    names the users whose stored keys the driver must forget.
    """

    def __init__(
        self,
        pool: PoolInfo,
        username: str,
        devices: Callable[[str], DeviceKeys | None] = lambda username: None,
    ) -> None:
        self.pool = pool
        self.username = username
        self.devices = devices
        self.device: DeviceKeys | None = None
        #: Session string of the challenge in progress.
        self.session: str | None = None
        #: The challenge waiting for :meth:`answer`, if any.
        self.challenge: Challenge | None = None
        self.password: str | None = None
        self.helper: AuthenticationHelper | None = None
        self.client_metadata: Mapping[str, str] | None = None
        self.forgotten_devices: list[str] = []
        self._pending: Request | None = None
        self._start: tuple[str, str | None, dict[str, str]] | None = None
        self._start_name = username
        self._restarted = False
        self._device_helper: AuthenticationHelper | None = None
        self._new_device: DeviceKeys | None = None
        self._done: CognitoUserSession | None = None
        self._step: dict[str, str] = {}

    # ---- starting ----------------------------------------------------------------------

    def start(
        self,
        flow: str,
        *,
        password: str | None = None,
        auth_parameters: Mapping[str, str] | None = None,
        client_metadata: Mapping[str, str] | None = None,
    ) -> Request:
        """The InitiateAuth of ``flow`` (``password`` for the password flows;
        ``auth_parameters`` for CUSTOM_AUTH without SRP)."""
        builder = AUTH_FLOWS.get(flow)
        if builder is None:
            raise InvalidParameterError("Authentication flow type is invalid.")
        self.client_metadata = client_metadata
        self._start = (flow, password, dict(auth_parameters or {}))
        params = builder(self, password, auth_parameters or {})
        params["USERNAME"] = self.username
        self.device = self.devices(self.username)
        if self.device:
            params["DEVICE_KEY"] = self.device.key
        return self._send(initiate_request(self.pool, flow, self.username, params, client_metadata))

    def resume(self, name: str, session: str | None) -> Challenge:
        """Pick up challenge ``name`` with its Session string (the JS SDK's ``user.Session``),
        e.g. on a new user object; returns the challenge (without its parameters)."""
        self.session = session
        self.device = self.devices(self.username)
        self.challenge = Challenge(name)
        return self.challenge

    # ---- answering challenges ------------------------------------------------------------

    def answer(
        self, values: Mapping[str, str], client_metadata: Mapping[str, str] | None = None
    ) -> Request | Challenge:
        """Answer the current challenge with ``{field name: value}``."""
        challenge = self.challenge
        if challenge is None:
            raise InvalidParameterError("there is no challenge to answer")
        unit = unit_for(challenge.name)
        if unit is None:
            raise InvalidParameterError(f"this SDK cannot answer challenge {challenge.name}")
        reply = unit.answer(challenge, values)
        self.client_metadata = client_metadata
        return self._reply(challenge, reply, client_metadata)

    def associate_software_token(self) -> Request:
        """AssociateSoftwareToken for MFA_SETUP (the SDK's first step of a TOTP set-up)."""
        self._step = {"mfa_type": "SOFTWARE_TOKEN_MFA"}
        return self._send(Request("AssociateSoftwareToken", {"Session": self.session}))

    def verify_software_token(self, code: str, device_name: str | None = None) -> Request:
        """VerifySoftwareToken for MFA_SETUP, whatever the challenge's step (JS style)."""
        params = {"UserCode": code}
        if device_name:
            params["FriendlyDeviceName"] = device_name
        return self._send(Request("VerifySoftwareToken", {"Session": self.session, **params}))

    def _reply(
        self, challenge: Challenge, reply: Reply, client_metadata: Mapping[str, str] | None
    ) -> Request | Challenge:
        if reply.operation == "":  # a step inside the challenge: describe its next inputs
            return self._pause(Challenge(challenge.name, challenge.parameters, step=reply.step))
        if reply.operation != "RespondToAuthChallenge":
            self._step = reply.step
            return self._send(
                Request(reply.operation, {"Session": self.session, **reply.responses})
            )
        answers = dict(reply.responses)
        if self.device and challenge.name in _DEVICE_KEY_CHALLENGES:
            answers["DEVICE_KEY"] = self.device.key
        return self._respond(challenge.name, answers, client_metadata)

    def _respond(
        self, name: str, answers: dict[str, str], client_metadata: Mapping[str, str] | None
    ) -> Request:
        answers = {"USERNAME": self.username, **answers}
        secret = self.pool.secret_hash(answers["USERNAME"])
        if secret:
            answers["SECRET_HASH"] = secret
        return self._send(
            Request(
                "RespondToAuthChallenge",
                {
                    "ChallengeName": name,
                    "ClientId": self.pool.client_id,
                    "ChallengeResponses": answers,
                    "Session": self.session,
                    "ClientMetadata": dict(client_metadata) if client_metadata else None,
                    "UserContextData": self.pool.context_data(self.username),
                },
            )
        )

    def _send(self, request: Request) -> Request:
        self._pending = request
        return request

    def _pause(self, challenge: Challenge) -> Challenge:
        self.challenge = challenge
        self._pending = None
        return challenge

    # ---- receiving answers ---------------------------------------------------------------

    def receive(self, data: Mapping[str, Any]) -> Step:
        """The service's answer to the last request: what comes next."""
        pending = self._pending
        operation = pending.operation if pending else ""
        self._pending = None
        if operation == "AssociateSoftwareToken":
            return self._associated(data)
        if operation == "VerifySoftwareToken":
            self.session = _text(data.get("Session")) or self.session
            return self._respond("MFA_SETUP", {}, None)
        if operation == "ConfirmDevice":
            return self._finish(data.get("UserConfirmationNecessary") is True, None)
        if data.get("AuthenticationResult") or not data.get("ChallengeName"):
            return self._authenticated(data)
        name = data["ChallengeName"]
        if not isinstance(name, str):
            raise InvalidResponseError(f"ChallengeName is not a string: {type(name).__name__}")
        self.session = _text(data.get("Session"))
        params = _params(data)
        if name == "PASSWORD_VERIFIER":
            return self._password_verifier(params)
        if name == "DEVICE_SRP_AUTH":
            return self._device_srp_auth()
        if name == "DEVICE_PASSWORD_VERIFIER":
            return self._device_password_verifier(params)
        challenge = Challenge(name, params)
        if name == "MFA_SETUP" and MfaSetup().chosen(challenge) == "SOFTWARE_TOKEN_MFA":
            self.challenge = challenge  # TOTP is the only choice: associate at once
            return self.associate_software_token()
        return self._pause(challenge)

    def failed(self, err: CognitoError) -> Step:
        """The last request failed with ``err``: what comes next, or ``err`` re-raised."""
        pending, self._pending = self._pending, None
        if pending is None:
            raise err
        if pending.operation == "ConfirmDevice":
            # Remembering the device is a bonus: the sign-in itself succeeded.
            return self._finish(False, err)
        if not (is_device_not_found(err) and self.device):
            raise err
        # The service forgot this device: forget it too.
        self.forgotten_devices.append(self.username)
        self.device = None
        answers = pending.params.get("ChallengeResponses") or {}
        if pending.params.get("ChallengeName") == "PASSWORD_VERIFIER" and "DEVICE_KEY" in answers:
            retry = dict(pending.params)
            retry["ChallengeResponses"] = {k: v for k, v in answers.items() if k != "DEVICE_KEY"}
            return self._send(Request(pending.operation, retry))
        if self._start is None or self._restarted:
            raise err
        # At another step: sign in once more from the start, without the device (Amplify v6).
        self._restarted = True
        self.username = self._start_name
        self.devices = lambda username: None
        flow, password, extra = self._start
        return self.start(
            flow, password=password, auth_parameters=extra, client_metadata=self.client_metadata
        )

    def _associated(self, data: Mapping[str, Any]) -> Challenge:
        self.session = _text(data.get("Session")) or self.session
        secret = data.get("SecretCode")
        if not isinstance(secret, str) or not secret:
            raise InvalidResponseError("AssociateSoftwareToken answered no SecretCode")
        base = self.challenge or Challenge("MFA_SETUP")
        step = {**self._step, "secret": secret, "label": self.username}
        return self._pause(Challenge(base.name, base.parameters, step=step))

    # ---- SRP -------------------------------------------------------------------------------

    def _claim(
        self,
        helper: AuthenticationHelper,
        pool_name: str,
        user_id: str,
        password: str,
        params: Mapping[str, Any],
    ) -> dict[str, str]:
        try:
            server_b = parse_srp_int(params["SRP_B"])
            salt = parse_srp_int(params["SALT"])
            secret_block = str(params["SECRET_BLOCK"])
        except (KeyError, ValueError, TypeError) as err:
            raise InvalidResponseError(f"bad SRP challenge parameters: {err}") from err
        key = helper.get_password_authentication_key(user_id, password, server_b, salt)
        timestamp = format_timestamp(datetime.fromtimestamp(self.pool.clock(), UTC))
        signature = password_claim_signature(key, pool_name, user_id, secret_block, timestamp)
        return {
            "PASSWORD_CLAIM_SECRET_BLOCK": secret_block,
            "TIMESTAMP": timestamp,
            "PASSWORD_CLAIM_SIGNATURE": signature,
        }

    def _password_verifier(self, params: Mapping[str, Any]) -> Request:
        if self.helper is None or self.password is None:
            raise InvalidParameterError("PASSWORD_VERIFIER needs the SRP helper and the password")
        # Cognito names the user by USER_ID_FOR_SRP from now on; device keys follow it.
        self.username = str(params.get("USER_ID_FOR_SRP") or self.username)
        self.device = self.devices(self.username) or self.device
        answers = self._claim(
            self.helper, self.pool.pool_name, self.username, self.password, params
        )
        if self.device:
            answers["DEVICE_KEY"] = self.device.key
        return self._respond("PASSWORD_VERIFIER", answers, self.client_metadata)

    def _device_srp_auth(self) -> Request:
        self.device = self.device or self.devices(self.username)
        if self.device is None:
            raise InvalidParameterError("DEVICE_SRP_AUTH asked but no device keys are stored")
        self._device_helper = AuthenticationHelper(self.device.group_key)
        answers = {"DEVICE_KEY": self.device.key, "SRP_A": self._device_helper.get_large_a_hex()}
        return self._respond("DEVICE_SRP_AUTH", answers, None)  # never ClientMetadata (JS)

    def _device_password_verifier(self, params: Mapping[str, Any]) -> Request:
        device, helper = self.device, self._device_helper
        if device is None or helper is None:
            raise InvalidResponseError("DEVICE_PASSWORD_VERIFIER without DEVICE_SRP_AUTH")
        answers = self._claim(helper, device.group_key, device.key, device.password, params)
        answers["DEVICE_KEY"] = device.key
        return self._respond("DEVICE_PASSWORD_VERIFIER", answers, None)

    # ---- the end -----------------------------------------------------------------------------

    def _authenticated(self, data: Mapping[str, Any]) -> Request | Done:
        result = data.get("AuthenticationResult")
        if not isinstance(result, dict):
            raise InvalidResponseError("sign-in answer has neither a challenge nor tokens")
        self._done = session_from_result(result, self.pool.clock())
        self.challenge = None
        self.session = None
        device = result.get("NewDeviceMetadata")
        if not (
            isinstance(device, dict) and device.get("DeviceKey") and device.get("DeviceGroupKey")
        ):
            return self._finish(False, None)
        key, group = str(device["DeviceKey"]), str(device["DeviceGroupKey"])
        verifier = AuthenticationHelper(self.pool.pool_name).generate_hash_device(group, key)
        self._new_device = DeviceKeys(key, group, verifier.random_password)
        return self._send(
            Request(
                "ConfirmDevice",
                {
                    "AccessToken": self._done.get_access_token().get_jwt_token(),
                    "DeviceKey": key,
                    "DeviceName": self.pool.device_name,
                    "DeviceSecretVerifierConfig": {
                        "Salt": verifier.salt_b64,
                        "PasswordVerifier": verifier.verifier_b64,
                    },
                },
            )
        )

    def _finish(self, confirmation: bool, error: CognitoError | None) -> Done:
        if self._done is None:
            raise InvalidResponseError("the sign-in has no session yet")
        device = self._new_device if error is None else None
        return Done(self._done, self.username, device, confirmation, error)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _params(data: Mapping[str, Any]) -> dict[str, Any]:
    params = data.get("ChallengeParameters") or {}
    if not isinstance(params, dict):
        raise InvalidResponseError("ChallengeParameters is not an object")
    return params
