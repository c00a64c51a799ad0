"""docs/identity.md's Python blocks (JS README use cases 4, 16, 17) against the emulator."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path
from typing import Any

from identity_helpers import IdentitySetup

from amazon_cognito_identity.storage import MemoryStorage

DOC = Path(__file__).resolve().parents[2] / "docs" / "identity.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)


def _pick(blocks: list[str], marker: str) -> str:
    found = [b for b in blocks if marker in b]
    assert len(found) == 1, f"{marker!r} should be in exactly one block"
    return found[0]


async def _run(code: str, namespace: dict[str, Any]) -> None:
    compiled = compile(code, str(DOC), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = eval(compiled, namespace)
    if inspect.iscoroutine(result):
        await result


async def test_readme_use_cases_4_16_17(identity_setup: IdentitySetup, capsys: Any) -> None:
    blocks = _blocks()
    storage = MemoryStorage()
    ns: dict[str, Any] = {
        "USER_POOL_ID": identity_setup.user_pool_id,
        "CLIENT_ID": identity_setup.client_id,
        "IDENTITY_POOL_ID": identity_setup.identity_pool_id,
        "USERNAME": identity_setup.username,
        "PASSWORD": identity_setup.password,
        "ENDPOINT": identity_setup.endpoint,
        "STORAGE": storage,
    }
    id_key = f"aws.cognito.identity-id.{identity_setup.identity_pool_id}"

    # Use case 4: SRP sign-in, then identity credentials.
    await _run(_pick(blocks, "authentication_details = "), ns)
    creds4 = ns["credentials"]
    assert creds4.access_key_id and creds4.access_key_id.startswith("ASIA")
    assert storage.get_item(id_key) == creds4.identity_id
    assert "Successfully logged!" in capsys.readouterr().out

    # The callback form of the same sign-in.
    await _run(_pick(blocks, '"on_success": on_success'), ns)
    out = capsys.readouterr().out
    assert "signed in, ID token expires" in out and "Credentials refreshed!" in out

    # Use case 16: the current user from storage, session, attributes, credentials.
    ns.pop("cognito_user")
    await _run(_pick(blocks, "session validity:"), ns)
    out = capsys.readouterr().out
    assert "session validity: True" in out
    assert "'sub'" in out
    creds16 = ns["credentials"]
    assert creds16.identity_id == creds4.identity_id  # read back from storage: no GetId

    # Presigned URL with those credentials.
    await _run(_pick(blocks, "presign_expires=300"), ns)
    assert "X-Amz-Signature=" in capsys.readouterr().out

    # Use case 17: get_session, refresh, then sign-out clears everything.
    await _run(_pick(blocks, 'print("You are now logged in.")'), ns)
    out = capsys.readouterr().out
    assert "You are now logged in." in out and "Successfully logged! ASIA" in out
    assert ns["credentials"].credentials is None
    assert storage.get_item(id_key) is None
    assert ns["user_pool"].get_current_user() is None
