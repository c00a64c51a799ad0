#!/usr/bin/env python3
"""Build, serve and test amazon-cognito-identity for Python (stdlib only, Python >= 3.11).

    python build.py setup            .venv + pip install -e .[dev], npm ci, Debian chromium
    python build.py bundle [--compress]
                                     SDK wheel -> web/dist/, Pyodide + PyScript -> web/vendor/
                                     (--compress: .br/.gz siblings too, cached by content hash)
    python build.py serve [--compress]
                                     setup, bundle, emulator + static server on 127.0.0.1:8000
    python build.py test [--long] [--repeat N] [pytest args...]
                                     setup, bundle, ruff, ruff format --check, mypy, pytest
                                     (--repeat N: pytest N times, stopping at the first failure)
    python build.py bench [args...]  setup, bundle, then bench/run.py main(args)
    python build.py kit DEST [--user-pool-id ID --client-id ID --endpoint URL --region R]
                                     setup, bundle, then the drop-in sign-in kit in DEST

Every verb prints one line per step; on failure it names the step and what to do, and exits
non-zero. Nothing is written outside the repository except by ``apt-get`` (chromium, as root).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import types
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

if sys.version_info < (3, 11):  # noqa: UP036 - a clear message on old interpreters
    sys.exit(f"build.py needs Python >= 3.11 (this is {sys.version.split()[0]})")

# Set by the re-exec into .venv; popped so tools run from here never inherit them.
REEXECUTED = os.environ.pop("BUILD_PY_REEXEC", "") == "1"
START_TIME = float(os.environ.pop("BUILD_PY_T0", "") or time.time())
ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
NODE_MODULES = ROOT / "node_modules"
WEB = ROOT / "web"
DIST = WEB / "dist"
VENDOR = WEB / "vendor"
SDK_SRC = ROOT / "src" / "amazon_cognito_identity"
CHROMIUM = Path("/usr/bin/chromium")
EMULATOR_DATA = ROOT / ".emulator-data" / "state.sqlite"
DEMO_CONFIG = WEB / "config.json"  # pages read /config.json (docs/DESIGN.md "Demo config")
SDK_PACKAGE = "amazon_cognito_identity"

# The Pyodide core; npm's pyodide package ships no package wheels, and the SDK needs none.
PYODIDE_FILES = (
    "pyodide.mjs",
    "pyodide.js",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)

SETUP_STAMP = VENV / ".build-py-setup"
NPM_STAMP_NAME = ".build-py-npm"
WHEEL_STAMP = DIST / ".build-py-inputs"
PYPI_DIST = ROOT / "build" / "pypi"  # the PyPI wheel (build/ is git-ignored)


# ----------------------------------------------------------------------------- output + errors


class BuildError(Exception):
    """A failed step: ``message`` says what went wrong, ``hint`` what to do about it."""

    def __init__(self, message: str, hint: str = "", detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.detail = detail
        self.step = ""


class Step:
    """Prints ``[verb] name ... ok (1.2 s)``; streaming steps print a start and an end line."""

    def __init__(self, verb: str, name: str, *, stream: bool = False) -> None:
        self.verb = verb
        self.name = name
        self.stream = stream
        self.result = "ok"
        self.t0 = 0.0

    def __enter__(self) -> Step:
        self.t0 = time.monotonic()
        if self.stream:
            print(f"[{self.verb}] {self.name} ...", flush=True)
        else:
            print(f"[{self.verb}] {self.name} ...", end=" ", flush=True)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, _tb: Any
    ) -> None:
        elapsed = time.monotonic() - self.t0
        if exc is None:
            if self.stream:
                print(f"[{self.verb}] {self.name}: {self.result} ({elapsed:.1f} s)", flush=True)
            else:
                print(f"{self.result} ({elapsed:.1f} s)", flush=True)
            return
        if not self.stream:
            print("FAILED", flush=True)
        if isinstance(exc, BuildError):
            exc.step = exc.step or f"{self.verb}: {self.name}"
            return
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            return
        err = BuildError(
            f"{type(exc).__name__}: {exc}",
            "this is a bug in build.py or a broken checkout; the traceback is above",
            "".join(traceback.format_exception(exc)),
        )
        err.step = f"{self.verb}: {self.name}"
        raise err from exc


def info(verb: str, text: str) -> None:
    """One informational line."""
    print(f"[{verb}] {text}", flush=True)


def run(
    cmd: Sequence[str],
    *,
    hint: str,
    stream: bool = False,
    env: dict[str, str] | None = None,
    ok_codes: tuple[int, ...] = (0,),
) -> int:
    """Runs ``cmd`` in the repo root with no stdin; raises BuildError on a bad exit code.

    Quiet commands keep their output and show its tail only on failure.
    """
    try:
        if stream:
            code = subprocess.call(list(cmd), cwd=ROOT, stdin=subprocess.DEVNULL, env=env)
            output = ""
        else:
            proc = subprocess.run(
                list(cmd),
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                env=env,
                check=False,
            )
            code, output = proc.returncode, proc.stdout
    except FileNotFoundError as exc:
        raise BuildError(f"command not found: {cmd[0]}", hint) from exc
    if code not in ok_codes:
        tail = "\n".join(output.rstrip().splitlines()[-40:])
        raise BuildError(f"`{' '.join(cmd)}` exited with {code}", hint, tail)
    return code


def sha256_file(path: Path) -> str:
    """Hex sha256 of one file."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_tree(paths: Sequence[Path]) -> str:
    """Hex sha256 over names and contents of files (directories walked, caches skipped)."""
    digest = hashlib.sha256()
    for base in paths:
        files = sorted(base.rglob("*")) if base.is_dir() else [base]
        for path in files:
            if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def read_text(path: Path) -> str | None:
    """File text, or None when it does not exist."""
    try:
        return path.read_text()
    except OSError:
        return None


