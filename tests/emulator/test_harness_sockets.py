"""The emulator tests' own HTTP helper leaves no socket behind.

``Api(endpoint)`` is made in dozens of tests that never close it. When its client kept an idle
keep-alive connection, that socket lived until the cyclic garbage collector found the client,
and ``ResourceWarning: unclosed socket`` was raised in whatever later test happened to run
``gc.collect()`` with warnings as errors (tests/flows/test_session_defects.py in CI)."""

from __future__ import annotations

import gc
import socket
import warnings

from cognito_emulator.testing import EmulatorServer

from .srp_client import Api


def _open_sockets_to(port: int) -> list[socket.socket]:
    found = []
    for obj in gc.get_objects():
        if isinstance(obj, socket.socket) and obj.fileno() != -1:
            try:
                peer = obj.getpeername()
            except OSError:
                continue
            if peer[1] == port:
                found.append(obj)
    return found


def test_an_api_dropped_unclosed_leaves_no_open_socket(emulator: EmulatorServer) -> None:
    api = Api(emulator.endpoint)
    assert api("ListUserPools", MaxResults=1)["UserPools"] == []
    del api
    assert _open_sockets_to(emulator.port) == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gc.collect()  # nothing left to finalise with a ResourceWarning
