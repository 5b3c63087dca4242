"""A moment as written on the command line: RFC 3339, `HH:MM[:SS]` today (local), or `-15m`."""

from __future__ import annotations

import datetime as dt
import re

from oncall_tui.config.durations import parse_duration

_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


def parse_when(text: str, now: float) -> float:
    """Unix seconds for `text`; ValueError naming the accepted forms otherwise."""
    value = text.strip()
    if value.startswith("-"):
        try:
            return now - parse_duration(value[1:])
        except ValueError:
            pass
    elif (clock := _CLOCK.fullmatch(value)) is not None:
        hour, minute, second = (int(g) if g else 0 for g in clock.groups())
        if hour < 24 and minute < 60 and second < 60:
            today = dt.datetime.fromtimestamp(now).astimezone()
            moment = today.replace(hour=hour, minute=minute, second=second, microsecond=0)
            return moment.timestamp()
    else:
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            if moment.tzinfo is None:
                moment = moment.astimezone()  # a time with no zone is local
            return moment.timestamp()
    raise ValueError(
        f"cannot read the time {text!r}: give RFC 3339 (2026-12-01T03:12:00Z), "
        "HH:MM today (03:12), or an offset back from now (-15m)"
    )