def load_module(name: str, path: Path) -> types.ModuleType:
    """Imports a file by path (tools/ and bench/ are not installed packages)."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise BuildError(f"cannot load {path}", "check that the file is valid Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def is_root() -> bool:
    """True when running as root (CI): then setup may apt-get install."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def in_venv() -> bool:
    """True when this interpreter is the repo's .venv."""
    return Path(sys.prefix).resolve() == VENV.resolve()


def pytest_env() -> dict[str, str]:
    """Environment for tools run from the venv: src/ first so worktree code wins."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    return env


# ----------------------------------------------------------------------------- setup


def apt_install(verb: str, packages: Sequence[str]) -> None:
    """apt-get update + install (root only; callers check)."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    hint = f"run `apt-get update && apt-get install -y {' '.join(packages)}` and look at its output"
    with Step(verb, "apt-get update"):
        run(["apt-get", "update"], hint=hint, env=env)
    with Step(verb, f"apt-get install -y {' '.join(packages)}"):
        run(["apt-get", "install", "-y", "--no-install-recommends", *packages], hint=hint, env=env)


def ensure_venv() -> None:
    """Creates .venv when needed and re-executes build.py inside it."""
    if in_venv():
        info("setup", f".venv active ({sys.version.split()[0]})")
        return
    with Step("setup", "create .venv") as step:
        healthy = VENV_PYTHON.exists() and (
            subprocess.call(
                [str(VENV_PYTHON), "-c", "import sys; assert sys.version_info >= (3, 11)"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            == 0
        )
        if healthy:
            step.result = "exists"
        else:
            if VENV.is_symlink():
                VENV.unlink()
            elif VENV.exists():
                shutil.rmtree(VENV, ignore_errors=True)
            step.result = "created"
            if not create_venv():
                step.result = "needs python venv support"
    if not VENV_PYTHON.exists():
        # Debian's python3 lacks ensurepip until pythonX.Y-venv is installed.
        venv_package = f"python3.{sys.version_info.minor}-venv"
        if not (is_root() and shutil.which("apt-get")):
            raise BuildError(
                "python cannot create a virtual environment (no ensurepip)",
                f"run `sudo apt-get install -y {venv_package}`, then `python3 build.py setup`",
            )
        apt_install("setup", [venv_package])
        with Step("setup", "create .venv"):
            if not create_venv():
                raise BuildError(
                    "python still cannot create .venv",
                    f"run `{sys.executable} -m venv .venv` and fix the error it shows",
                )
    if REEXECUTED:
        raise BuildError(
            "re-executed into .venv but sys.prefix is not .venv",
            "remove .venv (`rm -rf .venv`) and rerun `python build.py setup`",
        )
    sys.stdout.flush()
    env = dict(os.environ, BUILD_PY_REEXEC="1", BUILD_PY_T0=str(START_TIME))
    os.execve(str(VENV_PYTHON), [str(VENV_PYTHON), str(ROOT / "build.py"), *sys.argv[1:]], env)


def create_venv() -> bool:
    """python -m venv .venv; False (and no half-made .venv) when the interpreter cannot."""
    proc = subprocess.run(
        [sys.executable, "-m", "venv", str(VENV)],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=False,
    )
    if proc.returncode == 0 and VENV_PYTHON.exists():
        return True
    shutil.rmtree(VENV, ignore_errors=True)
    return False


def ensure_pip() -> None:
    """pip install -e .[dev], skipped when pyproject.toml is unchanged since the last install."""
    stamp = f"{sha256_file(ROOT / 'pyproject.toml')} {sys.version}"
    fresh = read_text(SETUP_STAMP) is None
    name = "pip install -e .[dev]" + (" (first run: 1-3 min)" if fresh else "")
    with Step("setup", name) as step:
        if read_text(SETUP_STAMP) == stamp:
            step.result = "up to date"
            return
        run(
            [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "-e", ".[dev]"],
            hint="check that PyPI is reachable and pyproject.toml's pins exist, "
            "then rerun `python build.py setup`",
        )
        SETUP_STAMP.write_text(stamp)


def npm_pins() -> dict[str, str]:
    """name -> version from package.json (dependencies and devDependencies)."""
    manifest = json.loads((ROOT / "package.json").read_text())
    pins: dict[str, str] = {}
    for key in ("dependencies", "devDependencies"):
        pins.update(manifest.get(key, {}))
    return pins


def installed_npm_version(name: str) -> str | None:
    """Version of node_modules/<name>, or None when it is not installed."""
    text = read_text(NODE_MODULES / name / "package.json")
    return None if text is None else str(json.loads(text).get("version"))


def ensure_npm() -> None:
    """npm ci, skipped when package-lock.json is unchanged since the last one."""
    lock_hash = sha256_file(ROOT / "package-lock.json")
    with Step("setup", "npm ci") as step:
        if NODE_MODULES.is_symlink():
            # Dev worktrees share one node_modules; never let `npm ci` wipe the shared copy.
            wrong = {
                name: installed_npm_version(name)
                for name, version in npm_pins().items()
                if installed_npm_version(name) != version
            }
            if wrong:
                raise BuildError(
                    f"node_modules is a symlink and does not hold the pinned versions: {wrong}",
                    "remove the symlink (`rm node_modules`) and rerun `python build.py setup`",
                )
            step.result = "skipped (node_modules is a symlink; pins match)"
            return
        if read_text(NODE_MODULES / NPM_STAMP_NAME) == lock_hash:
            step.result = "up to date"
            return
        if shutil.which("npm") is None:
            if is_root() and shutil.which("apt-get"):
                apt_install("setup", ["nodejs", "npm"])
            else:
                raise BuildError(
                    "npm is not installed",
                    "run `sudo apt-get update && sudo apt-get install -y nodejs npm`, "
                    "then rerun `python build.py setup`",
                )
        run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            hint="check that the npm registry is reachable, then rerun `python build.py setup`",
        )
        (NODE_MODULES / NPM_STAMP_NAME).write_text(lock_hash)


def ensure_chromium() -> None:
    """Debian chromium for the browser tests (playwright cannot download browsers here)."""
    command = "sudo apt-get update && sudo apt-get install -y chromium"
    with Step("setup", "chromium") as step:
        if CHROMIUM.exists():
            step.result = f"found {CHROMIUM}"
            return
        if not (is_root() and shutil.which("apt-get")):
            step.result = f"MISSING: browser tests will fail; run `{command}`"
            return
        step.result = "installing"
    apt_install("setup", ["chromium"])
    if not CHROMIUM.exists():
        raise BuildError(
            f"apt-get installed chromium but {CHROMIUM} is missing",
            f"run `{command}` and check where chromium was installed",
        )


def setup() -> None:
    """Everything a fresh machine needs; every step skips itself when there is nothing to do."""
    t0 = START_TIME  # from before the re-exec into .venv, so "done" covers all of setup
    ensure_venv()  # re-executes inside .venv when not there yet
    ensure_pip()
    ensure_npm()
    ensure_chromium()
    info("setup", f"done ({time.time() - t0:.1f} s)")


# ----------------------------------------------------------------------------- bundle


def sdk_version() -> str:
    """The SDK's ``__version__``, read from the file pyproject's [tool.hatch.version] names."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    path = ROOT / project["tool"]["hatch"]["version"]["path"]
    match = re.search(r'^__version__ = "([^"]+)"', path.read_text(), re.M)
    if match is None:
        raise BuildError(f"no __version__ in {path}", 'add __version__ = "X.Y.Z" there')
    return match.group(1)


# hatchling's wheel builder over the project config read from stdin (build.py itself runs
# without hatchling; .venv has it). `bundle` serves tools/leanwheel.py's build instead (same
# source, lean, parts on demand); tests/testkit/test_packaging.py still checks this one.
BROWSER_WHEEL_SCRIPT = (
    "import json, os, sys; from hatchling.builders.wheel import WheelBuilder; "
    "b = WheelBuilder(os.getcwd(), config=json.load(sys.stdin)); "
    "print(os.path.basename(next(b.build(directory=sys.argv[1], versions=['standard']))))"
)


def browser_wheel_config() -> dict[str, Any]:
    """pyproject.toml as the browser wheel sees it: the SDK package alone, no entry points and
    no extras (what `pip install` gets also holds cognito_emulator and a pytest plugin)."""
    import tomllib  # 3.11+, which .venv has; build.py itself starts on older Pythons too

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = config["project"]
    project.pop("entry-points", None)
    project.pop("optional-dependencies", None)
    target = config["tool"]["hatch"]["build"]["targets"]["wheel"]
    for key in ("packages", "only-include", "sources", "force-include", "include", "exclude"):
        target.pop(key, None)
    target["packages"] = [f"src/{SDK_PACKAGE}"]
    return config


def build_wheel() -> None:
    """The browser's wheel (tools/leanwheel.py: lean, SDK only, optional parts on demand) into
    web/dist/ with web/dist/manifest.json, and the PyPI wheel (hatchling, docstrings kept)
    into build/pypi/."""
    leanwheel_py = ROOT / "tools" / "leanwheel.py"
    inputs = sha256_tree([ROOT / "pyproject.toml", ROOT / "README.md", SDK_SRC, leanwheel_py])
    manifest_path = DIST / "manifest.json"
    with Step("bundle", "SDK wheels -> web/dist/ (browser), build/pypi/ (PyPI)") as step:
        manifest_text = read_text(manifest_path)
        if read_text(WHEEL_STAMP) == inputs and manifest_text is not None:
            wheel_name = json.loads(manifest_text).get("wheel", "")
            if (DIST / wheel_name).is_file() and any(PYPI_DIST.glob("*.whl")):
                step.result = f"up to date ({wheel_name})"
                return
        DIST.mkdir(parents=True, exist_ok=True)
        for old in DIST.glob("amazon_cognito_identity-*.whl"):
            old.unlink()
        shutil.rmtree(DIST / "parts", ignore_errors=True)
        lean = load_module("_build_leanwheel", leanwheel_py)
        result = lean.build(SDK_SRC, DIST, sdk_version(), lambda _msg: None)
        wheel_name = result.wheel.name
        version = check_wheel(DIST / wheel_name)
        manifest = {
            "wheel": wheel_name,
            "url": f"/dist/{wheel_name}",
            "package": SDK_PACKAGE,
            "version": version,
            "sha256": sha256_file(DIST / wheel_name),
            "size": (DIST / wheel_name).stat().st_size,
            "parts": {
                name: f"/dist/{path.relative_to(DIST).as_posix()}"
                for name, path in sorted(result.parts.items())
            },
        }
        if result.index is not None:  # the parts' SHA-256s, fetched with the first part
            manifest["parts_index"] = f"/dist/{result.index.relative_to(DIST).as_posix()}"
        build_pypi_wheel()
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
        WHEEL_STAMP.write_text(inputs)
        step.result = f"built {wheel_name} ({len(result.parts)} parts on demand) + PyPI wheel"


def build_pypi_wheel() -> Path:
    """hatchling's wheel (what PyPI gets, per pyproject.toml) into build/pypi/."""
    shutil.rmtree(PYPI_DIST, ignore_errors=True)
    PYPI_DIST.mkdir(parents=True)
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from hatchling.build import build_wheel; print(build_wheel(sys.argv[1]))",
            str(PYPI_DIST),
        ],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise BuildError(
            "hatchling could not build the wheel",
            "run `python build.py setup` (it installs hatchling), then fix the error shown",
            (out.stdout + out.stderr)[-4000:],
        )
    return PYPI_DIST / out.stdout.strip().splitlines()[-1]


