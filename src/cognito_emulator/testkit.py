"""The testing kit: the emulator, fresh pools and confirmed users in a few lines.

The pytest plugin (``cognito_emulator.pytest_plugin``) hands these objects out as fixtures;
they work without pytest too::

    with CognitoEmulator.running() as cognito:
        pool = cognito.create_user_pool(mfa="OPTIONAL")
        alice = pool.create_user("alice")
        tokens = alice.sign_in()                 # id/access/refresh tokens in one call
        sdk_pool = pool.pool()                   # a CognitoUserPool on the emulator's clock
        cognito.advance_clock(3600)              # tokens expire, for the emulator and the SDK

Pools auto-verify email (sign-up sends a code) and use plain usernames unless asked; the app
client has no secret and allows every auth flow. Helpers call the emulator in-process; the
pages and SDK objects of the tests reach it over HTTP at :attr:`CognitoEmulator.endpoint`.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import pyotp

from .admin import AdminClient, ClientError
from .config import client_params, pool_params
from .errors import ServiceError
from .testing import EmulatorServer
from .triggers import CustomAuthTriggers

if TYPE_CHECKING:
    from amazon_cognito_identity import CognitoUserPool

TOTP_STEP = 30


def new_password() -> str:
    """A random password every default policy accepts (upper, lower, digit, symbol, 18 chars)."""
    return f"Pw{secrets.token_hex(6)}-A1!"


def claims(jwt: str) -> dict[str, Any]:
    """The payload of a JWT, NOT verified (to read ``sub``, ``exp``... in tests)."""
    payload = jwt.split(".")[1]
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return dict(data)


@dataclass(frozen=True)
class Tokens:
    """The three tokens of a sign-in (``AuthenticationResult``)."""

    id_token: str
    access_token: str
    refresh_token: str

    @property
    def id_claims(self) -> dict[str, Any]:
        """The ID token's payload (not verified)."""
        return claims(self.id_token)

    @property
    def access_claims(self) -> dict[str, Any]:
        """The access token's payload (not verified)."""
        return claims(self.access_token)


class CognitoEmulator:
    """A running emulator: endpoint, clock, outbox, admin client and pool factory."""

    def __init__(self, server: EmulatorServer) -> None:
        self.server = server

    @classmethod
    @contextmanager
    def running(cls, data: str | None = None) -> Iterator[CognitoEmulator]:
        """Serve on a free 127.0.0.1 port (in memory, or on the sqlite file ``data``)."""
        with EmulatorServer(data=data) as server:
            yield cls(server)

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:PORT/``: give it to SDKs as their endpoint."""
        return self.server.endpoint

    @property
    def region(self) -> str:
        """The region of every pool id (``us-east-1`` unless configured)."""
        return self.server.config.region

    @cached_property
    def admin(self) -> AdminClient:
        """A boto3-style ``cognito-idp`` client on this emulator (see :mod:`.admin`)."""
        return AdminClient(self.endpoint)

    def now(self) -> float:
        """Emulator time, Unix seconds: the wall clock plus what :meth:`advance_clock` added."""
        return self.server.emulator.now()

    def advance_clock(self, seconds: float) -> None:
        """Move time forward for the emulator and for SDK pools made by :meth:`UserPool.pool`
        (each test of the pytest plugin starts again at real time)."""
        self.server.emulator.advance_clock(seconds)

    def real_time(self) -> None:
        """Back to the wall clock."""
        self.server.emulator.clock_offset = 0.0

    def reset(self) -> None:
        """Forget every pool, user and message, and go back to real time."""
        self.server.emulator.store.reset()
        self.server.emulator.triggers.clear()
        self.real_time()

    def messages(
        self, username: str | None = None, kind: str | None = None, pool_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Outbox messages (``username``, ``pool_id``, ``kind``, ``code``, ``destination``,
        ``time``...), newest first."""
        items = self.server.emulator.store.outbox(username, pool_id)
        return [m for m in reversed(items) if kind is None or m["kind"] == kind]

    def outbox(
        self, username: str | None = None, kind: str | None = None, pool_id: str | None = None
    ) -> list[str]:
        """The codes sent (email, SMS), newest first. Kinds: ``signup``, ``forgot_password``,
        ``verify_email``, ``verify_phone_number``, ``sms_mfa``, ``email_mfa``,
        ``custom_challenge``, ``temporary_password``..."""
        return [str(m["code"]) for m in self.messages(username, kind, pool_id)]

    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """One User Pools operation in-process; errors raise :class:`.admin.ClientError`."""
        try:
            return self.server.call(operation, params)
        except ServiceError as err:
            raise self.admin.exceptions.for_code(err.name)(
                err.name, err.message, operation, err.status
            ) from None

    def create_user_pool(self, **options: Any) -> UserPool:
        """A new pool and app client; ``options`` as :func:`pool_params` takes them."""
        pool_params, client_params, triggers = build_params(**options)
        pool_id = self.call("CreateUserPool", pool_params)["UserPool"]["Id"]
        client = self.call("CreateUserPoolClient", {"UserPoolId": pool_id, **client_params})
        if triggers is not None:
            self.server.emulator.set_custom_auth_triggers(pool_id, triggers)
        return UserPool(self, pool_id, client["UserPoolClient"])

    def issuer(self, user_pool_id: str) -> str:
        """The ``iss`` claim of the pool's tokens."""
        return self.endpoint.rstrip("/") + "/" + user_pool_id

    def jwks(self, user_pool_id: str) -> dict[str, Any]:
        """The pool's JSON Web Key Set, as served at ``<issuer>/.well-known/jwks.json``."""
        return dict(self.server.emulator.keys.jwks(user_pool_id))


