"""The modexp worker processes (``compute_workers``): all started before the server serves,
never spawned under load, each pipe used by one thread at a time, closed once.

The 1000-sign-in load test with 2 workers failed two runs in three with ``OSError: [Errno 9]
Bad file descriptor`` while ``ProcessPoolExecutor`` spawned its workers on demand inside
``submit()`` from the handler threads, amid hundreds of sockets opening and closing."""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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


def _held(started: str, release: str) -> int:
    """Say it started, wait for the release, answer the worker's pid."""
    import os
    import pathlib
    import time

    pathlib.Path(started).touch()
    while not pathlib.Path(release).exists():
        time.sleep(0.01)
    return os.getpid()


def _wait_for(path: Path) -> None:
    for _ in range(6000):  # a spawned worker on a loaded machine: up to a minute
        if path.exists():
            return
        time.sleep(0.01)
    raise AssertionError(f"{path} never appeared")


def test_close_waits_for_the_job_in_flight_and_closes_no_pipe_under_it(tmp_path: Path) -> None:
    """close() with a job running: the job is answered by its worker, then the worker stops.
    The pool used to send the stop, wait 5 s, terminate the busy worker and close the pipe the
    job's thread was reading; the job then ran again in the server process and a new worker
    was started behind close(), never stopped."""
    before = {p.pid for p in multiprocessing.active_children()}
    emu = Emulator(EmulatorConfig(print_outbox=False, compute_workers=1))
    started, release = tmp_path / "started", tmp_path / "release"
    (worker,) = {p.pid for p in multiprocessing.active_children()} - before
    with ThreadPoolExecutor(2) as threads:
        job = threads.submit(emu.compute, _held, str(started), str(release))
        _wait_for(started)
        closing = threads.submit(emu.close)
        try:
            time.sleep(6)  # past the old close()'s 5 s wait for a busy worker
            assert not closing.done()  # close() waits for the job
        finally:
            release.touch()
        assert job.result() == worker  # answered by its worker, not recomputed here
        closing.result()
    assert not ({p.pid for p in multiprocessing.active_children()} - before)
    assert emu.compute(pow, 3, 4, 100) == 81  # after close: computed in the caller's thread