def check_wheel(path: Path) -> str:
    """Checks the wheel is pure and holds the SDK alone; returns its version."""
    hint = "fix build.browser_wheel_config() so the browser wheel holds the SDK only"
    if not path.name.endswith("-py3-none-any.whl"):
        raise BuildError(f"wheel {path.name} is not pure py3-none-any", hint)
    with zipfile.ZipFile(path) as whl:
        names = whl.namelist()
        dist_info = [n.split("/")[0] for n in names if ".dist-info/" in n]
        strays = [
            n for n in names if not n.startswith(f"{SDK_PACKAGE}/") and ".dist-info/" not in n
        ]
        if strays:
            raise BuildError(f"wheel holds files outside {SDK_PACKAGE}/: {strays[:5]}", hint)
        entry_points = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        if entry_points:
            raise BuildError(f"wheel declares entry points ({entry_points[0]})", hint)
        for needed in ("__init__.py", "py.typed"):
            if f"{SDK_PACKAGE}/{needed}" not in names:
                raise BuildError(f"wheel lacks {SDK_PACKAGE}/{needed}", hint)
        metadata = whl.read(f"{dist_info[0]}/METADATA").decode()
    for line in metadata.splitlines():
        if line.startswith("Version:"):
            return line.split(":", 1)[1].strip()
    raise BuildError("wheel METADATA has no Version", hint)


