"""``LoginForm``: the earlier name of :class:`~.authenticator.Authenticator` on the main thread.

Kept for pages that run Python on the main thread with PyScript (``<script type="py">``)::

    LoginForm(pool, mount="#login", on_signed_in=lambda user, session: ...)

It is the :class:`~.authenticator.Authenticator` rendering straight into ``js.document``
(a :class:`~.dom_page.DomPage`). New pages should use the site kit instead (README "Add sign-in
to your site"): the same component in a Web Worker, typeable before Python has started.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..user_pool import CognitoUserPool
from .authenticator import Authenticator, SignedIn
from .dom_page import DomPage

__all__ = ["LoginForm"]


class LoginForm(Authenticator):
    """:class:`~.authenticator.Authenticator` on the main thread (same options, plus
    ``document`` / ``create_proxy`` injected for tests; default Pyodide's)."""

    def __init__(
        self,
        pool: CognitoUserPool,
        mount: str = "#login",
        on_signed_in: SignedIn | None = None,
        *,
        document: Any = None,
        create_proxy: Callable[[Callable[..., Any]], Any] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(pool, mount, on_signed_in, page=DomPage(document, create_proxy), **options)
