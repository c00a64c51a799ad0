"""Passkeys on the emulator: registration and sign-in verified for real (py_webauthn), against
a software authenticator built in the test; forged, replayed and misdirected credentials are
refused with Cognito's error names."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from cognito_emulator.model import get_pool, require_user
from cognito_emulator.ops_passkeys import origin_allowed
from cognito_emulator.testing import EmulatorServer

from .soft_authenticator import SoftAuthenticator
from .srp_client import Api, CognitoError

PASSWORD = "Passw0rd!"
FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


@dataclass
class PasskeyPool:
    emu: EmulatorServer
    api: Api
    pool_id: str
    client_id: str

    def sign_in(self, username: str = "alice") -> str:
        out = self.api(
            "InitiateAuth",
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
        )
        return str(out["AuthenticationResult"]["AccessToken"])

    def register(self, token: str, auth: SoftAuthenticator, **kw: Any) -> dict[str, Any]:
        options = self.api("StartWebAuthnRegistration", AccessToken=token)[
            "CredentialCreationOptions"
        ]
        return self.api(
            "CompleteWebAuthnRegistration", AccessToken=token, Credential=auth.create(options, **kw)
        )

    def passkey_challenge(self, username: str = "alice") -> dict[str, Any]:
        """InitiateAuth USER_AUTH preferring WEB_AUTHN: the WEB_AUTHN challenge."""
        return self.api(
            "InitiateAuth",
            ClientId=self.client_id,
            AuthFlow="USER_AUTH",
            AuthParameters={"USERNAME": username, "PREFERRED_CHALLENGE": "WEB_AUTHN"},
        )

    def answer(
        self, challenge: dict[str, Any], credential: dict[str, Any], username: str = "alice"
    ) -> dict[str, Any]:
        return self.api(
            "RespondToAuthChallenge",
            ClientId=self.client_id,
            ChallengeName="WEB_AUTHN",
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": username, "CREDENTIAL": json.dumps(credential)},
        )


def _make_pool(
    emu: EmulatorServer,
    api: Api,
    uv: str = "required",
    factors: tuple[str, ...] = ("PASSWORD", "WEB_AUTHN"),
) -> PasskeyPool:
    pool_id, client_id = emu.create_pool_and_client(
        {"Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": list(factors)}}},
        {"ExplicitAuthFlows": [*FLOWS, "ALLOW_USER_AUTH"]},
    )
    emu.call(
        "SetUserPoolMfaConfig",
        {
            "UserPoolId": pool_id,
            "WebAuthnConfiguration": {"RelyingPartyId": "localhost", "UserVerification": uv},
        },
    )
    emu.create_user(pool_id, "alice", PASSWORD, email="alice@example.com")
    emu.create_user(pool_id, "bob", PASSWORD, email="bob@example.com")
    return PasskeyPool(emu, api, pool_id, client_id)


@pytest.fixture
def pk(emulator: EmulatorServer) -> Iterator[PasskeyPool]:
    api = Api(emulator.endpoint)
    yield _make_pool(emulator, api)
    api.http.close()


def _fails(name: str, fn: Any, *args: Any, **kw: Any) -> CognitoError:
    with pytest.raises(CognitoError) as err:
        fn(*args, **kw)
    assert err.value.name == name, err.value.body
    return err.value


def test_register_list_sign_in_delete(pk: PasskeyPool) -> None:
    token = pk.sign_in()
    auth = SoftAuthenticator()
    options = pk.api("StartWebAuthnRegistration", AccessToken=token)["CredentialCreationOptions"]
    assert options["rp"]["id"] == "localhost"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert (
        pk.api("CompleteWebAuthnRegistration", AccessToken=token, Credential=auth.create(options))
        == {}
    )
    listed = pk.api("ListWebAuthnCredentials", AccessToken=token)["Credentials"]
    assert [c["CredentialId"] for c in listed] == [auth.get({"challenge": "x"})["id"]]
    assert listed[0]["RelyingPartyId"] == "localhost"
    assert listed[0]["AuthenticatorTransports"] == ["internal"]

    challenge = pk.passkey_challenge()
    assert challenge["ChallengeName"] == "WEB_AUTHN"
    request = json.loads(challenge["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    assert request["rpId"] == "localhost"
    assert [c["id"] for c in request["allowCredentials"]] == [listed[0]["CredentialId"]]
    tokens = pk.answer(challenge, auth.get(request))["AuthenticationResult"]
    assert pk.api("GetUser", AccessToken=tokens["AccessToken"])["Username"] == "alice"

    # A second passkey is excluded from nothing but the first: the options name it.
    options = pk.api("StartWebAuthnRegistration", AccessToken=token)["CredentialCreationOptions"]
    assert [c["id"] for c in options["excludeCredentials"]] == [listed[0]["CredentialId"]]

    pool = get_pool(pk.emu.emulator, pk.pool_id)
    assert require_user(pk.emu.emulator, pool, "alice")["passkey_count"] == 1
    pk.api("DeleteWebAuthnCredential", AccessToken=token, CredentialId=listed[0]["CredentialId"])
    assert require_user(pk.emu.emulator, pool, "alice")["passkey_count"] == 0
    assert pk.api("ListWebAuthnCredentials", AccessToken=token)["Credentials"] == []
    _fails(
        "ResourceNotFoundException",
        pk.api,
        "DeleteWebAuthnCredential",
        AccessToken=token,
        CredentialId=listed[0]["CredentialId"],
    )


def test_registration_refusals(pk: PasskeyPool) -> None:
    token = pk.sign_in()
    _fails(
        "WebAuthnChallengeNotFoundException",
        pk.api,
        "CompleteWebAuthnRegistration",
        AccessToken=token,
        Credential=SoftAuthenticator().create({"challenge": "AAAA", "user": {"id": "AA"}}),
    )
    _fails(
        "WebAuthnOriginNotAllowedException",
        pk.register,
        token,
        SoftAuthenticator(),
        origin="http://evil.test:8765",
    )
    _fails(
        "WebAuthnOriginNotAllowedException",
        pk.register,
        token,
        SoftAuthenticator(),
        origin="http://127.0.0.1:8765",
    )
    _fails(
        "WebAuthnRelyingPartyMismatchException",
        pk.register,
        token,
        SoftAuthenticator(),
        rp_id="evil.test",
    )
    _fails(
        "WebAuthnCredentialNotSupportedException",
        pk.register,
        token,
        SoftAuthenticator(user_verified=False),
    )
    # A registration challenge is single-use and expires.
    options = pk.api("StartWebAuthnRegistration", AccessToken=token)["CredentialCreationOptions"]
    auth = SoftAuthenticator()
    credential = auth.create(options)
    pk.api("CompleteWebAuthnRegistration", AccessToken=token, Credential=credential)
    _fails(
        "WebAuthnChallengeNotFoundException",
        pk.api,
        "CompleteWebAuthnRegistration",
        AccessToken=token,
        Credential=credential,
    )
    options = pk.api("StartWebAuthnRegistration", AccessToken=token)["CredentialCreationOptions"]
    pk.emu.emulator.advance_clock(181)
    token = pk.sign_in()
    _fails(
        "WebAuthnChallengeNotFoundException",
        pk.api,
        "CompleteWebAuthnRegistration",
        AccessToken=token,
        Credential=SoftAuthenticator().create(options),
    )
    # Another user's registration challenge is not this user's.
    bob = pk.sign_in("bob")
    options = pk.api("StartWebAuthnRegistration", AccessToken=token)["CredentialCreationOptions"]
    _fails(
        "WebAuthnChallengeNotFoundException",
        pk.api,
        "CompleteWebAuthnRegistration",
        AccessToken=bob,
        Credential=SoftAuthenticator().create(options),
    )


def test_passkeys_need_the_pool_to_allow_them(emulator: EmulatorServer) -> None:
    api = Api(emulator.endpoint)
    pk = _make_pool(emulator, api, factors=("PASSWORD",))
    _fails(
        "WebAuthnNotEnabledException", api, "StartWebAuthnRegistration", AccessToken=pk.sign_in()
    )
    pool_id, client_id = emulator.create_pool_and_client(
        {"Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}}}
    )
    emulator.create_user(pool_id, "carol", PASSWORD)
    bare = PasskeyPool(emulator, api, pool_id, client_id)
    _fails(
        "WebAuthnConfigurationMissingException",
        api,
        "StartWebAuthnRegistration",
        AccessToken=bare.sign_in("carol"),
    )
    for bad in (
        {"RelyingPartyId": "https://localhost"},
        {"RelyingPartyId": "localhost:8765"},
        {"UserVerification": "discouraged"},
    ):
        with pytest.raises(Exception) as err:
            emulator.call(
                "SetUserPoolMfaConfig", {"UserPoolId": pool_id, "WebAuthnConfiguration": bad}
            )
        assert getattr(err.value, "name", "") == "InvalidParameterException"
    api.http.close()


def test_forged_and_replayed_assertions_refused(pk: PasskeyPool) -> None:
    token = pk.sign_in()
    auth = SoftAuthenticator()
    pk.register(token, auth)
    # Signed by another key.
    challenge = pk.passkey_challenge()
    opts = challenge["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
    forged = auth.get(opts, key=ec.generate_private_key(ec.SECP256R1()))
    _fails("NotAuthorizedException", pk.answer, challenge, forged)
    # The session is used up by a failed answer: the right assertion cannot follow.
    _fails("NotAuthorizedException", pk.answer, challenge, auth.get(opts))
    # A good assertion works once; replayed in another session its challenge is wrong.
    challenge = pk.passkey_challenge()
    good = auth.get(challenge["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    pk.answer(challenge, good)
    _fails("NotAuthorizedException", pk.answer, challenge, good)
    _fails("NotAuthorizedException", pk.answer, pk.passkey_challenge(), good)
    # Sign count that does not grow (a cloned authenticator).
    challenge = pk.passkey_challenge()
    stale = auth.get(challenge["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"], sign_count=1)
    err = _fails("NotAuthorizedException", pk.answer, challenge, stale)
    assert "sign count" in err.message


def test_assertion_origin_rp_uv_and_owner_checked(pk: PasskeyPool) -> None:
    auth = SoftAuthenticator()
    pk.register(pk.sign_in(), auth)

    def attempt(**kw: Any) -> None:
        challenge = pk.passkey_challenge()
        pk.answer(
            challenge,
            auth.get(challenge["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"], **kw),
        )

    _fails("WebAuthnOriginNotAllowedException", attempt, origin="https://localhost.evil.test")
    _fails("NotAuthorizedException", attempt, rp_id="evil.test")
    auth.user_verified = False
    err = _fails("NotAuthorizedException", attempt)
    assert "verif" in err.message.lower()
    auth.user_verified = True
    # Bob cannot sign in with Alice's passkey (and has none of his own to start with).
    bob = pk.sign_in("bob")
    bob_auth = SoftAuthenticator()
    pk.register(bob, bob_auth)
    challenge = pk.passkey_challenge("bob")
    alices = auth.get(challenge["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    _fails("NotAuthorizedException", pk.answer, challenge, alices, "bob")
    # A sign-in challenge expires with its session.
    challenge = pk.passkey_challenge()
    pk.emu.emulator.advance_clock(181)
    _fails(
        "NotAuthorizedException",
        pk.answer,
        challenge,
        auth.get(challenge["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]),
    )


def test_preferred_verification_without_uv_goes_on_to_mfa(emulator: EmulatorServer) -> None:
    api = Api(emulator.endpoint)
    pk = _make_pool(emulator, api, uv="preferred")
    emulator.call("SetUserPoolMfaConfig", {"UserPoolId": pk.pool_id, "MfaConfiguration": "ON"})
    pool = get_pool(emulator.emulator, pk.pool_id)
    with emulator.emulator.store.transaction():
        user = require_user(emulator.emulator, pool, "alice")
        user["attributes"]["phone_number"] = "+15555550100"
        from cognito_emulator.model import save_user

        save_user(emulator.emulator, pool, user)
    first = api(
        "InitiateAuth",
        ClientId=pk.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD},
    )
    code = emulator.last_code("alice", "sms_mfa")
    token = api(
        "RespondToAuthChallenge",
        ClientId=pk.client_id,
        ChallengeName="SMS_MFA",
        Session=first["Session"],
        ChallengeResponses={"USERNAME": "alice", "SMS_MFA_CODE": code},
    )["AuthenticationResult"]["AccessToken"]
    auth = SoftAuthenticator(user_verified=False)
    pk.register(token, auth)
    challenge = pk.passkey_challenge()
    out = pk.answer(
        challenge, auth.get(challenge["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    )
    assert out["ChallengeName"] == "SMS_MFA"  # presence alone is one factor
    auth.user_verified = True
    challenge = pk.passkey_challenge()
    out = pk.answer(
        challenge, auth.get(challenge["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    )
    assert "AuthenticationResult" in out
    api.http.close()


@pytest.mark.parametrize(
    ("origin", "rp_id", "ok"),
    [
        ("https://example.com", "example.com", True),
        ("https://login.example.com", "example.com", True),
        ("https://example.com:8443", "example.com", True),
        ("http://example.com", "example.com", False),
        ("https://example.com.evil.test", "example.com", False),
        ("https://badexample.com", "example.com", False),
        ("http://localhost:8765", "localhost", True),
        ("http://127.0.0.1:8765", "localhost", False),
        ("https://example.com/path", "example.com", False),
    ],
)
def test_origin_rule(origin: str, rp_id: str, ok: bool) -> None:
    assert origin_allowed(origin, rp_id) is ok


def test_user_auth_offers_web_authn_once_the_user_has_a_passkey(pk: PasskeyPool) -> None:
    def select() -> dict[str, Any]:
        return pk.api(
            "InitiateAuth",
            ClientId=pk.client_id,
            AuthFlow="USER_AUTH",
            AuthParameters={"USERNAME": "alice"},
        )

    assert "WEB_AUTHN" not in select()["AvailableChallenges"]
    # Preferring WEB_AUTHN without a passkey: not offered, so the choice comes back.
    assert pk.passkey_challenge()["ChallengeName"] == "SELECT_CHALLENGE"
    auth = SoftAuthenticator()
    pk.register(pk.sign_in(), auth)
    chosen = select()
    assert chosen["ChallengeName"] == "SELECT_CHALLENGE"
    assert "WEB_AUTHN" in chosen["AvailableChallenges"]
    challenge = pk.api(
        "RespondToAuthChallenge",
        ClientId=pk.client_id,
        ChallengeName="SELECT_CHALLENGE",
        Session=chosen["Session"],
        ChallengeResponses={"USERNAME": "alice", "ANSWER": "WEB_AUTHN"},
    )
    assert challenge["ChallengeName"] == "WEB_AUTHN"
    options = challenge["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
    tokens = pk.answer(challenge, auth.get(options))["AuthenticationResult"]
    assert pk.api("GetUser", AccessToken=tokens["AccessToken"])["Username"] == "alice"