def copy_if_changed(src: Path, dst: Path) -> bool:
    """Copies src to dst unless dst has the same size and mtime; returns True when copied."""
    if dst.exists():
        s, d = src.stat(), dst.stat()
        if s.st_size == d.st_size and int(s.st_mtime) == int(d.st_mtime):
            return False
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)
    return True


def vendor_files(label: str, package: str, files: Sequence[Path], base: Path) -> None:
    """Copies an npm package's files flat into web/vendor/ (skipping unchanged ones)."""
    with Step("bundle", f"{label} -> web/vendor/") as step:
        version = installed_npm_version(package)
        pinned = npm_pins().get(package)
        if version is None:
            raise BuildError(f"node_modules/{package} is missing", "run `python build.py setup`")
        if version != pinned:
            raise BuildError(
                f"node_modules/{package} is {version}, package.json pins {pinned}",
                "run `python build.py setup` (npm ci)",
            )
        copied = 0
        for src in files:
            if not src.is_file():
                raise BuildError(f"{src} is missing", "reinstall: `rm -rf node_modules` then setup")
            copied += copy_if_changed(src, VENDOR / src.relative_to(base))
        step.result = f"{version}: " + (f"copied {copied} files" if copied else "up to date")


def vendor() -> None:
    """Pyodide core and PyScript's dist, flat: /vendor/pyodide.mjs, /vendor/core.js."""
    pyodide_dir = NODE_MODULES / "pyodide"
    vendor_files("Pyodide", "pyodide", [pyodide_dir / n for n in PYODIDE_FILES], pyodide_dir)
    pyscript_dist = NODE_MODULES / "@pyscript" / "core" / "dist"
    pyscript_files = sorted(p for p in pyscript_dist.rglob("*") if p.is_file())
    vendor_files("PyScript", "@pyscript/core", pyscript_files, pyscript_dist)
    versions = {
        "pyodide": installed_npm_version("pyodide"),
        "pyscript": installed_npm_version("@pyscript/core"),
    }
    text = json.dumps(versions, indent=2) + "\n"
    if read_text(VENDOR / "versions.json") != text:
        (VENDOR / "versions.json").write_text(text)


