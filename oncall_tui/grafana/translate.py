"""Turns a read `Dashboard` into KPIs of services, and says per panel what was dropped.

Pure: a dashboard in, a `GrafanaImport` out; `emit.py` writes it as config YAML or as the
`--check` report. KPIs are import-rules' `ImportedKpi`, keys chosen by the same `classify`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from oncall_tui.config.expand import replace_vars
from oncall_tui.config.model import STANDARD_KPIS
from oncall_tui.config.promql import VARIABLE, check, variable_name
from oncall_tui.grafana.model import Dashboard, DatasourceRef, Panel, Target, Variable
from oncall_tui.grafana.template import builtin_windows, fill
from oncall_tui.grafana.thresholds import judge
from oncall_tui.grafana.units import map_unit, scaled_query
from oncall_tui.names import slug
from oncall_tui.rules.translate import ImportedKpi, classify, runbook_link, snake_key

TEXT_PANELS = frozenset(
    {"text", "news", "dashlist", "alertlist", "annolist", "welcome", "gettingstarted", "logs"}
)
_NON_PROMQL_WORDS = (
    "loki",
    "elastic",
    "influx",
    "graphite",
    "mysql",
    "postgres",
    "mssql",
    "cloudwatch",
    "tempo",
    "jaeger",
    "zipkin",
    "opensearch",
    "clickhouse",
    "testdata",
    "stackdriver",
)


@dataclass(frozen=True)
class PanelReport:
    where: str
    title: str
    service: str
    imported: tuple[str, ...] = ()  # "error_rate: sum(rate(...))"
    dropped: tuple[str, ...] = ()  # what was not carried over, and why
    notes: tuple[str, ...] = ()  # carried over, with a remark


@dataclass(frozen=True)
class GrafanaImport:
    dashboard: Dashboard
    kpis: tuple[ImportedKpi, ...] = ()
    services: tuple[tuple[str, str], ...] = ()  # (key, title), in order
    service_vars: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    reports: tuple[PanelReport, ...] = ()
    windows: tuple[str, ...] = ()  # "$__rate_interval as 5m", wherever used

    @property
    def dropped(self) -> bool:
        return any(r.dropped for r in self.reports)

    def for_service(self, key: str) -> tuple[ImportedKpi, ...]:
        return tuple(k for k in self.kpis if k.service == key)


def service_key(title: str) -> str:
    return slug(title, "-", empty="service")


def translate(
    dashboard: Dashboard, service: str | None = None, fallback: str = "dashboard"
) -> GrafanaImport:
    variables = {v.name: v for v in dashboard.variables}
    windows = builtin_windows(dashboard.time_from)
    named_rows = any(p.row for p in dashboard.panels)
    default_title = service or dashboard.title or fallback
    services: dict[str, str] = {}
    service_vars: dict[str, dict[str, str]] = {}
    kpis: list[ImportedKpi] = []
    reports: list[PanelReport] = []
    said: list[str] = []
    for panel in dashboard.panels:
        title = panel.row if (named_rows and not service and panel.row) else default_title
        title = title_text(title, variables) or default_title
        svc = service or service_key(title)
        report, made, used, panel_windows = _panel(dashboard, panel, svc, variables, windows)
        reports.append(report)
        if made:
            services.setdefault(svc, title)
            service_vars.setdefault(svc, {}).update(used)
            kpis.extend(made)
            said += [w for w in panel_windows if w not in said]
    if not services:
        services[service or service_key(default_title)] = default_title
    return GrafanaImport(
        dashboard=dashboard,
        kpis=tuple(_assign_keys(kpis)),
        services=tuple(services.items()),
        service_vars=service_vars,
        reports=tuple(reports),
        windows=tuple(said),
    )


def _panel(
    dashboard: Dashboard,
    panel: Panel,
    svc: str,
    variables: Mapping[str, Variable],
    windows: Mapping[str, str],
) -> tuple[PanelReport, list[ImportedKpi], dict[str, str], list[str]]:
    report = PanelReport(panel.where, panel.title or panel.type, svc)
    if panel.repeat_copy:
        return (
            replace(report, notes=("a copy Grafana made of a repeated panel; skipped",)),
            [],
            {},
            [],
        )
    if panel.library:
        reason = f"a library panel ({panel.library}): its queries are not in the dashboard JSON"
        return replace(report, dropped=(reason,)), [], {}, []
    if panel.type in TEXT_PANELS:
        return replace(report, dropped=(f"a {panel.type} panel: no queries",)), [], {}, []
    if not panel.targets:
        return replace(report, dropped=(f"a {panel.type} panel with no queries",)), [], {}, []
    dropped: list[str] = []
    notes: list[str] = []
    if panel.repeat:
        value = variables.get(panel.repeat)
        shown = value.value if value is not None and value.value is not None else "no value"
        dropped.append(f"repeats per ${panel.repeat}: imported once, for {panel.repeat}={shown}")
    unit = map_unit(panel.unit)
    if not unit.known:
        dropped.append(f"the unit {panel.unit!r} is not one oncall knows; kept as text")
    elif unit.factor != 1:
        notes.append(f"unit {panel.unit} shown in {unit.unit}: the query is scaled")
    judged = judge(panel).scaled(unit.factor)
    dropped += judged.dropped
    notes += judged.notes
    if panel.reducer and panel.reducer not in ("lastNotNull", "last"):
        notes.append(
            f"Grafana shows the {panel.reducer} over its time range; oncall the current value"
        )
    runbook_url = _runbook_url(panel)
    made: list[ImportedKpi] = []
    used: dict[str, str] = {}
    said: list[str] = []
    shown_targets = [t for t in panel.targets if not t.hidden]
    for target in panel.targets:
        label = f"query {target.ref_id}" if target.ref_id else "a query"
        if target.hidden:
            notes.append(f"{label} is hidden in Grafana; skipped")
            continue
        kind = _datasource_kind(dashboard, panel, target, variables)
        if kind not in ("prometheus", "prometheus?"):
            dropped.append(f"{label}: a {kind} datasource, not PromQL")
            continue
        if target.expr is None or not target.expr.strip():
            dropped.append(f"{label} has no PromQL expression")
            continue
        if target.format == "heatmap" or panel.type == "heatmap":
            dropped.append(f"{label}: heatmap buckets, not one value per series")
            continue
        filled = fill(target.expr.strip(), variables, windows)
        if filled.missing:
            names = ", ".join(f"${n}" for n in filled.missing)
            dropped.append(f"{label}: the variable {names} has no value")
            continue
        expanded, _unknown = replace_vars(filled.query, filled.vars)
        problem = check(expanded)
        if problem is not None:
            dropped.append(f"{label} is not valid PromQL {problem}")
            continue
        said += [w for w in filled.windows if w not in said]
        notes += [n for n in filled.notes if n not in notes]
        for name in filled.vars:
            if variables[name].note:
                notes.append(f"${name}: {variables[name].note}")
        used.update(filled.vars)
        query = scaled_query(filled.query, unit.factor)
        classified = classify(filled.query)
        title = title_text(panel.title, variables) or panel.type
        if len(shown_targets) > 1:
            title = title_text(f"{title}: {_legend(target)}", variables)
        made.append(
            ImportedKpi(
                service=svc,
                key=classified.key or snake_key(title),
                query=query,
                custom=classified.key is None,
                title=title,
                unit=unit.unit if panel.unit.strip() else classified.unit,
                direction=judged.direction,
                warn=judged.warn,
                crit=judged.crit,
                runbook=runbook_link(runbook_url) if runbook_url else None,
                runbook_url=runbook_url,
                alerts=(f"panel {panel.title or panel.type!r} ({panel.where})",),
            )
        )
    if said:
        notes.append("; ".join(said))
    if kind_note := _datasource_note(dashboard, panel, variables):
        notes.append(kind_note)
    note_tuple = tuple(dict.fromkeys(notes))
    made = [replace(k, notes=note_tuple) for k in made]
    imported = tuple(_summary(k) for k in made)
    report = replace(report, imported=imported, dropped=tuple(dropped), notes=note_tuple)
    return report, made, used, said


def title_text(text: str, variables: Mapping[str, Variable]) -> str:
    """A title with its template variables written as their values (`Latency $job` ->
    `Latency api`); one without a value keeps its name, never the `${...}` form, which the
    config reads as an environment variable."""

    def value(match: re.Match[str]) -> str:
        variable = variables.get(variable_name(match))
        if variable is not None and variable.value is not None:
            return variable.value
        return f"${variable_name(match)}"

    return VARIABLE.sub(value, text).replace("${", "$ {").strip()


def _summary(kpi: ImportedKpi) -> str:
    """`error_rate [ratio, warn >= 0.01, crit >= 0.05]: query` for the --check report."""
    facts = [kpi.unit.text] if kpi.unit else []
    for name, value in (("warn", kpi.warn), ("crit", kpi.crit)):
        if value is None:
            continue
        if kpi.direction == "below":  # written just under Grafana's step: show the step
            facts.append(f"{name} < {math.nextafter(value, math.inf):g}")
        else:
            facts.append(f"{name} >= {value:g}")
    if kpi.runbook:
        facts.append(f"runbook {kpi.runbook}")
    shown = f" [{', '.join(facts)}]" if facts else ""
    return f"{kpi.key}{shown}: {' '.join(kpi.query.split())}"


def _legend(target: Target) -> str:
    legend = "" if target.legend == "__auto" else target.legend  # Grafana's "Auto"
    legend = re.sub(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}", r"\1", legend).strip()
    return legend or target.ref_id or "query"


def resolve_datasource(
    dashboard: Dashboard, ref: DatasourceRef, variables: Mapping[str, Variable]
) -> str:
    """The plugin type a datasource reference stands for; "prometheus?" when it is only
    assumed (the default datasource, or a name that says nothing)."""
    name = ref.name
    if ref.type == "datasource" or not ref.type:  # Grafana's own: mixed, built-in, dashboard
        if not name or name.lower() in ("default", "-- mixed --"):
            return "prometheus?"
        if name in ("-- Grafana --", "grafana"):
            return "grafana"
        if name == "-- Dashboard --":
            return "dashboard"
    if ref.type and ref.type != "datasource":
        return "prometheus" if _promql_type(ref.type) else ref.type
    ref_name = re.fullmatch(r"\$\{?([A-Za-z0-9_]+)\}?", name)
    if ref_name:
        key = ref_name.group(1)
        for entry in dashboard.inputs:
            if entry.name == key and entry.plugin:
                return "prometheus" if _promql_type(entry.plugin) else entry.plugin
        variable = variables.get(key)
        if variable is not None and variable.plugin:
            return "prometheus" if _promql_type(variable.plugin) else variable.plugin
        return "prometheus?"
    lowered = name.lower()
    for word in _NON_PROMQL_WORDS:
        if word in lowered:
            return word
    return "prometheus" if "prom" in lowered else "prometheus?"


def _promql_type(plugin: str) -> bool:
    plugin = plugin.lower()
    return (
        "prometheus" in plugin
        or "victoriametrics" in plugin
        or plugin in ("mimir", "thanos", "cortex")
    )


def _datasource_kind(
    dashboard: Dashboard, panel: Panel, target: Target, variables: Mapping[str, Variable]
) -> str:
    ref = target.datasource
    if ref.empty or _mixed(ref):
        ref = ref if panel.datasource.empty or _mixed(panel.datasource) else panel.datasource
    return resolve_datasource(dashboard, ref, variables)


def _mixed(ref: DatasourceRef) -> bool:
    return ref.name.lower() == "-- mixed --"


def _datasource_note(dashboard: Dashboard, panel: Panel, variables: Mapping[str, Variable]) -> str:
    if (
        panel.datasource.name
        and resolve_datasource(dashboard, panel.datasource, variables) == "prometheus?"
    ):
        return f"datasource {panel.datasource.name!r} taken to be Prometheus"
    return ""


_URL = re.compile(r"https?://[^\s)\]>\"']+|\b[\w./-]+\.md(?:#[\w-]+)?")


def _runbook_url(panel: Panel) -> str | None:
    """A link or a URL in the description that points at a runbook."""
    candidates = list(panel.links) + _URL.findall(panel.description)
    for url in candidates:
        lowered = url.lower()
        if "runbook" in lowered or re.search(r"\.(md|markdown)(#|$)", lowered):
            return url
    return None


def _assign_keys(kpis: list[ImportedKpi]) -> list[ImportedKpi]:
    """A standard key once per service; a second query of the same kind becomes a panel."""
    taken: set[tuple[str, str]] = set()
    out: list[ImportedKpi] = []
    for kpi in kpis:
        if kpi.custom and kpi.key in STANDARD_KPIS:  # a panel may not take a standard name
            kpi = replace(kpi, key=f"{kpi.key}_panel")
        if (kpi.service, kpi.key) in taken:
            base = snake_key(kpi.title)
            base = f"{base}_panel" if base in STANDARD_KPIS else base
            note = () if kpi.custom else (f"another query already is this service's {kpi.key}",)
            key, n = base, 2
            while (kpi.service, key) in taken:
                key, n = f"{base}_{n}", n + 1
            kpi = replace(kpi, key=key, custom=True, notes=kpi.notes + note)
        taken.add((kpi.service, kpi.key))
        out.append(kpi)
    return out
