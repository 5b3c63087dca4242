"""A server binary run by a test: a folder of its own, a log, a loopback port, a ready check.

`ServerProcess` starts the command a subclass gives, waits (bounded) for `GET /-/ready`, and
quotes the end of the process's log in every failure. `stop()` sends SIGTERM and then SIGKILL;
`kill()` is an outage without a clean shutdown; `restart()` keeps the port and the folder.
"""

from __future__ import annotations

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


def free_port() -> int:
    """A port that was free a moment ago on 127.0.0.1 (for servers that cannot bind port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(
    predicate: Callable[[], object],
    timeout: float = 10.0,
    interval: float = 0.1,
    *,
    description: str = "condition",
) -> None:
    """Poll `predicate` until it is truthy; TimeoutError naming `description` past `timeout`."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            if predicate():
                return
            last_error = None
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
        """Start the process (again) on the same port and folder; wait until it is ready."""
        if self.running:
            return
        check(self.name)
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

    def _ready(self) -> bool:
        if self._proc is not None and self._proc.poll() is not None:
            raise RuntimeError(
                f"{self.name} exited with {self._proc.returncode}\n{self.log_tail()}"
            )
        return httpx.get(f"{self.url}/-/ready", timeout=1.0).status_code == 200

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
