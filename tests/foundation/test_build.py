"""build.py helpers that every verb relies on (the verbs themselves run in CI end to end)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("_build_under_test", ROOT / "build.py")
assert _spec is not None and _spec.loader is not None
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)


def source_version() -> str:
    hatch = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]
    text = (ROOT / hatch["version"]["path"]).read_text()
    match = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    assert match
    return match.group(1)


def test_split_passthrough() -> None:
    mine, rest = build.split_passthrough(["--long", "-k", "hello", "-x"], {"--long"})
    assert mine == ["--long"]
    assert rest == ["-k", "hello", "-x"]
    mine, rest = build.split_passthrough(["-x", "--", "--long"], {"--long"})
    assert mine == []
    assert rest == ["-x", "--long"]


def test_built_wheel_is_pure_and_sdk_only() -> None:
    manifest_path = ROOT / "web" / "dist" / "manifest.json"
    if not manifest_path.exists():
        pytest.fail("web/dist/manifest.json missing: run `python build.py bundle` first")
    manifest = json.loads(manifest_path.read_text())
    wheel = ROOT / "web" / "dist" / manifest["wheel"]
    assert wheel.name.endswith("-py3-none-any.whl")
    assert manifest["version"] == source_version()
    assert manifest["sha256"] == build.sha256_file(wheel)
    with zipfile.ZipFile(wheel) as whl:
        tops = {name.split("/")[0] for name in whl.namelist()}
        sources = {n for n in whl.namelist() if n.startswith("amazon_cognito_identity/")}
    assert tops == {
        "amazon_cognito_identity",
        f"amazon_cognito_identity-{source_version()}.dist-info",
    }
    expected = {
        "amazon_cognito_identity/"
        + p.relative_to(ROOT / "src" / "amazon_cognito_identity").as_posix()
        for p in (ROOT / "src" / "amazon_cognito_identity").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    # The browser's wheel is the lean build: every source file is in it or served as an
    # optional part beside it (tools/leanwheel.py), plus the part loader.
    parts = {
        "amazon_cognito_identity/" + url.split("/dist/parts/amazon_cognito_identity/", 1)[1]
        for url in manifest["parts"].values()
    }
    assert not sources & parts
    assert sources | parts == expected | {"amazon_cognito_identity/_parts.py"}
    for url in manifest["parts"].values():
        assert (ROOT / "web" / url.lstrip("/")).is_file()


def test_pypi_wheel_keeps_every_module_and_its_docstrings() -> None:
    wheels = sorted((ROOT / "build" / "pypi").glob("amazon_cognito_identity-*.whl"))
    if not wheels:
        pytest.fail("build/pypi/ has no wheel: run `python build.py bundle` first")
    with zipfile.ZipFile(wheels[-1]) as whl:
        names = set(whl.namelist())
        user = whl.read("amazon_cognito_identity/user.py").decode()
    for path in (ROOT / "src" / "amazon_cognito_identity").rglob("*.py"):
        rel = path.relative_to(ROOT / "src").as_posix()
        assert rel in names
    assert user == (ROOT / "src" / "amazon_cognito_identity" / "user.py").read_text()


def make_wheel(path: Path, names: list[str]) -> Path:
    with zipfile.ZipFile(path, "w") as whl:
        for name in names:
            whl.writestr(name, "Version: 9.9\n" if name.endswith("METADATA") else "")
    return path


def test_check_wheel_accepts_sdk_only(tmp_path: Path) -> None:
    wheel = make_wheel(
        tmp_path / "amazon_cognito_identity-9.9-py3-none-any.whl",
        [
            "amazon_cognito_identity/__init__.py",
            "amazon_cognito_identity/py.typed",
            "amazon_cognito_identity-9.9.dist-info/METADATA",
        ],
    )
    assert build.check_wheel(wheel) == "9.9"


@pytest.mark.parametrize(
    ("filename", "extra"),
    [
        ("amazon_cognito_identity-9.9-py3-none-any.whl", ["cognito_emulator/__init__.py"]),
        ("amazon_cognito_identity-9.9-cp311-cp311-linux_x86_64.whl", []),
    ],
)
def test_check_wheel_rejects_strays_and_platform_wheels(
    tmp_path: Path, filename: str, extra: list[str]
) -> None:
    wheel = make_wheel(
        tmp_path / filename,
        [
            "amazon_cognito_identity/__init__.py",
            "amazon_cognito_identity/py.typed",
            "amazon_cognito_identity-9.9.dist-info/METADATA",
            *extra,
        ],
    )
    with pytest.raises(build.BuildError):
        build.check_wheel(wheel)


def test_copy_if_changed(tmp_path: Path) -> None:
    src, dst = tmp_path / "a.bin", tmp_path / "out" / "a.bin"
    src.write_bytes(b"one")
    assert build.copy_if_changed(src, dst) is True
    assert build.copy_if_changed(src, dst) is False
    src.write_bytes(b"three")
    os.utime(src, (dst.stat().st_mtime + 5, dst.stat().st_mtime + 5))
    assert build.copy_if_changed(src, dst) is True
    assert dst.read_bytes() == b"three"


def test_sha256_tree_sees_content_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build, "ROOT", tmp_path)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text("x = 1\n")
    first = build.sha256_tree([tmp_path / "pkg"])
    (tmp_path / "pkg" / "__pycache__").mkdir()
    (tmp_path / "pkg" / "__pycache__" / "m.pyc").write_bytes(b"junk")
    assert build.sha256_tree([tmp_path / "pkg"]) == first  # caches do not count
    (tmp_path / "pkg" / "m.py").write_text("x = 2\n")
    assert build.sha256_tree([tmp_path / "pkg"]) != first


def test_unknown_verb_fails_with_usage() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "nonsense"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "usage" in proc.stderr


def test_failed_step_names_step_and_hint(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(build.BuildError) as info, build.Step("demo", "false command"):
        build.run([sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"], hint="do X")
    build.report(info.value)
    err = capsys.readouterr().err
    assert "[demo: false command] FAILED" in err
    assert "exited with 3" in err
    assert "boom" in err
    assert "what to do: do X" in err


def test_no_tests_collected_is_a_failure(capsys: pytest.CaptureFixture[str]) -> None:
    summaries: list[str] = []
    with pytest.raises(build.BuildError, match="collected no tests"):
        build.run_pytest(
            [
                "-q",
                "-p",
                "no:cacheprovider",
                "-m",
                "no_such_marker",
                "tests/foundation/test_build.py",
            ],
            summaries,
        )
    assert summaries and "deselected" in summaries[0]


def test_pytest_failure_is_reported_with_its_summary(tmp_path: Path) -> None:
    failing = tmp_path / "test_fails.py"
    failing.write_text("def test_one():\n    assert 1 == 2\n\ndef test_two():\n    pass\n")
    summaries: list[str] = []
    with pytest.raises(build.BuildError) as info:
        build.run_pytest(
            ["-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(failing)], summaries
        )
    assert "1 failed, 1 passed" in info.value.message
    assert summaries[0].startswith("1 failed, 1 passed")


def test_bench_delegates_to_bench_run_main(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "run.py").write_text(
        "import json, pathlib\n"
        "def main(argv):\n"
        "    pathlib.Path(__file__).with_name('got.json').write_text(json.dumps(argv))\n"
        "    return 3\n"
    )
    monkeypatch.setattr(build, "ROOT", tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    assert build.bench(["--quick", "x"]) == 3
    assert json.loads((tmp_path / "bench" / "got.json").read_text()) == ["--quick", "x"]


def test_bench_without_run_py_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build, "ROOT", tmp_path)
    with pytest.raises(build.BuildError, match=r"bench/run\.py"):
        build.bench([])


def test_fastboot_hook_is_called_with_root_and_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "fastboot.py").write_text(
        "def build(repo_root, log):\n    log(f'root={repo_root.name}')\n"
    )
    monkeypatch.setattr(build, "ROOT", tmp_path)
    build.fastboot()
    assert f"[bundle]   root={tmp_path.name}" in capsys.readouterr().out