def build_params(
    *,
    name: str | None = None,
    mfa: str = "OFF",
    username_attributes: Sequence[str] = (),
    aliases: Sequence[str] = (),
    auto_verify: Sequence[str] = ("email",),
    password_policy: Mapping[str, Any] | None = None,
    device_tracking: str | None = None,
    access_token_minutes: int | None = None,
    id_token_minutes: int | None = None,
    refresh_token_days: int | None = None,
    generate_secret: bool = False,
    triggers: CustomAuthTriggers | None = None,
    pool: Mapping[str, Any] | None = None,
    client: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, Any], CustomAuthTriggers | None]:
    """The CreateUserPool and CreateUserPoolClient parameters of the kit's options.

    ``mfa`` OFF | OPTIONAL | ON; ``username_attributes`` e.g. ``["email"]`` (sign in with the
    email instead of a username); ``aliases`` e.g. ``["email", "preferred_username"]``;
    ``password_policy`` a PasswordPolicyType (``{"MinimumLength": 12}``); ``device_tracking``
    None | ``"always"`` | ``"user_opt_in"``; token validities in minutes/days;
    ``triggers`` the custom-auth triggers (Python callables); ``pool`` / ``client`` any other
    raw parameters, applied last.
    """
    if device_tracking not in (None, "always", "user_opt_in"):
        raise ValueError(
            f"device_tracking: None, 'always' or 'user_opt_in', not {device_tracking!r}"
        )
    # The same translation as `--config` files (camelCase keys there).
    pool_spec: dict[str, Any] = {
        "name": name or f"test-{secrets.token_hex(4)}",
        "mfa": mfa,
        "usernameAttributes": list(username_attributes),
        "aliases": list(aliases),
        "autoVerify": list(auto_verify),
        "passwordPolicy": dict(password_policy or {}),
        "deviceTracking": device_tracking or "off",
        "createUserPool": dict(pool or {}),
    }
    client_spec: dict[str, Any] = {
        "name": "test-client",
        "generateSecret": generate_secret,
        "createUserPoolClient": dict(client or {}),
    }
    for key, value in (
        ("accessTokenMinutes", access_token_minutes),
        ("idTokenMinutes", id_token_minutes),
        ("refreshTokenDays", refresh_token_days),
    ):
        if value is not None:
            client_spec[key] = value
    return pool_params(pool_spec), client_params(client_spec), triggers


