"""The alerts screen (`a`): what is firing, pending and silenced, with the focused alert in full.

Reads `snapshot.extras.alerts` (the AlertList) and `extras.alerts_error` (set while
the last fetch failed: the list is then the last good one, marked stale). `r` opens the
alert's runbook through `app.open_runbook`; `s` silences the focused alert and `S` lists
the silences, both only when Alertmanager is configured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from oncall_tui.engine.snapshot import DashboardSnapshot
from oncall_tui.glyphs import SEP, STATUS_STALE
from oncall_tui.render.alerts import (
    alert_error,
    alert_list,
    counts_line,
    detail_text,
    display_order,
    stale_line,
)
from oncall_tui.render.cause import dashboard_line
from oncall_tui.runbooks.alert_links import AlertRunbook, ExternalRunbook, alert_runbook
from oncall_tui.runbooks.links import LinkProblem, ResolvedLink
from oncall_tui.sources.alerts.records import Alert, AlertList
from oncall_tui.sources.alerts.silences import (
    NOT_ALLOWED,
    SILENCES_PATH,
    SilenceClient,
    default_creator,
    silence_body,
)
from oncall_tui.ui.alerts.silence_form import (
    ConfirmScreen,
    ExchangeScreen,
    SilenceForm,
    SilenceRequest,
    create_confirm_text,
)
from oncall_tui.ui.alerts.silences import SilencesScreen
from oncall_tui.ui.alerts.table import AlertTable
from oncall_tui.ui.screens.base import DashboardScreen
from oncall_tui.ui.widgets.banner import SourceBanner
from oncall_tui.ui.widgets.footer import KeysFooter
from oncall_tui.ui.widgets.header import DashboardHeader

if TYPE_CHECKING:
    from oncall_tui.runbooks.clipboard import CopyOutcome

SILENCE_ACTIONS = ("silence", "silences")


class AlertsScreen(DashboardScreen):
    CSS_PATH = "alerts.tcss"
    AUTO_FOCUS = "#alerts-table"

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("r", "runbook", "Runbook", id="alert_runbook"),
        Binding("c", "copy_url", "Copy URL", id="copy_runbook_url"),
        Binding("s", "silence", "Silence", id="silence"),
        Binding("S", "silences", "Silences", id="silences"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.alerts: tuple[Alert, ...] = ()
        self.focused_alert: Alert | None = None
        self.stale = False
        self._client: SilenceClient | None = None

    def compose(self) -> ComposeResult:
        yield DashboardHeader()
        yield SourceBanner()
        yield Static("", id="alerts-stale", markup=False)
        yield Static("", id="alerts-counts", markup=False)
        with Horizontal(id="alerts-body"):
            yield AlertTable(id="alerts-table")
            with VerticalScroll(id="alert-detail-pane"):
                yield Static("", id="alert-detail", markup=False)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#alert-detail-pane").border_title = "alert"
        self.show(self.oncall.snapshot, self.oncall.now())

    async def on_unmount(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    # -- data ------------------------------------------------------------------------------

    @property
    def silences_configured(self) -> bool:
        return self.oncall.config.alertmanager is not None

    def show_data(self, snapshot: DashboardSnapshot, now: float) -> None:
        listing = alert_list(snapshot)
        error = alert_error(snapshot)
        self.stale = error is not None
        stale = self.query_one("#alerts-stale", Static)
        stale.display = self.stale
        if self.stale:
            stale.update(f"{STATUS_STALE} STALE  " + self._stale_text(listing, now))
        self.alerts = display_order(listing.alerts) if listing is not None else ()
        self.query_one("#alerts-counts", Static).update(self._counts_text(listing))
        self.query_one(AlertTable).show(self.alerts, now, stale=self.stale)
        self._show_detail(now)

    def show_ages(self, snapshot: DashboardSnapshot | None, now: float) -> None:
        self.query_one(AlertTable).show_ages(now)
        if self.stale:
            self.query_one("#alerts-stale", Static).update(
                f"{STATUS_STALE} STALE  " + self._stale_text(alert_list(snapshot), now)
            )

    def _stale_text(self, listing: AlertList | None, now: float) -> str:
        source = listing.source if listing is not None else self._source_name()
        return stale_line(listing, alert_error(self.oncall.snapshot), source, now)

    def _source_name(self) -> str:
        return "alertmanager" if self.silences_configured else "alerts"

    def _counts_text(self, listing: AlertList | None) -> str:
        if listing is None:
            text = "no alerts fetched yet"
        elif not listing.alerts:
            text = f"nothing firing or pending{SEP}from {listing.source}"
        else:
            text = counts_line(listing)
        if listing is not None and listing.errors:
            text += f"{SEP}{len(listing.errors)} rule(s) failed: {listing.errors[0]}"
        if self.oncall.demo:
            text += f"{SEP}silences are not available in the demo"
        elif not self.silences_configured:
            text += f"{SEP}silences need `alertmanager:` in the config"
        elif not self.oncall.config.alertmanager.allow_silence:  # type: ignore[union-attr]
            text += f"{SEP}silences read only (allow_silence is off)"
        return text

    def _show_detail(self, now: float) -> None:
        detail = self.query_one("#alert-detail", Static)
        alert = self.focused_alert
        if alert is None:
            detail.update("no alert selected" if not self.alerts else "")
            return
        snapshot = self.oncall.snapshot
        service = snapshot.service(alert.service) if snapshot and alert.service else None
        detail.update(
            detail_text(alert, now, self._runbook_line(alert), dashboard_line(service, alert))
        )

    def _runbook_line(self, alert: Alert) -> str:
        if not alert.runbook_url:
            return "runbook: r opens the section matching the alert name"
        result = self._resolve(alert)
        if isinstance(result, ExternalRunbook):
            return f"runbook_url is not one of ours ({alert.runbook_url}): c copies it"
        return ""

    @on(AlertTable.Focused)
    def _focused(self, event: AlertTable.Focused) -> None:
        self.focused_alert = event.alert
        self._show_detail(self.oncall.now())
        self.refresh_bindings()

    # -- keys ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in SILENCE_ACTIONS and not self.silences_configured:
            return False  # hidden: no Alertmanager, no silences
        if action == "copy_url":
            return bool(self.focused_alert and self.focused_alert.runbook_url)
        if action in ("runbook", "silence") and self.focused_alert is None:
            return None  # shown, greyed out until an alert is selected
        return True

    def action_back(self) -> None:
        self.oncall.back_to_overview()

    def _resolve(self, alert: Alert) -> AlertRunbook | None:
        index = getattr(self.oncall, "runbooks", None)
        if index is None:
            return None
        config = self.oncall.config
        return alert_runbook(alert, index, config.services, config.base_dir)

    def action_runbook(self) -> None:
        alert = self.focused_alert
        if alert is None:
            return
        opener = getattr(self.oncall, "open_runbook", None)
        result = self._resolve(alert)
        if opener is None or result is None:
            self.notify("runbooks are still loading; try again in a moment", title="runbook")
            return
        outside = dict(alert.labels)
        if isinstance(result, ExternalRunbook):
            if result.fallback is None:
                self.notify(f"{result.message}\npress c to copy it", title="runbook", timeout=10)
                return
            shown = result.fallback
            what = shown.reason if isinstance(shown, ResolvedLink) else shown.message
            shown_note = f"{result.message}; showing {what}"
            opener(result.fallback, service=alert.service, outside=outside, guessed_note=shown_note)
            return
        note: str | None = None
        if not isinstance(result, LinkProblem) and not result.explicit:
            note = result.reason
        opener(result, service=alert.service, outside=outside, guessed_note=note)

    def action_copy_url(self) -> None:
        alert = self.focused_alert
        if alert is None or not alert.runbook_url:
            return
        url = alert.runbook_url

        def done(outcome: CopyOutcome) -> None:
            where = f"\nalso in {outcome.path}" if outcome.path else ""
            self.notify(f"copied {url}{where}", title="runbook URL")

        app: Any = self.app
        app.copy(url, done=done)

    def _silence_client(self) -> SilenceClient:
        if self._client is None:
            self._client = SilenceClient(
                self.oncall.config.alertmanager,
                clock=self.oncall.clock,
                secrets=self.oncall.config.secrets(),
            )
        return self._client

    def action_silences(self) -> None:
        if not self.silences_configured:
            return
        self.app.push_screen(SilencesScreen(self._silence_client()))

    def action_silence(self) -> None:
        alert = self.focused_alert
        am = self.oncall.config.alertmanager
        if alert is None or am is None:
            return
        if not am.allow_silence:
            self.notify(NOT_ALLOWED.message, title="silence refused", severity="error")
            return

        def filled(request: SilenceRequest | None) -> None:
            if request is not None:
                self._confirm_silence(alert, request)

        self.app.push_screen(SilenceForm(alert, default_creator()), filled)

    def _confirm_silence(self, alert: Alert, request: SilenceRequest) -> None:
        am = self.oncall.config.alertmanager
        assert am is not None
        body = silence_body(
            alert, request.duration, request.comment, request.created_by, self.oncall.now()
        )
        url = am.url.rstrip("/") + SILENCES_PATH
        text = create_confirm_text(alert, request, url, body)

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_worker(
                    self._create(alert, request),
                    group="silence-create",
                    exit_on_error=False,
                    description="creates a silence in Alertmanager",
                )

        self.app.push_screen(ConfirmScreen("send this silence?", text), answered)

    async def _create(self, alert: Alert, request: SilenceRequest) -> None:
        exchange = await self._silence_client().create(
            alert, request.duration, request.comment, request.created_by
        )
        self.app.push_screen(ExchangeScreen(f"silence {alert.name}", exchange))
        if exchange.ok:
            self.notify(f"silence {exchange.silence_id} created", title="silences")
            record = getattr(self.app, "record_action", None)
            if record is not None:
                record(
                    "silence.created",
                    service=alert.service,
                    subject=str(exchange.silence_id),
                    data={
                        "alert": alert.name,
                        "duration": request.duration,
                        "comment": request.comment,
                        "created_by": request.created_by,
                    },
                )
        elif exchange.error is not None:
            self.notify(exchange.error.message, title="silence failed", severity="error")


__all__ = ["AlertsScreen"]
