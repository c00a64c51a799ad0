"""SRP and password sign-in checks, with an independent test-only SRP client."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from cognito_emulator import srp
from cognito_emulator.testing import EmulatorServer

from .conftest import PoolSetup
from .srp_client import N_HEX, Api, CognitoError, SrpSession, srp_sign_in

PASSWORD = "Passw0rd!"


def _user(setup: PoolSetup, name: str = "alice") -> None:
    setup.server.create_user(setup.pool_id, name, PASSWORD, email=f"{name}@example.com")


def test_java_pad_hex_table() -> None:
    # The Java BigInteger.toByteArray() table from the protocol reference.
    table = {
        -256: "ff00",
        -236: "ff14",
        -129: "ff7f",
        -128: "80",
        -20: "ec",
        -1: "ff",
        0: "00",
        128: "0080",
        236: "00ec",
        256: "0100",
    }
    for value, expected in table.items():
        assert srp.pad_hex(value) == expected, value


def test_k_matches_published_constant() -> None:
    assert format(srp.K, "x") == "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"


def test_timestamp_round_trip_unpadded_day() -> None:
    text = "Tue Jan 1 06:06:09 UTC 2019"
    assert srp.format_timestamp(srp.parse_timestamp(text)) == text
    with pytest.raises(ValueError):
        srp.parse_timestamp("Tue Jan 1 06:06:09 GMT 2019")


def test_srp_sign_in_and_user_id_for_srp(setup: PoolSetup) -> None:
    _user(setup)
    out = srp_sign_in(setup.api, setup.pool_id, setup.client_id, "ALICE", PASSWORD)
    result = out["AuthenticationResult"]
    assert result["TokenType"] == "Bearer" and result["RefreshToken"]
    user = setup.api("GetUser", AccessToken=result["AccessToken"])
    assert user["Username"] == "alice"


def test_wrong_password_rejected(setup: PoolSetup) -> None:
    _user(setup)
    with pytest.raises(CognitoError) as err:
        srp_sign_in(setup.api, setup.pool_id, setup.client_id, "alice", "Passw0rd?")
    assert err.value.status == 400
    assert err.value.name == "NotAuthorizedException"
    assert err.value.message == "Incorrect username or password."


def test_timestamp_more_than_five_minutes_off_rejected(setup: PoolSetup) -> None:
    _user(setup)
    for skew in (timedelta(minutes=6), -timedelta(minutes=6)):
        with pytest.raises(CognitoError) as err:
            srp_sign_in(
                setup.api,
                setup.pool_id,
                setup.client_id,
                "alice",
                PASSWORD,
                when=datetime.now(UTC) + skew,
            )
        assert err.value.name == "NotAuthorizedException"
    # Four minutes off is still fine.
    srp_sign_in(
        setup.api,
        setup.pool_id,
        setup.client_id,
        "alice",
        PASSWORD,
        when=datetime.now(UTC) - timedelta(minutes=4),
    )


def test_challenge_session_is_single_use(setup: PoolSetup) -> None:
    _user(setup)
    api = setup.api
    s = SrpSession()
    init = api(
        "InitiateAuth",
        AuthFlow="USER_SRP_AUTH",
        ClientId=setup.client_id,
        AuthParameters={"USERNAME": "alice", "SRP_A": format(s.A, "x")},
    )
    cp = init["ChallengeParameters"]
    ts, sig = s.claim(
        setup.pool_name, "alice", PASSWORD, cp["SALT"], cp["SRP_B"], cp["SECRET_BLOCK"]
    )
    answer = {
        "ChallengeName": "PASSWORD_VERIFIER",
        "ClientId": setup.client_id,
        "Session": init["Session"],
        "ChallengeResponses": {
            "USERNAME": "alice",
            "TIMESTAMP": ts,
            "PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"],
            "PASSWORD_CLAIM_SIGNATURE": sig,
        },
    }
    assert "AuthenticationResult" in api("RespondToAuthChallenge", **answer)
    with pytest.raises(CognitoError) as err:
        api("RespondToAuthChallenge", **answer)
    assert err.value.name == "NotAuthorizedException"
    assert "only be used once" in err.value.message


def test_session_expires(setup: PoolSetup) -> None:
    _user(setup)
    s = SrpSession()
    init = setup.api(
        "InitiateAuth",
        AuthFlow="USER_SRP_AUTH",
        ClientId=setup.client_id,
        AuthParameters={"USERNAME": "alice", "SRP_A": format(s.A, "x")},
    )
    cp = init["ChallengeParameters"]
    setup.server.emulator.advance_clock(200)
    ts, sig = s.claim(
        setup.pool_name,
        "alice",
        PASSWORD,
        cp["SALT"],
        cp["SRP_B"],
        cp["SECRET_BLOCK"],
        when=datetime.now(UTC) + timedelta(seconds=200),
    )
    with pytest.raises(CognitoError) as err:
        setup.api(
            "RespondToAuthChallenge",
            ChallengeName="PASSWORD_VERIFIER",
            ClientId=setup.client_id,
            Session=init["Session"],
            ChallengeResponses={
                "USERNAME": "alice",
                "TIMESTAMP": ts,
                "PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"],
                "PASSWORD_CLAIM_SIGNATURE": sig,
            },
        )
    assert "expired" in err.value.message


@pytest.mark.parametrize("bad_a", [N_HEX, format(2 * int(N_HEX, 16), "x"), "0"])
def test_a_mod_n_zero_rejected(setup: PoolSetup, bad_a: str) -> None:
    _user(setup)
    with pytest.raises(CognitoError) as err:
        setup.api(
            "InitiateAuth",
            AuthFlow="USER_SRP_AUTH",
            ClientId=setup.client_id,
            AuthParameters={"USERNAME": "alice", "SRP_A": bad_a},
        )
    assert err.value.name == "InvalidParameterException"


def test_user_password_auth_uses_same_verifier(setup: PoolSetup) -> None:
    _user(setup)
    out = setup.api(
        "InitiateAuth",
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=setup.client_id,
        AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD},
    )
    assert "AccessToken" in out["AuthenticationResult"]
    with pytest.raises(CognitoError) as err:
        setup.api(
            "InitiateAuth",
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=setup.client_id,
            AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD.lower()},
        )
    assert err.value.message == "Incorrect username or password."


def test_user_password_auth_needs_client_flow(emulator: EmulatorServer) -> None:
    pool_id = emulator.create_pool()
    client_id = emulator.create_client(pool_id)  # default flows: no USER_PASSWORD_AUTH
    emulator.create_user(pool_id, "bob", PASSWORD)
    with pytest.raises(CognitoError) as err:
        Api(emulator.endpoint)(
            "InitiateAuth",
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=client_id,
            AuthParameters={"USERNAME": "bob", "PASSWORD": PASSWORD},
        )
    assert err.value.name == "InvalidParameterException"


def test_lockout_after_five_failures(setup: PoolSetup) -> None:
    _user(setup)
    for _ in range(5):
        with pytest.raises(CognitoError) as err:
            srp_sign_in(setup.api, setup.pool_id, setup.client_id, "alice", "Wr0ng-pass!")
        assert err.value.message == "Incorrect username or password."
    for attempt in (
        lambda: srp_sign_in(setup.api, setup.pool_id, setup.client_id, "alice", PASSWORD),
        lambda: setup.api(
            "InitiateAuth",
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=setup.client_id,
            AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD},
        ),
    ):
        with pytest.raises(CognitoError) as err:
            attempt()
        assert err.value.name == "NotAuthorizedException"
        assert err.value.message == "Password attempts exceeded"
    setup.server.emulator.advance_clock(setup.server.config.lockout_seconds + 1)
    assert "AuthenticationResult" in srp_sign_in(
        setup.api,
        setup.pool_id,
        setup.client_id,
        "alice",
        PASSWORD,
        when=datetime.now(UTC) + timedelta(seconds=setup.server.config.lockout_seconds + 1),
    )


def test_unknown_and_unconfirmed_users(setup: PoolSetup) -> None:
    with pytest.raises(CognitoError) as err:
        srp_sign_in(setup.api, setup.pool_id, setup.client_id, "nobody", PASSWORD)
    assert err.value.name == "UserNotFoundException"
    setup.server.create_user(setup.pool_id, "carol", PASSWORD, confirmed=False)
    with pytest.raises(CognitoError) as err:
        srp_sign_in(setup.api, setup.pool_id, setup.client_id, "carol", PASSWORD)
    assert err.value.name == "UserNotConfirmedException"


def test_prevent_user_existence_errors(emulator: EmulatorServer) -> None:
    pool_id = emulator.create_pool()
    client_id = emulator.create_client(pool_id, PreventUserExistenceErrors="ENABLED")
    with pytest.raises(CognitoError) as err:
        srp_sign_in(Api(emulator.endpoint), pool_id, client_id, "ghost", PASSWORD)
    assert err.value.name == "NotAuthorizedException"


def test_no_password_stored(tmp_path: object) -> None:
    from pathlib import Path

    data = Path(str(tmp_path)) / "state.sqlite"
    secret = "Unusual-Passw0rd-XYZZY!"
    with EmulatorServer(data=str(data)) as server:
        pool_id = server.create_pool()
        client_id = server.create_client(pool_id)
        api = Api(server.endpoint)
        api("SignUp", ClientId=client_id, Username="dave", Password=secret)
    conn = sqlite3.connect(data)
    dump = "\n".join(conn.iterdump())
    conn.close()
    assert "dave" in dump and secret not in dump
    assert '"verifier":"' in dump and '"salt":"' in dump


def test_secret_hash_required_for_secret_clients(emulator: EmulatorServer) -> None:
    import base64
    import hashlib
    import hmac

    pool_id = emulator.create_pool()
    client = emulator.call(
        "CreateUserPoolClient", {"UserPoolId": pool_id, "ClientName": "s", "GenerateSecret": True}
    )["UserPoolClient"]
    api = Api(emulator.endpoint)
    with pytest.raises(CognitoError) as err:
        api("SignUp", ClientId=client["ClientId"], Username="erin", Password=PASSWORD)
    assert err.value.name == "NotAuthorizedException"
    digest = hmac.new(
        client["ClientSecret"].encode(), ("erin" + client["ClientId"]).encode(), hashlib.sha256
    ).digest()
    api(
        "SignUp",
        ClientId=client["ClientId"],
        Username="erin",
        Password=PASSWORD,
        SecretHash=base64.b64encode(digest).decode(),
    )
    with pytest.raises(CognitoError) as err:
        api(
            "SignUp",
            ClientId=client["ClientId"],
            Username="fred",
            Password=PASSWORD,
            SecretHash=base64.b64encode(digest).decode(),
        )
    assert "Unable to verify secret hash" in err.value.message


def test_concurrent_replays_of_one_answer_only_one_wins(setup: PoolSetup) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    _user(setup)
    s = SrpSession()
    init = setup.api(
        "InitiateAuth",
        AuthFlow="USER_SRP_AUTH",
        ClientId=setup.client_id,
        AuthParameters={"USERNAME": "alice", "SRP_A": format(s.A, "x")},
    )
    cp = init["ChallengeParameters"]
    ts, sig = s.claim(
        setup.pool_name, "alice", PASSWORD, cp["SALT"], cp["SRP_B"], cp["SECRET_BLOCK"]
    )
    answer = {
        "ChallengeName": "PASSWORD_VERIFIER",
        "ClientId": setup.client_id,
        "Session": init["Session"],
        "ChallengeResponses": {
            "USERNAME": "alice",
            "TIMESTAMP": ts,
            "PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"],
            "PASSWORD_CLAIM_SIGNATURE": sig,
        },
    }
    barrier = threading.Barrier(12)

    def replay(_: int) -> str:
        with httpx.Client(timeout=60) as http:
            api = Api(setup.server.endpoint, http)
            barrier.wait()
            try:
                api("RespondToAuthChallenge", **answer)
            except CognitoError as err:
                return err.name
            return "ok"

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(replay, range(12)))
    assert results.count("ok") == 1
    assert results.count("NotAuthorizedException") == 11
