"""What several commands share: loading the config with every problem printed, the service check."""

from __future__ import annotations

import sys
import time

from oncall_tui.config.model import Config

#: the exit code of every command when there is no config to run on (none found, it does not
#: load, or `--service` names none of its services), the same as `oncall status`'s "unknown"
NO_CONFIG = 3


def load_config_or_report(explicit: str | None) -> Config | None:
    """The config, or None after printing every problem with its file, line and key."""
    from oncall_tui.config.loader import (
        ConfigErrors,
        ConfigNotFound,
        find_config_path,
        load_config,
    )

    try:
        return load_config(find_config_path(explicit))
    except ConfigErrors as exc:
        print(f"oncall: the config has {len(exc.errors)} problem(s):", file=sys.stderr)
        print(exc, file=sys.stderr)
        return None
    except ConfigNotFound as exc:
        print(f"oncall: {exc}", file=sys.stderr)
        return None


def check_service(config: Config, name: str | None) -> bool:
    if name is None or name in config.services:
        return True
    known = ", ".join(config.services) or "none"
    print(f"oncall: no service named {name!r} (services: {known})", file=sys.stderr)
    return False


def start_recorder(config: Config, override: str | None) -> tuple[object | None, str | None]:
    """The flight recorder for `config` (`--record PATH` wins over `record:`), started.

    Returns (recorder, None), or (None, why not) when the file cannot be recorded to (a
    newer schema, not a recording, an unwritable folder), or (None, None) with `record: false`.
    """
    from oncall_tui.store.paths import recording_path
    from oncall_tui.store.recorder import Recorder
    from oncall_tui.store.schema import RecordingBusy, RecordingError

    path = recording_path(config, override)
    if path is None:
        return None, None
    other = _other_writer(path)
    try:
        try:
            recorder = Recorder.start(config, path, observe=other is None)
        except RecordingBusy:  # another writer claimed the file since we looked
            other = _other_writer(path) or "another oncall"
            recorder = Recorder.start(config, path, observe=False)
    except (RecordingError, OSError) as exc:
        return None, f"not recording: {exc}"
    if other is not None:
        # one writer per file: the other process records what is polled, this one its actions
        return recorder, (f"{other} records to {path}; this dashboard adds only what is done in it")
    return recorder, None


def _other_writer(path) -> str | None:
    """`oncall (pid 123 on bastion)` when another live process writes `path`."""
    import os
    import sqlite3

    from oncall_tui.store.reader import Recording
    from oncall_tui.store.schema import RecordingError

    if not path.exists():
        return None
    try:
        with Recording(path) as recording:
            writer = recording.writer()
    except (RecordingError, OSError, sqlite3.Error):
        return None
    if writer is None or writer.pid == os.getpid() or not writer.alive():
        return None
    return f"oncall (pid {writer.pid} on {writer.host})"


def seeded_start(config: Config, path, *, require_writer: bool = False, blocking: bool = False):
    """(state, clock, sources) to start from: the state the config's recording holds when it
    was written up to a moment ago (sparklines and `for:` holds), with the Prometheus
    sources told which history they need not load again; else (None, time.time, sources).

    A recording not written lately (by its modification time) cannot be continued: then
    neither SQLite nor the store is loaded."""
    from oncall_tui.sources.registry import build_sources
    from oncall_tui.store.paths import continuous_gap, written_lately

    seeded = None
    if path is not None and written_lately(path, continuous_gap(config)):
        from oncall_tui.store.history import seed_from_recording

        seeded = seed_from_recording(config, path, require_writer=require_writer)
    clock = seeded.clock if seeded is not None else time.time
    sources = build_sources(config, clock, blocking=blocking)
    if seeded is not None:
        from oncall_tui.sources.prometheus import PrometheusSource

        for source in sources:
            if isinstance(source, PrometheusSource):
                source.known_history(seeded.known)
    return (None if seeded is None else seeded.state), clock, sources
