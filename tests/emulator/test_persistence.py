"""Durability: restart on the same file keeps everything; kill -9 loses no acknowledged write."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from cognito_emulator.testing import EmulatorServer

from .srp_client import Api, CognitoError, device_sign_in, device_verifier, srp_sign_in

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Passw0rd!"


def test_restart_keeps_users_devices_keys(tmp_path: Path) -> None:
    data = str(tmp_path / "state.sqlite")
    with EmulatorServer(data=data) as server:
        pool_id = server.create_pool(DeviceConfiguration={"ChallengeRequiredOnNewDevice": True})
        client_id = server.create_client(pool_id)
        server.create_user(pool_id, "alice", PASSWORD)
        api = Api(server.endpoint)
        result = srp_sign_in(api, pool_id, client_id, "alice", PASSWORD)["AuthenticationResult"]
        meta = result["NewDeviceMetadata"]
        device_password, config = device_verifier(meta["DeviceGroupKey"], meta["DeviceKey"])
        api(
            "ConfirmDevice",
            AccessToken=result["AccessToken"],
            DeviceKey=meta["DeviceKey"],
            DeviceSecretVerifierConfig=config,
        )
        jwks = httpx.get(f"{server.endpoint}{pool_id}/.well-known/jwks.json").json()
    with EmulatorServer(data=data) as server:
        api = Api(server.endpoint)
        assert httpx.get(f"{server.endpoint}{pool_id}/.well-known/jwks.json").json() == jwks
        # The old access token still verifies (same key, origin still valid).
        assert api("GetUser", AccessToken=result["AccessToken"])["Username"] == "alice"
        challenge = srp_sign_in(
            api, pool_id, client_id, "alice", PASSWORD, device_key=meta["DeviceKey"]
        )
        assert challenge["ChallengeName"] == "DEVICE_SRP_AUTH"
        out = device_sign_in(
            api,
            client_id,
            "alice",
            meta["DeviceKey"],
            meta["DeviceGroupKey"],
            device_password,
            challenge["Session"],
        )
        assert "AuthenticationResult" in out
        refreshed = api(
            "InitiateAuth",
            AuthFlow="REFRESH_TOKEN_AUTH",
            ClientId=client_id,
            AuthParameters={"REFRESH_TOKEN": result["RefreshToken"]},
        )
        assert "AccessToken" in refreshed["AuthenticationResult"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(data: Path, seed: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cognito_emulator",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data",
            str(data),
            "--seed",
            str(seed),
            "--quiet",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/_emulator/health").status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(proc.stdout.read().decode() if proc.stdout else "no output")


def test_kill_9_during_write_burst_loses_no_acknowledged_sign_up(tmp_path: Path) -> None:
    data = tmp_path / "state.sqlite"
    seed = tmp_path / "seed.json"
    pool_id, client_id = "us-east-1_Durable1", "durableclient0001"
    seed.write_text(
        json.dumps(
            {
                "pools": [
                    {
                        "PoolName": "durable",
                        "Id": pool_id,
                        "clients": [{"ClientName": "c", "ClientId": client_id}],
                    }
                ]
            }
        )
    )
    port = _free_port()
    proc = _start(data, seed, port)
    acked: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(worker: int) -> None:
        with httpx.Client(timeout=10) as http:
            api = Api(f"http://127.0.0.1:{port}/", http)
            i = 0
            while not stop.is_set():
                name = f"w{worker}-{i}"
                i += 1
                try:
                    api("SignUp", ClientId=client_id, Username=name, Password=PASSWORD)
                except (httpx.HTTPError, CognitoError):
                    continue  # not acknowledged: may or may not be there
                with lock:
                    acked.append(name)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while len(acked) < 60 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)  # mid-burst: writers are still sending
    proc.wait()
    stop.set()
    for t in threads:
        t.join()
    with lock:
        acknowledged = list(acked)
    assert len(acknowledged) >= 60
    conn = sqlite3.connect(data)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    proc = _start(data, seed, port)
    try:
        api = Api(f"http://127.0.0.1:{port}/")
        users: set[str] = set()
        token = None
        while True:
            params = {"UserPoolId": pool_id, "Limit": 60}
            if token:
                params["PaginationToken"] = token
            page = api("ListUsers", **params)
            users |= {u["Username"] for u in page["Users"]}
            token = page.get("PaginationToken")
            if not token:
                break
        missing = [name for name in acknowledged if name.lower() not in users]
        assert missing == [], f"{len(missing)} acknowledged sign-ups lost"
        print(
            f"acknowledged {len(acknowledged)} sign-ups before kill -9; "
            f"{len(users)} users after restart"
        )
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.parametrize("workers", [1, 2])
def test_cli_demo_config(tmp_path: Path, workers: int) -> None:
    config_path = tmp_path / "web" / "config.json"
    data = tmp_path / "state.sqlite"
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    cmd = [
        sys.executable,
        "-m",
        "cognito_emulator",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--data",
        str(data),
        "--demo-config",
        str(config_path),
        "--workers",
        str(workers),
    ]
    configs = []
    for _ in range(2):  # idempotent: the same pool and client the second time
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert proc.stdout is not None and proc.stderr is not None
            lines = []
            for _ in range(5):
                line = proc.stdout.readline().decode()
                lines.append(line)
                if "listening" in line:
                    break
            assert f"http://127.0.0.1:{port}/" in lines[-1]
            config = json.loads(config_path.read_text())
            configs.append(config)
            assert config["endpoint"] == f"http://127.0.0.1:{port}/" and config["emulator"]
            deadline = time.monotonic() + 20
            while True:
                try:
                    httpx.get(f"http://127.0.0.1:{port}/_emulator/health")
                    break
                except httpx.HTTPError:
                    assert time.monotonic() < deadline
                    time.sleep(0.05)
            api = Api(f"http://127.0.0.1:{port}/")
            pool = api("DescribeUserPool", UserPoolId=config["userPoolId"])["UserPool"]
            assert pool["MfaConfiguration"] == "OPTIONAL"
            assert pool["DeviceConfiguration"]["DeviceOnlyRememberedOnUserPrompt"] is True
            name = f"demo{len(configs)}"
            api(
                "SignUp",
                ClientId=config["clientId"],
                Username=name,
                Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}],
            )
        finally:
            proc.terminate()
            _out, err = proc.communicate(timeout=10)
        # The outbox code is printed to the console.
        assert f"signup for {name}" in err.decode()
    assert configs[0] == configs[1]
