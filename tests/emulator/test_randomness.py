"""The emulator's buffered randomness: fresh bytes every call, right sizes, fork-safe."""

from __future__ import annotations

import base64
import os
import uuid

import pytest

from cognito_emulator import randomness


def test_bytes_are_never_handed_out_twice() -> None:
    # 3000 x 16 bytes spans several 4 KiB refills; a repeat would mean a reused slice.
    seen = {randomness.token_bytes(16) for _ in range(3000)}
    assert len(seen) == 3000


@pytest.mark.parametrize("n", [0, 1, 7, 32, 96, 256, 1024, 1025, 5000])
def test_token_bytes_length(n: int) -> None:
    assert len(randomness.token_bytes(n)) == n


def test_token_urlsafe_matches_secrets_format() -> None:
    token = randomness.token_urlsafe(96)
    assert "=" not in token and "+" not in token and "/" not in token
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) == 96


def test_randbits_range_and_spread() -> None:
    values = [randomness.randbits(256) for _ in range(200)]
    assert all(0 <= v < 1 << 256 for v in values)
    # With 200 draws, the top bit is set in some and clear in others (p of failure 2^-199).
    assert any(v >> 255 for v in values) and any(not v >> 255 for v in values)
    assert all(0 <= randomness.randbits(3) < 8 for _ in range(100))
    assert {randomness.randbits(1) for _ in range(200)} == {0, 1}
    assert randomness.randbits(0) == 0


def test_uuid4_is_version_4() -> None:
    value = randomness.uuid4()
    assert value.version == 4 and value.variant == uuid.RFC_4122
    assert uuid.UUID(str(value)) == value


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_does_not_reuse_the_parents_buffer() -> None:
    randomness.token_bytes(1)  # make sure the parent holds a partly used buffer
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: send what it draws next, then leave without running pytest's exit
        try:
            os.write(write, randomness.token_bytes(64))
        finally:
            os._exit(0)
    os.close(write)
    child = b""
    while len(child) < 64:
        chunk = os.read(read, 64)
        if not chunk:
            break
        child += chunk
    os.close(read)
    os.waitpid(pid, 0)
    assert len(child) == 64
    assert child != randomness.token_bytes(64)
