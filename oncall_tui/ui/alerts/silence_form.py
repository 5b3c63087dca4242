"""Modal screens of silencing: the create form, the confirm screens and the answer.

They only collect and show: the request itself is sent by the alerts screen's worker
through `SilenceClient`, and its `SilenceExchange` (request and answer) comes back here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from oncall_tui.config.durations import parse_duration
from oncall_tui.glyphs import STATUS_CRIT, STATUS_OK
from oncall_tui.render.values import format_duration
from oncall_tui.sources.alerts.records import Alert
from oncall_tui.sources.alerts.silences import SilenceExchange, matchers_for

DEFAULT_DURATION = "1h"


@dataclass(frozen=True)
class SilenceRequest:
    """What the form collected."""

    duration: float  # seconds
    comment: str
    created_by: str


def check_form(duration: str, comment: str, created_by: str) -> SilenceRequest | str:
    """The request, or what is wrong with the form, in words. Pure."""
    try:
        seconds = parse_duration(duration)
    except ValueError as exc:
        return f"duration: {exc}"
    if seconds <= 0:
        return "duration: a silence needs a duration above zero"
    if not comment.strip():
        return "comment: Alertmanager requires a comment (say why you silence it)"
    if not created_by.strip():
        return "creator: say who silences it"
    return SilenceRequest(seconds, comment.strip(), created_by.strip())


class SilenceForm(ModalScreen[SilenceRequest | None]):
    """Duration, comment and creator for a silence of one alert."""

    CSS_PATH = "alerts.tcss"

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel"),
        Binding("ctrl+s", "submit", "Continue", id="submit"),
    ]

    def __init__(self, alert: Alert, created_by: str) -> None:
        super().__init__()
        self.alert = alert
        self.created_by = created_by

    def compose(self) -> ComposeResult:
        with Vertical(classes="alerts-dialog"):
            yield Static(f"silence {self.alert.name}", classes="dialog-title", markup=False)
            yield Static(
                "matches exactly this alert (all its labels); enter goes to the next field, "
                "then to the confirm screen",
                classes="dialog-note",
                markup=False,
            )
            yield Label("duration (e.g. 30m, 1h, 2h30m)")
            yield Input(DEFAULT_DURATION, id="silence-duration")
            yield Label("comment")
            yield Input("", placeholder="why (ticket, incident, change)", id="silence-comment")
            yield Label("created by")
            yield Input(self.created_by, id="silence-creator")
            yield Static("", id="silence-form-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#silence-comment", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        order = ["silence-duration", "silence-comment", "silence-creator"]
        inputs = [self.query_one(f"#{i}", Input) for i in order]
        empty = next((i for i in inputs if not i.value.strip()), None)
        if empty is not None and empty is not event.input:
            empty.focus()
            return
        self.action_submit()

    def action_submit(self) -> None:
        result = check_form(
            self.query_one("#silence-duration", Input).value,
            self.query_one("#silence-comment", Input).value,
            self.query_one("#silence-creator", Input).value,
        )
        if isinstance(result, str):
            self.query_one("#silence-form-error", Static).update(result)
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)


def body_text(body: object) -> str:
    return json.dumps(body, indent=2, sort_keys=False)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question over the text of exactly what will be sent."""

    CSS_PATH = "alerts.tcss"

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Send", id="confirm"),
        Binding("n,escape", "answer(False)", "Cancel", id="cancel"),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="alerts-dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            with VerticalScroll(classes="dialog-body"):
                yield Static(self.text, id="confirm-text", markup=False)
            yield Static("y / enter: send    n / escape: cancel", classes="dialog-note")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


def create_confirm_text(alert: Alert, request: SilenceRequest, url: str, body: object) -> str:
    matchers = "\n".join(f"  {m}" for m in matchers_for(alert))
    return (
        f"silence {alert.name} for {format_duration(request.duration)}\n\n"
        f"matchers (every label of the alert):\n{matchers}\n\n"
        f"POST {url}\n{body_text(body)}"
    )


def exchange_text(exchange: SilenceExchange) -> str:
    """The request and the answer, as sent and as received."""
    lines = [f"{exchange.method} {exchange.url}"]
    if exchange.request_body is not None:
        lines.append(body_text(exchange.request_body))
    lines.append("")
    if exchange.error is not None:
        status = f"HTTP {exchange.status}: " if exchange.status else ""
        lines.append(f"{STATUS_CRIT} failed: {status}{exchange.error.message}")
    else:
        lines.append(f"{STATUS_OK} HTTP {exchange.status}")
        if exchange.silence_id:
            verb = "expired" if exchange.method == "DELETE" else "created"
            lines.append(f"silence {verb}: {exchange.silence_id}")
    if exchange.response_body not in (None, "", {}):
        lines.append(f"answer: {body_text(exchange.response_body)}")
    return "\n".join(lines)


class ExchangeScreen(ModalScreen[None]):
    """The answer to a silence request: the id it got, or the error."""

    CSS_PATH = "alerts.tcss"

    BINDINGS = [Binding("escape,enter", "close", "Close", id="close")]

    def __init__(self, title: str, exchange: SilenceExchange) -> None:
        super().__init__()
        self.title_text = title
        self.exchange = exchange

    def compose(self) -> ComposeResult:
        with Vertical(classes="alerts-dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            with VerticalScroll(classes="dialog-body"):
                yield Static(exchange_text(self.exchange), id="exchange-text", markup=False)
            yield Static("enter / escape: close", classes="dialog-note")

    def action_close(self) -> None:
        self.dismiss(None)