def fastboot() -> None:
    """tools/fastboot.py build(repo_root, log) when the web part has provided it."""
    path = ROOT / "tools" / "fastboot.py"
    if not path.exists():
        return
    with Step("bundle", "fastboot (tools/fastboot.py)", stream=True):
        module = load_module("_build_fastboot", path)
        module.build(ROOT, lambda msg: print(f"[bundle]   {msg}", flush=True))


def precompress() -> None:
    """tools/precompress.py build(repo_root, log): .gz/.br siblings the static server sends,
    copied from the content-hash cache when these bytes were compressed before."""
    path = ROOT / "tools" / "precompress.py"
    if not path.exists():
        return
    with Step("bundle", "compressed siblings (tools/precompress.py)", stream=True):
        module = load_module("_build_precompress", path)
        module.build(ROOT, lambda msg: print(f"[bundle]   {msg}", flush=True))


def bundle(compress: bool = False) -> None:
    """What the pages load: the SDK wheel, Pyodide and PyScript, fast-boot extras; with
    ``compress``, the .br/.gz siblings (only `serve --compress`, `bench` and `kit` need them)."""
    t0 = time.monotonic()
    build_wheel()
    vendor()
    fastboot()
    if compress:
        precompress()
    info("bundle", f"done ({time.monotonic() - t0:.1f} s)")


