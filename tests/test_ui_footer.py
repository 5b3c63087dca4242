"""The footer is rebuilt once when the keys it shows change, never for the same keys."""

from __future__ import annotations

import gc
from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Static
from textual.widgets._footer import FooterKey
from ui_builders import hand_app, incident

from oncall_tui.runbooks.index import RunbookIndex
from oncall_tui.runbooks.links import resolve_link
from oncall_tui.ui.runbook.opened import open_pane
from oncall_tui.ui.widgets.footer import KeysFooter

RUNBOOKS = Path(__file__).resolve().parent.parent / "runbooks"


class Plain(Static, can_focus=True):
    pass


class Keyed(Static, can_focus=True):
    BINDINGS = [Binding("x", "nothing", "Do x")]

    def action_nothing(self) -> None:
        pass


class FooterApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Plain("a", id="a")
        yield Plain("b", id="b")
        yield Keyed("c", id="c")
        yield KeysFooter()


def footer_text(app: FooterApp) -> str:
    return " ".join(str(key.render()) for key in app.query("FooterKey"))


async def test_a_focus_change_rebuilds_the_footer_only_when_its_keys_change(monkeypatch):
    builds: list[int] = []
    recompose = KeysFooter.recompose

    async def counted(self: KeysFooter) -> None:
        builds.append(1)
        await recompose(self)

    monkeypatch.setattr(KeysFooter, "recompose", counted)
    app = FooterApp()
    async with app.run_test() as pilot:
        app.query_one("#a").focus()
        for _ in range(3):
            await pilot.pause()
        before = len(builds)
        app.query_one("#b").focus()  # the same keys: nothing to rebuild
        for _ in range(3):
            await pilot.pause()
        assert len(builds) == before
        app.query_one("#c").focus()  # a key more: rebuilt once (Textual's twice)
        for _ in range(3):
            await pilot.pause()
        assert len(builds) == before + 1
        assert "Do x" in footer_text(app)
        app.query_one("#a").focus()
        for _ in range(3):
            await pilot.pause()
        assert len(builds) == before + 2
        assert "Do x" not in footer_text(app)


async def test_opening_and_closing_the_runbook_pane_keeps_no_old_footer_keys_alive():
    """Each footer rebuild replaces its keys; the keys it removed must be freed (Textual's
    data binding of each key to the footer's `compact` kept every one ever shown)."""
    runbooks = RUNBOOKS
    app, _ = hand_app(incident())
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        app.open_service("cqar")
        await pilot.pause()
        link = resolve_link(RunbookIndex.load([runbooks]), "cqar.md", None, runbooks)

        async def open_and_close() -> None:
            app.open_runbook(link, service="cqar")
            for _ in range(50):
                await pilot.pause(0.02)
                if open_pane(app) is not None:
                    break
            await pilot.pause(0.05)
            await pilot.press("escape")
            await pilot.pause(0.05)

        def footer_keys() -> int:
            gc.collect()
            return sum(isinstance(o, FooterKey) for o in gc.get_objects())

        await open_and_close()
        after_first = footer_keys()
        for _ in range(2):
            await open_and_close()
        assert footer_keys() <= after_first
