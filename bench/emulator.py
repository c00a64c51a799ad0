"""The emulator side of the bench: start it, make users, and load it with SRP sign-ins.

The emulator runs as its own process (``python -m cognito_emulator``, the documented CLI)
with every 3-argument ``pow`` on a big modulus timed, so the bench can count the modexps one
sign-in costs and what they take without knowing the emulator's internals. On Linux the
emulator is pinned to CPU 0 and the load generators to CPU 1: the 2 cores of the machine,
one serving and one asking.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import http.client
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Run inside the emulator process before it starts: time big modexps, dump on SIGUSR1.
_BOOT = r"""
import builtins, json, os, runpy, signal, sys, time
_log = []
def _timed(fn):
    # (when, CPU seconds of this thread): CPU time, so preemption by other work on a busy
    # machine does not inflate the cost of a modexp.
    def timed(base, exp, mod):
        t0 = time.perf_counter()
        c0 = time.thread_time()
        r = fn(base, exp, mod)
        _log.append((t0, time.thread_time() - c0))
        return r
    return timed
try:
    # The emulator routes every SRP modexp through cognito_emulator.srp.powmod (gmpy2 or pow).
    import cognito_emulator.srp as _srp
    _srp.powmod = _timed(_srp.powmod)
except (ImportError, AttributeError):
    _pow = builtins.pow
    _big = _timed(_pow)
    def _any_pow(base, exp, mod=None):
        if isinstance(mod, int) and mod.bit_length() >= 2048:
            return _big(base, exp, mod)
        return _pow(base, exp) if mod is None else _pow(base, exp, mod)
    builtins.pow = _any_pow
def _dump(*_):
    with open(os.environ["BENCH_POW_LOG"] + ".tmp", "w") as f:
        json.dump(_log, f)
    os.replace(os.environ["BENCH_POW_LOG"] + ".tmp", os.environ["BENCH_POW_LOG"])
signal.signal(signal.SIGUSR1, _dump)
sys.argv = ["cognito_emulator"] + sys.argv[1:]
runpy.run_module("cognito_emulator", run_name="__main__", alter_sys=True)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pin(cpu: int) -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {cpu})


