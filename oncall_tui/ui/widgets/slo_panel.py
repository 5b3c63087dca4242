"""The service screen's SLO panels: objective, budget left, burn per window pair, exhaustion.

One focusable panel per SLO, reading the `SloVerdict` the engine made; never queries
anything. A panel says its status in glyph and word, the objective and the budget left as
a bar and a number (below 0 when the objective is missed), each pair's burn over its long
and short windows against the pair's rate with FIRING where both are past it, and when the
budget is gone at the current 1h burn. `r` on a panel opens the SLO's runbook.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

from oncall_tui.engine.snapshot import CheckSnapshot
from oncall_tui.glyphs import SEP
from oncall_tui.render.slo_text import (
    budget_bar,
    budget_text,
    exhaustion_text,
    objective_text,
    pair_line,
    verdict_of,
)
from oncall_tui.ui.widgets.kpi_panel import (
    detail_line,
    status_class_changes,
    status_classes,
    status_line,
)

BAR_WIDTH = 24
PAIRS_HEADING = f"{'pair':<6} {'windows':<8} {'long':>6} {'short':>6}  rate"


def slo_body(check: CheckSnapshot, bar_width: int = BAR_WIDTH) -> str:
    """The panel's text under its status line (pure, so it is tested without an app)."""
    verdict = verdict_of(check)
    if verdict is None:
        return "no answer yet" if check.error is None else ""
    lines = [
        f"objective {objective_text(verdict.objective, verdict.window)}"
        f"{SEP}budget {budget_text(verdict.budget_left)}",
        budget_bar(verdict.budget_left, bar_width),
        PAIRS_HEADING,
        *(pair_line(p) for p in verdict.pairs),
        exhaustion_text(verdict),
    ]
    return "\n".join(lines)


class SloPanel(Widget, can_focus=True):
    """One SLO; its status class (`-crit`, ...) makes a firing page the loudest thing."""

    DEFAULT_CSS = """
    SloPanel { height: auto; }
    SloPanel .status-line { height: 1; }
    """

    def __init__(self, check: CheckSnapshot, *, id: str | None = None) -> None:
        # its status from the start: the first frame, drawn before the data is, is never
        # the unclassed rounded border of a calm panel
        super().__init__(id=id, classes=" ".join(status_classes(check)))
        self.check_id = check.id
        self._check: CheckSnapshot | None = None
        self._status_text = ""
        self._waiting: tuple[CheckSnapshot, float] | None = (check, 0.0)
        self.border_title = f"{check.title} SLO"
        self.border_subtitle = _subtitle(check)
        # the parts are held and filled from the check: the body is never blank at first
        self._status_line = Static(
            f"{check.status.glyph} {check.status.word}", classes="status-line", markup=False
        )
        self._body = Static(slo_body(check), classes="slo-body", markup=False)
        self._detail = Static("", classes="detail", markup=False)

    def compose(self) -> ComposeResult:
        yield self._status_line
        yield self._body
        yield self._detail

    @property
    def snapshot(self) -> CheckSnapshot | None:
        return self._check

    def on_mount(self) -> None:
        waiting, self._waiting = self._waiting, None
        if waiting is not None:
            self.show(*waiting)

    def show(self, check: CheckSnapshot, now: float) -> None:
        if self._waiting is not None:
            self._waiting = (check, now)  # drawn on mount, once its lines exist
            return
        text = status_line(check, now)
        if text != self._status_text:
            self._status_text = text
            self._status_line.update(text, layout=False)
        if check == self._check:
            return
        previous, self._check = self._check, check
        if (
            previous is None
            or previous.status is not check.status
            or previous.loudest is not check.loudest
        ):
            self.update_classes(  # one restyle, none when the classes stay
                status_class_changes(*status_classes(check))
            )
            self.border_subtitle = _subtitle(check)
        self._body.update(slo_body(check))
        detail = detail_line(check) if check.status.is_unknown else ""
        self._detail.display = bool(detail)
        self._detail.update(detail)


def _subtitle(check: CheckSnapshot) -> str:
    return f"{check.status.glyph} {check.status.word}"


class SloPane(Vertical):
    """Every SLO of the service, in config order; hidden when it has none."""

    DEFAULT_CSS = """
    SloPane { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._keys: tuple[str, ...] = ()

    def show(self, checks: Sequence[CheckSnapshot], now: float) -> bool:
        """Bring the panels in line with `checks`; True when panels were added or removed."""
        self.display = bool(checks)
        keys = tuple(c.id.key for c in checks)
        if keys != self._keys:
            self.remove_children()
            panels = [SloPanel(c, id=f"slo-{i}") for i, c in enumerate(checks)]
            for panel, check in zip(panels, checks, strict=True):
                panel.show(check, now)  # kept until the panel is mounted
            self.mount_all(panels)
            self._keys = keys
            return True
        self._fill(tuple(checks), now)
        return False

    def _fill(self, checks: tuple[CheckSnapshot, ...], now: float) -> None:
        for panel, check in zip(self.query(SloPanel), checks, strict=False):
            panel.show(check, now)

    def show_ages(self, now: float) -> None:
        for panel in self.query(SloPanel):
            if panel.snapshot is not None:
                panel.show(panel.snapshot, now)
