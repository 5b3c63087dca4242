"""The short forms of an incident: declare, note, milestone, status update, resolve.

They collect and check; the app's `IncidentHost` writes what they return to the store.
`check_*` functions are pure, so what is wrong with a form is tested without a screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from oncall_tui.engine.incident import Milestone
from oncall_tui.glyphs import SEP, UP_DOWN
from oncall_tui.render.incident_text import local_time
from oncall_tui.store.when import parse_when


@dataclass(frozen=True)
class Declaration:
    title: str
    severity: str
    services: tuple[str, ...]
    commander: str


def check_declaration(
    title: str, severity: str, services: str, commander: str, *, severities, known
) -> Declaration | str:
    """The declaration, or what is wrong with the form in words."""
    if not title.strip():
        return "title: say what is happening (it heads every update)"
    wanted = severity.strip().upper()
    if wanted not in severities:
        return f"severity: one of {', '.join(severities)}"
    names = tuple(dict.fromkeys(s.strip() for s in services.replace(",", " ").split() if s))
    unknown = [n for n in names if n not in known]
    if unknown:
        return f"services: no service named {unknown[0]!r}"
    if not commander.strip():
        return "commander: say who runs the incident"
    return Declaration(title.strip(), wanted, names, commander.strip())


class _Form(ModalScreen):
    CSS_PATH = "incidents.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel"),
        Binding("ctrl+s", "submit", "Save", id="submit"),
    ]

    def error(self, text: str) -> None:
        self.query_one(".form-error", Static).update(text)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:  # pragma: no cover - each form has its own
        raise NotImplementedError


class DeclareForm(_Form):
    """`i` with no incident open: severity, title, services, commander."""

    def __init__(
        self,
        *,
        severities: tuple[str, ...],
        default_severity: str,
        services: tuple[str, ...],
        focused: str | None,
        commander: str,
    ) -> None:
        super().__init__()
        self.severities = severities
        self.default_severity = default_severity
        self.known = services
        self.focused_service = focused
        self.commander = commander

    def compose(self) -> ComposeResult:
        with Vertical(classes="incident-dialog"):
            yield Static("declare an incident", classes="dialog-title", markup=False)
            yield Label("title")
            yield Input("", placeholder="what users see going wrong", id="declare-title")
            yield Label(f"severity ({', '.join(self.severities)})")
            yield Input(self.default_severity, id="declare-severity")
            yield Label("affected services (space separated)")
            yield Input(self.focused_service or "", id="declare-services")
            yield Label("commander")
            yield Input(self.commander, id="declare-commander")
            yield Static("", classes="form-error", markup=False)
            yield Static(f"enter: next field{SEP}ctrl+s: declare{SEP}escape: cancel", classes="dim")

    def on_mount(self) -> None:
        self.query_one("#declare-title", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        inputs = list(self.query(Input))
        empty = next((i for i in inputs if not i.value.strip()), None)
        if empty is not None and empty is not event.input:
            empty.focus()
            return
        self.action_submit()

    def action_submit(self) -> None:
        result = check_declaration(
            self.query_one("#declare-title", Input).value,
            self.query_one("#declare-severity", Input).value,
            self.query_one("#declare-services", Input).value,
            self.query_one("#declare-commander", Input).value,
            severities=self.severities,
            known=self.known,
        )
        if isinstance(result, str):
            self.error(result)
            return
        self.dismiss(result)


class NoteForm(_Form):
    """`n`: one line for the timeline."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="incident-dialog"):
            yield Static("note on the timeline", classes="dialog-title", markup=False)
            yield Input("", placeholder="what you saw, tried or decided", id="note-text")
            yield Static("", classes="form-error", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        text = self.query_one(Input).value.strip()
        if not text:
            self.error("a note needs some text")
            return
        self.dismiss(text)


@dataclass(frozen=True)
class Stamp:
    milestone: Milestone
    at: float


def check_stamp(milestone: Milestone, when: str, now: float, started: float) -> Stamp | str:
    text = when.strip()
    try:
        at = now if text in ("", "now") else parse_when(text, now)
    except ValueError as exc:
        return f"time: {exc}"
    if at > now + 60:
        return "time: a milestone cannot be stamped in the future"
    if milestone is not Milestone.DETECTED and at < started:
        return f"time: before the incident started ({local_time(started)})"
    return Stamp(milestone, at)


class MilestoneForm(_Form):
    """`m`: which milestone, stamped now or at a time typed in (to correct it)."""

    def __init__(self, *, stamped: dict[Milestone, float], now: float, started: float) -> None:
        super().__init__()
        self.stamped = stamped
        self.now = now
        self.started = started

    def compose(self) -> ComposeResult:
        with Vertical(classes="incident-dialog"):
            yield Static("milestone", classes="dialog-title", markup=False)
            options = []
            for milestone in Milestone:
                at = self.stamped.get(milestone)
                done = f"  (stamped {local_time(at)})" if at is not None else ""
                options.append(Option(f"{milestone.value}{done}", id=milestone.value))
            yield OptionList(*options, id="milestone-choice")
            yield Label("time (now, HH:MM, -5m or RFC 3339)")
            yield Input("now", id="milestone-time")
            yield Static("", classes="form-error", markup=False)
            yield Static(
                f"{UP_DOWN} choose{SEP}enter: to the time{SEP}enter again or ctrl+s: stamp"
                f"{SEP}escape: cancel"
            )

    def on_mount(self) -> None:
        choice = self.query_one(OptionList)
        following = next((i for i, m in enumerate(Milestone) if m not in self.stamped), 0)
        choice.highlighted = following
        choice.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one("#milestone-time", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        choice = self.query_one(OptionList)
        if choice.highlighted is None:
            self.error("choose a milestone")
            return
        milestone = list(Milestone)[choice.highlighted]
        when = self.query_one("#milestone-time", Input).value
        result = check_stamp(milestone, when, self.now, self.started)
        if isinstance(result, str):
            self.error(result)
            return
        self.dismiss(result)


class UpdateForm(_Form):
    """`u`: the composed status update, editable; ctrl+s copies it and stamps it as sent."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel"),
        Binding("ctrl+s", "submit", "Copy + stamp", id="submit"),
    ]

    def __init__(self, text: str, *, title: str = "status update", stamp: bool = True) -> None:
        super().__init__()
        self.text = text
        self.heading = title
        self.stamp = stamp  # False: copied only (the resolution notice, after the resolve)

    def compose(self) -> ComposeResult:
        with Vertical(classes="incident-dialog wide"):
            yield Static(self.heading, classes="dialog-title", markup=False)
            yield TextArea(self.text, id="update-text", soft_wrap=True)
            yield Static("", classes="form-error", markup=False)
            what = "copy it and stamp it on the timeline" if self.stamp else "copy it"
            yield Static(f"ctrl+s: {what}{SEP}escape: cancel", markup=False)

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_submit(self) -> None:
        text = self.query_one(TextArea).text.strip()
        if not text:
            self.error("the update is empty")
            return
        self.dismiss(text)


@dataclass(frozen=True)
class Resolution:
    root_cause: str
    resolution: str


class ResolveForm(_Form):
    """`R`: root cause and resolution for the resolution notice (both may stay blank)."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="incident-dialog"):
            yield Static("resolve the incident", classes="dialog-title", markup=False)
            yield Label("root cause (as far as known)")
            yield Input("", id="resolve-cause")
            yield Label("resolution (what fixed it)")
            yield Input("", id="resolve-fix")
            yield Static("", classes="form-error", markup=False)
            yield Static(f"enter or tab: next field{SEP}ctrl+s: resolve{SEP}escape: cancel")

    def on_mount(self) -> None:
        self.query_one("#resolve-cause", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "resolve-cause":
            self.query_one("#resolve-fix", Input).focus()
            return
        self.action_submit()

    def action_submit(self) -> None:
        self.dismiss(
            Resolution(
                self.query_one("#resolve-cause", Input).value.strip(),
                self.query_one("#resolve-fix", Input).value.strip(),
            )
        )
