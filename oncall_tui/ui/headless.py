"""Deterministic runs of the dashboard: a clock the caller moves, and the demo replayed on it.

Used by `oncall screenshot` and the snapshot tests, so a picture of "arq in the middle of
its incident" is the same on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass

from oncall_tui.ui.app import OncallApp

#: wall-clock time the frozen clock starts at (a fixed instant, so pictures never change)
EPOCH = 1_767_225_600.0  # 2026-01-01 00:00 UTC
WARMUP = 180.0  # seconds of simulated polling before the picture, so there is a story
STEP = 5.0


@dataclass
class FrozenClock:
    """A clock that only moves when told to."""

    now: float = EPOCH

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def demo_app(
    *,
    seed: int,
    at: float | None = None,
    clock: FrozenClock | None = None,
    theme: str | None = None,
    warmup: float = WARMUP,
    service: str | None = None,
) -> tuple[OncallApp, FrozenClock]:
    """The demo on a frozen clock, not yet polled; `replay()` moves it to `at`."""
    from oncall_tui.sources.demo import DEFAULT_START, DemoSource, demo_config

    clock = clock or FrozenClock()
    config = demo_config()
    target = DEFAULT_START if at is None else at
    source = DemoSource(config, clock, seed, start_offset=target - warmup)
    app = OncallApp(
        config,
        sources=[source],
        clock=clock,
        live=False,
        demo=True,
        theme=theme,
        service=service,
    )
    return app, clock


async def replay(app: OncallApp, clock: FrozenClock, seconds: float, step: float = STEP) -> None:
    """Poll every `step` seconds of the frozen clock for `seconds`, ending with a poll."""
    elapsed = 0.0
    while True:
        await app.poller.poll_once()
        if elapsed >= seconds:
            break
        clock.advance(step)
        elapsed += step
    app.tick()


async def open_runbook_pane(app: OncallApp, pilot, service: str, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    """Open `service`, press `r` on its worst panel (focused on open) and wait for the pane."""
    import time

    from oncall_tui.ui.runbook.command_block import CommandBlock
    from oncall_tui.ui.runbook.opened import open_pane
    from oncall_tui.ui.widgets.kpi_panel import KpiPanel

    deadline = time.monotonic() + timeout

    async def until(condition) -> bool:  # type: ignore[no-untyped-def]
        while not condition():
            if time.monotonic() > deadline:
                return False
            await pilot.pause(0.05)
        return True

    app.open_service(service)
    if not await until(lambda: isinstance(app.focused, KpiPanel)):
        return False
    await pilot.press("r")
    if not await until(
        lambda: (
            (pane := open_pane(app)) is not None
            and pane.location is not None
            and bool(pane.query(CommandBlock))
        )
    ):
        return False
    await pilot.pause(0.2)  # the scroll to the section happens after a refresh
    return True
