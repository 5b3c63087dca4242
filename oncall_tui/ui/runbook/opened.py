"""Which runbook pane is open, asked without importing the pane (and the Markdown it needs):
screens ask on every footer refresh, from the first frame on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen

    from oncall_tui.ui.runbook.pane import RunbookPane

PANE_ID = "rb-pane"


def open_pane_on(screen: Screen[Any]) -> RunbookPane | None:
    """The runbook pane open on `screen`, or None."""
    for pane in screen.query_children(f"#{PANE_ID}"):
        if getattr(pane, "is_open", False):
            return pane  # type: ignore[return-value]
    return None


def open_pane(app: App[Any]) -> RunbookPane | None:
    """The runbook pane open on the app's top screen, or None."""
    try:
        screen = app.screen
    except Exception:  # no screen yet
        return None
    return open_pane_on(screen)
