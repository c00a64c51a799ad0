"""Load: 200 concurrent sign-in attempts, right and wrong passwords mixed."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from cognito_emulator.state import EmulatorConfig
from cognito_emulator.testing import EmulatorServer

from .srp_client import Api, CognitoError, srp_sign_in

PASSWORD = "Passw0rd!"


def _burst(workers: int, attempts: int, users: int) -> None:
    # Sessions live an hour here, not Cognito's 3 minutes: with 1000 clients doing their SRP
    # maths in this one process on a loaded machine, a client's answer came more than 3 minutes
    # after its InitiateAuth ("Invalid session for the user, session is expired."); session
    # expiry has its own tests (test_srp_auth), this one checks outcomes under load.
    config = EmulatorConfig(print_outbox=False, compute_workers=workers, session_seconds=3600)
    with EmulatorServer(config=config) as server:
        pool_id = server.create_pool()
        client_id = server.create_client(pool_id)
        for i in range(users):
            server.create_user(pool_id, f"user{i}", PASSWORD)
        # Every 4th attempt uses a wrong password; a user gets at most attempts/users/4 wrong
        # ones, below the lockout threshold, so every outcome is determined by the password.
        plan = [(f"user{i % users}", i % 4 == 3) for i in range(attempts)]
        assert attempts // users // 4 < 5
        barrier = threading.Barrier(attempts)
        limits = httpx.Limits(max_connections=attempts, max_keepalive_connections=attempts)
        http = httpx.Client(timeout=120, limits=limits)
        api = Api(server.endpoint, http)

        def attempt(item: tuple[str, bool]) -> str:
            name, wrong = item
            barrier.wait()
            try:
                out = srp_sign_in(
                    api, pool_id, client_id, name, "Wr0ng-Passw0rd!" if wrong else PASSWORD
                )
            except CognitoError as err:
                return f"{err.name}: {err.message}"
            return "ok" if "AccessToken" in out["AuthenticationResult"] else "no token"

        start = time.perf_counter()
        with ThreadPoolExecutor(attempts) as pool:
            results = list(pool.map(attempt, plan))
        elapsed = time.perf_counter() - start
        http.close()
        for (name, wrong), result in zip(plan, results, strict=True):
            expected = "NotAuthorizedException: Incorrect username or password." if wrong else "ok"
            assert result == expected, (name, wrong, result)
        rate = attempts / elapsed
        print(
            f"\n{attempts} concurrent SRP sign-in attempts ({attempts // 4} wrong), "
            f"compute_workers={workers}: {elapsed:.2f} s, {rate:.1f} sign-ins/s "
            "(client SRP maths in the same process)"
        )


def test_200_concurrent_sign_ins() -> None:
    _burst(workers=0, attempts=200, users=50)


@pytest.mark.long
@pytest.mark.parametrize("workers", [0, 2])
def test_1000_concurrent_sign_ins(workers: int) -> None:
    _burst(workers=workers, attempts=1000, users=250)
