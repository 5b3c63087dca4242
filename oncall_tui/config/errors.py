"""Config problems as values: each names the file, the line and the key path."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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

    def __init__(
        self,
        errors: Iterable[ConfigError],
        *,
        partial: object | None = None,
        lines: Mapping[str, int] | None = None,
    ) -> None:
        self.errors: list[ConfigError] = sorted(errors, key=lambda e: (e.file, e.line, e.path))
        # what could be read in spite of the errors (a Config, broken parts left out), and the
        # line of every key path read: `oncall validate` checks it too, so that one problem
        # never hides another. Never run on: it is not the config the file asks for.
        self.partial = partial
        self.lines: Mapping[str, int] = lines or {}
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
