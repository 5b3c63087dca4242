"""Where a config's recording lives by default: one file per config under the state folder."""

from __future__ import annotations

import os
import re
from pathlib import Path

from oncall_tui.config.model import Config


def state_dir() -> Path:
    """`$XDG_STATE_HOME/oncall`, else `~/.local/state/oncall`."""
    base = os.environ.get("XDG_STATE_HOME", "").strip()
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "state"
    return root / "oncall"


def default_path(config: Config) -> Path:
    """`<state>/oncall/<config name>-<hash of its absolute path>.sqlite`; `demo.sqlite` for the
    built-in demo. Two configs of the same name in different folders never share a file."""
    if config.path is None:
        return state_dir() / "demo.sqlite"
    resolved = str(config.path.resolve())
    digest = _sha256(resolved.encode())[:8]
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", config.path.stem) or "config"
    return state_dir() / f"{stem}-{digest}.sqlite"


#: how far a file's modification time may lag the clock of the process that wrote it (a
#: recording on a shared volume, stamped by the file server's clock)
MTIME_SKEW = 60.0


def continuous_gap(config: Config) -> float:
    """How recent a recording's last row must be for a start to continue it."""
    return max(30.0, 3 * config.refresh)


def written_lately(path: Path, within: float, now: float | None = None) -> bool:
    """Whether `path` (or its SQLite write-ahead log or journal beside it) was modified in the
    last `within` seconds, give or take `MTIME_SKEW`. A recording whose last row is that
    recent was written that recently; a False answer needs no SQLite and no store module,
    which `oncall status` would otherwise load at every run."""
    import time

    now = time.time() if now is None else now
    for candidate in (
        path,
        path.with_name(path.name + "-wal"),
        path.with_name(path.name + "-journal"),
    ):
        try:
            modified = candidate.stat().st_mtime
        except OSError:
            continue
        if now - modified <= within + MTIME_SKEW:
            return True
    return False


def recording_path(config: Config, override: str | Path | None = None) -> Path | None:
    """The file to record to: `--record PATH`, else `record.path`, else the default; None
    when the config says `record: false` and no `--record` overrides it."""
    if override is not None:
        return Path(override).expanduser().resolve()
    if not config.record.enabled:
        return None
    return config.record.path if config.record.path is not None else default_path(config)


def _sha256(data: bytes) -> str:
    """hashlib's SHA-256 hex digest, from CPython's own implementation where it has one:
    `hashlib` loads OpenSSL's libcrypto, a few milliseconds of every `oncall status`."""
    try:
        from _sha256 import sha256  # type: ignore[import-not-found]  # CPython <= 3.11
    except ImportError:
        try:
            from _sha2 import sha256  # type: ignore[import-not-found]  # CPython >= 3.12
        except ImportError:
            from hashlib import sha256
    return str(sha256(data).hexdigest())
