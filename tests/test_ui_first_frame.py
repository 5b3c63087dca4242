"""A panel never takes the ok look before its verdict is shown.

Mounting is asynchronous: a panel is laid out and painted before (or while) its data is
drawn. The very first frame of a crit SLO's panel, or a crit KPI's, must already carry its
status: the crit class and border, never the unclassed rounded border that reads as a calm
panel, and the SLO's body must not be blank.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.strip import Strip

import oncall_tui.ui.app
from oncall_tui.config.model import Slo
from oncall_tui.engine.slo import evaluate
from oncall_tui.engine.snapshot import CheckSnapshot
from oncall_tui.glyphs import border_variables
from oncall_tui.sources.base import CheckId, CheckKind
from oncall_tui.status import Status
from oncall_tui.ui.themes import STATUS_VARIABLES
from oncall_tui.ui.widgets.kpi_panel import KpiPanel
from oncall_tui.ui.widgets.slo_panel import SloPane, SloPanel
from oncall_tui.units import RATIO

D = 86400.0
SLO = Slo(name="availability", objective=0.99, window=30 * D, error_ratio="e[$window]")


def crit_slo() -> CheckSnapshot:
    spent = {w: 0.3 for w in SLO.measured_windows()}  # 30 % errors: every pair past its rate
    verdict = evaluate(SLO, spent)
    assert verdict.status is Status.CRIT
    return CheckSnapshot(
        id=CheckId("shop", CheckKind.SLO, SLO.name),
        title=SLO.name,
        status=Status.CRIT,
        value=verdict.budget_left,
        detail=verdict,
    )


def crit_kpi() -> CheckSnapshot:
    return CheckSnapshot(
        id=CheckId("shop", CheckKind.KPI, "pool_usage"),
        title="pool usage",
        status=Status.CRIT,
        unit=RATIO,
        value=0.95,
        level="crit",
    )


#: what each panel looked like the first time it was painted
FIRST: dict[str, tuple[frozenset[str], str, str]] = {}


def _first_paint(panel, crop) -> None:
    if panel.id in FIRST:
        return
    body = panel.query(".slo-body")
    text = str(body.first().render()) if body else ""
    FIRST[panel.id] = (frozenset(panel.classes), panel.styles.border_top[0], text)


class WatchedSlo(SloPanel):
    def render_lines(self, crop) -> list[Strip]:
        _first_paint(self, crop)
        return super().render_lines(crop)


class WatchedKpi(KpiPanel):
    def render_lines(self, crop) -> list[Strip]:
        _first_paint(self, crop)
        return super().render_lines(crop)


class Host(App[None]):
    CSS_PATH = str(Path(oncall_tui.ui.app.__file__).with_name("app.tcss"))

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {**STATUS_VARIABLES, **border_variables()}  # as the app's own CSS needs

    def compose(self) -> ComposeResult:
        yield Vertical(id="host")


async def test_the_first_frame_of_a_crit_panel_carries_crit_not_the_ok_look():
    FIRST.clear()
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        host = app.query_one("#host")
        # shown before mounting, as the service screen does; mount without awaiting
        slo, kpi = WatchedSlo(crit_slo(), id="slo"), WatchedKpi(crit_kpi(), id="kpi")
        slo.show(crit_slo(), 0.0)
        kpi.show(crit_kpi(), 0.0)
        host.mount_all([slo, kpi])
        deadline = 200
        while len(FIRST) < 2 and deadline:
            await pilot.pause(0.01)
            deadline -= 1
        assert set(FIRST) == {"slo", "kpi"}, FIRST
        for name, (classes, border, _text) in FIRST.items():
            assert "-crit" in classes and "-ok" not in classes, (name, classes)
            assert border == "thick", (name, border)  # the crit border, not the round one
        assert "objective 99 %" in FIRST["slo"][2]


async def test_an_slo_panel_mounted_by_its_pane_is_crit_from_its_first_frame():
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        pane = SloPane(id="slos")
        await app.query_one("#host").mount(pane)
        assert pane.show([crit_slo()], 0.0)
        (panel,) = pane.query(SloPanel)  # not yet mounted: classes are already there
        assert panel.has_class("-crit") and not panel.has_class("-ok")
        assert panel.border_subtitle == "✖ CRIT"
        await pilot.pause()
        assert panel.styles.border_top[0] == "thick"
