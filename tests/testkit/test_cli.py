"""``python -m cognito_emulator --config FILE --print-env``: what a dev server or a JS project
uses instead of the pytest plugin."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from cognito_emulator.admin import AdminClient
from cognito_emulator.config import ConfigError, check, schema

ROOT = Path(__file__).resolve().parents[2]
JS_PROJECT = Path(__file__).parent / "js_project"
NODE = shutil.which("node") or "/usr/bin/node"

CONFIG: dict[str, Any] = {
    "pools": [
        {
            "name": "shop",
            "mfa": "OPTIONAL",
            "usernameAttributes": ["email"],
            "clients": [{"name": "web"}, {"name": "backend", "generateSecret": True}],
            "users": [
                {
                    "username": "ann@example.com",
                    "password": "Ann-Passw0rd!",
                    "email": "ann@example.com",
                }
            ],
        },
        {
            "name": "admin tools",
            "id": "us-east-1_Admin1",
            "clients": [{"name": "cli", "id": "fixedcli"}],
        },
    ]
}


@contextmanager
def emulator_cli(*args: str) -> Iterator[tuple[subprocess.Popen[str], dict[str, str]]]:
    """The CLI on a free port; yields the process and the variables it printed."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "cognito_emulator", "--port", "0", "--quiet", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        env: dict[str, str] = {}
        assert proc.stdout is not None
        for line in proc.stdout:
            if line == "\n":
                break
            key, _, value = line.rstrip("\n").partition("=")
            env[key] = value
        yield proc, env
    finally:
        proc.terminate()
        proc.wait(10)


def test_print_env_names_every_pool_and_client(tmp_path: Path) -> None:
    config = tmp_path / "pools.json"
    config.write_text(json.dumps(CONFIG))
    with emulator_cli("--config", str(config), "--print-env") as (_, env):
        assert env["COGNITO_ENDPOINT"].startswith("http://127.0.0.1:")
        assert env["COGNITO_REGION"] == "us-east-1"
        assert env["COGNITO_USER_POOL_ID"] == env["COGNITO_SHOP_USER_POOL_ID"]
        assert env["COGNITO_CLIENT_ID"] == env["COGNITO_SHOP_WEB_CLIENT_ID"]
        assert "COGNITO_CLIENT_SECRET" not in env
        assert env["COGNITO_SHOP_BACKEND_CLIENT_SECRET"]
        assert env["COGNITO_ADMIN_TOOLS_USER_POOL_ID"] == "us-east-1_Admin1"
        assert env["COGNITO_ADMIN_TOOLS_CLI_CLIENT_ID"] == "fixedcli"
        admin = AdminClient(env["COGNITO_ENDPOINT"])
        pool = admin.describe_user_pool(UserPoolId=env["COGNITO_USER_POOL_ID"])["UserPool"]
        assert pool["MfaConfiguration"] == "OPTIONAL"
        assert pool["UsernameAttributes"] == ["email"]
        assert pool["AutoVerifiedAttributes"] == ["email"]
        tokens = admin.initiate_auth(
            ClientId=env["COGNITO_CLIENT_ID"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "ann@example.com", "PASSWORD": "Ann-Passw0rd!"},
        )["AuthenticationResult"]
        assert tokens["IdToken"]


def test_restart_on_the_same_data_keeps_every_id(tmp_path: Path) -> None:
    config = tmp_path / "pools.toml"
    config.write_text(
        '[[pools]]\nname = "app"\n[[pools.clients]]\nname = "web"\n'
        '[[pools.users]]\nusername = "zoe"\npassword = "Zoe-Passw0rd!"\n'
    )
    data = str(tmp_path / "state.sqlite")
    env_file = tmp_path / ".env"
    args = ("--config", str(config), "--data", data, "--env-file", str(env_file), "--print-env")
    with emulator_cli(*args, "--env-prefix", "VITE_") as (_, first):
        assert set(first) >= {"VITE_COGNITO_USER_POOL_ID", "VITE_COGNITO_CLIENT_ID"}
        written = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
        assert written == first
    with emulator_cli(*args, "--env-prefix", "VITE_") as (_, second):
        admin = AdminClient(second["VITE_COGNITO_ENDPOINT"])
        pools = admin.list_user_pools(MaxResults=60)["UserPools"]
        users = admin.list_users(UserPoolId=second["VITE_COGNITO_USER_POOL_ID"])["Users"]
    assert second["VITE_COGNITO_USER_POOL_ID"] == first["VITE_COGNITO_USER_POOL_ID"]
    assert second["VITE_COGNITO_CLIENT_ID"] == first["VITE_COGNITO_CLIENT_ID"]
    assert len(pools) == 1 and [u["Username"] for u in users] == ["zoe"]