class UserPool:
    """A pool and its app client on the emulator."""

    def __init__(self, emulator: CognitoEmulator, user_pool_id: str, client: dict[str, Any]):
        self.emulator = emulator
        self.user_pool_id = user_pool_id
        self.client_id: str = client["ClientId"]
        self.client_secret: str | None = client.get("ClientSecret")
        self.client = client
        described = emulator.call("DescribeUserPool", {"UserPoolId": user_pool_id})
        self.mfa: str = described["UserPool"].get("MfaConfiguration", "OFF")

    @property
    def endpoint(self) -> str:
        """The emulator's URL."""
        return self.emulator.endpoint

    @property
    def region(self) -> str:
        """The pool id's region."""
        return self.user_pool_id.split("_", 1)[0]

    @property
    def issuer(self) -> str:
        """The ``iss`` claim of this pool's tokens."""
        return self.emulator.issuer(self.user_pool_id)

    @property
    def jwks_url(self) -> str:
        """Where the pool's signing keys are served (what backends verify tokens with)."""
        return f"{self.issuer}/.well-known/jwks.json"

    def jwks(self) -> dict[str, Any]:
        """The pool's JSON Web Key Set."""
        return self.emulator.jwks(self.user_pool_id)

    def config(self) -> dict[str, Any]:
        """The ids as pages read them from ``config.json`` (and ``--print-env`` prints)."""
        return {
            "region": self.region,
            "userPoolId": self.user_pool_id,
            "clientId": self.client_id,
            "endpoint": self.endpoint,
            "emulator": True,
        }

    def pool(self, **kwargs: Any) -> CognitoUserPool:
        """A ``CognitoUserPool`` of the SDK on this pool, endpoint and emulator clock
        (keyword arguments go to ``CognitoUserPool``, e.g. ``storage=``)."""
        from amazon_cognito_identity import CognitoUserPool

        kwargs.setdefault("endpoint", self.endpoint)
        kwargs.setdefault("client_secret", self.client_secret)
        kwargs.setdefault("clock", self.emulator.now)
        return CognitoUserPool(user_pool_id=self.user_pool_id, client_id=self.client_id, **kwargs)

    def outbox(self, username: str | None = None, kind: str | None = None) -> list[str]:
        """Codes sent by this pool, newest first."""
        return self.emulator.outbox(username, kind, self.user_pool_id)

    def create_user(
        self,
        username: str | None = None,
        password: str | None = None,
        *,
        email: str | None = None,
        confirmed: bool = True,
        totp: bool | None = None,
        groups: Iterable[str] = (),
        **attributes: str,
    ) -> PoolUser:
        """A user with a known password, confirmed, email verified (``email`` defaults to
        ``<username>@example.com``; pass ``email=""`` for none). ``totp=True`` also sets up
        TOTP MFA (:meth:`PoolUser.enable_totp`); by default it does so when the pool requires
        MFA and the user has no phone number. ``groups``: group names the user joins (see
        :meth:`add_to_group`). Other attributes as keywords (``phone_number="+15555550100"``,
        ``**{"custom:plan": "pro"}``)."""
        username = username or f"user-{secrets.token_hex(4)}"
        password = password or new_password()
        if email is None:
            email = f"{username}@example.com" if "@" not in username else username
        if email:
            attributes["email"] = email
        self.emulator.server.create_user(
            self.user_pool_id, username, password, confirmed=confirmed, **attributes
        )
        got = self.emulator.call(
            "AdminGetUser", {"UserPoolId": self.user_pool_id, "Username": username}
        )
        attrs = {a["Name"]: a["Value"] for a in got.get("UserAttributes", [])}
        user = PoolUser(self, str(got["Username"]), password, email or None, attrs.get("sub", ""))
        user.attributes = attrs
        if totp is None:
            totp = confirmed and self.mfa == "ON" and "phone_number" not in attributes
        if totp:
            user.enable_totp()
        for group in groups:
            self.add_to_group(user.username, group)
        return user

    def add_to_group(self, username: str, group: str, **settings: Any) -> None:
        """Put a user in a group, creating the group first when it does not exist (with
        ``settings`` such as ``RoleArn="arn:aws:iam::123456789012:role/x"`` or
        ``Precedence=1``). Tokens issued afterwards carry ``cognito:groups``."""
        base = {"UserPoolId": self.user_pool_id, "GroupName": group}
        try:
            self.emulator.call("GetGroup", base)
        except ClientError as err:
            if err.code != "ResourceNotFoundException":
                raise
            self.emulator.call("CreateGroup", {**base, **settings})
        self.emulator.call("AdminAddUserToGroup", {**base, "Username": username})

    def sign_in(self, username: str, password: str, totp_secret: str | None = None) -> Tokens:
        """ADMIN_USER_PASSWORD_AUTH, answering SMS/email MFA from the outbox and TOTP from
        ``totp_secret``; any other challenge raises ``ValueError`` naming it."""
        return PoolUser(self, username, password, None, "", totp_secret).sign_in()

    def _auth(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        base = {"UserPoolId": self.user_pool_id, "ClientId": self.client_id}
        return self.emulator.call(operation, {**base, **params})


class PoolUser:
    """A user of a :class:`UserPool` whose password the test knows."""

    __test__ = False  # not a pytest test class, whatever a test module imports it as

    def __init__(
        self,
        pool: UserPool,
        username: str,
        password: str,
        email: str | None,
        sub: str,
        totp_secret: str | None = None,
    ) -> None:
        self.user_pool = pool
        self.username = username
        self.password = password
        self.email = email
        self.sub = sub
        self.totp_secret = totp_secret
        self.attributes: dict[str, str] = {}
        self._totp_steps: dict[str, int] = {}  # purpose -> last time step handed out

    def __repr__(self) -> str:
        return f"PoolUser({self.username!r}, pool={self.user_pool.user_pool_id!r})"

    def sign_in(self) -> Tokens:
        """Sign in and return the tokens (MFA answered as :meth:`UserPool.sign_in` says)."""
        return self._finish(self._initiate())

    def _initiate(self) -> dict[str, Any]:
        return self.user_pool._auth(
            "AdminInitiateAuth",
            {
                "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                "AuthParameters": self._with_secret(
                    {"USERNAME": self.username, "PASSWORD": self.password}
                ),
            },
        )

    def _finish(self, result: dict[str, Any]) -> Tokens:
        for _ in range(3):
            if "AuthenticationResult" in result:
                return _tokens(result["AuthenticationResult"])
            result = self._answer(result)
        raise ValueError(
            f"sign-in of {self.username} did not finish: {result.get('ChallengeName')}"
        )

    def expired_tokens(self) -> Tokens:
        """Tokens whose ID and access tokens expired a minute ago (refresh token still valid):
        signed in with the emulator's clock set back for the moment."""
        client = self.user_pool.client
        units = {"AccessToken": "minutes", "IdToken": "minutes", **client["TokenValidityUnits"]}
        seconds = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
        lifetime = max(
            int(client["AccessTokenValidity"]) * seconds[units["AccessToken"]],
            int(client["IdTokenValidity"]) * seconds[units["IdToken"]],
        )
        emulator = self.user_pool.emulator.server.emulator
        emulator.clock_offset -= lifetime + 60
        try:
            return self.sign_in()
        finally:
            emulator.clock_offset += lifetime + 60

    def revoked_tokens(self) -> Tokens:
        """Tokens signed out everywhere (GlobalSignOut): well signed and unexpired, but the
        emulator refuses the access and refresh tokens, as Cognito does."""
        tokens = self.sign_in()
        self.user_pool.emulator.call("GlobalSignOut", {"AccessToken": tokens.access_token})
        return tokens

    def enable_totp(self) -> str:
        """Set up TOTP MFA as the user's preferred second factor (through the MFA_SETUP
        challenge when the pool requires MFA); returns the secret, also kept in
        :attr:`totp_secret`, which :meth:`sign_in` and :meth:`totp_code` use."""
        call = self.user_pool.emulator.call
        result = self._initiate()
        if result.get("ChallengeName") == "MFA_SETUP":
            associated = call("AssociateSoftwareToken", {"Session": result["Session"]})
            self.totp_secret = str(associated["SecretCode"])
            verified = call(
                "VerifySoftwareToken",
                {
                    "Session": associated.get("Session", result["Session"]),
                    "UserCode": self.totp_code("verify"),
                },
            )
            result = self.user_pool._auth(
                "AdminRespondToAuthChallenge",
                {
                    "ChallengeName": "MFA_SETUP",
                    "Session": verified["Session"],
                    "ChallengeResponses": self._with_secret({"USERNAME": self.username}),
                },
            )
            access = self._finish(result).access_token
        else:
            access = self._finish(result).access_token
            associated = call("AssociateSoftwareToken", {"AccessToken": access})
            self.totp_secret = str(associated["SecretCode"])
            call(
                "VerifySoftwareToken", {"AccessToken": access, "UserCode": self.totp_code("verify")}
            )
        call(
            "SetUserMFAPreference",
            {
                "AccessToken": access,
                "SoftwareTokenMfaSettings": {"Enabled": True, "PreferredMfa": True},
            },
        )
        return self.totp_secret

    def totp_code(self, purpose: str = "sign_in") -> str:
        """A TOTP code at emulator time for a sign-in (or, with ``purpose="verify"``, for
        VerifySoftwareToken). Like Cognito, the emulator takes each time step once per purpose
        and only newer ones, within one step of its clock: the kit hands out the current
        step's code, then the next step's, so two per purpose and 30 seconds (then
        ``advance_clock(30)``)."""
        if not self.totp_secret:
            raise ValueError(f"{self.username} has no TOTP secret: call enable_totp() first")
        now = int(self.user_pool.emulator.now()) // TOTP_STEP
        step = max(now, self._totp_steps.get(purpose, now - 1) + 1)
        if step > now + 1:
            raise ValueError(
                f"the {purpose} TOTP codes of {self.username} for these 30 s are used: "
                "advance_clock(30)"
            )
        self._totp_steps[purpose] = step
        return str(pyotp.TOTP(self.totp_secret).at(step * TOTP_STEP))

    def _with_secret(self, params: dict[str, str]) -> dict[str, str]:
        secret = self.user_pool.client_secret
        if secret:
            import hashlib
            import hmac

            message = (self.username + self.user_pool.client_id).encode()
            digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
            params["SECRET_HASH"] = base64.b64encode(digest).decode()
        return params

    def _answer(self, result: dict[str, Any]) -> dict[str, Any]:
        name = result.get("ChallengeName")
        username = result.get("ChallengeParameters", {}).get("USERNAME", self.username)
        responses = {"USERNAME": username}
        if name == "SOFTWARE_TOKEN_MFA":
            responses["SOFTWARE_TOKEN_MFA_CODE"] = self.totp_code()
        elif name in ("SMS_MFA", "EMAIL_OTP"):
            kind = "sms_mfa" if name == "SMS_MFA" else "email_mfa"
            codes = self.user_pool.outbox(username, kind)
            responses[f"{name}_CODE"] = codes[0]
        elif name == "SELECT_MFA_TYPE":
            responses["ANSWER"] = "SOFTWARE_TOKEN_MFA" if self.totp_secret else "SMS_MFA"
        else:
            raise ValueError(f"sign-in of {self.username} needs {name}: answer it with the SDK")
        return self.user_pool._auth(
            "AdminRespondToAuthChallenge",
            {
                "ChallengeName": name,
                "Session": result.get("Session"),
                "ChallengeResponses": self._with_secret(responses),
            },
        )


def _tokens(result: dict[str, Any]) -> Tokens:
    return Tokens(result["IdToken"], result["AccessToken"], result.get("RefreshToken", ""))


__all__ = [
    "AdminClient",
    "ClientError",
    "CognitoEmulator",
    "CustomAuthTriggers",
    "PoolUser",
    "Tokens",
    "UserPool",
    "build_params",
    "claims",
    "new_password",
]
