"""A server binary run by a test: a folder of its own, a log, a loopback port, a ready check.

`ServerProcess` starts the command a subclass gives, waits (bounded) for `GET /-/ready`, and
quotes the end of the process's log in every failure. `stop()` sends SIGTERM and then SIGKILL;
`kill()` is an outage without a clean shutdown; `restart()` keeps the port and the folder.

Tests run in parallel processes (pytest-xdist), so a port found free may be taken by another
process before the server binds it: a first start that fails on "address already in use" is
tried again on another port. `refused_port()` is a port that stays reserved and refuses.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx

from .guard import check

READY_TIMEOUT = 20.0
#: a first start that lost its port to another process is tried on this many other ports
PORT_ATTEMPTS = 5
ADDRESS_IN_USE = "address already in use"

#: sockets behind `refused_port()`: bound, never listening, held until the process exits
_reserved: list[socket.socket] = []


def free_port() -> int:
    """A port that was free a moment ago on 127.0.0.1 (for servers that cannot bind port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def refused_port() -> int:
    """A port on 127.0.0.1 where a connection is refused, and stays refused: the port is bound
    (so no other test process can take it) but never listens."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    _reserved.append(sock)
    return int(sock.getsockname()[1])


class ServerExited(RuntimeError):
    """The server process is gone: `wait_until` stops polling at once."""


def listening_elsewhere(pid: int, port: int) -> bool:
    """True when 127.0.0.1:`port` is listened on by a socket process `pid` does not hold: the
    port went to another process (Linux's /proc; elsewhere, False: nothing is known)."""
    try:
        table = Path("/proc/net/tcp").read_text().splitlines()[1:]
        held = set()
        for fd in os.scandir(f"/proc/{pid}/fd"):
            try:
                held.add(os.readlink(fd.path))
            except OSError:
                continue
    except OSError:
        return False
    local = f"0100007F:{port:04X}"
    listeners = [
        f"socket:[{fields[9]}]"
        for fields in (line.split() for line in table)
        if len(fields) > 9 and fields[1] == local and fields[3] == "0A"  # 0A: LISTEN
    ]
    return bool(listeners) and not held.intersection(listeners)


def wait_until(
    predicate: Callable[[], object],
    timeout: float = 10.0,
    interval: float = 0.1,
    *,
    description: str = "condition",
) -> None:
    """Poll `predicate` until it is truthy; TimeoutError naming `description` past `timeout`.
    Errors keep it polling (a server still starting refuses connections), except
    `ServerExited`, which is raised at once."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            if predicate():
                return
            last_error = None
        except ServerExited:
            raise
        except Exception as exc:  # a server still starting refuses connections: keep polling
            last_error = exc
        if time.monotonic() >= deadline:
            why = f" (last error: {last_error!r})" if last_error is not None else ""
            raise TimeoutError(f"{description} not met within {timeout:.1f} s{why}")
        time.sleep(interval)


class ServerProcess:
    """One server process on 127.0.0.1; subclasses say how to start it (`command()`)."""

    #: shown in failure messages and used for the log file's name
    name = "server"

    def __init__(self, workdir: Path | None, *, prefix: str, port: int | None = None) -> None:
        self._own_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix=prefix))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.workdir / f"{self.name.lower()}.log"
        self._own_port = port is None  # ours to change while it has never started
        self.port = port or free_port()
        self._proc: subprocess.Popen[bytes] | None = None

    def command(self) -> Sequence[str]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        """Start the process (again) on the same port and folder; wait until it is ready.

        The first start of a server whose port was picked here moves to another port when
        another process took that one in the meantime."""
        if self.running:
            return
        check(self.name)
        for _ in range(PORT_ATTEMPTS - 1):
            if not self._own_port:
                break
            logged = self.log_path.stat().st_size if self.log_path.exists() else 0
            try:
                self._start_once()
            except ServerExited:
                if ADDRESS_IN_USE not in self._log_since(logged).lower():
                    raise
                self.port = free_port()
                continue
            self._own_port = False
            return
        self._start_once()
        self._own_port = False

    def _log_since(self, offset: int) -> str:
        try:
            with self.log_path.open("rb") as log:
                log.seek(offset)
                return log.read().decode(errors="replace")
        except OSError:
            return ""

    def _start_once(self) -> None:
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                list(self.command()), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        try:
            wait_until(
                self._ready, READY_TIMEOUT, 0.05, description=f"{self.name} ready at {self.url}"
            )
        except TimeoutError as exc:
            self.stop()
            raise TimeoutError(f"{exc}\n{self.log_excerpt()}") from None
        except ServerExited:
            self.stop()
            raise

    #: the path that answers 200 once the server is ready
    ready_path = "/-/ready"

    def _ready(self) -> bool:
        proc = self._proc
        if proc is not None and proc.poll() is not None:
            raise ServerExited(f"{self.name} exited with {proc.returncode}\n{self.log_tail()}")
        if httpx.get(f"{self.url}{self.ready_path}", timeout=1.0).status_code != 200:
            return False
        # the answer may come from another test process's server on this port, while ours
        # is still on its way to failing to bind it
        return proc is None or not listening_elsewhere(proc.pid, self.port)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def log_excerpt(self) -> str:
        return f"--- {self.log_path.name} ---\n{self.log_tail()}"

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL if it has not exited within `timeout`."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def kill(self) -> None:
        """SIGKILL at once: an outage without a clean shutdown."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop and remove the folder (when this server created it)."""
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):  # noqa: ANN204 - returns the subclass
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
