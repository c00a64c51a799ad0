"""SRP abuse: a malicious server against the client, malicious clients against the emulator,
and a scan proving secrets are compared in constant time."""

from __future__ import annotations

import ast
import base64
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from reliability_helpers import PASSWORD, Env, new_env

from amazon_cognito_identity import (
    AuthenticationDetails,
    Client,
    CognitoUser,
    CognitoUserPool,
    HttpRequest,
    HttpResponse,
    MemoryStorage,
    MockTransport,
)
from amazon_cognito_identity import srp as client_srp
from amazon_cognito_identity.errors import (
    CognitoError,
    InvalidParameterException,
    NotAuthorizedException,
    SRPError,
)

SRC = Path(__file__).resolve().parents[2] / "src"
N = client_srp.N
K = client_srp.K

# ---------------------------------------------------------------- malicious server -> client

EVIL_B = {
    "zero": 0,
    "N": N,
    "kN": K * N,
    "2N": 2 * N,
    "minus_N": -N,
}


@pytest.mark.parametrize("b", list(EVIL_B.values()), ids=list(EVIL_B))
def test_client_helper_refuses_b_multiple_of_n(b: int) -> None:
    helper = client_srp.AuthenticationHelper("Pool1")
    with pytest.raises(SRPError):
        helper.get_password_authentication_key("alice", "pw", b, 12345)


@pytest.mark.parametrize("b", list(EVIL_B.values()), ids=list(EVIL_B))
async def test_client_sign_in_refuses_evil_b_and_sends_no_proof(b: int) -> None:
    """A server answering SRP_B = 0 / N / kN gets an SRPError and never a password claim."""

    def answer(request: HttpRequest) -> HttpResponse:
        body = {
            "ChallengeName": "PASSWORD_VERIFIER",
            "Session": "s",
            "ChallengeParameters": {
                "SALT": "abcdef",
                "SRP_B": format(b, "x") if b >= 0 else "-" + format(-b, "x"),
                "SECRET_BLOCK": base64.b64encode(b"block").decode(),
                "USER_ID_FOR_SRP": "alice",
                "USERNAME": "alice",
            },
        }
        return HttpResponse(200, {}, json.dumps(body).encode())

    transport = MockTransport(answer)
    storage = MemoryStorage()
    pool = CognitoUserPool(
        user_pool_id="us-east-1_Pool1", client_id="c", storage=storage, transport=transport
    )
    user = CognitoUser("alice", pool)
    with pytest.raises(SRPError):
        await user.authenticate_user(AuthenticationDetails("alice", PASSWORD))
    assert transport.targets() == ["InitiateAuth"]
    assert storage.keys() == []


# ---------------------------------------------------------------- malicious client -> emulator


def raw(env: Env) -> Client:
    """A bare client: no retries, so each refusal is seen as sent."""
    return Client(region="us-east-1", endpoint=env.emu.endpoint)


async def initiate(env: Env, username: str, helper: client_srp.AuthenticationHelper) -> Any:
    return await raw(env).call(
        "InitiateAuth",
        {
            "AuthFlow": "USER_SRP_AUTH",
            "ClientId": env.client_id,
            "AuthParameters": {"USERNAME": username, "SRP_A": helper.get_large_a_hex()},
        },
        retry=False,
    )


def claim(
    env: Env,
    helper: client_srp.AuthenticationHelper,
    challenge: dict[str, Any],
    password: str,
    *,
    secret_block: str | None = None,
    timestamp: str | None = None,
) -> dict[str, str]:
    """The honest client's PASSWORD_VERIFIER answer (with optional substitutions)."""
    params = challenge["ChallengeParameters"]
    user_id = params["USER_ID_FOR_SRP"]
    pool_name = env.pool_id.split("_", 1)[1]
    key = helper.get_password_authentication_key(
        user_id,
        password,
        client_srp.parse_srp_int(params["SRP_B"]),
        client_srp.parse_srp_int(params["SALT"]),
    )
    block = secret_block or params["SECRET_BLOCK"]
    stamp = timestamp or client_srp.format_timestamp()
    return {
        "USERNAME": user_id,
        "PASSWORD_CLAIM_SECRET_BLOCK": block,
        "TIMESTAMP": stamp,
        "PASSWORD_CLAIM_SIGNATURE": client_srp.password_claim_signature(
            key, pool_name, user_id, block, stamp
        ),
    }