# ----------------------------------------------------------------------------- serve


def port_in_use(host: str, port: int) -> bool:
    """True when something already accepts connections on host:port."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def wait_for_port(host: str, port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    """Waits until proc listens on host:port; raises when it dies or takes too long."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BuildError(
                f"the emulator exited with {proc.returncode} before listening",
                "run `PYTHONPATH=src .venv/bin/python -m cognito_emulator --help` and fix the "
                "error shown above",
            )
        if port_in_use(host, port):
            return
        time.sleep(0.1)
    raise BuildError(f"the emulator did not listen on {host}:{port} within {timeout:.0f} s", "")


def stop_process(proc: subprocess.Popen[bytes], grace: float = 0.0) -> None:
    """Waits ``grace`` s (a terminal's Ctrl-C reached it too), SIGTERM, SIGKILL after 10 s."""
    try:
        proc.wait(timeout=grace)
        return
    except subprocess.TimeoutExpired:
        pass
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start_emulator(
    port: int, data: Path = EMULATOR_DATA, demo_config: Path = DEMO_CONFIG
) -> subprocess.Popen[bytes] | None:
    """Starts the emulator with the demo pool (writes ``demo_config``), when it exists."""
    if not (ROOT / "src" / "cognito_emulator" / "__main__.py").exists():
        info("serve", "emulator: not built yet (src/cognito_emulator/__main__.py missing)")
        return None
    with Step("serve", f"emulator on 127.0.0.1:{port}", stream=True) as step:
        if port_in_use("127.0.0.1", port):
            raise BuildError(
                f"port {port} is already in use",
                "stop whatever listens there (an earlier `build.py serve`?) or pass "
                "--emulator-port",
            )
        data.parent.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable, "-m", "cognito_emulator",
            "--host", "127.0.0.1", "--port", str(port),
            "--data", str(data),
            "--demo-config", str(demo_config),
        ]  # fmt: skip
        proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, env=pytest_env())
        try:
            wait_for_port("127.0.0.1", port, proc, timeout=60)
        except BaseException:
            stop_process(proc)
            raise
        shown = demo_config.relative_to(ROOT) if demo_config.is_relative_to(ROOT) else demo_config
        step.result = f"ok (pid {proc.pid}; demo pool in {shown})"
    return proc


def serve(
    host: str,
    port: int,
    emulator_port: int,
    with_emulator: bool,
    *,
    data: Path = EMULATOR_DATA,
    demo_config: Path = DEMO_CONFIG,
    compress: bool = False,
) -> None:
    """Emulator + static server until Ctrl-C; stops everything it started.

    ``compress`` sends the bundle's .br/.gz siblings (what users behind a real server get);
    off by default because on 127.0.0.1 decoding costs more than the bytes saved (portal
    cold boot 857 ms plain, 907 ms gzip, 975 ms brotli: tools/measure_web.py --transfer).
    """
    # A shell starts background jobs with SIGINT ignored, and Python then keeps it ignored:
    # `build.py serve &` (or a test runner started that way) would never stop on Ctrl-C/kill -INT.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    static_server = load_module("_build_static_server", ROOT / "tools" / "static_server.py")
    emulator = start_emulator(emulator_port, data, demo_config) if with_emulator else None
    server: Any = None
    stopping = threading.Event()
    try:
        with Step("serve", f"static server for web/ on {host}:{port}"):
            try:
                server = static_server.StaticServer(WEB, host, port, compress=compress)
            except OSError as exc:
                raise BuildError(
                    f"cannot listen on {host}:{port}: {exc}", "pass another --port"
                ) from exc
        if emulator is not None:
            watch_process(emulator, server, stopping)
        info("serve", f"open {server.url}   (Ctrl-C stops everything)")
        signal.signal(signal.SIGTERM, sigterm_as_interrupt)
        server.serve_forever()
        if emulator is not None and emulator.poll() is not None:
            raise BuildError(
                f"the emulator exited with {emulator.returncode} while serving",
                "read its output above; rerun `python build.py serve`",
            )
    except KeyboardInterrupt:
        stopping.set()
        print(flush=True)
        info("serve", "stopping")
    finally:
        stopping.set()
        if server is not None:
            server.httpd.server_close()
        if emulator is not None:
            stop_process(emulator, grace=5.0)
            info("serve", f"emulator stopped (exit {emulator.returncode})")


