"""A Grafana dashboard reduced to what an oncall config can carry, whatever its JSON shape.

`reader.py` (classic and old-row dashboards) and `v2.py` (the v2 schema) produce these;
`translate.py` turns them into KPIs. Every panel keeps `where`, a path into the JSON
(`panels[3].panels[1]`, `elements.panel-7`), so that reports can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DatasourceRef:
    """What a panel or target names as its datasource: a plugin type when known, else a name
    or uid (possibly a variable such as `${DS_PROMETHEUS}`), or nothing (the default one)."""

    type: str = ""
    name: str = ""

    @property
    def empty(self) -> bool:
        return not self.type and not self.name


@dataclass(frozen=True)
class Target:
    ref_id: str
    expr: str | None  # None when the query has no PromQL `expr` (SQL, Graphite, ...)
    legend: str = ""
    hidden: bool = False
    datasource: DatasourceRef = DatasourceRef()
    format: str = ""  # "time_series", "table", "heatmap"


@dataclass(frozen=True)
class ThresholdStep:
    value: float | None  # None for the base step
    color: str


@dataclass(frozen=True)
class Thresholds:
    """`fieldConfig.defaults.thresholds`: `mode` is "absolute" or "percentage"."""

    mode: str
    steps: tuple[ThresholdStep, ...]


@dataclass(frozen=True)
class LegacyThreshold:
    """One entry of an old graph panel's `thresholds` array (`op` "gt"/"lt")."""

    value: float
    op: str
    color_mode: str  # "critical", "warning", "ok", "custom"


@dataclass(frozen=True)
class Panel:
    where: str
    title: str
    type: str
    row: str = ""  # the title of the row it sits in ("" outside any row)
    datasource: DatasourceRef = DatasourceRef()
    targets: tuple[Target, ...] = ()
    unit: str = ""
    thresholds: Thresholds | None = None
    thresholds_style: str = ""  # a time series' `custom.thresholdsStyle.mode` ("off", "line")
    legacy_thresholds: tuple[LegacyThreshold, ...] = ()
    min: float | None = None
    max: float | None = None
    description: str = ""
    links: tuple[str, ...] = ()  # URLs
    repeat: str = ""  # the variable it repeats over
    library: str = ""  # a library panel's name: its content is not in the dashboard JSON
    repeat_copy: bool = False  # a copy Grafana made of a repeated panel
    reducer: str = ""  # a stat/gauge's `reduceOptions.calcs` ("lastNotNull", "mean", ...)


@dataclass(frozen=True)
class Variable:
    name: str
    type: str  # "query", "custom", "constant", "interval", "datasource", "textbox", "adhoc"
    value: str | None  # the current value, else the first option; None when it has none
    multi_values: tuple[str, ...] = ()  # several current values, or the "All" of them
    plugin: str = ""  # a datasource variable: the plugin it stands for ("prometheus")
    note: str = ""


@dataclass(frozen=True)
class Input:
    """One `__inputs` entry of an exported dashboard (`${DS_PROMETHEUS}`)."""

    name: str
    type: str  # "datasource", "constant"
    plugin: str = ""
    value: str = ""


@dataclass(frozen=True)
class Dashboard:
    title: str
    shape: str  # "classic", "rows", "v2" (for the report)
    panels: tuple[Panel, ...] = ()
    variables: tuple[Variable, ...] = ()
    inputs: tuple[Input, ...] = ()
    time_from: str = ""  # "now-6h"
    links: tuple[str, ...] = ()  # dashboard links (URLs)
    notes: tuple[str, ...] = field(default_factory=tuple)
