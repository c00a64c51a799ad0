"""build.py serve: serves web/, and Ctrl-C stops everything it started (no orphans).

Runs build.serve() in a child process (not `build.py serve`, whose setup step would build a
.venv): the same code path from the static server on, with temporary emulator state.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes; only its parent (gone) could reap it.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ", 1)[1].startswith("Z"))


class Serve:
    def __init__(
        self, tmp: Path, with_emulator: bool, compress: bool = False, background: bool = False
    ) -> None:
        self.port = free_port()
        self.emulator_port = free_port()
        self.config = tmp / "config.json"
        code = (
            "import sys, pathlib; sys.path.insert(0, sys.argv[1]); import build; "
            "build.serve('127.0.0.1', int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == '1', "
            "data=pathlib.Path(sys.argv[5]), demo_config=pathlib.Path(sys.argv[6]), "
            "compress=sys.argv[7] == '1')"
        )
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                code,
                str(ROOT),
                str(self.port),
                str(self.emulator_port),
                "1" if with_emulator else "0",
                str(tmp / "state.sqlite"),
                str(self.config),
                "1" if compress else "0",
            ],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
            # As a shell starts `build.py serve &`: SIGINT ignored from the start.
            preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
            if background
            else None,
        )
        self.output: list[str] = []
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)
            if "open http" in line:
                break
        assert any(f"open http://127.0.0.1:{self.port}/" in line for line in self.output), (
            self.output
        )

    def interrupt(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=30)
        assert self.proc.stdout is not None
        self.output.extend(self.proc.stdout.readlines())
        return code


@pytest.fixture
def serving(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Serve]:
    serve = Serve(tmp_path, with_emulator=request.param)
    yield serve
    if serve.proc.poll() is None:
        serve.proc.kill()
        serve.proc.wait()


@pytest.mark.parametrize("serving", [False], indirect=True)
def test_serve_without_emulator(serving: Serve) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{serving.port}/hello.html", timeout=10) as r:
        assert b"/hello.mjs" in r.read()
    assert serving.interrupt() == 0
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", serving.port), 1):
        pass


def test_serve_started_in_the_background_still_stops_on_sigint(tmp_path: Path) -> None:
    serve = Serve(tmp_path, with_emulator=False, background=True)
    try:
        assert serve.interrupt() == 0
    finally:
        if serve.proc.poll() is None:
            serve.proc.kill()
            serve.proc.wait()


@pytest.mark.parametrize("serving", [True], indirect=True)
def test_serve_with_emulator_writes_config_and_leaves_no_orphans(serving: Serve) -> None:
    config = json.loads(serving.config.read_text())
    assert config["endpoint"] == f"http://127.0.0.1:{serving.emulator_port}/"
    assert config["emulator"] is True
    match = re.search(r"pid (\d+)", "".join(serving.output))
    assert match, serving.output
    emulator_pid = int(match.group(1))
    assert pid_alive(emulator_pid)
    assert serving.interrupt() == 0
    assert not pid_alive(emulator_pid), serving.output
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", serving.emulator_port), 1):
        pass


WASM = ROOT / "web/vendor/pyodide.asm.wasm"


@pytest.mark.parametrize("compress", [False, True])
def test_serve_compression_is_opt_in(
    tmp_path: Path, compress: bool, compressed_siblings: None
) -> None:
    """Plain bytes by default (faster on 127.0.0.1); `--compress` sends the siblings."""
    # precompress writes the sibling; a missing one is a failure, not a skip.
    assert Path(str(WASM) + ".gz").exists(), "tools/precompress.py wrote no .gz sibling"
    serve = Serve(tmp_path, with_emulator=False, compress=compress)
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{serve.port}/vendor/pyodide.asm.wasm",
            method="HEAD",
            headers={"Accept-Encoding": "gzip"},
        )
        with urllib.request.urlopen(request, timeout=10) as resp:
            encoding = resp.headers["Content-Encoding"]
            length = int(resp.headers["Content-Length"])
        assert serve.interrupt() == 0
    finally:
        if serve.proc.poll() is None:
            serve.proc.kill()
            serve.proc.wait()
    if compress:
        assert encoding == "gzip"
        assert length == Path(str(WASM) + ".gz").stat().st_size
    else:
        assert encoding is None
        assert length == WASM.stat().st_size