def call(endpoint: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """One unsigned Cognito JSON 1.1 call; raises RuntimeError with the service's answer."""
    req = urllib.request.Request(
        endpoint,
        data=json.dumps(params).encode(),
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AWSCognitoIdentityProviderService.{operation}",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            body: dict[str, Any] = json.loads(resp.read() or b"{}")
            return body
    except urllib.error.HTTPError as err:
        raise RuntimeError(f"{operation}: {err.code} {err.read()[:300]!r}") from None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def runqueue_wait_seconds(pid: int) -> float | None:
    """Seconds all threads of a process spent runnable but waiting for a CPU (Linux schedstat),
    or None: on a shared machine this, not the emulator, is what holds throughput down."""
    total = 0.0
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            total += int((task / "schedstat").read_text().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return None
    return total


@dataclass
class Emulator:
    """A running emulator process and the demo pool config it wrote."""

    endpoint: str
    config: dict[str, Any]
    pow_log: Path
    proc: subprocess.Popen[bytes]

    def pow_calls(self) -> list[tuple[float, float]]:
        """(perf_counter start, CPU seconds) of every modexp the emulator ran so far."""
        with contextlib.suppress(FileNotFoundError):
            self.pow_log.unlink()
        self.proc.send_signal(signal.SIGUSR1)
        for _ in range(200):
            if self.pow_log.exists():
                return [(float(a), float(b)) for a, b in json.loads(self.pow_log.read_text())]
            time.sleep(0.025)
        raise RuntimeError("the emulator did not dump its modexp log")


@contextlib.contextmanager
def running(work: Path, repo: Path, env_extra: dict[str, str] | None = None) -> Iterator[Emulator]:
    """Start ``python -m cognito_emulator`` with the demo config, pinned to CPU 0.

    State stays in memory (the emulator's default): with ``--data FILE`` every sign-in also
    pays for sqlite commits (about a third more server time, measured with cProfile).
    """
    port = _free_port()
    config_path = work / "config.json"
    pow_log = work / "emulator-pow.json"
    env = dict(os.environ, PYTHONPATH=str(repo / "src"), BENCH_POW_LOG=str(pow_log))
    env.update(env_extra or {})
    cmd = [
        sys.executable,
        "-c",
        _BOOT,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--demo-config",
        str(config_path),
        "--quiet",
    ]
    log = open(work / "emulator.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        cmd, env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=lambda: _pin(0)
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"the emulator exited ({proc.returncode}): "
                    + (work / "emulator.log").read_text()[-2000:]
                )
            if config_path.exists():
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("the emulator did not start within 60 s")
            time.sleep(0.1)
        config = json.loads(config_path.read_text())
        endpoint = config.get("endpoint") or f"http://127.0.0.1:{port}/"
        yield Emulator(endpoint, config, pow_log, proc)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def make_users(emu: Emulator, count: int, tag: str) -> list[tuple[str, str]]:
    """Sign up and confirm ``count`` users (codes read from the emulator's outbox)."""
    users = []
    client_id = emu.config["clientId"]
    for i in range(count):
        username = f"bench-{tag}-{i}-{os.urandom(3).hex()}"
        password = "Bench-Passw0rd!" + os.urandom(4).hex()
        call(
            emu.endpoint,
            "SignUp",
            {
                "ClientId": client_id,
                "Username": username,
                "Password": password,
                "UserAttributes": [{"Name": "email", "Value": f"{username}@example.com"}],
            },
        )
        url = emu.endpoint.rstrip("/") + "/_emulator/outbox?username=" + username
        with urllib.request.urlopen(url, timeout=10) as resp:
            messages = json.loads(resp.read())
        codes = [m["code"] for m in messages if m.get("code")]
        if not codes:
            raise RuntimeError(f"no confirmation code in the outbox for {username}")
        call(
            emu.endpoint,
            "ConfirmSignUp",
            {"ClientId": client_id, "Username": username, "ConfirmationCode": codes[-1]},
        )
        users.append((username, password))
    return users


def _fast_powmod() -> Any:
    """gmpy2's powmod when installed (the emulator extra pins it), else Python's pow."""
    try:
        import gmpy2

        return lambda b, e, m: int(gmpy2.powmod(b, e, m))
    except ImportError:
        return pow


class LoadClient:
    """A cheap SRP client for load: the bench must measure the emulator, not itself.

    It keeps one 256-bit secret ``a`` (so A is computed once) and caches g^x per user, so a
    sign-in costs it one modexp with a ~512-bit exponent, a fraction of the server's work
    per sign-in. The protocol on the wire is exactly what any client sends, on one keep-alive
    connection per load process.
    """

    def __init__(self, endpoint: str, cfg: dict[str, Any]) -> None:
        from amazon_cognito_identity import srp

        self.srp = srp
        self.endpoint = endpoint
        self.cfg = cfg
        self.pool_name = cfg["userPoolId"].split("_", 1)[1]
        self.powmod = _fast_powmod()
        self.small_a = int.from_bytes(os.urandom(32), "big") | (1 << 255)
        self.large_a = self.powmod(srp.G, self.small_a, srp.N)
        self.srp_a = format(self.large_a, "x")
        self._gx: dict[tuple[str, int], tuple[int, int]] = {}
        self._conn: http.client.HTTPConnection | None = None

    def _call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """One JSON 1.1 call on the client's keep-alive connection (as SDKs and browsers
        reuse theirs): a new TCP connection per call would make the server pay for accept
        and close on every request, which no real client asks of it."""
        body = json.dumps(params)
        headers = {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AWSCognitoIdentityProviderService.{operation}",
        }
        for attempt in range(2):
            if self._conn is None:
                parts = urllib.parse.urlsplit(self.endpoint)
                self._conn = http.client.HTTPConnection(
                    parts.hostname or "127.0.0.1", parts.port or 80, timeout=30
                )
            try:
                self._conn.request("POST", "/", body, headers)
                resp = self._conn.getresponse()
                data = resp.read()
            except (ConnectionError, http.client.HTTPException):
                # The server closed an idle connection: reconnect once.
                self._conn.close()
                self._conn = None
                if attempt:
                    raise
                continue
            if resp.status != 200:
                raise RuntimeError(f"{operation}: {resp.status} {data[:300]!r}")
            out: dict[str, Any] = json.loads(data or b"{}")
            return out
        raise AssertionError("unreachable")

    def sign_in(self, username: str, password: str) -> None:
        """One USER_SRP_AUTH sign-in; raises when it does not end with tokens."""
        srp = self.srp
        first = self._call(
            "InitiateAuth",
            {
                "AuthFlow": "USER_SRP_AUTH",
                "ClientId": self.cfg["clientId"],
                "AuthParameters": {"USERNAME": username, "SRP_A": self.srp_a},
            },
        )
        params = first["ChallengeParameters"]
        user_id = params["USER_ID_FOR_SRP"]
        large_b = srp.parse_srp_int(params["SRP_B"])
        salt = srp.parse_srp_int(params["SALT"])
        cached = self._gx.get((user_id, salt))
        if cached is None:
            x = srp.compute_x(salt, self.pool_name, user_id, password)
            cached = self._gx[(user_id, salt)] = (x, self.powmod(srp.G, x, srp.N))
        x, gx = cached
        u = srp.compute_u(self.large_a, large_b)
        s = self.powmod((large_b - srp.K * gx) % srp.N, self.small_a + u * x, srp.N)
        key = srp.compute_hkdf(bytes.fromhex(srp.pad_hex(s)), bytes.fromhex(srp.pad_hex(u)))
        timestamp = srp.format_timestamp()
        message = (
            self.pool_name.encode()
            + user_id.encode()
            + base64.b64decode(params["SECRET_BLOCK"])
            + timestamp.encode()
        )
        signature = base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
        second = self._call(
            "RespondToAuthChallenge",
            {
                "ChallengeName": "PASSWORD_VERIFIER",
                "ClientId": self.cfg["clientId"],
                "ChallengeResponses": {
                    "USERNAME": user_id,
                    "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
                    "TIMESTAMP": timestamp,
                    "PASSWORD_CLAIM_SIGNATURE": signature,
                },
            },
        )
        if "AuthenticationResult" not in second:
            raise RuntimeError(f"sign-in ended with {sorted(second)}")


def _load_worker(
    args: tuple[str, dict[str, Any], list[tuple[str, str]], float, float, str],
) -> list[float]:
    """Sign in over and over until ``stop_at`` (wall clock); returns completion times."""
    endpoint, cfg, users, start_at, stop_at, src = args
    sys.path.insert(0, src)
    _pin(1)
    client = LoadClient(endpoint, cfg)
    done = []
    i = 0
    while time.time() < start_at:
        time.sleep(0.001)
    while time.time() < stop_at:
        user, password = users[i % len(users)]
        client.sign_in(user, password)
        done.append(time.time())
        i += 1
    return done


def throughput(
    emu: Emulator,
    users: list[tuple[str, str]],
    repo: Path,
    *,
    seconds: float,
    clients: int,
    modexp: bool = True,
) -> dict[str, Any]:
    """Sign-ins/s the emulator sustains, and the ceiling its modexps imply.

    The ceiling: the emulator serves from one process (one core, the GIL), so it can do at
    most 1 / (modexps per sign-in x mean modexp CPU time) sign-ins per second. ``modexp=False``
    skips it (a server whose modexps are not logged, like moto_server).
    """
    LoadClient(emu.endpoint, emu.config).sign_in(*users[0])  # proves the path before loading
    ctx = multiprocessing.get_context("spawn")
    start_at = time.time() + 2.0  # time for the spawned workers to import
    stop_at = start_at + seconds
    args = (emu.endpoint, emu.config, users, start_at, stop_at, str(repo / "src"))
    with ctx.Pool(clients) as pool:
        pending = pool.map_async(_load_worker, [args] * clients)
        time.sleep(max(0.0, start_at - time.time()))
        p0 = time.perf_counter()
        cpu0 = cpu_seconds(emu.proc.pid)
        wait0 = runqueue_wait_seconds(emu.proc.pid)
        time.sleep(seconds)
        p1 = time.perf_counter()
        cpu1 = cpu_seconds(emu.proc.pid)
        wait1 = runqueue_wait_seconds(emu.proc.pid)
        results = pending.get(timeout=seconds + 120)
    finished = [t for r in results for t in r if start_at <= t <= stop_at]
    calls = [(t, d) for t, d in emu.pow_calls() if p0 <= t <= p1] if modexp else []
    signins_per_s = len(finished) / seconds
    out: dict[str, Any] = {
        "signins_per_s": {
            "unit": "sign-ins/s",
            "value": round(signins_per_s, 2),
            "signins": len(finished),
            "seconds": seconds,
            "client_processes": clients,
            "cores": "emulator pinned to CPU 0, load generators to CPU 1",
        }
    }
    if cpu0 is not None and cpu1 is not None and finished:
        # How busy the emulator was, and what one sign-in costs it in CPU.
        out["signins_per_s"]["emulator_cpu_share"] = round((cpu1 - cpu0) / (p1 - p0), 3)
        if wait0 is not None and wait1 is not None:
            # Share of the window the emulator was ready to run but another process had its
            # CPU: share + wait near 1 means CPU-bound (the machine, not the clients, limits).
            out["signins_per_s"]["emulator_runqueue_wait_share"] = round(
                (wait1 - wait0) / (p1 - p0), 3
            )
        cpu_ms = 1000 * (cpu1 - cpu0) / len(finished)
        out["signins_per_s"]["emulator_cpu_ms_per_signin"] = round(cpu_ms, 2)
        # What one core fully given to the emulator would sustain at that cost: unlike
        # signins_per_s, it does not depend on how much CPU the machine could spare.
        out["cpu_bound_capacity_per_s"] = {
            "unit": "sign-ins/s",
            "value": round(1000 / cpu_ms, 1) if cpu_ms > 0 else None,
        }
    if calls and finished:
        per_signin = len(calls) / len(finished)
        mean_ms = 1000 * sum(d for _, d in calls) / len(calls)
        ceiling = 1000 / (per_signin * mean_ms)
        out["ceiling_per_s"] = {
            "unit": "sign-ins/s",
            "value": round(ceiling, 2),
            "modexps_per_signin": round(per_signin, 2),
            "modexp_cpu_ms_mean": round(mean_ms, 3),
            "server_processes": 1,
        }
        out["ratio"] = round(signins_per_s / ceiling, 3)
        capacity = out.get("cpu_bound_capacity_per_s", {}).get("value")
        if capacity:
            # Load-independent: the share of the emulator's CPU per sign-in spent in modexp.
            out["cpu_bound_capacity_per_s"]["ratio_to_ceiling"] = round(capacity / ceiling, 3)
    elif modexp:
        out["ceiling_per_s"] = {
            "unit": "sign-ins/s",
            "value": None,
            "skipped": "no big modexp seen in the emulator (it does not call pow?)",
        }
    return out


# moto_server in a process of its own that binds port 0 and prints the port it got.
_MOTO_BOOT = r"""
import threading
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
threading.Event().wait()
"""


@contextlib.contextmanager
def running_moto(work: Path) -> Iterator[Emulator]:
    """moto_server (a third-party Cognito implementation) pinned to CPU 0 like the emulator,
    with a pool and an app client. moto answers USER_SRP_AUTH with the same messages but never
    checks the password claim: no modexp, no verifier, so it bounds what a Python server
    speaking this protocol can do on this machine."""
    log = open(work / "moto.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [sys.executable, "-c", _MOTO_BOOT],
        stdout=subprocess.PIPE,
        stderr=log,
        preexec_fn=lambda: _pin(0),
    )
    try:
        assert proc.stdout is not None
        port = proc.stdout.readline().decode().strip()
        if not port.isdigit():
            raise RuntimeError("moto_server did not start: " + (work / "moto.log").read_text())
        endpoint = f"http://127.0.0.1:{port}/"
        # An email-as-username pool: moto answers USER_ID_FOR_SRP with the sub, and finds a user
        # by it only there (as a real email pool does).
        pool_id = call(
            endpoint, "CreateUserPool", {"PoolName": "bench", "UsernameAttributes": ["email"]}
        )["UserPool"]["Id"]
        client_id = call(
            endpoint,
            "CreateUserPoolClient",
            {
                "UserPoolId": pool_id,
                "ClientName": "bench",
                "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            },
        )["UserPoolClient"]["ClientId"]
        config = {"userPoolId": pool_id, "clientId": client_id}
        yield Emulator(endpoint, config, work / "moto-has-no-pow-log.json", proc)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def make_admin_users(server: Emulator, count: int, tag: str) -> list[tuple[str, str]]:
    """``count`` confirmed users (email usernames) made with AdminCreateUser +
    AdminSetUserPassword."""
    users = []
    pool_id = server.config["userPoolId"]
    for i in range(count):
        username = f"bench-{tag}-{i}-{os.urandom(3).hex()}@example.com"
        password = "Bench-Passw0rd!" + os.urandom(4).hex()
        call(
            server.endpoint,
            "AdminCreateUser",
            {"UserPoolId": pool_id, "Username": username, "MessageAction": "SUPPRESS"},
        )
        call(
            server.endpoint,
            "AdminSetUserPassword",
            {"UserPoolId": pool_id, "Username": username, "Password": password, "Permanent": True},
        )
        users.append((username, password))
    return users


def side_by_side(
    work: Path, repo: Path, *, seconds: float, clients: int, users: int = 8, rounds: int = 2
) -> dict[str, Any]:
    """The emulator and moto_server under the same SRP sign-in load, one after the other on
    the same core, ``rounds`` times in alternating order (E M M E ...) so that a change in
    the machine's load falls on both. ``ratio_to_moto`` = emulator sign-ins/s / moto's;
    ``cpu_ratio_to_moto`` = moto's CPU per sign-in / the emulator's (load-independent)."""
    runs: dict[str, list[dict[str, Any]]] = {"emulator": [], "moto_server": []}
    order = [("emulator", "moto_server")[(i + i // 2) % 2] for i in range(2 * rounds)]
    for i, name in enumerate(order):
        sub = work / f"{name}-{i}"
        sub.mkdir(parents=True, exist_ok=True)
        if name == "emulator":
            with running(sub, repo) as emu:
                made = make_users(emu, users, f"s{i}")
                runs[name].append(
                    throughput(emu, made, repo, seconds=seconds, clients=clients, modexp=False)
                )
        else:
            with running_moto(sub) as moto:
                made = make_admin_users(moto, users, f"m{i}")
                runs[name].append(
                    throughput(moto, made, repo, seconds=seconds, clients=clients, modexp=False)
                )

    def mean(name: str, *keys: str) -> float | None:
        values = []
        for run in runs[name]:
            value: Any = run
            for key in keys:
                value = value.get(key) if isinstance(value, dict) else None
            if isinstance(value, int | float):
                values.append(float(value))
        return round(sum(values) / len(values), 3) if values else None

    out: dict[str, Any] = {"runs": runs, "order": order}
    for name in runs:
        out[name] = {
            "unit": "sign-ins/s",
            "value": mean(name, "signins_per_s", "value"),
            "cpu_ms_per_signin": mean(name, "signins_per_s", "emulator_cpu_ms_per_signin"),
        }
    emu_rate, moto_rate = out["emulator"]["value"], out["moto_server"]["value"]
    out["ratio_to_moto"] = round(emu_rate / moto_rate, 3) if emu_rate and moto_rate else None
    emu_cpu = out["emulator"]["cpu_ms_per_signin"]
    moto_cpu = out["moto_server"]["cpu_ms_per_signin"]
    out["cpu_ratio_to_moto"] = round(moto_cpu / emu_cpu, 3) if emu_cpu and moto_cpu else None
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.emulator``: only the emulator throughput, as ``bench/run.py`` measures
    it (same process layout and ceiling), printed as JSON; no browser needed."""
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(prog="python -m bench.emulator", description=main.__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="load window")
    parser.add_argument("--clients", type=int, default=4, help="load generator processes")
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument(
        "--vs-moto",
        action="store_true",
        help="the emulator and moto_server side by side on the same load (ratio_to_moto)",
    )
    parser.add_argument(
        "--emulator-path",
        help="PYTHONPATH for the emulator process (default: this repo's src), to compare builds",
    )
    args = parser.parse_args(argv)
    repo = Path(__file__).resolve().parent.parent
    env = {"PYTHONPATH": args.emulator_path} if args.emulator_path else None
    if args.vs_moto:
        with tempfile.TemporaryDirectory() as tmp:
            both = side_by_side(
                Path(tmp), repo, seconds=args.seconds, clients=args.clients, users=args.users
            )
        both["load_average"] = [round(x, 2) for x in os.getloadavg()]
        print(json.dumps(both, indent=1))
        return 0
    with tempfile.TemporaryDirectory() as tmp, running(Path(tmp), repo, env) as emu:
        users = make_users(emu, args.users, "e")
        result = throughput(emu, users, repo, seconds=args.seconds, clients=args.clients)
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
