"""The dashboard records while it runs: rows reach the file from the writer thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

from oncall_tui.sources.demo import DemoSource, demo_config
from oncall_tui.store.recorder import Recorder
from oncall_tui.ui.app import OncallApp


def count(path: Path, table: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


async def test_the_dashboard_records_observations_and_actions(tmp_path: Path):
    config = demo_config()
    path = tmp_path / "demo.sqlite"
    recorder = Recorder.start(config, path)
    app = OncallApp(
        config, sources=[DemoSource(config, time.time, 7)], demo=True, recorder=recorder
    )
    async with app.run_test(size=(120, 40)) as pilot:
        deadline = time.monotonic() + 20
        while count(path, "observations") == 0 and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.1)  # the writer thread commits on its own clock
        assert count(path, "observations") > 0
        writer_threads = [t for t in threading.enumerate() if t.name == "oncall-recorder"]
        assert writer_threads and writer_threads[0] is not threading.current_thread()
        app.copy("kubectl -n cqar get pods")
        await pilot.pause()
    # quitting wrote the last batch
    assert not recorder.writer.is_alive()
    conn = sqlite3.connect(path)
    actions = conn.execute("SELECT kind, subject FROM actions").fetchall()
    conn.close()
    assert ("command.copied", "kubectl -n cqar get pods") in actions


def test_the_demo_records_to_a_temporary_file_unless_told_where(tmp_path: Path, monkeypatch):
    import tempfile

    from oncall_tui.commands.demo import _demo_recorder

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    recorder, temporary, problem = _demo_recorder(None)
    assert problem is None and recorder is not None
    recorder.close()
    assert recorder.path.parent == tmp_path and recorder.path.name.startswith("oncall-demo-")
    assert temporary == recorder.path  # to be removed on exit
    assert count(recorder.path, "observations") == 0  # a real, empty recording
    chosen = tmp_path / "mine.sqlite"
    recorder, temporary, _ = _demo_recorder(str(chosen))
    recorder.close()
    assert recorder.path == chosen and temporary is None  # asked for: kept
