"""One route for worker failures (as harlequin routes them): a notice and a log line, never
silence.

`Worker.StateChanged` does not bubble: it reaches only the node that started the worker. So
the app and every screen that starts workers mix in `RoutesWorkerFailures`, whose one
handler reports any failed worker through `report_worker_failure` and then calls the node's
`worker_failed(worker)` for what that node does besides (the app stops offering runbooks
whose load failed). Every worker is started with explicit `name`, `group`, `description`
and `exit_on_error=False`, so its failure is this notice, not the app's exit.
"""

from __future__ import annotations

import logging
from typing import Any

from textual.app import App
from textual.worker import Worker, WorkerState

from oncall_tui.secret_registry import redact

log = logging.getLogger("oncall_tui.ui.workers")


def failure_text(worker: Worker[Any]) -> str:
    """`loads the runbooks of the config: stopped with OSError: [Errno 13] ...`."""
    what = worker.description or worker.name or "a background task"
    error = worker.error
    why = f"{type(error).__name__}: {error}" if error is not None else "unknown error"
    return redact(f"{what}: stopped with {why}")


def report_worker_failure(app: App[Any], worker: Worker[Any]) -> None:
    log.error("worker %s failed", worker.name or "?", exc_info=worker.error)
    app.notify(failure_text(worker), title=worker.name or "worker", severity="error", timeout=15)


class RoutesWorkerFailures:
    """Mixed into the app and the screens that start workers."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            node: Any = self
            report_worker_failure(node.app, event.worker)
            self.worker_failed(event.worker)

    def worker_failed(self, worker: Worker[Any]) -> None:
        """What this node does about a failed worker, besides the notice (nothing here)."""
