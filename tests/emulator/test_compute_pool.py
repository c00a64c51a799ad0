"""The modexp worker processes (``compute_workers``): all started before the server serves,
never spawned under load, each pipe used by one thread at a time, closed once.

The 1000-sign-in load test with 2 workers failed two runs in three with ``OSError: [Errno 9]
Bad file descriptor`` while ``ProcessPoolExecutor`` spawned its workers on demand inside
``submit()`` from the handler threads, amid hundreds of sockets opening and closing."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor

import pytest

from cognito_emulator import srp
from cognito_emulator.state import Emulator, EmulatorConfig


def _boom(x: int) -> int:
    raise ValueError(f"bad {x}")


def test_workers_exist_before_the_first_job_and_no_more_appear() -> None:
    before = {p.pid for p in multiprocessing.active_children()}
    emu = Emulator(EmulatorConfig(print_outbox=False, compute_workers=2))
    try:
        started = {p.pid for p in multiprocessing.active_children()} - before
        assert len(started) == 2  # up front, not on the first submit
        args = [(srp.G, 1000 + i, srp.N) for i in range(64)]
        with ThreadPoolExecutor(32) as pool:
            got = list(pool.map(lambda a: emu.compute(pow, *a), args))
        assert got == [pow(*a) for a in args]
        assert {p.pid for p in multiprocessing.active_children()} - before == started
        with pytest.raises(ValueError, match="bad 7"):
            emu.compute(_boom, 7)  # an error in a worker reaches the caller, the worker lives
        assert emu.compute(pow, 3, 4, 100) == 81
    finally:
        emu.close()
    assert not ({p.pid for p in multiprocessing.active_children()} - before)
    emu.close()  # closing twice closes nothing twice