def sigterm_as_interrupt(signum: int, frame: object) -> None:
    """SIGTERM (e.g. `kill PID`) takes the same clean path as Ctrl-C."""
    raise KeyboardInterrupt


def watch_process(proc: subprocess.Popen[bytes], server: Any, stopping: threading.Event) -> None:
    """Stops the static server when the emulator dies, so serve never runs half-broken."""

    def watch() -> None:
        proc.wait()
        if stopping.is_set():
            return  # we are shutting down anyway (Ctrl-C reaches the emulator too)
        info("serve", f"the emulator exited ({proc.returncode}); stopping the static server")
        server.httpd.shutdown()

    threading.Thread(target=watch, name="emulator-watch", daemon=True).start()


# ----------------------------------------------------------------------------- test and bench


@contextmanager
def collecting(failures: list[BuildError]) -> Iterator[None]:
    """Records a failed check and carries on, so one run reports every failing check."""
    try:
        yield
    except BuildError as exc:
        failures.append(exc)
        report(exc)


# "===== 1 failed, 9 passed in 3.2s =====" (or bare with -q; "no tests ran in 0.01s").
PYTEST_SUMMARY = re.compile(r"^=*\s*((?:no tests ran|\d+ \w+(?:, \d+ \w+)*) in [\d.]+s.*?)\s*=*$")


def run_pytest(args: Sequence[str], summary: list[str]) -> None:
    """Runs pytest, echoing its output; appends its final summary line to ``summary``."""
    cmd = [sys.executable, "-m", "pytest", *args]
    last = ""
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        env=pytest_env(),
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        match = PYTEST_SUMMARY.match(line.strip())
        if match:
            last = match.group(1)
    summary.append(last or "no summary line")
    code = proc.wait()
    if code == 5:
        raise BuildError(
            "pytest collected no tests", "check the arguments passed to pytest and tests/"
        )
    if code != 0:
        raise BuildError(
            f"pytest exited with {code} ({last})",
            "fix the failures listed above; rerun one with `python build.py test -k NAME`",
        )


# lint-imports (import-linter, pinned in the dev extra) checks the contracts in .importlinter.
_LINT_IMPORTS = "from importlinter.cli import lint_imports_command as c; c()"


def test(long: bool, pytest_args: Sequence[str], repeat: int = 1) -> int:
    """Lint, format check, types, then every pytest suite (browser included); with ``repeat``
    > 1 pytest runs that many times (a flaky test shows), stopping at the first failing run."""
    t0 = time.monotonic()
    env = pytest_env()
    failures: list[BuildError] = []
    checks = [
        ("ruff check", [sys.executable, "-m", "ruff", "check", "."], "run `ruff check --fix .`"),
        (
            "ruff format --check",
            [sys.executable, "-m", "ruff", "format", "--check", "."],
            "run `.venv/bin/ruff format .`",
        ),
        ("mypy --strict (src)", [sys.executable, "-m", "mypy", "--strict"], "fix the type errors"),
        (
            "eslint web/",
            ["node", str(NODE_MODULES / "eslint" / "bin" / "eslint.js"), "web/"],
            "fix the JS lint errors (`node_modules/.bin/eslint --fix web/` fixes some)",
        ),
        (
            "import contracts (lint-imports)",
            [sys.executable, "-c", _LINT_IMPORTS, "--no-cache"],
            "an import breaks a contract in .importlinter: see docs/DESIGN.md 'Imports'",
        ),
    ]
    for name, cmd, hint in checks:
        with collecting(failures), Step("test", name, stream=True):
            run(cmd, hint=hint, stream=True, env=env)
    args = list(pytest_args)
    if not long and not any(a == "-m" or a.startswith("-m=") for a in args):
        args = ["-m", "not long", *args]
    summaries: list[str] = []
    for n in range(1, repeat + 1):
        before = len(failures)
        label = f" (run {n}/{repeat})" if repeat > 1 else ""
        with collecting(failures), Step("test", f"pytest {' '.join(args)}{label}", stream=True):
            run_pytest(args, summaries)
        if repeat > 1:
            info("test", f"run {n}/{repeat}: {summaries[-1] if summaries else 'not run'}")
        if len(failures) > before:
            break
    summary = summaries[-1] if summaries else "not run"
    elapsed = time.monotonic() - t0
    if failures:
        names = ", ".join(f.step.split(": ", 1)[-1] for f in failures)
        info("test", f"FAILED: {names} (pytest: {summary}) in {elapsed:.1f} s")
        return 1
    info("test", f"PASSED: ruff, format, mypy, pytest ({summary}) in {elapsed:.1f} s")
    return 0


