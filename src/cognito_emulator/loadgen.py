"""Sign-in load generator: ``python -m cognito_emulator.loadgen --endpoint URL``.

Creates a pool, a client and users through the admin API, then runs SRP sign-ins from several
client processes (threads inside each) so that client-side maths does not share the server's
GIL. Every fourth attempt (``--wrong-every``) uses a wrong password and must be rejected.
Prints one JSON line: attempts, ok, rejected, errors, seconds, sign_ins_per_s.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import secrets
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from . import srp

PASSWORD = "Load-Passw0rd!"  # noqa: S105 - a load-test user, not a secret
WRONG = "Wrong-Passw0rd!"


class _Conn:
    """One keep-alive HTTP connection per thread."""

    def __init__(self, endpoint: str) -> None:
        parts = urlsplit(endpoint)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=300)

    def call(self, op: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        body = json.dumps(params)
        headers = {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AWSCognitoIdentityProviderService.{op}",
        }
        for attempt in range(2):
            try:
                self.conn.request("POST", "/", body, headers)
                resp = self.conn.getresponse()
                return resp.status, dict(json.loads(resp.read()))
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


def _sign_in(conn: _Conn, pool_id: str, client_id: str, username: str, password: str) -> str:
    a = secrets.randbits(256) | 1
    large_a = srp.powmod(srp.G, a, srp.N)
    status, init = conn.call(
        "InitiateAuth",
        {
            "AuthFlow": "USER_SRP_AUTH",
            "ClientId": client_id,
            "AuthParameters": {"USERNAME": username, "SRP_A": format(large_a, "x")},
        },
    )
    if status != 200:
        return str(init.get("__type"))
    cp = init["ChallengeParameters"]
    large_b, salt = int(cp["SRP_B"], 16), int(cp["SALT"], 16)
    pool_name = pool_id.split("_", 1)[1]
    u = srp.compute_u(large_a, large_b)
    x = srp.compute_x(salt, pool_name, cp["USER_ID_FOR_SRP"], password)
    base = (large_b - srp.K * srp.powmod(srp.G, x, srp.N)) % srp.N
    s = srp.powmod(base, a + u * x, srp.N)
    key = srp.hkdf_key(u, s)
    ts = srp.format_timestamp(datetime.now(UTC))
    msg = (
        pool_name.encode()
        + cp["USER_ID_FOR_SRP"].encode()
        + base64.b64decode(cp["SECRET_BLOCK"])
        + ts.encode()
    )
    sig = base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()
    status, out = conn.call(
        "RespondToAuthChallenge",
        {
            "ChallengeName": "PASSWORD_VERIFIER",
            "ClientId": client_id,
            "Session": init["Session"],
            "ChallengeResponses": {
                "USERNAME": cp["USER_ID_FOR_SRP"],
                "TIMESTAMP": ts,
                "PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"],
                "PASSWORD_CLAIM_SIGNATURE": sig,
            },
        },
    )
    if status == 200 and "AuthenticationResult" in out:
        return "ok"
    return f"{out.get('__type')}: {out.get('message')}"


def _worker(args: tuple[str, str, str, list[tuple[str, bool]], int, float]) -> list[str]:
    endpoint, pool_id, client_id, plan, threads, start_at = args
    local = threading.local()

    def one(item: tuple[str, bool]) -> str:
        if not hasattr(local, "conn"):
            local.conn = _Conn(endpoint)
        name, wrong = item
        result = _sign_in(local.conn, pool_id, client_id, name, WRONG if wrong else PASSWORD)
        expected = "NotAuthorizedException: Incorrect username or password." if wrong else "ok"
        if result == expected:
            return "rejected" if wrong else "ok"
        return f"error {result}"

    time.sleep(max(0.0, start_at - time.time()))
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, plan))


def setup(endpoint: str, users: int) -> tuple[str, str]:
    """A fresh pool, client and users (with permanent passwords)."""
    conn = _Conn(endpoint)
    try:
        _s, pool = conn.call("CreateUserPool", {"PoolName": f"load-{secrets.token_hex(3)}"})
        pool_id = pool["UserPool"]["Id"]
        _s, client = conn.call(
            "CreateUserPoolClient", {"UserPoolId": pool_id, "ClientName": "load"}
        )
        for i in range(users):
            conn.call(
                "AdminCreateUser",
                {"UserPoolId": pool_id, "Username": f"load{i}", "MessageAction": "SUPPRESS"},
            )
            conn.call(
                "AdminSetUserPassword",
                {
                    "UserPoolId": pool_id,
                    "Username": f"load{i}",
                    "Password": PASSWORD,
                    "Permanent": True,
                },
            )
    finally:
        conn.close()
    return pool_id, str(client["UserPoolClient"]["ClientId"])


def _health(endpoint: str) -> dict[str, Any]:
    parts = urlsplit(endpoint)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=30)
    try:
        conn.request("GET", "/_emulator/health")
        return dict(json.loads(conn.getresponse().read()))
    finally:
        conn.close()


def modexp_ms_per_sign_in(rounds: int = 30) -> float:
    """Server-side modexp cost of one SRP sign-in (B = kv + g^b; S = (A v^u)^b), in ms."""
    v = srp.powmod(srp.G, secrets.randbits(256), srp.N)
    large_a = srp.powmod(srp.G, secrets.randbits(1024), srp.N)
    start = time.process_time()
    for _ in range(rounds):
        b = srp.new_private_b()
        srp.compute_large_b(v, b)
        srp.compute_server_s(large_a, v, secrets.randbits(256), b)
    return (time.process_time() - start) / rounds * 1000


def run(
    endpoint: str, attempts: int, concurrency: int, procs: int, users: int, wrong_every: int
) -> dict[str, Any]:
    """Run the load and return the summary."""
    pool_id, client_id = setup(endpoint, users)
    before = _health(endpoint)
    plan = [
        (f"load{i % users}", wrong_every > 0 and i % wrong_every == wrong_every - 1)
        for i in range(attempts)
    ]
    shares = [plan[p::procs] for p in range(procs)]
    threads = max(1, concurrency // procs)
    start_at = time.time() + 1.0  # let every process start before the clock runs
    with ProcessPoolExecutor(procs) as pool:
        futures = [
            pool.submit(_worker, (endpoint, pool_id, client_id, share, threads, start_at))
            for share in shares
        ]
        results = [r for f in futures for r in f.result()]
    seconds = time.time() - start_at
    after = _health(endpoint)
    errors = [r for r in results if r.startswith("error")]
    modexp_ms = modexp_ms_per_sign_in()
    extra: dict[str, Any] = {
        "server_modexp_ms_per_sign_in": round(modexp_ms, 2),
        "modexp_ceiling_sign_ins_per_s_2_cores": round(2000 / modexp_ms, 1),
    }
    # Process CPU time is only the whole server's when it is a single process.
    if not after.get("multi_process") and before.get("pid") == after.get("pid"):
        cpu_ms = (after["cpu_seconds"] - before["cpu_seconds"]) / attempts * 1000
        extra["server_cpu_ms_per_sign_in"] = round(cpu_ms, 2)
        extra["server_cpu_bound_sign_ins_per_s_per_core"] = round(1000 / cpu_ms, 1)
    return {
        **extra,
        "attempts": attempts,
        "concurrency": threads * procs,
        "client_procs": procs,
        "ok": results.count("ok"),
        "rejected": results.count("rejected"),
        "errors": len(errors),
        "first_errors": errors[:3],
        "seconds": round(seconds, 3),
        "sign_ins_per_s": round(attempts / seconds, 1),
        "powmod": srp.POWMOD_BACKEND,
    }


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(prog="python -m cognito_emulator.loadgen")
    parser.add_argument("--endpoint", default="http://127.0.0.1:9229/")
    parser.add_argument("--attempts", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--procs", type=int, default=2, help="client processes")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--wrong-every", type=int, default=4)
    args = parser.parse_args(argv)
    summary = run(
        args.endpoint, args.attempts, args.concurrency, args.procs, args.users, args.wrong_every
    )
    print(json.dumps(summary), flush=True)
    return 0 if summary["errors"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
