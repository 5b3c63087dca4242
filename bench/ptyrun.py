"""Run a command under a pseudo-terminal and record everything it writes, with timestamps.

Used by `bench/ui.py` to measure the real `oncall` process as a terminal sees it: the time
until a text appears on screen, the bytes written per refresh, and the CPU the child used.

`PtyRun(argv, cols=120, rows=40)` spawns at once (the start time is taken just before the
spawn) and drains the pty from a background thread, so the child never blocks on a full
pty buffer. Output is grouped into bursts (writes less than `gap` seconds apart): one
Textual frame arrives as one burst of several `write()`s.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# `ESC [ row ; col H`: Textual moves the cursor to the start of every line it rewrites
CURSOR_TO = re.compile(rb"\x1b\[(\d+);\d+H")


@dataclass(frozen=True)
class Chunk:
    at: float  # seconds since just before the spawn
    data: bytes


@dataclass(frozen=True)
class Burst:
    start: float
    end: float
    data: bytes

    @property
    def rows(self) -> frozenset[int]:
        """The screen rows this burst rewrote (1-based)."""
        return frozenset(int(row) for row in CURSOR_TO.findall(self.data))


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc/PID/stat (fields 14 and 15)."""
    with open(f"/proc/{pid}/stat", "rb") as stat:
        raw = stat.read()
    # the command name (field 2) is in parentheses and may hold spaces: split after it
    fields = raw[raw.rindex(b")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class PtyRun:
    """One child process on a pty of `cols` x `rows`; `close()` it (or use `with`)."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cols: int = 120,
        rows: int = 40,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
    ) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self._master = master
        self._chunks: list[Chunk] = []
        self._lock = threading.Lock()
        self._new_data = threading.Condition(self._lock)
        self._closed = False
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self._reader = threading.Thread(target=self._drain, name="pty-drain", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def now(self) -> float:
        return time.perf_counter() - self.started

    def _drain(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self._master], [], [], 0.1)
                if not ready:
                    if self._closed:
                        return
                    continue
                data = os.read(self._master, 1 << 16)
            except OSError:  # EIO: the child closed its side of the pty
                data = b""
            at = self.now()
            with self._new_data:
                if data:
                    self._chunks.append(Chunk(at, data))
                self._new_data.notify_all()
            if not data:
                return

    def send(self, data: bytes) -> float:
        """Write `data` (keys) to the child's terminal; returns when, as `now()` does."""
        at = self.now()
        os.write(self._master, data)
        return at

    def wait_for(
        self, pattern: re.Pattern[bytes], timeout: float, *, after: float = 0.0
    ) -> float | None:
        """Seconds from spawn to the chunk that completed the first match written at or
        after `after` (seconds from spawn); None on timeout."""
        deadline = time.perf_counter() + timeout
        text = b""
        with self._new_data:
            searched = next(
                (i for i, c in enumerate(self._chunks) if c.at >= after), len(self._chunks)
            )
            while True:
                while searched < len(self._chunks):
                    text += self._chunks[searched].data
                    searched += 1
                    if pattern.search(text):
                        return self._chunks[searched - 1].at
                    # keep only a tail long enough for a match that spans chunks
                    text = text[-256:]
                left = deadline - time.perf_counter()
                if left <= 0 or not self._reader.is_alive() and searched == len(self._chunks):
                    return None
                self._new_data.wait(min(left, 0.1))

    def chunks(self, start: float = 0.0, end: float = float("inf")) -> list[Chunk]:
        with self._lock:
            return [c for c in self._chunks if start <= c.at < end]

    def output(self) -> bytes:
        return b"".join(c.data for c in self.chunks())

    def bursts(
        self, start: float = 0.0, end: float = float("inf"), gap: float = 0.03
    ) -> list[Burst]:
        found: list[Burst] = []
        for chunk in self.chunks(start, end):
            if found and chunk.at - found[-1].end < gap:
                last = found[-1]
                found[-1] = Burst(last.start, chunk.at, last.data + chunk.data)
            else:
                found.append(Burst(chunk.at, chunk.at, chunk.data))
        return found

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def rss(self) -> int:
        """Resident set size of the child in bytes (VmRSS of /proc/PID/status)."""
        with open(f"/proc/{self.proc.pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def wait_quiet(self, quiet: float, timeout: float) -> float:
        """Wait until nothing was written for `quiet` seconds (at most `timeout`)."""
        deadline = self.now() + timeout
        while self.now() < deadline:
            with self._lock:
                last = self._chunks[-1].at if self._chunks else 0.0
            if self.now() - last >= quiet:
                break
            time.sleep(min(quiet / 4, 0.05))
        return self.now()

    def close(self, timeout: float = 5.0) -> None:
        """SIGTERM, then SIGKILL past `timeout`; the pty is closed after the child is gone."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._closed = True
        self._reader.join(timeout=2)
        os.close(self._master)

    def __enter__(self) -> PtyRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
