"""A service's `slos:`: objective, window, the SLI in one of its forms, and the burn pairs.

Every SLI form becomes one error-ratio query with `$window` where the range goes:

- `error_ratio: Q` as written;
- `good: G` and `total: T` as `1 - ((G) / (T))`;
- `latency: {query: BUCKETS, threshold: 100ms}` (a histogram's `_bucket` selector) as
  `1 - (sum(rate(BUCKETS{le="0.1"}[$window])) / sum(rate(BUCKETS{le="+Inf"}[$window])))`:
  the share of requests slower than the threshold, which must be one of the buckets;
- `recorded: 'slo:sli_error:ratio_rate$window{...}'` (Sloth's and Pyrra's recording rules)
  for the windows in `recorded_windows` (by default the ones Sloth records), the raw SLI
  for the others.

Service vars (`$job`) are filled in as in KPI queries; `$window` is left for the engine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from oncall_tui.config.expand import replace_vars
from oncall_tui.config.kpis import check_runbook_ref
from oncall_tui.config.reader import Field, describe
from oncall_tui.config.slo_model import (
    DEFAULT_BURN_WINDOWS,
    WINDOW_VAR,
    BurnWindow,
    Slo,
    SloAction,
    prom_duration,
)

SLO_KEYS: tuple[str, ...] = (
    "name",
    "objective",
    "window",
    "error_ratio",
    "good",
    "total",
    "latency",
    "windows",
    "recorded",
    "recorded_windows",
    "interval",
    "runbook",
)
WINDOW_KEYS: tuple[str, ...] = ("long", "short", "burn", "action")
LATENCY_KEYS: tuple[str, ...] = ("query", "threshold")
#: the windows Sloth writes `slo:sli_error:ratio_rate<window>` for (plus the SLO's own window)
SLOTH_WINDOWS: tuple[float, ...] = (300.0, 1800.0, 3600.0, 7200.0, 21600.0, 86400.0, 259200.0)
_PERCENT = re.compile(r"\s*(\d+(?:\.\d+)?)\s*%\s*")
_SLO_NAME = re.compile(r"[A-Za-z0-9_.-]+")
_SELECTOR = re.compile(r"^\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*(\{.*\})?\s*$", re.DOTALL)


def read_objective(found: Field) -> float | None:
    """`99.9%`, `"99.9 %"` or `0.999`: a share strictly between 0 and 1."""
    value = found.value
    share: float | None
    if isinstance(value, str) and _PERCENT.fullmatch(value):
        share = float(_PERCENT.fullmatch(value).group(1)) / 100.0  # type: ignore[union-attr]
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        share = float(value)
        if share > 1:
            found.fail(f"expected a share such as 0.999 or 99.9%, got {value!r} (write {value}%)")
            return None
    else:
        found.expect("an objective such as 99.9% or 0.999")
        return None
    if not 0.0 < share < 1.0:
        found.fail(f"an objective must be more than 0 and less than 100%, got {describe(value)}")
        return None
    return share


def _query(found: Field | None, variables: Mapping[str, str], *, needs_window: bool) -> str | None:
    """A query with the service's vars filled in and `$window` kept."""
    if found is None:
        return None
    text = found.as_str()
    if text is None:
        return None
    if not text.strip():
        found.fail("the query is empty")
        return None
    filled, unknown = replace_vars(text, {**variables, "window": WINDOW_VAR})
    known = ", ".join(sorted(variables)) or "none"
    for name in dict.fromkeys(unknown):
        found.fail(f"${name} is not a var of the service (its vars: {known}; and $window)")
    if unknown:
        return None
    if needs_window and WINDOW_VAR not in filled:
        found.fail("the query needs $window where the range goes, e.g. rate(x_total[$window])")
        return None
    return filled


