"""Sloth (`prometheus/v1`, or its `PrometheusServiceLevel` CRD) and Pyrra
(`ServiceLevelObjective`) specs read into `ImportedSlo` records that `emit.py` writes as
`slos:` config.

Sloth: `objective` is a percentage, the window 30 days (its default period), the SLI an
`events` pair (`error_query` over `total_query`) or a `raw` `error_ratio_query`, with
`{{.window}}` where the range goes; its recording rules are
`slo:sli_error:ratio_rate<window>{sloth_service, sloth_slo}`. Pyrra: `target` is a
percentage, `window` its own, the indicator `ratio` (errors over total), `latency` (success
bucket over total) or `bool_gauge`, written as selectors that Pyrra wraps in `rate()`; its
alert pairs scale with the window from 1h/5m 14x, 6h/30m 7x, 1d/2h 2x and 4d/6h 1x for 28
days, and its recording rules are `<metric without _total>:burnrate<window>{slo}`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from oncall_tui.config.durations import parse_duration
from oncall_tui.config.slo_model import BurnWindow, SloAction, prom_duration

SLOTH_WINDOW = 30 * 86400.0
_TEMPLATE_WINDOW = re.compile(r"\{\{\s*\.window\s*\}\}")
_NAME = re.compile(r"[^A-Za-z0-9_.-]+")
_SERVICE = re.compile(r"[^A-Za-z0-9_-]+")
#: Pyrra's pairs for a 28-day window: (long, short, factor, action), scaled to the window
_PYRRA_28D = (
    (3600.0, 300.0, 14.0, SloAction.PAGE),
    (6 * 3600.0, 1800.0, 7.0, SloAction.PAGE),
    (86400.0, 7200.0, 2.0, SloAction.TICKET),
    (4 * 86400.0, 6 * 3600.0, 1.0, SloAction.TICKET),
)
_DAYS_28 = 28 * 86400.0


class SpecError(Exception):
    """The file is not a Sloth or Pyrra spec at all (a reason that names the file)."""


@dataclass(frozen=True)
class ImportedSlo:
    service: str
    name: str
    objective: float  # a share: 0.999
    window: float
    sli: dict[str, str]  # {"error_ratio": Q} or {"good": G, "total": T}
    windows: tuple[BurnWindow, ...] | None = None  # None: the standard pairs
    recorded: str | None = None
    recorded_windows: tuple[float, ...] = ()
    notes: tuple[str, ...] = ()
    origin: str = ""  # "Sloth SLO requests-availability"


@dataclass
class Imported:
    slos: list[ImportedSlo] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # what was not carried over, and why


def read_specs(path: Path, service: str | None = None) -> Imported:
    """Every SLO of every document of the file; SpecError when none is a known spec."""
    try:
        documents = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    except OSError as exc:
        raise SpecError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not YAML: {exc}") from None
    found = Imported()
    known = 0
    for index, doc in enumerate(documents):
        where = f"{path.name} document {index + 1}"
        if not isinstance(doc, dict):
            found.skipped.append(f"{where}: not a mapping")
            continue
        if doc.get("version") == "prometheus/v1":
            known += 1
            _sloth(doc, service, found, where)
        elif doc.get("kind") == "PrometheusServiceLevel" and isinstance(doc.get("spec"), dict):
            known += 1
            _sloth(doc["spec"], service, found, where)
        elif doc.get("kind") == "ServiceLevelObjective" and isinstance(doc.get("spec"), dict):
            known += 1
            _pyrra(doc, service or path.stem, found, where)
        else:
            found.skipped.append(f"{where}: neither a Sloth nor a Pyrra spec")
    if not known:
        raise SpecError(
            f"{path}: not a Sloth spec (version: prometheus/v1, or kind: PrometheusServiceLevel) "
            "nor a Pyrra one (kind: ServiceLevelObjective)"
        )
    return found


def _service_key(text: str) -> str:
    return _SERVICE.sub("-", text).strip("-") or "service"


def _slo_name(text: object) -> str:
    return _NAME.sub("-", str(text)).strip("-") or "slo"


def _percent(value: object) -> float | None:
    try:
        share = float(str(value).strip().rstrip("%")) / 100.0
    except ValueError:
        return None
    return share if 0.0 < share < 1.0 else None


def _windowed(query: str) -> str:
    return _TEMPLATE_WINDOW.sub("$window", query.strip())


def _sloth(spec: dict[str, Any], service: str | None, out: Imported, where: str) -> None:
    owner = _service_key(service or str(spec.get("service") or "service"))
    for raw in spec.get("slos") or []:
        if not isinstance(raw, dict):
            out.skipped.append(f"{where}: an SLO that is not a mapping")
            continue
        name = _slo_name(raw.get("name"))
        origin = f"Sloth SLO {name}"
        objective = _percent(raw.get("objective"))
        if objective is None:
            out.skipped.append(f"{origin}: objective {raw.get('objective')!r} is not a percentage")
            continue
        sli = raw.get("sli") or {}
        notes: list[str] = []
        if raw.get("description"):
            notes.append(str(raw["description"]))
        events, plain = sli.get("events"), sli.get("raw")
        if isinstance(events, dict) and events.get("error_query") and events.get("total_query"):
            error = _windowed(str(events["error_query"]))
            total = _windowed(str(events["total_query"]))
            query = f"({error})\n/\n({total})"
        elif isinstance(plain, dict) and plain.get("error_ratio_query"):
            query = _windowed(str(plain["error_ratio_query"]))
        elif sli.get("plugin"):
            out.skipped.append(
                f"{origin}: its SLI is the plugin {sli['plugin'].get('id')!r}, whose queries "
                "only Sloth knows; write error_ratio: by hand"
            )
            continue
        else:
            out.skipped.append(f"{origin}: no sli.events or sli.raw")
            continue
        alerting = raw.get("alerting") or {}
        if alerting:
            notes.append(
                f"Sloth's alerts ({alerting.get('name') or 'unnamed'}) are not copied: oncall "
                "judges the same page and ticket pairs itself, and shows the alerts when they fire"
            )
        recorded = (
            f'slo:sli_error:ratio_rate$window{{sloth_service="{spec.get("service")}", '
            f'sloth_slo="{raw.get("name")}"}}'
        )
        out.slos.append(
            ImportedSlo(
                service=owner,
                name=name,
                objective=objective,
                window=SLOTH_WINDOW,
                sli={"error_ratio": query},
                recorded=recorded,
                notes=tuple(notes),
                origin=origin,
            )
        )


def _selector(indicator: dict[str, Any], key: str) -> str | None:
    part = indicator.get(key)
    metric = part.get("metric") if isinstance(part, dict) else None
    return str(metric).strip() if metric else None


def _pyrra_windows(window: float) -> tuple[BurnWindow, ...]:
    scale = window / _DAYS_28
    return tuple(
        BurnWindow(
            # to the minute, halves away from zero, as Pyrra's Go does
            long=max(60.0, math.floor(long * scale / 60 + 0.5) * 60),
            short=max(60.0, math.floor(short * scale / 60 + 0.5) * 60),
            burn=factor,
            action=action,
        )
        for long, short, factor, action in _PYRRA_28D
    )


def _metric_name(selector: str) -> str:
    return selector.split("{", 1)[0].strip()


def _pyrra(doc: dict[str, Any], service: str, out: Imported, where: str) -> None:
    meta = doc.get("metadata") or {}
    spec = doc["spec"]
    name = _slo_name(meta.get("name") or "slo")
    origin = f"Pyrra SLO {name}"
    objective = _percent(spec.get("target"))
    if objective is None:
        out.skipped.append(f"{origin}: target {spec.get('target')!r} is not a percentage")
        return
    try:
        window = parse_duration(str(spec.get("window") or "28d"))
    except ValueError as exc:
        out.skipped.append(f"{origin}: window: {exc}")
        return
    indicator = spec.get("indicator") or {}
    notes: list[str] = [str(spec["description"])] if spec.get("description") else []
    ratio, latency = indicator.get("ratio"), indicator.get("latency")
    gauge = indicator.get("bool_gauge") or indicator.get("boolGauge")
    sli: dict[str, str]
    recorded_metric: str | None = None
    if isinstance(ratio, dict) and _selector(ratio, "errors") and _selector(ratio, "total"):
        grouping = [str(g) for g in ratio.get("grouping") or []]
        by = f" by ({', '.join(grouping)})" if grouping else ""
        errors, total = _selector(ratio, "errors"), _selector(ratio, "total")
        sli = {
            "error_ratio": f"sum{by} (rate({errors}[$window]))\n/\nsum{by} (rate({total}[$window]))"
        }
        if grouping:
            notes.append(f"grouped by {', '.join(grouping)}: the worst group counts")
        recorded_metric = _metric_name(str(errors))
    elif (
        isinstance(latency, dict) and _selector(latency, "success") and _selector(latency, "total")
    ):
        success, total = _selector(latency, "success"), _selector(latency, "total")
        sli = {"good": f"sum(rate({success}[$window]))", "total": f"sum(rate({total}[$window]))"}
    elif isinstance(gauge, dict) and gauge.get("metric"):
        sli = {"error_ratio": f"1 - avg(avg_over_time({str(gauge['metric']).strip()}[$window]))"}
    else:
        kinds = ", ".join(sorted(indicator)) or "none"
        out.skipped.append(
            f"{origin}: indicator {kinds} is not one oncall reads (ratio, latency, bool_gauge)"
        )
        return
    windows = _pyrra_windows(window)
    recorded = None
    recorded_windows: tuple[float, ...] = ()
    if recorded_metric:
        base = recorded_metric.removesuffix("_total")
        recorded = f'{base}:burnrate$window{{slo="{meta.get("name")}"}}'
        recorded_windows = tuple(sorted({w for p in windows for w in (p.long, p.short)}))
    if window != _DAYS_28:
        pairs = ", ".join(f"{p.name} {p.burn:g}x" for p in windows)
        notes.append(f"Pyrra's pairs scaled to its {prom_duration(window)} window: {pairs}")
    out.slos.append(
        ImportedSlo(
            service=_service_key(service),
            name=name,
            objective=objective,
            window=window,
            sli=sli,
            windows=windows,
            recorded=recorded,
            recorded_windows=recorded_windows,
            notes=tuple(notes),
            origin=origin,
        )
    )
