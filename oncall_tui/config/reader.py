"""Typed, position-aware reading of the loaded YAML: every problem becomes a ConfigError.

A `Field` is one value of the file with its line and key path; a `Section` is a mapping.
Getters never raise: they record the problem on the `Reader` and return None, so that one
load reports every problem at once.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from oncall_tui.config.durations import parse_duration
from oncall_tui.config.errors import ConfigError
from oncall_tui.config.expand import expand_env
from oncall_tui.config.positions import PosDict, PosList
from oncall_tui.inert import inert_block


@dataclass
class Reader:
    """What one load collects: the problems, and the line of every key path it read."""

    file: str  # as shown in messages
    base_dir: Path  # relative paths resolve against this
    environ: Mapping[str, str]
    errors: list[ConfigError] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)

    def error(self, line: int, path: str, message: str) -> None:
        self.errors.append(ConfigError(self.file, line, path, message))


#: thresholds and other numbers: anything larger is a typo or an attack, not a limit
MAX_NUMBER = 1e18
MAX_INT = 10**9


def _short(value: Any) -> str:
    """A value for a message, cut short (a 400-digit number is not worth printing whole)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def describe(value: Any) -> str:
    """How a wrong value is shown in a message: `'high'`, `a mapping`, `nothing`."""
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def suggest(word: str, choices: Collection[str]) -> str | None:
    """The nearest valid spelling of `word`, if one is close enough."""
    import difflib  # only when there is a misspelling to name

    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def join_path(parent: str, key: object) -> str:
    return f"{parent}.{key}" if parent else str(key)


@dataclass
class Field:
    """One value of the config file, where it is, and typed conversions of it."""

    reader: Reader
    value: Any
    line: int
    path: str

    def fail(self, message: str) -> None:
        self.reader.error(self.line, self.path, message)

    def expect(self, what: str) -> None:
        self.fail(f"expected {what}, got {describe(self.value)}")

    def _expanded(self, text: str) -> str | None:
        """`text` with ${VAR} filled in, and control characters made visible: a title pasted
        from elsewhere (an imported dashboard) must not reach the terminal as an escape."""
        result, missing = expand_env(text, self.reader.environ)
        for name in missing:
            self.fail(f"environment variable {name!r} is not set (write $${{ for a literal ${{)")
        return None if missing else inert_block(result)

    def as_str(self, *, allow_number: bool = False) -> str | None:
        value = self.value
        if allow_number and isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            self.expect("a string")
            return None
        return self._expanded(value)

    def as_number(self) -> float | None:
        """A finite number no larger than MAX_NUMBER (NaN, infinities and 400-digit values are
        refused here, so no threshold can be one)."""
        value = self.value
        if isinstance(value, str):
            text = self._expanded(value)
            if text is None:
                return None
            try:
                number = float(text.strip())
            except ValueError:
                self.expect("a number")
                return None
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            self.expect("a number")
            return None
        else:
            try:
                number = float(value)
            except OverflowError:
                number = math.inf
        if not math.isfinite(number):
            self.fail(f"expected a finite number, got {_short(value)}")
            return None
        if abs(number) > MAX_NUMBER:
            self.fail(f"a number of at most {MAX_NUMBER:g} in size is allowed, got {_short(value)}")
            return None
        return number

    def as_int(self, minimum: int | None = None, maximum: int = MAX_INT) -> int | None:
        value = self.value
        if isinstance(value, str):
            expanded = self._expanded(value)
            if expanded is None:
                return None
            try:
                value = int(expanded.strip())
            except ValueError:
                self.expect("a whole number")
                return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.expect("a whole number")
            return None
        if minimum is not None and value < minimum:
            self.fail(f"must be at least {minimum}, got {_short(value)}")
            return None
        if value > maximum:
            self.fail(f"must be at most {maximum}, got {_short(value)}")
            return None
        return value

    def as_bool(self) -> bool | None:
        value = self.value
        if isinstance(value, str):
            expanded = self._expanded(value)
            if expanded is None:
                return None
            lowered = expanded.strip().lower()
            if lowered in ("true", "yes", "on", "1"):
                return True
            if lowered in ("false", "no", "off", "0"):
                return False
        if isinstance(value, bool):
            return value
        self.expect("true or false")
        return None

    def as_duration(self) -> float | None:
        value = self.value
        if isinstance(value, str):
            value = self._expanded(value)
            if value is None:
                return None
        try:
            return parse_duration(value)
        except ValueError as exc:
            self.fail(str(exc))
            return None

    def as_section(self) -> Section | None:
        if not isinstance(self.value, PosDict):
            self.expect("a mapping")
            return None
        return Section(self.reader, self.value, self.path, self.line)

    def as_list(self, *, one_allowed: bool = False) -> list[Field] | None:
        """The items of a list; with `one_allowed`, a single value counts as a list of one."""
        if isinstance(self.value, PosList):
            items = []
            pairs = zip(self.value, self.value.item_lines, strict=True)
            for i, (item, line) in enumerate(pairs):
                path = f"{self.path}[{i}]"
                self.reader.lines[path] = line
                items.append(Field(self.reader, item, line, path))
            return items
        if one_allowed and self.value is not None and not isinstance(self.value, dict):
            return [self]
        self.expect("a list")
        return None

    def as_path(self) -> Path | None:
        """A path; relative ones resolve against the config file's folder."""
        text = self.as_str()
        if text is None:
            return None
        if not text.strip():
            self.fail("expected a path, got an empty string")
            return None
        path = Path(text).expanduser()
        return path if path.is_absolute() else (self.reader.base_dir / path).resolve()

    def as_str_map(self) -> dict[str, str] | None:
        """A mapping of string to string (numbers are taken as their text)."""
        section = self.as_section()
        if section is None:
            return None
        result: dict[str, str] = {}
        for key in section.keys():
            text = section.get(key).as_str(allow_number=True)  # type: ignore[union-attr]
            if text is not None:
                result[str(key)] = text
        return result


