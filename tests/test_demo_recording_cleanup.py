"""`oncall demo` leaves nothing behind: its temporary recording (and the SQLite WAL and
shared-memory files beside it) is removed when it quits, while `--record PATH` keeps the
recording asked for. The real command runs in a pseudo-terminal and is quit with `q`."""

from __future__ import annotations

import fcntl
import os
import pty
import sqlite3
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path


class Terminal:
    """`oncall demo ARGS` on an 80x24 pseudo-terminal; its output is collected as it comes."""

    def __init__(self, tmpdir: Path, *args: str) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        env = dict(os.environ, TMPDIR=str(tmpdir), TERM="xterm-256color")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "oncall_tui", "demo", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        self.master = master
        self.output = bytearray()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return  # the other end closed
            if not data:
                return
            self.output += data

    def wait_for(self, condition, what: str, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while not condition():
            assert self.proc.poll() is None, f"the demo exited early: {self.text()[-2000:]}"
            assert time.monotonic() < deadline, f"gave up waiting for {what}"
            time.sleep(0.1)

    def quit(self) -> int:
        """`q` on the overview quits; the exit code, within a bound."""
        deadline = time.monotonic() + 60
        while self.proc.poll() is None:
            os.write(self.master, b"q")
            assert time.monotonic() < deadline, "the demo did not quit on q"
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
        self._reader.join(timeout=5)
        os.close(self.master)
        return self.proc.returncode

    def text(self) -> str:
        return self.output.decode("utf-8", "replace")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def recordings(folder: Path) -> list[Path]:
    return sorted(folder.glob("oncall-demo-*"))


def test_the_demos_temporary_recording_is_removed_when_it_quits(tmp_path: Path) -> None:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    terminal = Terminal(tmpdir)
    try:
        # it records while it runs: the file (and SQLite's WAL beside it) is there
        terminal.wait_for(lambda: recordings(tmpdir), "the temporary recording")
        terminal.wait_for(lambda: "DEMO" in terminal.text(), "the dashboard")
        terminal.wait_for(
            lambda: any(p.name.endswith("-wal") for p in recordings(tmpdir)), "rows written"
        )
        assert terminal.quit() == 0
    finally:
        terminal.kill()
    assert recordings(tmpdir) == [], recordings(tmpdir)
    assert "temporary recording is removed" in terminal.text()


def test_a_recording_asked_for_with_record_is_kept(tmp_path: Path) -> None:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    kept = tmp_path / "demo.sqlite"
    terminal = Terminal(tmpdir, "--record", str(kept))
    try:
        terminal.wait_for(lambda: "DEMO" in terminal.text(), "the dashboard")

        def rows() -> int:
            if not kept.exists():
                return 0
            with sqlite3.connect(kept) as db:
                try:
                    return int(db.execute("SELECT count(*) FROM observations").fetchone()[0])
                except sqlite3.OperationalError:
                    return 0  # the schema is not written yet

        terminal.wait_for(lambda: rows() > 0, "observations recorded")
        assert terminal.quit() == 0
    finally:
        terminal.kill()
    assert kept.exists() and rows() > 0
    assert recordings(tmpdir) == []  # no temporary file was made beside it
    assert f"recorded to {kept}" in terminal.text().replace("\r\n", "").replace("\n", "")


def test_a_hung_up_demo_removes_its_temporary_recording_too(tmp_path: Path) -> None:
    """A closed terminal or a dropped SSH session sends SIGHUP: the demo still cleans up."""
    import signal

    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    terminal = Terminal(tmpdir)
    try:
        terminal.wait_for(lambda: "DEMO" in terminal.text(), "the dashboard")
        terminal.wait_for(
            lambda: any(p.name.endswith("-wal") for p in recordings(tmpdir)), "rows written"
        )
        terminal.proc.send_signal(signal.SIGHUP)
        terminal.proc.wait(timeout=30)
    finally:
        terminal.kill()
    assert recordings(tmpdir) == [], recordings(tmpdir)
