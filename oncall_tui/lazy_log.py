"""A module's logger that imports `logging` at its first use.

`logging` (with `traceback`, `string` and `weakref`) is a few milliseconds of every start; a
one-shot `oncall status` that logs nothing need not load it. `log = lazy_logger(__name__)`
then `log.warning(...)` as with `logging.getLogger(__name__)`.
"""

from __future__ import annotations

from typing import Any


class LazyLogger:
    """Forwards every attribute to `logging.getLogger(name)`, looked up when first asked."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._logger: Any = None

    def __getattr__(self, attribute: str) -> Any:
        if self._logger is None:
            import logging

            self._logger = logging.getLogger(self._name)
        return getattr(self._logger, attribute)


def lazy_logger(name: str) -> Any:
    """`logging.getLogger(name)`, imported and made at its first use."""
    return LazyLogger(name)