def le_matcher(threshold: float) -> str:
    """A regex matcher for the `le` bucket of `threshold`, however the client wrote it:
    0.1 matches `0.1` and `0.10`; 1 matches `1` and `1.0` (Go and Python clients differ)."""
    text = f"{threshold:.12g}"
    if "e" in text:
        return f'le="{text}"'
    # a PromQL string is Go-quoted: the regex's backslash is written twice
    escaped = text.replace(".", r"\\.")
    pattern = escaped + ("0*" if "." in text else r"(\\.0*)?")
    return f'le=~"{pattern}"'


def _with_matcher(selector: str, matcher: str) -> str:
    match = _SELECTOR.match(selector)
    assert match is not None
    name, braces = match.group(1), match.group(2)
    inner = (braces or "{}")[1:-1].strip().rstrip(",")
    return f"{name}{{{inner + ', ' if inner else ''}{matcher}}}"


def _latency(found: Field, variables: Mapping[str, str]) -> str | None:
    section = found.as_section()
    if section is None:
        return None
    section.check_keys(LATENCY_KEYS)
    query_field = section.require("query")
    selector = _query(query_field, variables, needs_window=False)
    threshold_field = section.require("threshold")
    threshold = threshold_field.as_duration() if threshold_field else None
    if threshold is not None and threshold <= 0:
        threshold_field.fail("must be more than 0")  # type: ignore[union-attr]
        threshold = None
    if selector is not None and not _SELECTOR.match(selector):
        query_field.fail(  # type: ignore[union-attr]
            "expected the histogram's bucket series, e.g. "
            'http_request_duration_seconds_bucket{job="api"}'
        )
        return None
    if selector is None or threshold is None:
        return None
    fast = _with_matcher(selector, le_matcher(threshold))
    every = _with_matcher(selector, 'le="+Inf"')
    return f"1 - (sum(rate({fast}[$window])) / sum(rate({every}[$window])))"


def _burn_window(found: Field) -> BurnWindow | None:
    section = found.as_section()
    if section is None:
        return None
    section.check_keys(WINDOW_KEYS)
    long_field, short_field = section.require("long"), section.require("short")
    burn_field, action_field = section.require("burn"), section.get("action")
    long = long_field.as_duration() if long_field else None
    short = short_field.as_duration() if short_field else None
    burn = burn_field.as_number() if burn_field else None
    action = SloAction.PAGE
    if action_field is not None:
        word = action_field.as_str()
        try:
            action = SloAction((word or "").strip().lower())
        except ValueError:
            action_field.fail(f"expected page or ticket, got {describe(action_field.value)}")
            return None
    if burn is not None and burn <= 0:
        burn_field.fail(f"a burn rate must be more than 0, got {burn:g}")  # type: ignore[union-attr]
        return None
    for value, where in ((long, long_field), (short, short_field)):
        if value is not None and value <= 0:
            where.fail("a window must be more than 0")  # type: ignore[union-attr]
            return None
    if long is not None and short is not None and short >= long:
        short_field.fail(  # type: ignore[union-attr]
            f"the short window ({prom_duration(short)}) must be shorter than the long one "
            f"({prom_duration(long)})"
        )
        return None
    if long is None or short is None or burn is None:
        return None
    return BurnWindow(long=long, short=short, burn=burn, action=action)


def _windows(found: Field | None) -> tuple[BurnWindow, ...] | None:
    if found is None:
        return DEFAULT_BURN_WINDOWS
    items = found.as_list()
    if items is None:
        return None
    if not items:
        found.fail("needs at least one {long, short, burn, action} pair")
        return None
    pairs = [_burn_window(item) for item in items]
    if any(p is None for p in pairs):
        return None
    return tuple(p for p in pairs if p is not None)


def _recorded_windows(found: Field | None, window: float) -> tuple[float, ...]:
    if found is None:
        return (*SLOTH_WINDOWS, window)
    items = found.as_list(one_allowed=True) or []
    return tuple(d for d in (item.as_duration() for item in items) if d is not None)


