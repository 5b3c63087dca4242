"""Times as an engineer types them: RFC 3339, `HH:MM` (today, local time) or `-15m`."""

from __future__ import annotations

import datetime as dt
import re
import time

from oncall_tui.config.durations import parse_duration

_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


def parse_when(text: str, now: float | None = None) -> float:
    """Seconds since the epoch; ValueError naming the forms understood."""
    now = time.time() if now is None else now
    value = text.strip()
    if value.startswith("-"):
        try:
            return now - parse_duration(value[1:])
        except ValueError:
            pass
    else:
        found = _CLOCK.fullmatch(value)
        if found is not None:
            hour, minute, second = int(found[1]), int(found[2]), int(found[3] or 0)
            if hour < 24 and minute < 60 and second < 60:
                today = dt.datetime.fromtimestamp(now).astimezone()
                moment = today.replace(hour=hour, minute=minute, second=second, microsecond=0)
                return moment.timestamp()
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None and ("T" in value.upper() or " " in value):
            if parsed.tzinfo is None:
                parsed = parsed.astimezone()  # no offset given: local time
            return parsed.timestamp()
    raise ValueError(
        f"cannot read the time {text!r}: expected a time such as 2026-03-12T03:12:00Z "
        "(RFC 3339), 03:12 (today, local) or -15m (ago)"
    )