async def respond(env: Env, session: str, answers: dict[str, str]) -> Any:
    return await raw(env).call(
        "RespondToAuthChallenge",
        {
            "ChallengeName": "PASSWORD_VERIFIER",
            "ClientId": env.client_id,
            "ChallengeResponses": answers,
            "Session": session,
        },
        retry=False,
    )


@pytest.fixture(scope="module")
def env(own_emulator: Any) -> Env:
    return new_env(own_emulator)


@pytest.mark.parametrize("a", ["0", format(N, "x"), format(2 * N, "x"), "-" + format(N, "x")])
async def test_emulator_refuses_a_zero_mod_n(env: Env, a: str) -> None:
    name = env.user()
    with pytest.raises(InvalidParameterException):
        await raw(env).call(
            "InitiateAuth",
            {
                "AuthFlow": "USER_SRP_AUTH",
                "ClientId": env.client_id,
                "AuthParameters": {"USERNAME": name, "SRP_A": a},
            },
            retry=False,
        )


async def test_honest_exchange_works_then_replay_is_refused(env: Env) -> None:
    name = env.user()
    helper = client_srp.AuthenticationHelper(env.pool_id.split("_", 1)[1])
    challenge = await initiate(env, name, helper)
    answers = claim(env, helper, challenge, PASSWORD)
    first = await respond(env, challenge["Session"], answers)
    assert "AccessToken" in first["AuthenticationResult"]
    with pytest.raises(NotAuthorizedException):
        await respond(env, challenge["Session"], answers)


async def test_wrong_password_is_refused(env: Env) -> None:
    name = env.user()
    helper = client_srp.AuthenticationHelper(env.pool_id.split("_", 1)[1])
    challenge = await initiate(env, name, helper)
    with pytest.raises(NotAuthorizedException):
        await respond(env, challenge["Session"], claim(env, helper, challenge, "Wr0ng-pass!"))


async def test_signature_over_another_users_secret_block_is_refused(env: Env) -> None:
    """Mallory knows her own password only; she cannot finish Alice's exchange."""
    pool_name = env.pool_id.split("_", 1)[1]
    alice, mallory = env.user(), env.user(password="Mall0ry-pass!")
    h_alice = client_srp.AuthenticationHelper(pool_name)
    h_mallory = client_srp.AuthenticationHelper(pool_name)
    c_alice = await initiate(env, alice, h_alice)
    c_mallory = await initiate(env, mallory, h_mallory)
    alice_block = c_alice["ChallengeParameters"]["SECRET_BLOCK"]
    # 1. Mallory's valid proof, but over Alice's secret block, in Mallory's session.
    forged = claim(env, h_mallory, c_mallory, "Mall0ry-pass!", secret_block=alice_block)
    with pytest.raises(NotAuthorizedException):
        await respond(env, c_mallory["Session"], forged)
    # 2. The same, sent in Alice's session.
    with pytest.raises(NotAuthorizedException):
        await respond(env, c_alice["Session"], forged)
    # 3. Mallory's answer naming Alice, signed with Mallory's key, in a fresh Alice session.
    c_alice = await initiate(env, alice, h_alice)
    h_m2 = client_srp.AuthenticationHelper(pool_name)
    c_m2 = await initiate(env, mallory, h_m2)
    answers = claim(env, h_m2, c_m2, "Mall0ry-pass!")
    answers["USERNAME"] = alice
    answers["PASSWORD_CLAIM_SECRET_BLOCK"] = c_alice["ChallengeParameters"]["SECRET_BLOCK"]
    with pytest.raises(NotAuthorizedException):
        await respond(env, c_alice["Session"], answers)


