"""``python -m cognito_emulator --host 127.0.0.1 --port 9229 [--data F] [--seed F]
[--demo-config web/config.json] [--workers N]``.

``--workers N`` (N > 1) serves from N processes sharing the sqlite file (``--data`` required),
so that sign-ins use every core; ``--modexp-procs`` instead offloads only the SRP modexp to a
process pool (useful when gmpy2 is missing).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from typing import Any

import uvicorn

from .app import SPEC_ENV, EmulatorApp
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
    emulator = Emulator(config, args.data)
    app = EmulatorApp(emulator)
    endpoint = f"http://{args.host}:{args.port}/"
    ctx = RequestContext(emulator=emulator, issuer_base=args.issuer or endpoint.rstrip("/"))
    if args.seed:
        created = apply_seed(ctx, load_seed(args.seed))
        for name, info in created.items():
            print(f"seeded pool {name}: {info['Id']} clients {info['clients']}", flush=True)
    if args.demo_config:
        demo = ensure_demo(ctx, endpoint, args.demo_config)
        print(
            f"demo pool {demo['userPoolId']} client {demo['clientId']} -> {args.demo_config}",
            flush=True,
        )
    print(f"Cognito emulator listening on {endpoint}", flush=True)
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
    try:
        uvicorn.run(app, **_server_options(args))
    finally:
        emulator.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
