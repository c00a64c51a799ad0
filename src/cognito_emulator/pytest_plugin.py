"""pytest fixtures of the testing kit (loaded by the ``pytest11`` entry point).

``pip install "amazon-cognito-identity[emulator]"`` and a test file needs no conftest::

    def test_sign_in(user_pool, cognito_user):
        tokens = cognito_user.sign_in()
        assert tokens.id_claims["email"] == cognito_user.email

Fixtures:

- ``cognito_emulator`` (session): :class:`~cognito_emulator.testkit.CognitoEmulator`, a server
  on a free 127.0.0.1 port, in memory (``--cognito-emulator-data FILE`` for sqlite).
- ``user_pool``: a fresh :class:`~cognito_emulator.testkit.UserPool` per test; options from
  ``@pytest.mark.cognito_pool(mfa="OPTIONAL", ...)`` (see
  :func:`~cognito_emulator.testkit.build_params`).
- ``user_pool_factory``: ``user_pool_factory(**options)`` for more pools.
- ``cognito_user``: a confirmed user of ``user_pool`` (``.username``, ``.password``,
  ``.email``); ``cognito_user_factory(username=None, **kwargs)`` for more.
- ``cognito_signed_in_context`` / ``cognito_signed_in_page`` (with pytest-playwright): a
  browser context / page where ``cognito_user`` is signed in for ``base_url``'s origin.

Tests that use Playwright's sync fixtures run after the others (see PLAYWRIGHT_FIXTURES).

Each test starts at real time, whatever an earlier test did with ``advance_clock``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # imported by the fixtures: pytest starts without loading the server
    from .testkit import CognitoEmulator, PoolUser, UserPool

_EMULATOR = pytest.StashKey["CognitoEmulator"]()
MARKER = "cognito_pool"


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--cognito-emulator-data FILE``: keep the emulator's state in a sqlite file."""
    group = parser.getgroup("cognito_emulator", "Cognito emulator (amazon-cognito-identity)")
    group.addoption(
        "--cognito-emulator-data",
        default=None,
        help="sqlite file for the cognito_emulator fixture (default: in memory)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Registers the ``cognito_pool`` marker."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): options of the user_pool fixture's pool "
        "(mfa, username_attributes, aliases, auto_verify, password_policy, device_tracking, "
        "access_token_minutes, id_token_minutes, refresh_token_days, generate_secret, "
        "triggers, pool, client)",
    )


# pytest-playwright's sync fixtures leave an asyncio event loop marked as running in the main
# thread for the rest of the session: every later asyncio.run() or pytest-asyncio test fails
# with "cannot be called from a running event loop". So tests using them run last.
PLAYWRIGHT_FIXTURES = frozenset(
    {
        "playwright",
        "browser",
        "browser_type",
        "launch_browser",
        "new_context",
        "context",
        "page",
        "cognito_signed_in_context",
        "cognito_signed_in_page",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests using Playwright's sync fixtures run after the others (stable order otherwise)."""
    items.sort(key=lambda item: bool(PLAYWRIGHT_FIXTURES & set(getattr(item, "fixturenames", ()))))


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Every test starts at real time (when the emulator runs at all)."""
    emulator = item.config.stash.get(_EMULATOR, None)
    if emulator is not None:
        emulator.real_time()


@pytest.fixture(scope="session")
def cognito_emulator(pytestconfig: pytest.Config) -> Iterator[CognitoEmulator]:
    """The emulator, running for the whole session."""
    from .testkit import CognitoEmulator

    data = pytestconfig.getoption("--cognito-emulator-data", None)
    with CognitoEmulator.running(data) as emulator:
        pytestconfig.stash[_EMULATOR] = emulator
        try:
            yield emulator
        finally:
            del pytestconfig.stash[_EMULATOR]


@pytest.fixture
def user_pool_factory(cognito_emulator: CognitoEmulator) -> Callable[..., UserPool]:
    """``user_pool_factory(**options)`` -> a new pool and app client."""
    return cognito_emulator.create_user_pool


@pytest.fixture
def user_pool(request: pytest.FixtureRequest, cognito_emulator: CognitoEmulator) -> UserPool:
    """A fresh pool and app client for this test (options: the ``cognito_pool`` marker)."""
    options: dict[str, Any] = {}
    # Closest marker last, so a test's marker overrides its class's and module's.
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        if marker.args:
            raise pytest.UsageError(f"@pytest.mark.{MARKER} takes keyword arguments only")
        options.update(marker.kwargs)
    return cognito_emulator.create_user_pool(**options)


@pytest.fixture
def cognito_user_factory(user_pool: UserPool) -> Callable[..., PoolUser]:
    """``cognito_user_factory(username=None, password=None, *, email=None, confirmed=True,
    totp=False, **attributes)`` -> a user of ``user_pool``."""
    return user_pool.create_user


@pytest.fixture
def cognito_user(cognito_user_factory: Callable[..., PoolUser]) -> PoolUser:
    """A confirmed user of ``user_pool`` with a verified email and a known password
    (``totp=True`` in no case: set it up with ``cognito_user.enable_totp()``)."""
    return cognito_user_factory()


@pytest.fixture
def cognito_signed_in_context(
    new_context: Callable[..., Any], cognito_user: PoolUser, base_url: str | None
) -> Any:
    """A browser context (pytest-playwright's ``new_context``) in which ``cognito_user`` is
    signed in for pages of ``base_url`` (localStorage), Cognito calls routed to the emulator."""
    if not base_url:
        raise pytest.UsageError(
            "cognito_signed_in_context needs base_url: pass --base-url or define a base_url "
            "fixture (the origin of the pages under test)"
        )
    from .playwright import signed_in_context

    return signed_in_context(new_context, cognito_user, origin=base_url)


@pytest.fixture
def cognito_signed_in_page(cognito_signed_in_context: Any) -> Any:
    """A page of ``cognito_signed_in_context``."""
    return cognito_signed_in_context.new_page()


__all__ = [
    "cognito_emulator",
    "cognito_signed_in_context",
    "cognito_signed_in_page",
    "cognito_user",
    "cognito_user_factory",
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_runtest_setup",
    "user_pool",
    "user_pool_factory",
]
