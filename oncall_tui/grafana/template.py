"""Grafana template variables in a query: `$job`, `${job}`, `${job:regex}`, `[[job]]`.

A dashboard variable with a value stays a variable: it is written `$job` (oncall's form) and
its value goes to the service's `vars`. Grafana's own `$__rate_interval`, `$__interval` and
`$__range` have no meaning outside a Grafana graph, so they become fixed windows, said in
the output: 5m for rates (the window alert rules use, wide enough for any scrape interval
up to a minute), 1m for `$__interval`, and the dashboard's own time range for `$__range`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from oncall_tui.config.durations import parse_duration
from oncall_tui.config.promql import VARIABLE, variable_name
from oncall_tui.grafana.model import Variable

RATE_WINDOW = "5m"
INTERVAL_WINDOW = "1m"
DEFAULT_RANGE = "1h"


def builtin_windows(time_from: str) -> dict[str, str]:
    """`$__…` variable -> text, for a dashboard whose time range starts at `time_from`."""
    range_text = DEFAULT_RANGE
    match = re.fullmatch(r"now-(\d+[smhdwy])", time_from.strip())
    if match and match.group(1)[-1] != "y":
        range_text = match.group(1)
    seconds = int(parse_duration(range_text))
    return {
        "__rate_interval": RATE_WINDOW,
        "__interval": INTERVAL_WINDOW,
        "__range": range_text,
        "__range_s": str(seconds),
        "__range_ms": str(seconds * 1000),
        "__interval_ms": "60000",
        "__rate_interval_ms": "300000",
    }


@dataclass(frozen=True)
class Filled:
    query: str  # `$name` for the variables kept, windows written in
    vars: Mapping[str, str]  # the variables it uses, with their values
    windows: tuple[str, ...] = ()  # "$__rate_interval as 5m"
    missing: tuple[str, ...] = ()  # variables with no value, or not defined
    notes: tuple[str, ...] = ()


def fill(expr: str, variables: Mapping[str, Variable], windows: Mapping[str, str]) -> Filled:
    out: list[str] = []
    used: dict[str, str] = {}
    said: list[str] = []
    missing: list[str] = []
    notes: list[str] = []
    last = 0
    for match in VARIABLE.finditer(expr):
        out.append(expr[last : match.start()])
        last = match.end()
        name = variable_name(match)
        after = expr[match.end() : match.end() + 1]
        glued = bool(re.match(r"[A-Za-z0-9_]", after))
        if name in windows or name.startswith("__auto_interval"):
            value = windows.get(name, INTERVAL_WINDOW)
            out.append(value)
            text = f"${name} as {value}"
            if text not in said:
                said.append(text)
            continue
        variable = variables.get(name)
        if variable is None or variable.value is None or variable.type in ("datasource", "adhoc"):
            if name not in missing:
                missing.append(name)
            out.append(match.group(0))
            continue
        if match.group(0).count(":") and "${" in match.group(0):
            notes.append(f"{match.group(0)}: the format after ':' is not applied")
        if glued:  # `${job}_total`: `$job_total` would name another variable
            out.append(variable.value)
            notes.append(f"{match.group(0)} written as its value {variable.value!r}")
            continue
        out.append(f"${name}")
        used[name] = variable.value
    out.append(expr[last:])
    return Filled("".join(out), used, tuple(said), tuple(missing), tuple(dict.fromkeys(notes)))