@pytest.mark.parametrize(
    ("config", "where"),
    [
        ({"pools": [{"name": "a", "mfa": "SOMETIMES"}]}, "config.pools[0].mfa"),
        ({"pools": [{"name": "a", "clients": [{"nam": "web"}]}]}, "config.pools[0].clients[0]"),
        ({"pools": []}, "config.pools"),
        ({"pools": [{"name": "a", "users": [{"username": "u"}]}]}, "'password' is required"),
        ({"pools": [{"name": "a"}, {"name": "a"}]}, "two pools are named 'a'"),
        (
            {"pools": [{"name": "a", "clients": [{"name": "w", "accessTokenMinutes": 2}]}]},
            "accessTokenMinutes",
        ),
    ],
)
def test_a_wrong_config_is_one_line_naming_the_place(
    tmp_path: Path, config: dict[str, Any], where: str
) -> None:
    path = tmp_path / "pools.json"
    path.write_text(json.dumps(config))
    run = subprocess.run(
        [sys.executable, "-m", "cognito_emulator", "--config", str(path), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 2
    assert where in run.stderr.strip().splitlines()[-1]


def test_print_env_needs_a_config() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "cognito_emulator", "--print-env"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 2 and "--print-env and --env-file need --config" in run.stderr


GOOD = [
    CONFIG,
    json.loads((JS_PROJECT / "pools.json").read_text()),
    {
        "pools": [
            {"name": "x", "deviceTracking": "user_opt_in", "passwordPolicy": {"MinimumLength": 6}}
        ]
    },
    {
        "pools": [
            {
                "name": "x",
                "users": [{"username": "u", "password": "pw1234", "attributes": {"custom:a": "b"}}],
            }
        ]
    },
]
BAD = [
    {},
    {"pools": "app"},
    {"pools": [{"name": "x", "mfa": "on"}]},
    {"pools": [{"name": "x", "extra": 1}]},
    {"pools": [{"name": "x", "passwordPolicy": {"MinimumLength": 5}}]},
    {"pools": [{"name": "x", "passwordPolicy": {"MinimumLength": True}}]},
    {"pools": [{"name": "x", "id": "no-underscore"}]},
    {"pools": [{"name": "x", "users": [{"username": "u", "password": "pw1234", "email": "nope"}]}]},
    {
        "pools": [
            {
                "name": "x",
                "users": [{"username": "u", "password": "pw1234", "attributes": {"a": 1}}],
            }
        ]
    },
    {"pools": [{"name": "x", "clients": [{"name": "w", "authFlows": ["USER_SRP_AUTH"]}]}]},
]


@pytest.mark.parametrize("config", GOOD + BAD)
def test_the_loader_agrees_with_the_json_schema(config: dict[str, Any]) -> None:
    """The emulator checks files with its own reader of the schema; a standard JSON Schema
    validator (what editors use with "$schema") must judge every file the same."""
    validator = jsonschema.Draft202012Validator(schema())
    standard_ok = validator.is_valid(config)
    try:
        check(config)
        ours_ok = True
    except ConfigError:
        ours_ok = False
    assert ours_ok == standard_ok == (config in GOOD)


def test_the_schema_is_valid_json_schema_and_printed_by_the_cli() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())
    run = subprocess.run(
        [sys.executable, "-m", "cognito_emulator", "--print-schema"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(run.stdout) == schema()


@pytest.mark.node
def test_a_js_project_uses_only_the_cli() -> None:
    """tests/testkit/js_project: `node --test`, amazon-cognito-identity-js from npm, the
    emulator started by the JS test itself with --config and --print-env."""
    env = {
        **os.environ,
        "PYTHON": sys.executable,
        "NODE_PATH": str(ROOT / "node_modules"),
    }
    run = subprocess.run(
        [NODE, "--test", "auth.test.cjs"],
        cwd=JS_PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "# pass 3" in run.stdout and "# fail 0" in run.stdout


@pytest.mark.parametrize("workers", ["0", "1"])
def test_fixed_port_and_demo_config_ready_when_it_listens(tmp_path: Path, workers: str) -> None:
    """Whoever waits for the port (build.py serve, load tests) finds the set-up done."""
    import socket
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = tmp_path / "config.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cognito_emulator", "--port", str(port), "--workers", workers,
         "--demo-config", str(config), "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "did not listen"
                time.sleep(0.02)
        demo = json.loads(config.read_text())  # written before the port listened
        assert demo["endpoint"] == f"http://127.0.0.1:{port}/"
        admin = AdminClient(demo["endpoint"])
        assert admin.describe_user_pool(UserPoolId=demo["userPoolId"])["UserPool"]["Id"]
    finally:
        proc.terminate()
        proc.wait(10)