@dataclass
class Section:
    """A mapping of the config file at `path` (`""` for the top level)."""

    reader: Reader
    data: PosDict
    path: str
    line: int

    def keys(self) -> list[Any]:
        return list(self.data)

    def has(self, key: str) -> bool:
        return key in self.data

    def key_line(self, key: Any) -> int:
        return self.data.key_lines.get(key, self.line)

    def get(self, key: Any) -> Field | None:
        """The value under `key`, or None when absent. Records its line for later messages."""
        if key not in self.data:
            return None
        path = join_path(self.path, key)
        # a key written with an empty value (`warn:`) is reported on the key's own line
        line = self.data.value_lines.get(key, self.line)
        if self.data[key] is None:
            line = self.key_line(key)
        self.reader.lines[path] = line
        return Field(self.reader, self.data[key], line, path)

    def require(self, key: str) -> Field | None:
        found = self.get(key)
        if found is None or found.value is None:
            self.reader.error(self.line, self.path or key, f"missing required key {key!r}")
            return None
        return found

    def fail(self, message: str) -> None:
        self.reader.error(self.line, self.path, message)

    def check_keys(self, allowed: Collection[str], hint: str = "") -> None:
        """Every key not in `allowed` is an error naming the nearest valid key."""
        for key in self.data:
            if key in allowed:
                continue
            path = join_path(self.path, key)
            near = suggest(str(key), allowed)
            message = f"unknown key {str(key)!r}"
            if near:
                message += f"; did you mean {near!r}?"
            elif allowed:
                message += f"; expected one of: {', '.join(sorted(allowed))}"
            if hint:
                message += f" ({hint})"
            self.reader.error(self.key_line(key), path, message)

    def only_one(self, keys: Collection[str]) -> str | None:
        """The one key of `keys` present; an error when none or several are."""
        present = [k for k in keys if k in self.data]
        if len(present) == 1:
            return present[0]
        listed = ", ".join(f"{k!r}" for k in keys)
        if not present:
            self.fail(f"needs one of {listed}")
        else:
            self.reader.error(
                self.key_line(present[1]), self.path, f"give only one of {listed}, not several"
            )
        return None

    # shorthands for the common case of an optional key with a default
    def text(self, key: str, default: str | None = None) -> str | None:
        found = self.get(key)
        if found is None or (found.value is None and default is not None):
            return default
        value = found.as_str()
        return default if value is None else value

    def duration(self, key: str, default: float | None, *, positive: bool = False) -> float | None:
        """A duration; with `positive`, zero is refused too (an interval or a timeout of 0
        would spin or never wait), never silently replaced by the default."""
        found = self.get(key)
        if found is None:
            return default
        value = found.as_duration()
        if value is not None and positive and value <= 0:
            found.fail(f"must be more than 0, got {_short(found.value)}")
            return default
        return default if value is None else value

    def number(self, key: str) -> float | None:
        found = self.get(key)
        return None if found is None else found.as_number()

    def integer(self, key: str, default: int, minimum: int | None = None) -> int:
        found = self.get(key)
        value = None if found is None else found.as_int(minimum)
        return default if value is None else value

    def boolean(self, key: str, default: bool) -> bool:
        found = self.get(key)
        value = None if found is None else found.as_bool()
        return default if value is None else value

    def section(self, key: str) -> Section | None:
        found = self.get(key)
        return None if found is None else found.as_section()

    def str_map(self, key: str) -> dict[str, str]:
        found = self.get(key)
        value = None if found is None else found.as_str_map()
        return value or {}
