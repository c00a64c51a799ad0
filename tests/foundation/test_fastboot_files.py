"""tools/fastboot.py keeps files whose bytes did not change, so their compressed siblings
(tools/precompress.py, fresh by mtime) stay valid after a fastboot rebuild."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("_fastboot_files", ROOT / "tools/fastboot.py")
assert _spec is not None and _spec.loader is not None
fastboot = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fastboot)


def test_same_bytes_keep_the_old_file_and_its_mtime(tmp_path: Path) -> None:
    dest, new = tmp_path / "snapshot.bin", tmp_path / "stage.bin"
    dest.write_bytes(b"heap" * 1000)
    os.utime(dest, ns=(10**18, 10**18))
    new.write_bytes(b"heap" * 1000)
    assert fastboot.replace_if_changed(new, dest) is False
    assert dest.stat().st_mtime_ns == 10**18
    assert not new.exists()


def test_new_bytes_replace_the_file(tmp_path: Path) -> None:
    dest, new = tmp_path / "snapshot.bin", tmp_path / "stage.bin"
    dest.write_bytes(b"heap" * 1000)
    new.write_bytes(b"heaq" * 1000)
    assert fastboot.replace_if_changed(new, dest) is True
    assert dest.read_bytes() == b"heaq" * 1000
    missing = tmp_path / "missing.bin"
    new.write_bytes(b"x")
    assert fastboot.replace_if_changed(new, missing) is True
    assert missing.read_bytes() == b"x"
