from .conftest import PoolSetup
from .srp_client import srp_sign_in


def test_srp_sign_in_smoke(setup: PoolSetup) -> None:
    setup.server.create_user(setup.pool_id, "alice", "Passw0rd!", email="a@example.com")
    out = srp_sign_in(setup.api, setup.pool_id, setup.client_id, "alice", "Passw0rd!")
    assert "AuthenticationResult" in out, out
