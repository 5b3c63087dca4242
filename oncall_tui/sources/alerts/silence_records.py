"""Frozen records of Alertmanager silences and their matchers.

Apart from the alerts' records: only the alerts screen and its silence actions read these,
and a one-shot `oncall status` need not build their classes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Matcher:
    """One Alertmanager matcher (`name="value"`, `name=~"re"`, `name!="value"`)."""

    name: str
    value: str
    is_regex: bool = False
    is_equal: bool = True

    def __str__(self) -> str:
        op = (
            ("=~" if self.is_regex else "=") if self.is_equal else ("!~" if self.is_regex else "!=")
        )
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{self.name}{op}"{escaped}"'

    def to_api(self) -> dict[str, object]:
        return {
            "name": self.name,
            "value": self.value,
            "isRegex": self.is_regex,
            "isEqual": self.is_equal,
        }


@dataclass(frozen=True)
class Silence:
    id: str
    matchers: tuple[Matcher, ...]
    starts_at: float | None
    ends_at: float | None
    created_by: str
    comment: str
    state: str  # "active" | "pending" | "expired"

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether the silence covers an alert with `labels` (exact matchers only)."""
        for m in self.matchers:
            actual = labels.get(m.name, "")
            hit = re.fullmatch(m.value, actual) is not None if m.is_regex else actual == m.value
            if hit != m.is_equal:
                return False
        return True