def bench(args: Sequence[str]) -> int:
    """Delegates to bench/run.py main(argv)."""
    path = ROOT / "bench" / "run.py"
    if not path.exists():
        raise BuildError("bench/run.py does not exist yet", "merge the bench branch first")
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    module = load_module("_build_bench", path)
    info("bench", f"bench/run.py {' '.join(args)}".rstrip())
    result = module.main(list(args))
    return int(result or 0)


# ----------------------------------------------------------------------------- main


def report(exc: BuildError) -> None:
    """Prints a failed step and what to do."""
    if exc.detail:
        print(exc.detail.rstrip(), file=sys.stderr)
    print(f"[{exc.step or 'build'}] FAILED: {exc.message}", file=sys.stderr, flush=True)
    if exc.hint:
        print(f"    what to do: {exc.hint}", file=sys.stderr, flush=True)


def split_passthrough(argv: list[str], own: set[str]) -> tuple[list[str], list[str]]:
    """Separates build.py's own flags from arguments passed through (after `--`, all of them)."""
    mine: list[str] = []
    rest: list[str] = []
    for i, arg in enumerate(argv):
        if arg == "--":
            rest.extend(argv[i + 1 :])
            break
        (mine if arg in own else rest).append(arg)
    return mine, rest


def main(argv: list[str]) -> int:
    """Entry point: returns the process exit code."""
    usage = "python build.py {setup,bundle,serve,test,bench,kit} [options]"
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0 if argv else 2
    verb, rest = argv[0], argv[1:]
    actions: dict[str, Callable[[], int]] = {}

    def do_setup() -> int:
        setup()
        return 0

    def do_bundle() -> int:
        setup()
        bundle(compress="--compress" in rest)
        return 0

    def do_serve() -> int:
        parser = argparse.ArgumentParser(prog="python build.py serve")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--emulator-port", type=int, default=9229)
        parser.add_argument("--no-emulator", action="store_true")
        parser.add_argument(
            "--compress", action="store_true", help="send the .br/.gz siblings (slower locally)"
        )
        opts = parser.parse_args(rest)
        setup()
        bundle(compress=opts.compress)
        serve(
            opts.host,
            opts.port,
            opts.emulator_port,
            not opts.no_emulator,
            compress=opts.compress,
        )
        return 0

    def do_test() -> int:
        repeat, others = 1, list(rest)
        for i, arg in enumerate(others):
            if arg == "--repeat" and i + 1 < len(others) and others[i + 1].isdigit():
                repeat = int(others[i + 1])
                del others[i : i + 2]
                break
            if arg.startswith("--repeat=") and arg[9:].isdigit():
                repeat = int(arg[9:])
                del others[i]
                break
        mine, pytest_args = split_passthrough(others, {"--long"})
        setup()
        bundle()
        return test("--long" in mine, pytest_args, max(1, repeat))

    def do_bench() -> int:
        setup()
        bundle(compress=True)
        return bench(rest)

    def do_kit() -> int:
        # python build.py kit DEST [--user-pool-id ID --client-id ID --endpoint URL --region R]
        kit = load_module("_build_kit", ROOT / "tools" / "kit.py")
        if not rest or rest[0].startswith("-"):
            return int(kit.main(rest or ["--help"]))
        setup()
        bundle()
        return int(kit.main(rest))

    actions = {
        "setup": do_setup,
        "bundle": do_bundle,
        "serve": do_serve,
        "test": do_test,
        "bench": do_bench,
        "kit": do_kit,
    }
    if verb not in actions:
        print(f"unknown verb {verb!r}; usage: {usage}", file=sys.stderr)
        return 2
    try:
        return actions[verb]()
    except BuildError as exc:
        exc.step = exc.step or verb
        report(exc)
        return 1
    except KeyboardInterrupt:
        print(f"\n[{verb}] interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