@pytest.mark.parametrize("minutes", [-10, 10, -60 * 24])
async def test_stale_or_future_timestamp_is_refused(env: Env, minutes: int) -> None:
    name = env.user()
    helper = client_srp.AuthenticationHelper(env.pool_id.split("_", 1)[1])
    challenge = await initiate(env, name, helper)
    stamp = client_srp.format_timestamp(datetime.now(UTC) + timedelta(minutes=minutes))
    with pytest.raises(NotAuthorizedException):
        await respond(
            env, challenge["Session"], claim(env, helper, challenge, PASSWORD, timestamp=stamp)
        )


async def test_garbage_signatures_are_refused(env: Env) -> None:
    name = env.user()
    helper = client_srp.AuthenticationHelper(env.pool_id.split("_", 1)[1])
    for signature in ("", "not base64!", base64.b64encode(b"\0" * 32).decode()):
        challenge = await initiate(env, name, helper)
        answers = claim(env, helper, challenge, PASSWORD)
        answers["PASSWORD_CLAIM_SIGNATURE"] = signature
        with pytest.raises(CognitoError) as info:
            await respond(env, challenge["Session"], answers)
        assert info.value.status_code == 400


# ---------------------------------------------------------------- constant-time comparisons

SECRET_WORDS = (
    "signature",
    "sig",
    "hmac",
    "digest",
    "secret",
    "verifier",
    "code",
    "mac",
    "password",
)


def _names(node: ast.AST) -> str:
    return " ".join(
        n.id
        if isinstance(n, ast.Name)
        else n.attr
        if isinstance(n, ast.Attribute)
        else (n.value if isinstance(n, ast.Constant) and isinstance(n.value, str) else "")
        for n in ast.walk(node)
    ).lower()


def _secret_equality(path: Path) -> list[str]:
    """``==``/``!=`` whose operands mention a secret-like name (signatures, hmacs, codes...)."""
    tree = ast.parse(path.read_text(), str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        if not any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
            continue
        operands = [node.left, *node.comparators]
        # A comparison with a literal (None, a name constant, a challenge name) is not a
        # comparison of two secrets.
        if any(isinstance(o, ast.Constant) for o in operands):
            continue
        # Lengths are public (len(signature) != k).
        if any(isinstance(o, ast.Call) and getattr(o.func, "id", "") == "len" for o in operands):
            continue
        text = " ".join(_names(o) for o in operands)
        # Whole name parts only ("decoded" is not a "code"): split identifiers on _ and dots.
        parts = set(re.split(r"[^a-z0-9]+", text))
        words = [w for w in SECRET_WORDS if w in parts or f"{w}s" in parts]
        if words and "challenge" not in text and "kind" not in text:
            found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_secret_is_compared_with_equals() -> None:
    files = sorted(SRC.rglob("*.py"))
    assert len(files) > 20
    offenders = [hit for f in files for hit in _secret_equality(f)]
    assert offenders == []


@pytest.mark.parametrize(
    ("module", "function"),
    [
        ("cognito_emulator/signin.py", "verify_claim"),
        ("cognito_emulator/codes.py", "check_code"),
        ("cognito_emulator/model.py", "check_secret_hash"),
    ],
)
def test_secret_checks_use_compare_digest(module: str, function: str) -> None:
    tree = ast.parse((SRC / module).read_text())
    funcs = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function]
    assert funcs, f"{function} not found in {module}"
    calls = {
        n.func.attr
        for n in ast.walk(funcs[0])
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
    }
    assert "compare_digest" in calls


def test_the_scan_finds_a_plain_comparison(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "def check(given, key, msg):\n"
        "    expected_signature = hmac.new(key, msg, 'sha256').digest()\n"
        "    return given == expected_signature\n"
        "def ok(name):\n"
        "    return name == 'PASSWORD_VERIFIER'\n"
    )
    assert [hit.split(":")[1] for hit in _secret_equality(bad)] == ["3"]
