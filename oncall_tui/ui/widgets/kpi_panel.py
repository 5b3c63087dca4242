"""One KPI or custom panel of the service screen: value, sparkline, thresholds, status."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Static

from oncall_tui.engine.snapshot import CheckSnapshot
from oncall_tui.glyphs import ARROW, SEP
from oncall_tui.render.cells import age_text, distance_text, labels_text, threshold_legend
from oncall_tui.render.values import format_age, format_value
from oncall_tui.render.verdicts import pending_word, verdict_text
from oncall_tui.status import Status
from oncall_tui.ui.widgets.glyph_widgets import BigDigits, HistorySparkline

#: every status class a widget may have: `-crit`, and `-was-crit` for a stale last verdict
_STATUS_CLASSES = tuple(f"-{s.value}" for s in Status) + tuple(f"-was-{s.value}" for s in Status)
_WHY = {
    Status.NODATA: "the query returned no series",
    Status.STALE: "the last fetch failed; the value shown is old",
    Status.ERROR: "the query or its config is wrong",
}


#: the keys of a focused panel, said on that panel only (the footer has the rest)
FOCUSED_HINT = "r runbook"


def status_line(check: CheckSnapshot, now: float) -> str:
    """`✖ CRIT major for 3 min · updated 2 s ago`; `◔ PENDING CRIT in 25 s for 35 s · ...`
    while held by `for:`; `✖ CRIT ◌ STALE 40 s · ...` when the data behind a crit is stale."""
    status = check.status
    text = verdict_text(check, now)
    if check.level and check.level.lower() != status.value and status.is_breach:
        text += f" {check.level}"
    if check.since is not None:
        text += f" for {format_age(max(0.0, now - check.since))}"
    age = check.age(now)
    text += f"{SEP}no data yet" if age is None else f"{SEP}updated {age_text(age)}"
    return text


def subtitle(check: CheckSnapshot) -> str:
    """The border's word: `✖ CRIT`, `◔ PENDING CRIT`, `▲ WARN → CRIT`, `✖ CRIT ◌ STALE`."""
    status = check.status
    loudest = check.loudest
    if loudest is not status:
        return f"{loudest.glyph} {loudest.word} {status.glyph} {status.word}"
    if status is Status.PENDING:
        return f"{status.glyph} {status.word} {pending_word(check)}"
    if check.pending is not None:
        return f"{status.glyph} {status.word} {ARROW} {pending_word(check)}"
    return f"{status.glyph} {status.word}"


def status_class_changes(*shown: str) -> dict[str, bool]:
    """For `update_classes`: every status class off but `shown`, in one batch (a single
    restyle of the widget and its parts; none when its classes stay)."""
    return dict.fromkeys(_STATUS_CLASSES, False) | dict.fromkeys(shown, True)


def status_classes(check: CheckSnapshot) -> tuple[str, ...]:
    """A panel's status class (`-crit`), and `-was-crit` while its data is stale or in error
    with a louder last verdict. Given at construction, so no frame of a panel, not even the
    first before its data is drawn, has the unclassed look."""
    loudest = check.loudest
    was = (f"-was-{loudest.value}",) if loudest is not check.status else ()
    return (f"-{check.status.value}", *was)


def detail_line(check: CheckSnapshot) -> str:
    """What is wrong with the data, in words; or the worst series of a multi-series KPI."""
    if check.status.is_unknown:
        why = str(check.error) if check.error is not None else _WHY[check.status]
        return f"{check.status.word}: {why}"
    return labels_text(check)


def split_value(text: str) -> tuple[str, str]:
    """`12.3 ms` -> (`12.3`, `ms`), so the number can be drawn big and the unit small."""
    number, _, unit = text.partition(" ")
    return number, unit


#: the arrows walk the service screen's panels and probes, even inside a scrolling container
#: (whose own up/down would otherwise scroll it and keep the focus where it was)
PANEL_WALK: list[BindingType] = [
    Binding("down,right", "screen.focus_next_panel", "Next panel", show=False),
    Binding("up,left", "screen.focus_previous_panel", "Previous panel", show=False),
]


