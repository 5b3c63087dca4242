"""Config problems as values: each names the file, the line and the key path."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from oncall_tui.inert import inert_line
from oncall_tui.secret_registry import redact


@dataclass(frozen=True)
class ConfigError:
    """One problem in a config file, e.g. `oncall.yaml:14: services.a.kpis.x.warn: ...`."""

    file: str
    line: int  # 1-based; 0 when no line applies (the file itself)
    path: str  # dotted key path, `services.cqar.health[0].url`; "" for the whole file
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        # a message may quote the value it refuses: never a secret, never a URL's password
        # (redacted when shown: a secret later in the file is registered by then)
        return redact(inert_line(text))


class ConfigErrors(Exception):
    """Every problem found in one load, raised together so that one run shows them all."""

    def __init__(self, errors: Iterable[ConfigError]) -> None:
        self.errors: list[ConfigError] = sorted(errors, key=lambda e: (e.file, e.line, e.path))
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class ConfigNotFound(FileNotFoundError):
    """No config file at any of the places looked at."""

    def __init__(self, looked_at: Iterable[str]) -> None:
        self.looked_at = tuple(looked_at)
        places = "\n".join(f"  {p}" for p in self.looked_at)
        super().__init__(f"no config file found; looked at:\n{places}")

    def __str__(self) -> str:
        return str(self.args[0])
