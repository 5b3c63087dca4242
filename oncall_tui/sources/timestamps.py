"""Times as the APIs we read write them (Alertmanager, Prometheus, Kubernetes)."""

from __future__ import annotations

import datetime as dt


def parse_time(text: object) -> float | None:
    """An RFC 3339 time from an API (`2024-05-01T12:00:00.123456789Z`), or None."""
    if not isinstance(text, str) or not text or text.startswith("0001-01-01"):
        return None
    value = text.strip().replace("Z", "+00:00")
    # Go writes nanoseconds; Python reads at most microseconds
    if "." in value:
        head, _, rest = value.partition(".")
        digits = "".join(ch for ch in rest if ch.isdigit())
        zone = rest[len(digits) :]
        value = f"{head}.{digits[:6].ljust(6, '0')}{zone}"
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.timestamp()
