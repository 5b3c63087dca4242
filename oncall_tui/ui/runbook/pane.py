"""The runbook pane: a whole runbook with the linked section at the top, commands ready to copy.

The pane is a widget of the screen it is opened on (the app mounts it once; closing hides
it), on a layer above that screen's widgets. On a wide terminal it takes the right of the
screen, and the screen reflows into the room on the left (`-beside-pane`): the service's
panels stay visible and are refreshed as the top screen always is. On a narrow one it covers
everything but the footer. Being a widget rather than a screen pushed over another, opening
it is one layout of one screen: nothing under it is composited through it.

The pane is its own controller: blocks post `Copy` / `Run`, links post `LinkClicked`, and
the I/O (clipboard file, PromQL) happens here, PromQL in a worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.scalar import Scalar
from textual.widget import Widget
from textual.widgets import Footer, Input, Markdown, OptionList, Static

from oncall_tui.glyphs import ABOUT, SECTION, SEP, STATUS_CRIT
from oncall_tui.inert import inert_line
from oncall_tui.runbooks.clipboard import CopyOutcome
from oncall_tui.runbooks.index import RunbookIndex
from oncall_tui.runbooks.links import (
    LinkProblem,
    ResolvedLink,
    find_runbook,
    near_anchors,
    resolve_link,
    split_ref,
)
from oncall_tui.runbooks.parse import Runbook
from oncall_tui.runbooks.placeholders import FillContext, FilledCommand
from oncall_tui.sources.base import FetchError
from oncall_tui.ui.runbook.command_block import CommandBlock
from oncall_tui.ui.runbook.markdown import RunbookDocument
from oncall_tui.ui.runbook.opened import PANE_ID
from oncall_tui.ui.runbook.promql_runner import PromqlRunner, result_lines
from oncall_tui.ui.runbook.toc import RunbookToc
from oncall_tui.ui.workers import RoutesWorkerFailures

if TYPE_CHECKING:
    from textual.widgets.markdown import MarkdownBlock

    from oncall_tui.config.model import Config

#: from this many columns the pane opens beside the panels instead of over them
SIDE_MIN_WIDTH = 140
PLACE_TRIES = 20  # frames to wait for the first layout before scrolling anyway


@dataclass(frozen=True)
class Location:
    """Where the pane is: a runbook and the line at the top (a heading's, usually)."""

    runbook: Runbook
    line: int = 1
    anchor: str | None = None


def matching_lines(text: str, query: str) -> list[int]:
    """1-based lines of `text` that contain `query`, ignoring case."""
    wanted = query.strip().lower()
    if not wanted:
        return []
    return [i for i, line in enumerate(text.splitlines(), 1) if wanted in line.lower()]


@dataclass(frozen=True)
class PaneRequest:
    """What to open: a link (or the problem with it), for a service, filled from `context`."""

    link: ResolvedLink | LinkProblem
    service: str | None
    context: FillContext
    index: RunbookIndex | None
    note: str | None = None
    #: a command (`Command.index` in the linked file) to focus instead of the section's
    #: first; set by `/` search on a command result
    focus_command: int | None = None


def side_by_side(width: int) -> bool:
    return width >= SIDE_MIN_WIDTH


class RunbookPane(RoutesWorkerFailures, Vertical):
    """One runbook, scrolled to a section, with search, contents and links between runbooks."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="runbook.close"),
        Binding("slash", "search", "Search", id="runbook.search"),
        Binding("n", "next_match", "Next match", id="runbook.next_match"),
        Binding("N", "previous_match", "Previous match", id="runbook.prev_match", show=False),
        Binding("j", "next_block", "Next command", id="runbook.next_block"),
        Binding("k", "previous_block", "Previous command", id="runbook.prev_block"),
        Binding("o", "toggle_contents", "Contents", id="runbook.contents"),
        Binding("backspace", "back", "Back", id="runbook.back"),
        # the screen's own keys for what is under the pane do nothing while it has the keys
        Binding("r", "nothing", show=False, id="runbook.r"),
    ]

    def __init__(self, config: Config, request: PaneRequest) -> None:
        super().__init__(id=PANE_ID)
        self.runner = PromqlRunner(config)
        self.request = request
        self.link = request.link
        self.service = request.service
        self.context = request.context
        self.index = request.index
        self.note = request.note
        self.focus_command = request.focus_command
        self.location: Location | None = None
        self.history: list[Location] = []
        self.matches: list[int] = []
        self.match_index = -1
        self.query_text = ""
        self.is_open = False
        self._return_focus: Widget | None = None
        self._host_beside = False  # what _mark_host last told the screen
        self._first = self._location_of(request.link)
        # the layout class before the first mount: set after, it would restyle a second time
        self._set_mode_class()

    # -- layout ----------------------------------------------------------------------------

    def _set_mode_class(self) -> bool:
        """`-side` (beside the screen's widgets) or `-narrow` (over them), by the terminal's
        width; True when it changed."""
        try:
            width = self.app.size.width
        except Exception:  # built outside a running app
            return False
        side = side_by_side(width)
        if self.has_class("-side") is side and self.has_class("-narrow") is not side:
            return False
        self.set_class(side, "-side")
        self.set_class(not side, "-narrow")
        return True

    def compose(self) -> ComposeResult:
        first = self._first
        title = self._title(first) if first is not None else self._problem_title()
        yield Static(title, id="rb-title", markup=False)
        yield Static("", id="rb-note", markup=False)
        # new alerts while the pane is open: said here, a toast would cover the command
        yield Static("", id="rb-alert", markup=False)
        with Horizontal(id="rb-body"):
            yield RunbookToc(id="rb-toc", markup=False)
            yield RunbookDocument(id="rb-scroll")
        yield Input(placeholder="search this runbook (enter: find; escape: cancel)", id="rb-search")
        yield Static("", id="rb-status", markup=False)

    async def on_mount(self) -> None:
        self.query_one("#rb-search", Input).display = False
        self.trap_focus()
        self._fit_height()
        self.screen.screen_layout_refresh_signal.subscribe(self, self._screen_laid_out)
        await self.open(self.request)

    def _screen_laid_out(self, _screen: object) -> None:
        self._fit_height()

    def _fit_height(self) -> None:
        """Down to the screen's footer, not over it: a docked widget on a layer of its own
        would take the whole height, and no CSS unit says "the screen less its footer"."""
        screen = self.screen
        footer = sum(f.outer_size.height or 1 for f in screen.query_children(Footer))
        height = max(1, screen.size.height - footer)
        if self.styles.height != Scalar.from_number(height):
            self.styles.height = height

    async def on_unmount(self) -> None:
        self.screen.screen_layout_refresh_signal.unsubscribe(self)
        await self.runner.aclose()

    def on_resize(self) -> None:
        if self.is_open and self._set_mode_class():
            self._mark_host()

    def _mark_host(self) -> None:
        """The screen's widgets beside the pane reflow into the room left of it: the
        screen's own `beside_pane(beside)` where it has one (the service screen: inline
        styles on the few widgets that change), else the class `-beside-pane` on each of
        its widgets, not on the screen (that would restyle the pane's own widgets too, on
        every open and close)."""
        beside = self.is_open and self.has_class("-side")
        screen = self.screen
        if self._host_beside is beside:
            return
        self._host_beside = beside
        hook = getattr(screen, "beside_pane", None)
        if callable(hook):
            hook(beside)
            return
        for child in screen.children:
            if child is not self and child.has_class("-beside-pane") is not beside:
                child.set_class(beside, "-beside-pane")

    def show_alert_notice(self, text: str) -> None:
        """A new alert fired: one line at the top of the pane, never over its text."""
        line = self.query_one("#rb-alert", Static)
        line.update(f"{STATUS_CRIT} {inert_line(text)}")
        line.display = True

    # -- opening and closing ---------------------------------------------------------------

    async def open(self, request: PaneRequest) -> None:
        """Show `request` in the pane (the pane mounted already, open or hidden)."""
        if not self.is_open:
            focused = self.screen.focused
            inside = focused is not None and self in focused.ancestors
            self._return_focus = None if inside else focused
        self.request = request
        self.link, self.service, self.note = request.link, request.service, request.note
        self.index = request.index
        self.focus_command = request.focus_command
        self.history.clear()
        self.query_one("#rb-alert", Static).display = False
        if request.context != self.context:
            # the same fill but for the clock: the document stays, its `now` moves on
            if not self.document.refill(request.context):
                self.document.runbook = None  # filled with other values: drawn again
            self.context = request.context
        self._first = self._location_of(request.link)
        self.location = None
        with self.app.batch_update():
            self._set_mode_class()
            self.query_one("#rb-toc", RunbookToc).display = self.has_class("-side")
            self.is_open = True
            self.display = True
            self._mark_host()
            await self._open(self.link, self.note)

    def return_focus_to(self, widget: Widget | None) -> None:
        """Where the focus goes when the pane closes (the screen's loudest panel, say): while
        the pane is open it keeps the keys."""
        self._return_focus = widget

    def close(self) -> None:
        """Hide the pane; the screen under it gets back its room and its focus."""
        if not self.is_open:
            return
        with self.app.batch_update():
            self.is_open = False
            self.display = False
            self._mark_host()
            self.query_one("#rb-search", Input).display = False
            back = self._return_focus
            self._return_focus = None
            if back is not None and back.is_attached:
                back.focus(scroll_visible=False)
            else:
                self.screen.set_focus(None)

    # -- showing a location ----------------------------------------------------------------

    @property
    def current_anchor(self) -> str | None:
        return self.location.anchor if self.location is not None else None

    @property
    def document(self) -> RunbookDocument:
        return self.query_one("#rb-scroll", RunbookDocument)

    def _location_of(self, link: ResolvedLink | LinkProblem) -> Location | None:
        if isinstance(link, LinkProblem):
            runbook = self._problem_file(link)
            return Location(runbook) if runbook is not None else None
        return Location(link.runbook, link.line, link.anchor)

    def _problem_title(self) -> str:
        ref = self.link.ref if isinstance(self.link, LinkProblem) else "?"
        return f"runbook {ref} (not found)"

    async def _open(self, link: ResolvedLink | LinkProblem, note: str | None) -> None:
        """Show a resolved link, or the problem with the link (and the file if it exists)."""
        note_widget = self.query_one("#rb-note", Static)
        note_widget.set_class(isinstance(link, LinkProblem), "-problem")
        if isinstance(link, LinkProblem):
            note_widget.update(f"{STATUS_CRIT} runbook link {link.ref}: {link}")
            note_widget.display = True
        else:
            note_widget.update(f"{ABOUT} {note}" if note else "")
            note_widget.display = bool(note)
        location = self._first if link is self.link else self._location_of(link)
        if location is None:
            self.query_one("#rb-title", Static).update(self._problem_title())
            self.document.placing = False
            self._focus_scroll()
            return
        await self._show(location)

    def _problem_file(self, problem: LinkProblem) -> Runbook | None:
        """The file of a link whose anchor is missing: shown whole under the problem."""
        if problem.kind != "missing-anchor" or self.index is None:
            return None
        file, _ = split_ref(problem.ref)
        found = find_runbook(self.index, file) if file else None
        return found if isinstance(found, Runbook) else None

    def _title(self, location: Location) -> str:
        runbook = location.runbook
        name = self.index.display_name(runbook.path) if self.index else runbook.path.name
        section = runbook.section(location.anchor) if location.anchor else None
        where = f" {SECTION} {section.title}" if section is not None else ""
        service = f"  ({self.service})" if self.service else ""
        return f"runbook {name}{where}{service}"

    async def _show(self, location: Location) -> None:
        """The location's section at the top of the pane, in the frame that shows it: its
        piece of the file is drawn first and scrolled to before any layout, and its first
        command focused; the rest of the file is drawn as it scrolls into view. Where that
        cannot be known before a layout (a line inside a piece, a section near the end of
        the file), the document is laid out hidden and scrolled after it (`_place`)."""
        document = self.document
        toc = self.query_one("#rb-toc", RunbookToc)
        # one layout for all of it (each mount would lay the screen out again)
        with self.app.batch_update():
            new = document.runbook is not location.runbook
            if new:
                width = self._width()
                await document.show(location.runbook, self.context, location.line, width)
                toc.show(location.runbook, location.anchor)
                self.matches, self.match_index = [], -1
            else:
                await document.draw_from(location.line)
                toc.mark(location.anchor)
            at_piece = location.line == 1 or (
                location.anchor is not None and document.heading_at(location.line) is not None
            )
            placed = at_piece and document.scroll_to_piece(location.line)
            document.placing = new and not placed
            self.location = location
            self.query_one("#rb-title", Static).update(self._title(location))
            focused = placed and self.focus_command is None
            if focused:
                await self._focus_first_command(location)
        self.call_after_refresh(self._place, location, focused)

    def _width(self) -> int:
        """Columns of the document's text, before it is laid out."""
        width = self.app.size.width
        if width >= SIDE_MIN_WIDTH:
            width = int(width * 0.62) - 30  # the pane's share, less the contents list
        return max(20, width - 4)

    async def _place(self, location: Location, focused: bool = False, tries: int = 0) -> None:
        """The heading (or block) of the location's line at the top of the pane, after a
        layout (where `_show` put it already, this scrolls nowhere)."""
        document = self.document
        target: MarkdownBlock | None = (
            document.heading_at(location.line) if location.anchor else None
        )
        if target is None and location.line > 1:
            target = document.block_at(location.line)
        if target is not None and not document.laid_out(location.line) and tries < PLACE_TRIES:
            # not laid out yet (the screen is still being mounted): after the next frame
            self.call_after_refresh(self._place, location, focused, tries + 1)
            return
        if target is None:
            document.scroll_home(animate=False, immediate=True)
        else:
            document.scroll_to_widget(target, animate=False, top=True, immediate=True)
        if document.placing:
            document.placing = False
        if not focused:
            await self._focus_first_command(location)

    def _block_of(self, index: int) -> CommandBlock | None:
        for block in self.document.command_blocks():
            if block.command is not None and block.command.index == index:
                return block
        return None

    async def _focus_first_command(self, location: Location) -> None:
        """Focus the section's first command, so `c` copies it at once; else the text."""
        wanted, self.focus_command = self.focus_command, None
        if wanted is not None and 0 <= wanted < len(location.runbook.commands):
            await self.document.ensure_drawn(location.runbook.commands[wanted].line)
            block = self._block_of(wanted)
            if block is not None:
                block.focus(scroll_visible=True)
                return
        section = location.runbook.section(location.anchor) if location.anchor else None
        if section is not None:
            for block in self.query(CommandBlock):
                if block.command is not None and section.contains_line(block.command.line):
                    block.focus(scroll_visible=False)
                    return
        self._focus_scroll()

    def _focus_scroll(self) -> None:
        self.document.focus(scroll_visible=False)

    async def go(self, location: Location, *, remember: bool = True) -> None:
        if remember and self.location is not None:
            self.history.append(self.location)
        self.query_one("#rb-note", Static).display = False
        await self._show(location)

    # -- links -----------------------------------------------------------------------------

    @on(Markdown.LinkClicked)
    async def _link_clicked(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        event.prevent_default()
        await self.follow(event.href)

    async def follow(self, href: str) -> None:
        """A runbook link is followed here; a web link is copied (no browser over SSH)."""
        if "://" in href or href.startswith("mailto:"):
            self._copy(href, done=lambda _: self.notify(f"web link copied: {href}", title="link"))
            return
        if self.location is None:
            return
        current = self.location.runbook
        file, anchor = split_ref(href)
        if not file:
            section = current.section(anchor or "")
            if section is None:
                near = ", ".join(f"#{a}" for a in near_anchors(current, anchor or ""))
                self.notify(
                    f"no heading #{anchor} here" + (f"; did you mean {near}?" if near else ""),
                    severity="warning",
                )
                return
            await self.go(Location(current, section.start_line, section.anchor))
            return
        if self.index is None:
            self.notify("runbooks are still loading", severity="warning")
            return
        found = resolve_link(self.index, href, base_dir=current.path.parent)
        if isinstance(found, LinkProblem):
            self.notify(str(found), title="runbook link", severity="error")
            return
        await self.go(Location(found.runbook, found.line, found.anchor))

    @on(OptionList.OptionSelected, "#rb-toc")
    async def _heading_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.location is None or event.option_id is None:
            return
        section = self.location.runbook.section(event.option_id)
        if section is not None:
            await self.go(Location(self.location.runbook, section.start_line, section.anchor))

    # -- commands --------------------------------------------------------------------------

    def _copy(self, text: str | FilledCommand, **kw: Any) -> None:
        """The app's copy (OSC 52, tmux passthrough, fallback file in a thread)."""
        app: Any = self.app
        app.copy(text, **kw)

    @on(CommandBlock.Copy)
    def _copy_command(self, event: CommandBlock.Copy) -> None:
        event.stop()
        title = "copied block" if event.whole else "copied line"

        def done(outcome: CopyOutcome) -> None:
            message = outcome.message
            if outcome.unfilled:
                message += ". Fill them in before you run it"
            self.notify(
                message,
                title=title,
                severity="warning" if outcome.unfilled else "information",
            )

        self._copy(event.filled, title=title, done=done)

    @on(CommandBlock.Run)
    def _run_command(self, event: CommandBlock.Run) -> None:
        event.stop()
        block = event.block
        problem = self.runner.unavailable(self.service)
        if problem is not None:
            block.show_result(result_lines(problem), error=True)
            return
        block.show_running()
        self.run_worker(
            self._query(block, event.expr),
            name="promql",
            group=f"promql-{id(block)}",
            exclusive=True,
            exit_on_error=False,
            description="runs a runbook PromQL block",
        )

    async def _query(self, block: CommandBlock, expr: str) -> None:
        outcome = await self.runner.run(self.service, expr)
        if block.is_mounted:
            block.show_result(result_lines(outcome), error=isinstance(outcome, FetchError))

    async def _step_block(self, step: int) -> None:
        """Focus the next (previous) command of the file, drawing its piece if need be."""
        if self.location is None or not self.location.runbook.commands:
            self.notify("no commands in this runbook", severity="warning")
            return
        commands = self.location.runbook.commands
        focused = self.screen.focused
        if isinstance(focused, CommandBlock) and focused.command is not None:
            index = focused.command.index + step
        else:
            # from the top of what is on screen
            document = self.document
            top = document.scroll_y
            below = [
                b.command.index
                for b in document.command_blocks()
                if b.command is not None and b.virtual_region.y >= top
            ]
            index = below[0] if below and step > 0 else (below[0] - 1 if below else -1)
        command = commands[max(0, min(index, len(commands) - 1))]
        await self.document.ensure_drawn(command.line)
        target = self._block_of(command.index)
        if target is not None:
            target.focus()

    async def action_next_block(self) -> None:
        await self._step_block(1)

    async def action_previous_block(self) -> None:
        await self._step_block(-1)

    # -- search ----------------------------------------------------------------------------

    def action_search(self) -> None:
        search = self.query_one("#rb-search", Input)
        search.display = True
        search.value = self.query_text
        search.focus()

    @on(Input.Submitted, "#rb-search")
    async def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_text = event.value
        search = self.query_one("#rb-search", Input)
        search.display = False
        self._focus_scroll()
        if self.location is None:
            return
        self.matches = matching_lines(self.location.runbook.text, event.value)
        top = self.location.line
        after = [i for i, line in enumerate(self.matches) if line >= top]
        self.match_index = (after[0] if after else 0) - 1
        await self.action_next_match()

    async def action_next_match(self) -> None:
        await self._step_match(1)

    async def action_previous_match(self) -> None:
        await self._step_match(-1)

    async def _step_match(self, step: int) -> None:
        status = self.query_one("#rb-status", Static)
        if not self.query_text:
            status.update("/ to search")
            return
        if not self.matches:
            status.update(f"no match for {self.query_text!r}")
            return
        self.match_index = (self.match_index + step) % len(self.matches)
        line = self.matches[self.match_index]
        document = self.document
        for hit in document.query(".-search-hit"):
            hit.remove_class("-search-hit")
        await document.ensure_drawn(line)
        block = document.block_at(line)
        if block is not None:
            block.add_class("-search-hit")
            # after the layout: a piece drawn just now has no region yet to scroll to
            self.call_after_refresh(self._scroll_to_hit, block)
        status.update(
            f"match {self.match_index + 1} of {len(self.matches)} for {self.query_text!r}"
            f" (line {line}){SEP}n next{SEP}N previous"
        )

    def _scroll_to_hit(self, block: Widget) -> None:
        if block.is_attached and block.has_class("-search-hit"):
            self.document.scroll_to_widget(block, animate=False, top=True, immediate=True)

    # -- the rest --------------------------------------------------------------------------

    def action_toggle_contents(self) -> None:
        toc = self.query_one("#rb-toc", RunbookToc)
        toc.display = not toc.display
        if toc.display:
            toc.focus()

    async def action_back(self) -> None:
        if self.history:
            await self.go(self.history.pop(), remember=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return bool(self.history)
        if action in ("next_match", "previous_match"):
            return bool(self.matches)
        return True

    def action_nothing(self) -> None:
        """A key of the screen under the pane, taken while the pane has the keys."""

    def action_close(self) -> None:
        search = self.query_one("#rb-search", Input)
        if search.display:
            search.display = False
            self._focus_scroll()
            return
        self.close()
