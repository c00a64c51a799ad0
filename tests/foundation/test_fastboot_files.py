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


def test_sparse_snapshot_round_trip_leaves_out_zero_pages() -> None:
    page = fastboot.SPARSE_PAGE
    heap = bytearray(page * 10 + 123)  # a partial last page too
    heap[5] = 1  # page 0
    heap[page * 3 + 7] = 2  # page 3
    heap[page * 4] = 3  # page 4: one run with page 3
    heap[-1] = 4  # the partial last page
    encoded = fastboot.encode_sparse(bytes(heap))
    assert len(encoded) < len(heap) // 2
    assert fastboot.decode_sparse(encoded) == bytes(heap)
    # Runs of non-zero pages: 0, 3-4 and the last one.
    assert int.from_bytes(encoded[16:20], "little") == 3
    assert fastboot.decode_sparse(fastboot.encode_sparse(bytes(page))) == bytes(page)


def test_sdk_stdlib_imports_are_found_in_function_bodies_too(tmp_path: Path) -> None:
    pkg = tmp_path / "sdkpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from __future__ import annotations\nimport json\n")
    (pkg / "late.py").write_text(
        "from . import x\nfrom sdkpkg import y\ndef f():\n    import email.utils\n"
        "    from urllib.parse import quote\n    from js import fetch\n"
    )
    assert fastboot.sdk_stdlib_imports(pkg) == ["email.utils", "json", "urllib.parse"]
