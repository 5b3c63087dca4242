"""The footer is rebuilt once when the keys it shows change, never for the same keys."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from oncall_tui.ui.widgets.footer import KeysFooter


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