def read_slo(
    found: Field, variables: Mapping[str, str], default_interval: float = 5.0
) -> Slo | None:
    """One SLO; None when it is too broken to use (its problems are recorded)."""
    section = found.as_section()
    if section is None:
        return None
    section.check_keys(SLO_KEYS)
    name_field = section.require("name")
    name = name_field.as_str(allow_number=True) if name_field else None
    if name is not None and not _SLO_NAME.fullmatch(name):
        name_field.fail(f"an SLO name is letters, digits, _ . and -; got {name!r}")  # type: ignore[union-attr]
        name = None
    objective_field = section.require("objective")
    objective = read_objective(objective_field) if objective_field else None
    window = section.duration("window", 30 * 86400.0) or 0.0
    if window <= 0:
        section.get("window").fail("must be more than 0")  # type: ignore[union-attr]
    windows = _windows(section.get("windows"))
    interval = section.duration("interval", default_interval, positive=True) or default_interval
    if interval <= 0:
        section.get("interval").fail("must be more than 0")  # type: ignore[union-attr]
        interval = default_interval
    runbook_field = section.get("runbook")
    runbook = check_runbook_ref(runbook_field) if runbook_field else None

    forms = [k for k in ("error_ratio", "good", "latency") if section.has(k)]
    if section.has("total") and "good" not in forms:
        section.reader.error(section.key_line("total"), f"{section.path}.total", "needs good:")
    recorded = _query(section.get("recorded"), variables, needs_window=True)
    recorded_windows = _recorded_windows(section.get("recorded_windows"), window)
    raw: str | None = None
    sli = "recorded"
    if len(forms) > 1:
        listed = ", ".join(f"{k!r}" for k in forms)
        section.reader.error(
            section.key_line(forms[1]), section.path, f"give one SLI, not several ({listed})"
        )
        return None
    if forms == ["error_ratio"]:
        raw, sli = _query(section.get("error_ratio"), variables, needs_window=True), "error_ratio"
    elif forms == ["good"]:
        good = _query(section.get("good"), variables, needs_window=True)
        total_field = section.get("total")
        if total_field is None:
            section.reader.error(section.key_line("good"), f"{section.path}.good", "needs total:")
            return None
        total = _query(total_field, variables, needs_window=True)
        if good is None or total is None:
            return None
        raw, sli = f"1 - (({good}) / ({total}))", "good_total"
    elif forms == ["latency"]:
        raw, sli = _latency(section.get("latency"), variables), "latency"  # type: ignore[arg-type]
    elif not section.has("recorded"):
        section.fail("needs an SLI: error_ratio:, good: and total:, latency: or recorded:")
        return None
    if forms and raw is None:
        return None
    if name is None or objective is None or window <= 0 or windows is None:
        return None
    slo = Slo(
        name=name,
        objective=objective,
        window=window,
        error_ratio=raw,
        windows=windows,
        recorded=recorded,
        recorded_windows=recorded_windows if recorded else (),
        sli=sli,
        interval=interval,
        runbook=runbook,
        line=found.line,
    )
    if raw is None:
        if recorded is None:
            return None
        missing = [
            w
            for w in slo.measured_windows()
            if not any(abs(w - r) < 1e-6 for r in recorded_windows)
        ]
        if missing:
            names = ", ".join(prom_duration(w) for w in missing)
            section.fail(
                f"recorded: covers no rule for the windows {names}; add them to "
                "recorded_windows: or give the raw SLI as well (error_ratio:, good:/total:)"
            )
            return None
    return slo


def read_slos(
    found: Field | None, variables: Mapping[str, str], default_interval: float = 5.0
) -> tuple[Slo, ...]:
    if found is None or found.value is None:
        return ()
    items = found.as_list()
    slos: list[Slo] = []
    for item in items or []:
        slo = read_slo(item, variables, default_interval)
        if slo is None:
            continue
        if any(s.name == slo.name for s in slos):
            item.fail(f"an SLO named {slo.name!r} is already defined in this service")
            continue
        slos.append(slo)
    return tuple(slos)
