"""The same-thread page (:class:`~.component.DomPage`), kept importable under this name."""

from __future__ import annotations

from .component import DomPage, form_values

__all__ = ["DomPage", "form_values"]
