"""The list of alerts: one row per alert, firing first, the cursor kept on its alert."""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from oncall_tui.glyphs import ELLIPSIS
from oncall_tui.render.alerts import (
    service_label,
    severity_label,
    since_text,
    state_label,
)
from oncall_tui.sources.alerts.records import Alert, severity_status
from oncall_tui.status import Status

COLUMNS = (
    ("severity", "severity"),
    ("name", "alert"),
    ("service", "service"),
    ("state", "state"),
    ("since", "active since"),
    ("summary", "summary"),
)
SUMMARY_WIDTH = 60  # the row shows the start; the detail pane shows it in full


class AlertTable(DataTable[Text]):
    """Rows keyed by `Alert.key`; `Focused` says which alert the cursor is on."""

    class Focused(Message):
        def __init__(self, alert: Alert | None) -> None:
            super().__init__()
            self.alert = alert

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._alerts: dict[str, Alert] = {}
        self._keys: tuple[str, ...] = ()
        self._since: dict[str, str] = {}
        self._stale = False
        self._shown: tuple[tuple[Alert, ...], bool] | None = None  # last (alerts, stale)

    def on_mount(self) -> None:
        for key, title in COLUMNS:
            self.add_column(title, key=key)

    @property
    def focused_alert(self) -> Alert | None:
        if not self._keys or not 0 <= self.cursor_row < len(self._keys):
            return None
        return self._alerts.get(self._keys[self.cursor_row])

    def show(self, alerts: Sequence[Alert], now: float, *, stale: bool = False) -> None:
        """Replace the rows and keep the cursor's alert; only the ages when nothing changed
        (every poll of any source comes here)."""
        shown = (tuple(alerts), stale)
        if shown == self._shown:
            self.show_ages(now)
            return
        self._shown = shown
        current = self.focused_alert
        keys = _unique_keys(alerts)
        self._alerts = dict(zip(keys, alerts, strict=True))
        self._stale = stale
        self.clear()
        self._since = {}
        for key, alert in zip(keys, alerts, strict=True):
            self._since[key] = since_text(alert.starts_at, now)
            self.add_row(*self._row(alert, self._since[key]), key=key)
        self._keys = keys
        if current is not None and current.key in keys:
            self.move_cursor(row=keys.index(current.key), animate=False)
        self.post_message(self.Focused(self.focused_alert))

    def show_ages(self, now: float) -> None:
        """Update only the 'active since' cells whose text changed."""
        for key in self._keys:
            text = since_text(self._alerts[key].starts_at, now)
            if text != self._since.get(key):
                self._since[key] = text
                self.update_cell(key, "since", Text(text))

    def _row(self, alert: Alert, since: str) -> list[Text]:
        style = self._style(alert)
        summary = alert.summary.replace("\n", " ")
        if len(summary) > SUMMARY_WIDTH:
            cut = str(ELLIPSIS)
            summary = summary[: SUMMARY_WIDTH - len(cut)] + cut
        return [
            Text(severity_label(alert), style=style),
            Text(alert.name, style=Style(bold=alert.is_firing)),
            Text(service_label(alert)),
            Text(state_label(alert), style=style if alert.is_firing else Style(dim=True)),
            Text(since),
            Text(summary),
        ]

    def _style(self, alert: Alert) -> Style:
        if self._stale:
            status = Status.STALE
        elif alert.is_firing:
            status = severity_status(alert.severity)
        else:
            return Style(dim=True)
        colour = self.app.theme_variables.get(f"status-{status.value}") or None
        return Style(color=colour, bold=status is Status.CRIT)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.Focused(self.focused_alert))


def _unique_keys(alerts: Sequence[Alert]) -> tuple[str, ...]:
    """Row keys: the alert's key, suffixed when two alerts share one (same labels twice)."""
    seen: dict[str, int] = {}
    keys = []
    for alert in alerts:
        n = seen.get(alert.key, 0)
        seen[alert.key] = n + 1
        keys.append(alert.key if n == 0 else f"{alert.key}~{n}")
    return tuple(keys)
