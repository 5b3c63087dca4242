"""The service screen's health pane: one focusable row per probe, its components below it.

Reads the `ProbeResult` records of the service's health checks; never probes anything. A
row says the probe's verdict in glyph and word, its kind, HTTP code, latency with a small
sparkline of recent latencies, the age of the answer and the target; then why, in one
line; then its components, failing ones first with their message in full, nested ones
indented, extra fields (`pending_jobs=4600`) kept. `r` on a row opens the probe's runbook
when the app offers `open_runbook_for_check`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from rich.console import Group
from rich.padding import Padding
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from oncall_tui.engine.snapshot import CheckSnapshot
from oncall_tui.glyphs import ELLIPSIS, SEP, SPARK
from oncall_tui.names import widget_id
from oncall_tui.render.cells import age_text
from oncall_tui.render.values import format_value
from oncall_tui.render.verdicts import verdict_text
from oncall_tui.sources.health.records import ProbeResult, flatten_components
from oncall_tui.status import Status, worst
from oncall_tui.ui.widgets.kpi_panel import PANEL_WALK, status_class_changes
from oncall_tui.units import SECONDS

SPARK_POINTS = 12
OK_COMPONENTS_SHOWN = 6  # failing components are always all shown; ok ones up to this many


def sparkline(values: Sequence[float], width: int = SPARK_POINTS) -> str:
    """`▁▁▂▁▃█` (`__._:#` in ASCII): the last `width` values, the highest a full block."""
    points = list(values)[-width:]
    if not points:
        return ""
    # scaled from zero, not from the minimum: jitter of a few percent stays flat, a spike
    # ten times the usual latency stands out
    high = max(points)
    bars = str(SPARK)
    if high <= 0:
        return bars[0] * len(points)
    top = len(bars) - 1
    return "".join(bars[round(max(v, 0.0) / high * top)] for v in points)


def result_of(check: CheckSnapshot) -> ProbeResult | None:
    return check.detail if isinstance(check.detail, ProbeResult) else None


def headline(check: CheckSnapshot, now: float) -> str:
    """`✖ CRIT ready · http 503 · 3.1 ms ▁▂▇ · 2 s ago`, with a held breach when pending."""
    result = result_of(check)
    parts = [f"{verdict_text(check, now)} {check.title or check.id.key}"]
    kind = result.kind.value if result is not None else ""
    code = f" {result.http_status}" if result is not None and result.http_status else ""
    if kind:
        parts.append(f"{kind}{code}")
    if result is not None and result.top_word and result.kind.value == "grpc":
        parts.append(result.top_word)
    if check.value is not None:
        spark = sparkline([v for _, v in check.history])
        latency = format_value(check.value, SECONDS)
        parts.append(f"{latency} {spark}" if len(spark) > 1 else latency)
    age = check.age(now)
    parts.append("no answer yet" if age is None else age_text(age))
    return SEP.join(parts)


def reason_line(check: CheckSnapshot) -> str:
    """Why the probe is not ok: the engine's fetch error first, then the probe's own reason."""
    reasons = []
    if check.error is not None:
        reasons.append(str(check.error))
    result = result_of(check)
    if result is not None and result.reason and check.status is not Status.OK:
        reasons.append(result.reason)
    if result is not None and result.body_truncated:
        reasons.append("body longer than the read cap; only its start was read")
    return "; ".join(reasons)


def _fields_text(fields: Mapping[str, object]) -> str:
    return SEP.join(f"{key}={value}" for key, value in fields.items())


def component_lines(result: ProbeResult, limit_ok: int = OK_COMPONENTS_SHOWN) -> list[Text]:
    """`✖ cache  error: connection refused`, failing first, nested ones indented."""
    flat = flatten_components(result.components)
    width = max((len(f.component.name) + 2 * f.depth for f in flat), default=0)
    lines: list[Text] = []
    hidden = 0
    shown_ok = 0
    for item in flat:
        comp = item.component
        if comp.status is Status.OK:
            if shown_ok >= limit_ok:
                hidden += 1
                continue
            shown_ok += 1
        indent = "  " * item.depth
        name = f"{indent}{comp.name}".ljust(width)
        line = Text(f"{comp.status.glyph} {name}")
        if comp.status is not Status.OK:
            line.stylize("bold")
        words = [comp.message] if comp.message else []
        if comp.status is not Status.OK and not comp.message:
            words.append(comp.status.word)
        if comp.fields:
            words.append(_fields_text(comp.fields))
        if words:
            line.append("  " + "  ".join(words))
        lines.append(line)
    if hidden:
        lines.append(Text(f"{ELLIPSIS} {hidden} more ok", style="dim"))
    return lines


def probe_lines(check: CheckSnapshot, now: float) -> list[tuple[int, Text]]:
    """Everything one row shows, as (indent, line); wrapped lines keep their indent."""
    lines = [(0, Text(headline(check, now), style="bold" if check.status.is_breach else ""))]
    result = result_of(check)
    if check.status is Status.OK and check.pending is None:
        return lines  # a well probe is one line: the failing ones get the room
    if result is not None and result.target:
        lines.append((2, Text(result.target, style="dim")))
    reason = reason_line(check)
    if reason:
        lines.append((2, Text(reason)))
    if result is not None:
        lines.extend((4, line) for line in component_lines(result))
        excerpt = result.body_excerpt.strip().splitlines()[0][:80] if result.body_excerpt else ""
        # a plain-text or unreadable body: its start says what the endpoint answered
        if result.top_word is None and excerpt and result.http_status is not None:
            lines.append((4, Text(f"body: {excerpt}", style="dim")))
    return lines


class ProbeRow(Static, can_focus=True):
    """One probe; focusable so `r` can open its runbook."""

    DEFAULT_CSS = """
    ProbeRow { height: auto; padding: 0 1; border-left: $border-outer $panel-lighten-2; }
    ProbeRow:focus { background-tint: $foreground 8%; border-left: $border-outer $primary; }
    ProbeRow.-ok { border-left: $border-outer $status-ok 60%; }
    ProbeRow.-pending {
        border-left: $border-thick $status-pending; background: $status-pending 8%;
    }
    ProbeRow.-warn { border-left: $border-thick $status-warn; background: $status-warn 10%; }
    ProbeRow.-crit { border-left: $border-thick $status-crit; background: $status-crit 18%; }
    ProbeRow.-stale { border-left: $border-dashed $status-stale; }
    ProbeRow.-error { border-left: $border-double $status-error; }
    ProbeRow.-nodata { border-left: $border-outer $status-nodata; }
    """

    BINDINGS = [Binding("r", "probe_runbook", "Runbook", id="probe_runbook"), *PANEL_WALK]

    def __init__(self, check: CheckSnapshot, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.check_id = check.id
        self._check: CheckSnapshot | None = None
        self._text = ""

    @property
    def snapshot(self) -> CheckSnapshot | None:
        return self._check

    def show(self, check: CheckSnapshot, now: float) -> None:
        if self._check is None or self._check.loudest is not check.loudest:
            self.update_classes(  # one restyle, none when the classes stay
                status_class_changes(f"-{check.loudest.value}")
            )
        self._check = check
        lines = probe_lines(check, now)
        plain = "\n".join(" " * indent + line.plain for indent, line in lines)
        if plain != self._text:
            self._text = plain
            self.update(Group(*(Padding(line, (0, 0, 0, indent)) for indent, line in lines)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "probe_runbook":  # no dead key in the footer
            return callable(getattr(self.app, "open_runbook_for_check", None))
        return True

    def action_probe_runbook(self) -> None:
        opener = getattr(self.app, "open_runbook_for_check", None)
        if not callable(opener) or self._check is None:
            return
        result = result_of(self._check)
        outside = {"probe": self._check.id.key}
        if result is not None and result.target:
            outside["target"] = result.target
        opener(self._check, outside)


def row_id(key: str) -> str:
    return widget_id("probe-", key)


def summary_text(checks: Sequence[CheckSnapshot]) -> str:
    """`● health 4/4 ok · live 3.1 ms · ready 4 ms · grpc 2 ms`: every probe well, one line."""
    parts = [f"{Status.OK.glyph} health {len(checks)}/{len(checks)} ok"]
    for check in checks:
        name = check.title or check.id.key
        latency = format_value(check.value, SECONDS) if check.value is not None else ""
        parts.append(f"{name} {latency}".strip())
    return SEP.join(parts)


class HealthPane(Vertical):
    """Every probe of one service; hidden when the service has none.

    All well, it is one line (`● health 4/4 ok · live 3.1 ms ...`), so the KPI panels below
    stay in view; otherwise a block with a row per probe, ok ones one line each, the failing
    ones with their reason and components.
    """

    DEFAULT_CSS = """
    HealthPane {
        height: auto; border: $border-round $panel-lighten-2; padding: 0 0;
        border-subtitle-align: right;
    }
    HealthPane:focus-within { border: $border-round $primary; }
    HealthPane.-loud { border: $border-round $status-crit; }
    HealthPane.-all-well { border: none; padding: 0 1; height: 1; }
    HealthPane .health-summary { height: 1; color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "health"
        self.display = False
        self._keys: tuple[str, ...] = ()
        self._rows: dict[str, ProbeRow] = {}  # every row mounted, by probe name; reused
        self._summary = Static("", classes="health-summary", markup=False)

    def compose(self) -> ComposeResult:
        yield self._summary

    @property
    def rows(self) -> list[ProbeRow]:
        return [row for row in self.query(ProbeRow) if row.display]

    @property
    def all_well(self) -> bool:
        return self.has_class("-all-well")

    def show(self, checks: Iterable[CheckSnapshot], now: float) -> bool:
        """Bring the rows in line with the probes; True when rows were added or came back."""
        checks = tuple(checks)
        self.display = bool(checks)
        if not checks:
            return False
        rolled = worst((c.loudest for c in checks), default=Status.NODATA)
        bad = sum(1 for c in checks if c.loudest is not Status.OK)
        self.border_title = f"health{SEP}{len(checks)} probes" + (f", {bad} not ok" if bad else "")
        self.border_subtitle = f"{rolled.glyph} {rolled.word}"
        self.set_class(rolled in (Status.CRIT, Status.ERROR), "-loud")
        well = bad == 0
        self.set_class(well, "-all-well")
        self._summary.display = well
        if well:
            self._summary.update(summary_text(checks))
        keys = () if well else tuple(c.id.key for c in checks)
        changed = keys != self._keys
        self._keys = keys
        for check in checks:
            row = self._rows.get(check.id.key)
            if row is None:
                row = ProbeRow(check, id=row_id(check.id.key))
                self._rows[check.id.key] = row
                self.mount(row)
            row.display = not well
            row.show(check, now)
        for key, row in self._rows.items():
            if key not in keys:
                row.display = False
        return changed and bool(keys)

    def show_ages(self, now: float) -> None:
        for row in self.rows:
            if row.snapshot is not None:
                row.show(row.snapshot, now)
