"""``python -m cognito_emulator --host 127.0.0.1 --port 9229 [--data F] [--seed F]
[--config pools.json] [--print-env] [--env-file .env] [--demo-config web/config.json]
[--workers N]``.

``--config`` declares pools, clients and users (JSON or TOML, see ``config.schema.json``);
``--print-env`` prints ``COGNITO_ENDPOINT=...``, ``COGNITO_USER_POOL_ID=...`` and
``COGNITO_CLIENT_ID=...`` lines and then an empty line on stdout, once the port listens and
before serving (every other message then goes to stderr); ``--env-file`` writes them to a
file. ``--port 0`` picks a free port.

``--workers N`` (N > 1) serves from N processes sharing the sqlite file (``--data`` required),
so that sign-ins use every core; ``--modexp-procs`` instead offloads only the SRP modexp to a
process pool (useful when gmpy2 is missing).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import socket
import sys
from pathlib import Path
from typing import Any, TextIO

import uvicorn

from .app import SPEC_ENV, EmulatorApp
from .config import ConfigError, apply_config, env_lines, load_config, schema
from .registry import RequestContext
from .seed import apply_seed, ensure_demo, load_seed
from .state import Emulator, EmulatorConfig
from .testing import KEEP_ALIVE_SECONDS


def _server_options(args: argparse.Namespace) -> dict[str, Any]:
    """uvicorn settings shared by the single-process and the multi-worker server."""
    return {
        "host": args.host,
        "port": args.port,
        "log_level": "warning",
        "access_log": False,
        "backlog": 2048,
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
    }


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, prepare state, serve until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m cognito_emulator", description="Local Cognito User Pools emulator"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9229)
    parser.add_argument("--data", help="sqlite file (default: in memory)")
    parser.add_argument("--seed", help="JSON file of pools, clients and users to create")
    parser.add_argument(
        "--config", help="JSON or TOML file of pools, clients and users (config.schema.json)"
    )
    parser.add_argument(
        "--print-env",
        action="store_true",
        help="print COGNITO_* variables (endpoint, pool and client ids) on stdout, then serve",
    )
    parser.add_argument("--env-file", help="write the COGNITO_* variables to this file")
    parser.add_argument(
        "--print-schema", action="store_true", help="print the --config JSON Schema and exit"
    )
    parser.add_argument(
        "--env-prefix", default="", help="prefix of the variable names (e.g. VITE_)"
    )
    parser.add_argument("--demo-config", help="create the demo pool and write this config.json")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--issuer", help="token iss base URL (default: http://HOST:PORT)")
    parser.add_argument(
        "--allow-origin",
        action="append",
        help="CORS origin to allow (repeatable; default any localhost origin)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes sharing the --data file (2 uses both cores)",
    )
    parser.add_argument(
        "--modexp-procs",
        type=int,
        default=0,
        help="processes for the SRP modexp only (0 = inline)",
    )
    parser.add_argument("--quiet", action="store_true", help="do not print outbox messages")
    args = parser.parse_args(argv)
    if args.print_schema:
        print(json.dumps(schema(), indent=2))
        return 0

    config = EmulatorConfig(
        region=args.region,
        issuer_base=args.issuer or f"http://{args.host}:{args.port}",
        allowed_origins=args.allow_origin,
        allowed_hosts=[args.host],
        print_outbox=not args.quiet,
        compute_workers=args.modexp_procs,
    )
    if args.workers > 1 and not args.data:
        parser.error("--workers > 1 needs --data (the processes share the sqlite file)")
    if args.workers > 1 and args.port == 0:
        parser.error("--port 0 works with one worker only")
    if (args.print_env or args.env_file) and not args.config:
        parser.error("--print-env and --env-file need --config")
    declared = None
    if args.config:
        try:
            declared = load_config(args.config)
        except (OSError, ConfigError) as exc:
            parser.error(str(exc))
    # With --print-env stdout carries the variables alone.
    log: TextIO = sys.stderr if args.print_env else sys.stdout
    try:
        sock = _bind(args.host, args.port) if args.workers <= 1 else None
    except OSError as exc:
        parser.error(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
    port = sock.getsockname()[1] if sock else args.port
    emulator = Emulator(config, args.data)
    app = EmulatorApp(emulator)
    endpoint = f"http://{args.host}:{port}/"
    ctx = RequestContext(emulator=emulator, issuer_base=args.issuer or endpoint.rstrip("/"))
    if args.seed:
        created = apply_seed(ctx, load_seed(args.seed))
        for name, info in created.items():
            print(
                f"seeded pool {name}: {info['Id']} clients {info['clients']}", file=log, flush=True
            )
    lines: list[str] = []
    if declared is not None:
        pools = apply_config(ctx, declared)
        lines = env_lines(pools, endpoint, args.region, args.env_prefix)
        for pool in pools:
            ids = ", ".join(f"{c['name']}={c['clientId']}" for c in pool["clients"])
            print(f"pool {pool['name']}: {pool['userPoolId']} clients {ids}", file=log, flush=True)
    if args.demo_config:
        demo = ensure_demo(ctx, endpoint, args.demo_config)
        print(
            f"demo pool {demo['userPoolId']} client {demo['clientId']} -> {args.demo_config}",
            file=log,
            flush=True,
        )
    if sock is not None:
        # Listening only now: whoever waits for the port finds the set-up done; connections
        # made from here on wait in the backlog until the server accepts them.
        sock.listen(2048)
    if args.env_file:
        Path(args.env_file).write_text("\n".join(lines) + "\n")
    if args.print_env:  # one write, ended by an empty line: readers stop there
        print("\n".join(lines) + "\n", flush=True)
    print(f"Cognito emulator listening on {endpoint}", file=log, flush=True)
    if args.workers > 1:
        emulator.close()
        spec = {"data": os.path.abspath(args.data), "config": dataclasses.asdict(config)}
        os.environ[SPEC_ENV] = json.dumps(spec)
        uvicorn.run(
            "cognito_emulator.app:app_from_env",
            factory=True,
            workers=args.workers,
            **_server_options(args),
        )
        return 0
    assert sock is not None  # one process: the socket bound above
    options = {k: v for k, v in _server_options(args).items() if k not in ("host", "port")}
    server = uvicorn.Server(uvicorn.Config(app, **options))
    try:
        server.run(sockets=[sock])
    finally:
        emulator.close()
    return 0


def _bind(host: str, port: int) -> socket.socket:
    """The server's socket, bound before any set-up so that ``--port 0`` has a number."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


if __name__ == "__main__":
    sys.exit(main())
