"""Plays the demo's scripted incident on a frozen clock and writes what the README shows of
it: the war-room view in the middle of the incident, and the postmortem once it is resolved.

    python scripts/incident_example.py [--svg screenshots/war-room-incident.svg]
                                       [--postmortem docs/postmortem-example.md]

The demo's own engineer (sources/demo/incident_script.py) declares, acknowledges, notes,
updates, mitigates and resolves; the recording is a real SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from oncall_tui.sources.demo import DemoSource, demo_config  # noqa: E402
from oncall_tui.sources.demo.incidents import INCIDENT_LENGTH, INCIDENT_START  # noqa: E402
from oncall_tui.store.postmortem import postmortem_markdown  # noqa: E402
from oncall_tui.store.recorder import Recorder  # noqa: E402
from oncall_tui.ui.app import OncallApp  # noqa: E402
from oncall_tui.ui.headless import FrozenClock  # noqa: E402
from oncall_tui.ui.incidents.demo_driver import DemoIncidentDriver  # noqa: E402

SEED = 7
LEAD = 40.0  # seconds of calm recorded before cqar's incident
SHOT_AT = 42.0  # seconds into the incident: L4 reached, the pool saturated
STEP = 1.0


async def settle(app: OncallApp, pilot, seconds: float = 0.05) -> None:  # type: ignore[no-untyped-def]
    """Let the incident workers (SQLite in threads) finish what this step asked of them."""
    deadline = time.monotonic() + 5.0
    await pilot.pause(seconds)
    while any(w.group.startswith("incident") for w in app.workers) and (
        time.monotonic() < deadline
    ):
        await pilot.pause(0.02)


async def play() -> tuple[str, str]:
    """The war-room SVG in the middle of the incident, and the postmortem after it."""
    config = demo_config()
    clock = FrozenClock()
    source = DemoSource(config, clock, SEED, start_offset=INCIDENT_START["cqar"] - LEAD)
    with tempfile.TemporaryDirectory() as folder:
        recorder = Recorder.start(config, Path(folder) / "demo.sqlite", clock=clock)
        app = OncallApp(
            config, sources=[source], clock=clock, live=False, demo=True, recorder=recorder
        )
        app.demo_incidents = DemoIncidentDriver(app, source.sim_time)
        async with app.run_test(size=(160, 45)) as pilot:
            elapsed = 0.0
            svg = ""
            while elapsed < LEAD + INCIDENT_LENGTH + 20.0:
                clock.advance(STEP)
                elapsed += STEP
                await app.poller.poll_once()
                app.tick()
                await settle(app, pilot)
                if not svg and elapsed >= LEAD + SHOT_AT:
                    await pilot.press("w")
                    await settle(app, pilot, 0.3)
                    app.tick()
                    await settle(app, pilot, 0.3)
                    svg = app.export_screenshot(title="oncall demo: war room")
                    await pilot.press("w")
            recorder.flush()
            text = app.in_store(lambda store: postmortem_markdown(config, store, None, clock()))
        recorder.close()
    return svg, str(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--svg", default="screenshots/war-room-incident.svg")
    parser.add_argument("--postmortem", default="docs/postmortem-example.md")
    args = parser.parse_args()
    svg, postmortem = asyncio.run(play())
    for path, text in ((Path(args.svg), svg), (Path(args.postmortem), postmortem)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote {args.svg} and {args.postmortem}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
