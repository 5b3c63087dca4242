"""The `record:` key: where the flight recorder writes, for how long, and how large.

`record: false` turns recording off; `record: {path, retention, max_size}` sets it; no key
records to the default file of the config (see `oncall_tui.store.paths`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from oncall_tui.config.reader import Field

RECORD_KEYS: tuple[str, ...] = ("path", "retention", "max_size")
DEFAULT_RETENTION = 7 * 86400.0
DEFAULT_MAX_SIZE = 1024**3  # 1 GiB

_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?", re.IGNORECASE)
_SIZE_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "kib": 1024,
    "ki": 1024,
    "m": 1000**2,
    "mb": 1000**2,
    "mib": 1024**2,
    "mi": 1024**2,
    "g": 1000**3,
    "gb": 1000**3,
    "gib": 1024**3,
    "gi": 1024**3,
    "t": 1000**4,
    "tb": 1000**4,
    "tib": 1024**4,
    "ti": 1024**4,
}


@dataclass(frozen=True)
class RecordConfig:
    """The flight recorder's settings (`record:`)."""

    enabled: bool = True
    path: Path | None = None  # None: the default file of the config
    retention: float = DEFAULT_RETENTION  # seconds of recording kept
    max_size: int = DEFAULT_MAX_SIZE  # bytes; the oldest rows go first past it


def size_in_bytes(value: object) -> int:
    """Bytes from `500MB`, `2GiB`, `1g` or a plain number of bytes; ValueError otherwise
    (negative, not finite, or past 1 PiB included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"expected a size such as 500MB or 2GiB, got {value!r}")
    if isinstance(value, (int, float)):
        size = float(value)
    else:
        found = _SIZE.fullmatch(value.strip())
        unit = (found.group(2) or "").lower() if found else ""
        if found is None or unit not in _SIZE_UNITS:
            raise ValueError(f"expected a size such as 500MB or 2GiB, got {value!r}")
        size = float(found.group(1)) * _SIZE_UNITS[unit]
    if not math.isfinite(size) or size < 0 or size > 1024**5:
        raise ValueError(f"expected a size such as 500MB or 2GiB, got {value!r}")
    return int(size)


def parse_size(value: object) -> int:
    """A recording's `max_size`: at least 1 MiB."""
    size = size_in_bytes(value)
    if size < 1024 * 1024:
        raise ValueError(f"a recording needs at least 1MiB, got {value!r}")
    return size


def read_record(found: Field | None) -> RecordConfig:
    """The `record:` key; errors go to the reader with their line."""
    if found is None or found.value is None or found.value is True:
        return RecordConfig()
    if found.value is False:
        return RecordConfig(enabled=False)
    section = found.as_section()
    if section is None:
        found.fail("expected false or a mapping with path, retention and max_size")
        return RecordConfig()
    section.check_keys(RECORD_KEYS)
    path_field = section.get("path")
    path = path_field.as_path() if path_field is not None else None
    retention = section.duration("retention", DEFAULT_RETENTION) or DEFAULT_RETENTION
    if retention <= 0:
        section.get("retention").fail("must be more than 0")  # type: ignore[union-attr]
    max_size = DEFAULT_MAX_SIZE
    size_field = section.get("max_size")
    if size_field is not None:
        try:
            max_size = parse_size(size_field.value)
        except ValueError as exc:
            size_field.fail(str(exc))
    return RecordConfig(path=path, retention=retention, max_size=max_size)