class KpiPanel(Widget, can_focus=True):
    """A focusable panel; its status class (`-crit`, ...) makes a breach the loudest thing."""

    BINDINGS = PANEL_WALK

    DEFAULT_CSS = """
    KpiPanel { height: auto; }
    KpiPanel .value-row { height: auto; }
    KpiPanel .unit { width: auto; padding: 0 1; content-align: left bottom; height: 3; }
    KpiPanel .small-value { display: none; text-style: bold; }
    KpiPanel Sparkline { height: 2; margin: 0 0 0 0; }
    """

    def __init__(self, check: CheckSnapshot, *, id: str | None = None) -> None:
        super().__init__(id=id, classes=" ".join(status_classes(check)))
        self.check_id = check.id
        self._check: CheckSnapshot | None = None
        self._time_text = ""
        self.border_subtitle = subtitle(check)
        # what to draw once the children exist: a panel can be shown before it is composed
        # (mounting is asynchronous, refreshes are not)
        self._waiting: tuple[CheckSnapshot, float | None] | None = (check, None)
        self.border_title = check.title or check.id.key.replace("_", " ")
        # the parts are held, not queried: a query on a panel whose screen is being closed
        # mid-compose finds nothing
        self._status_line = Static("", classes="status-line", markup=False)
        self._big = BigDigits("", classes="big")
        self._unit = Static("", classes="unit", markup=False)
        self._small_value = Static("", classes="small-value", markup=False)
        self._history = HistorySparkline([], classes="history")
        self._legend = Static("", classes="legend", markup=False)
        self._detail = Static("", classes="detail", markup=False)

    def compose(self) -> ComposeResult:
        yield self._status_line
        with Horizontal(classes="value-row"):
            yield self._big
            yield self._unit
        yield self._small_value
        yield self._history
        yield self._legend
        yield self._detail

    def _show_subtitle(self, focused: bool | None = None) -> None:
        """The status; on the focused panel only, its keys before it (`r runbook`)."""
        if self._check is None:
            return
        text = subtitle(self._check)
        focused = self.has_focus if focused is None else focused
        self.border_subtitle = f"{FOCUSED_HINT}{SEP}{text}" if focused else text

    # these run before Widget's own handlers, which set has_focus: say it outright
    def on_focus(self) -> None:
        self._show_subtitle(focused=True)

    def on_blur(self) -> None:
        self._show_subtitle(focused=False)

    def on_mount(self) -> None:
        waiting, self._waiting = self._waiting, None
        if waiting is not None and waiting[1] is not None:
            self.show(waiting[0], waiting[1])

    @property
    def snapshot(self) -> CheckSnapshot | None:
        if self._waiting is not None:
            return self._waiting[0]
        return self._check

    def show(self, check: CheckSnapshot, now: float) -> None:
        """Update in place; only the parts whose text changed are repainted.

        Before the panel's children are mounted the check is kept and drawn on mount.
        """
        if self._waiting is not None:
            self._waiting = (check, now)
            return
        time_text = status_line(check, now)
        if time_text != self._time_text:
            self._time_text = time_text
            # one line high (CSS), so the ages ticking need no layout pass of the screen
            self._status_line.update(time_text, layout=False)
        if check == self._check:
            return
        previous, self._check = self._check, check
        status = check.status
        if (
            previous is None
            or previous.status is not status
            or previous.loudest is not check.loudest
            or previous.pending is not check.pending
        ):
            # stale, last known in breach: keeps its colour (`-was-crit`); in one batch, a
            # single restyle of the panel and its parts (none when the classes stay)
            self.update_classes(status_class_changes(*status_classes(check)))
            self._show_subtitle()
        value = format_value(check.value, check.unit)
        number, unit = split_value(value)
        self._big.update(number)
        self._unit.update(unit)
        self._small_value.update(value)
        if previous is None or previous.history != check.history:
            self._history.data = [v for _, v in check.history]
        legend = threshold_legend(check.thresholds, check.unit)
        distance = distance_text(check)
        self._legend.update(f"{legend}\n{distance}" if distance else legend)
        detail = detail_line(check)
        self._detail.display = bool(detail)
        self._detail.update(detail)
