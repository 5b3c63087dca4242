"""No widget error exits the dashboard: a failing refresh is logged and said in a notice.

Textual exits the app on any exception raised in a message handler or a timer callback. A
dashboard watched through an incident must carry on instead: the failing part is logged
with its traceback (the `oncall_tui.ui` logger, and Textual's devtools log), a notice says
what failed once per distinct error (not once a second), and every other widget keeps
refreshing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ParamSpec

from textual.app import App

log = logging.getLogger("oncall_tui.ui")
P = ParamSpec("P")

#: at most this many distinct errors are announced; later ones are only logged
MAX_NOTICES = 20


class DisplayErrors:
    """What went wrong while drawing, kept on the app (tests read `count` and `last`)."""

    def __init__(self) -> None:
        self.count = 0
        self.last: BaseException | None = None
        self._said: set[tuple[str, str]] = set()

    def report(self, app: App[Any], where: str, error: Exception) -> None:
        self.count += 1
        self.last = error
        log.error("%s failed: %r", where, error, exc_info=error)
        app.log.error(f"{where} failed", error)
        key = (where, f"{type(error).__name__}: {error}")
        if key in self._said or len(self._said) >= MAX_NOTICES:
            return
        self._said.add(key)
        app.notify(
            f"{where} failed ({type(error).__name__}: {error}); the rest of the dashboard "
            "carries on",
            title="display error",
            severity="error",
            timeout=10,
        )


def guarded(app: App[Any], where: str, call: Callable[P, object]) -> Callable[P, None]:
    """`call`, with any exception reported by `report_display_error` instead of raised."""

    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            call(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - the point: nothing here exits the app
            report_display_error(app, where, error)

    return run


def report_display_error(app: App[Any], where: str, error: Exception) -> None:
    errors = getattr(app, "display_errors", None)
    if not isinstance(errors, DisplayErrors):
        errors = DisplayErrors()
        app.display_errors = errors  # type: ignore[attr-defined]
    errors.report(app, where, error)
