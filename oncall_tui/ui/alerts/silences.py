"""The active silences of Alertmanager, and expiring one after a confirm.

Reads and expiries go through `SilenceClient` in workers; the table only shows answers.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from oncall_tui.glyphs import ELLIPSIS, SEP, STATUS_CRIT
from oncall_tui.render.alerts import clock_text
from oncall_tui.render.values import format_age
from oncall_tui.sources.alerts.silence_records import Silence
from oncall_tui.sources.alerts.silences import NOT_ALLOWED, SilenceClient, SilenceExchange
from oncall_tui.ui.alerts.silence_form import ConfirmScreen, ExchangeScreen
from oncall_tui.ui.widgets.footer import KeysFooter
from oncall_tui.ui.workers import RoutesWorkerFailures


def ends_text(silence: Silence, now: float) -> str:
    if silence.ends_at is None:
        return "?"
    left = format_age(max(0.0, silence.ends_at - now))
    return f"in {left} ({clock_text(silence.ends_at, now)})"


class SilencesScreen(RoutesWorkerFailures, Screen[None]):
    """Alertmanager's active silences: matchers, end, creator, comment."""

    CSS_PATH = "alerts.tcss"

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("x,e", "expire", "Expire", id="expire_silence"),
        Binding("g", "reload", "Reload", id="reload_silences"),
    ]

    def __init__(self, client: SilenceClient) -> None:
        super().__init__()
        self.client = client
        self.silences: tuple[Silence, ...] = ()
        self.last: SilenceExchange | None = None

    def compose(self) -> ComposeResult:
        yield Static(f"silences{SEP}loading{ELLIPSIS}", id="silences-title", markup=False)
        yield DataTable(id="silences-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="silences-note", markup=False)
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one("#silences-table", DataTable)
        for key, title in (
            ("id", "id"),
            ("matchers", "matchers"),
            ("ends", "ends"),
            ("by", "created by"),
            ("comment", "comment"),
        ):
            table.add_column(title, key=key)
        table.focus()
        self.action_reload()

    def _now(self) -> float:
        clock = getattr(self.app, "now", None)
        return clock() if callable(clock) else 0.0

    def action_reload(self) -> None:
        self.run_worker(
            self._load(),
            group="silences",
            exclusive=True,
            exit_on_error=False,
            description="lists Alertmanager's active silences",
        )

    async def _load(self) -> None:
        self.show(await self.client.list())

    def show(self, exchange: SilenceExchange) -> None:
        self.last = exchange
        title = self.query_one("#silences-title", Static)
        note = self.query_one("#silences-note", Static)
        if exchange.error is not None:
            title.update(f"silences{SEP}{STATUS_CRIT} {exchange.error.message}")
            return
        self.silences = exchange.silences
        table = self.query_one("#silences-table", DataTable)
        table.clear()
        now = self._now()
        for s in self.silences:
            table.add_row(
                Text(s.id),
                Text(", ".join(str(m) for m in s.matchers)),
                Text(ends_text(s, now)),
                Text(s.created_by),
                Text(s.comment),
                key=s.id,
            )
        count = len(self.silences)
        title.update(f"silences{SEP}{count} active{SEP}{exchange.method} {exchange.url}")
        note.update("" if self.client.allowed else f"read only: {NOT_ALLOWED.message}")

    @property
    def focused_silence(self) -> Silence | None:
        table = self.query_one("#silences-table", DataTable)
        if not self.silences or not 0 <= table.cursor_row < len(self.silences):
            return None
        return self.silences[table.cursor_row]

    def action_expire(self) -> None:
        silence = self.focused_silence
        if silence is None:
            self.notify("no silence selected", severity="warning")
            return
        if not self.client.allowed:
            self.notify(NOT_ALLOWED.message, title="silences", severity="error")
            return
        matchers = "\n".join(f"  {m}" for m in silence.matchers)
        text = (
            f"expire silence {silence.id} now\n\nmatchers:\n{matchers}\n\n"
            f"created by {silence.created_by}: {silence.comment}\n\n"
            f"DELETE /api/v2/silence/{silence.id}"
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_worker(
                    self._expire(silence.id),
                    group="silence-expire",
                    exit_on_error=False,
                    description="expires one silence",
                )

        self.app.push_screen(ConfirmScreen("expire this silence?", text), answered)

    async def _expire(self, silence_id: str) -> None:
        exchange = await self.client.expire(silence_id)
        self.app.push_screen(ExchangeScreen("expire silence", exchange))
        if exchange.ok:
            self.notify(f"silence {silence_id} expired", title="silences")
            record = getattr(self.app, "record_action", None)
            if record is not None:
                record("silence.expired", subject=silence_id)
        else:
            self.notify(str(exchange.error.message if exchange.error else ""), severity="error")
        self.action_reload()

    def action_back(self) -> None:
        self.dismiss(None)
