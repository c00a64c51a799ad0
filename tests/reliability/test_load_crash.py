"""Emulator load (sign-ins from many concurrent clients, p50/p99 printed) and crash safety
(kill -9 during a write burst, restart: nothing acknowledged is lost, sqlite intact)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from reliability_helpers import PASSWORD, fast_retry

from amazon_cognito_identity import (
    AuthenticationDetails,
    Client,
    CognitoUser,
    CognitoUserAttribute,
    CognitoUserPool,
    MemoryStorage,
    UrllibTransport,
)
from amazon_cognito_identity.errors import CognitoError, NotAuthorizedException

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    endpoint: str
    pool_id: str
    client_id: str
    log: Path


def start_server(data: Path, workdir: Path, workers: int = 0) -> Server:
    """``python -m cognito_emulator`` on a free port with a file store and the demo pool."""
    port = free_port()
    config = workdir / "config.json"
    log = workdir / f"emulator-{port}.log"
    cmd = [sys.executable, "-m", "cognito_emulator", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--data", str(data), "--demo-config", str(config), "--workers", str(workers)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"emulator did not start: {log.read_text()}") from None
            time.sleep(0.05)
    meta = json.loads(config.read_text())
    return Server(proc, f"http://127.0.0.1:{port}/", meta["userPoolId"], meta["clientId"], log)


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Any]:
    started: list[Server] = []

    def start(data: Path, workers: int = 0) -> Server:
        server = start_server(data, tmp_path, workers)
        started.append(server)
        return server

    yield start
    for server in started:
        if server.proc.poll() is None:
            server.proc.terminate()
            try:
                server.proc.wait(10)
            except subprocess.TimeoutExpired:
                server.proc.kill()


def admin(server: Server) -> Client:
    return Client(region="us-east-1", endpoint=server.endpoint, retry=fast_retry())


async def create_user(server: Server, name: str) -> None:
    api = admin(server)
    await api.call(
        "AdminCreateUser",
        {
            "UserPoolId": server.pool_id,
            "Username": name,
            "MessageAction": "SUPPRESS",
            "UserAttributes": [{"Name": "email", "Value": f"{name}@example.com"}],
        },
    )
    await api.call(
        "AdminSetUserPassword",
        {"UserPoolId": server.pool_id, "Username": name, "Password": PASSWORD, "Permanent": True},
    )


def sdk_pool(server: Server) -> CognitoUserPool:
    return CognitoUserPool(
        user_pool_id=server.pool_id,
        client_id=server.client_id,
        endpoint=server.endpoint,
        storage=MemoryStorage(),
        transport=UrllibTransport(timeout=60),
        retry=fast_retry(),
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run_load(server: Server, sign_ins: int, clients: int) -> dict[str, Any]:
    users = [f"load{i}" for i in range(clients)]
    await asyncio.gather(*(create_user(server, u) for u in users))
    wrong_users = [f"wrong{i}" for i in range(max(1, sign_ins // 10 // 3 + 1))]
    await asyncio.gather(*(create_user(server, u) for u in wrong_users))
    latencies: list[float] = []
    wrong_rejected = 0
    wrong_attempts = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(sign_ins):
        queue.put_nowait(i)

    async def client(k: int) -> None:
        nonlocal wrong_rejected, wrong_attempts
        pool = sdk_pool(server)
        while True:
            try:
                i = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            if i % 10 == 9:  # one attempt in ten has a wrong password (<= 3 per user)
                name = wrong_users[(i // 10) % len(wrong_users)]
                wrong_attempts += 1
                try:
                    await CognitoUser(name, pool).authenticate_user(
                        AuthenticationDetails(name, "Wr0ng-Passw0rd!")
                    )
                except NotAuthorizedException:
                    wrong_rejected += 1
                continue
            name = users[k]
            start = time.perf_counter()
            user = CognitoUser(name, pool)
            session = await user.authenticate_user(AuthenticationDetails(name, PASSWORD))
            latencies.append(time.perf_counter() - start)
            access = session.get_access_token().decode_payload()  # type: ignore[union-attr]
            assert access["username"] == name

    started = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(clients)))
    elapsed = time.perf_counter() - started
    return {
        "sign_ins": len(latencies),
        "expected": sign_ins - wrong_attempts,
        "wrong_attempts": wrong_attempts,
        "wrong_rejected": wrong_rejected,
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "mean_ms": round(statistics.mean(latencies) * 1000, 1),
        "per_second": round(len(latencies) / elapsed, 1),
    }


def check_load(stats: dict[str, Any], capsys: pytest.CaptureFixture[str], label: str) -> None:
    with capsys.disabled():
        print(f"\n[reliability] emulator load {label}: {json.dumps(stats)}")
    assert stats["sign_ins"] == stats["expected"]  # none lost
    assert stats["wrong_rejected"] == stats["wrong_attempts"] > 0


async def test_load_small(
    server_factory: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = server_factory(tmp_path / "load.sqlite")
    check_load(
        await run_load(server, sign_ins=100, clients=10), capsys, "100 sign-ins / 10 clients"
    )


@pytest.mark.long
async def test_load_1000_sign_ins_50_clients(
    server_factory: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = server_factory(tmp_path / "load.sqlite", workers=2)
    stats = await run_load(server, sign_ins=1000, clients=50)
    check_load(stats, capsys, "1000 sign-ins / 50 clients")


async def test_kill_9_during_write_burst_loses_nothing_acknowledged(
    server_factory: Any, tmp_path: Path
) -> None:
    data = tmp_path / "state.sqlite"
    server = server_factory(data)
    device_users = [f"dev{i}" for i in range(4)]
    await asyncio.gather(*(create_user(server, u) for u in device_users))
    signed_up: list[str] = []
    devices: dict[str, str] = {}
    stop = asyncio.Event()

    async def sign_ups(k: int) -> None:
        pool = sdk_pool(server)
        pool.client.retry_policy = pool.client.retry_policy.never()
        i = 0
        while not stop.is_set():
            name = f"burst{k}x{i}"
            i += 1
            attrs = [CognitoUserAttribute("email", f"{name}@example.com")]
            try:
                await pool.sign_up(name, PASSWORD, attrs)
            except CognitoError:
                return  # the server died: this one was not acknowledged
            signed_up.append(name)

    async def device_sign_ins(name: str) -> None:
        pool = sdk_pool(server)
        pool.client.retry_policy = pool.client.retry_policy.never()
        while not stop.is_set():
            user = CognitoUser(name, pool, MemoryStorage())
            try:
                await user.authenticate_user(AuthenticationDetails(name, PASSWORD))
            except CognitoError:
                return
            if user.device_key and user.device_error is None:
                devices[user.device_key] = name  # ConfirmDevice was acknowledged

    async def killer() -> None:
        while len(signed_up) < 40 or len(devices) < 4:
            await asyncio.sleep(0.02)
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(10)
        stop.set()

    await asyncio.wait_for(
        asyncio.gather(
            killer(),
            *(sign_ups(k) for k in range(8)),
            *(device_sign_ins(n) for n in device_users),
        ),
        timeout=120,
    )
    assert server.proc.returncode == -signal.SIGKILL
    with sqlite3.connect(data) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    restarted = server_factory(data)
    assert (restarted.pool_id, restarted.client_id) == (server.pool_id, server.client_id)
    api = admin(restarted)
    for name in signed_up:
        await api.call("AdminGetUser", {"UserPoolId": server.pool_id, "Username": name})
    by_user: dict[str, set[str]] = {}
    for key, name in devices.items():
        by_user.setdefault(name, set()).add(key)
    for name, keys in by_user.items():
        user = CognitoUser(name, sdk_pool(restarted))
        user.set_authentication_flow_type("USER_PASSWORD_AUTH")
        await user.authenticate_user(AuthenticationDetails(name, PASSWORD))
        listed = await user.list_devices(60)
        assert keys <= {d["DeviceKey"] for d in listed["Devices"]}
    with sqlite3.connect(data) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
