"""Reads a Grafana dashboard JSON file into the `model` types, whatever its shape.

Shapes: the classic model (`panels[]`, with `row` panels that are either open, followed by
their panels, or collapsed, holding them in their own `panels`), the old one (`rows[]`,
each with `panels`), an export with `__inputs` (`${DS_PROMETHEUS}`), the HTTP API's
`{"dashboard": {...}, "meta": {...}}` wrapper, and the v2 schema (`elements` + `layout`,
read by `v2.py`), bare or as a `{"kind": "Dashboard", "spec": {...}}` resource.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from oncall_tui.grafana.model import (
    Dashboard,
    DatasourceRef,
    Input,
    LegacyThreshold,
    Panel,
    Target,
    Thresholds,
    ThresholdStep,
    Variable,
)
from oncall_tui.inert import TooDeep, inert_json

ALL = "$__all"
_DEFAULT_ROW_TITLES = frozenset({"", "dashboard row", "new row", "row title", "row"})


class GrafanaFileError(Exception):
    """The file cannot be read as a Grafana dashboard at all."""


def read_dashboard(path: Path) -> Dashboard:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise GrafanaFileError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise GrafanaFileError(f"{path}: not UTF-8 text: {exc.reason}") from exc
    try:
        # every string made inert: a title or query may carry terminal control sequences
        raw = inert_json(json.loads(text))
    except json.JSONDecodeError as exc:
        raise GrafanaFileError(
            f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"
        ) from exc
    except (TooDeep, RecursionError) as exc:
        raise GrafanaFileError(f"{path}: nested too deeply to be a dashboard ({exc})") from exc
    return dashboard_from_json(raw, str(path))


def dashboard_from_json(raw: Any, name: str = "<dashboard>") -> Dashboard:
    if not isinstance(raw, dict):
        raise GrafanaFileError(f"{name}: expected a JSON object (a dashboard)")
    if isinstance(raw.get("dashboard"), dict):  # the API's form
        raw = raw["dashboard"]
    if raw.get("kind") == "Dashboard" and isinstance(raw.get("spec"), dict):  # a resource
        title = str((raw.get("metadata") or {}).get("name") or "")
        raw = dict(raw["spec"], title=raw["spec"].get("title") or title)
    if "elements" in raw or "layout" in raw:
        from oncall_tui.grafana.v2 import dashboard_from_v2

        return dashboard_from_v2(raw, name)
    if not any(key in raw for key in ("panels", "rows")):
        raise GrafanaFileError(
            f"{name}: no `panels`, `rows` or `elements`: not a Grafana dashboard"
        )
    panels: list[Panel] = []
    shape = "classic"
    if isinstance(raw.get("rows"), list) and not raw.get("panels"):
        shape = "rows"
        for i, row in enumerate(raw["rows"]):
            if not isinstance(row, dict):
                continue
            title, repeat = _row_title(row), _text(row.get("repeat"))
            if "repeatIteration" in row or "repeatRowId" in row:
                continue  # a copy Grafana made of a repeated row
            for j, panel in enumerate(_list(row.get("panels"))):
                panels.extend(_panels(panel, f"rows[{i}].panels[{j}]", title, repeat))
    else:
        row_title, row_repeat, row_copy = "", "", False
        for i, panel in enumerate(_list(raw.get("panels"))):
            if not isinstance(panel, dict):
                continue
            if panel.get("type") == "row":
                row_title, row_repeat = _text(panel.get("title")), _text(panel.get("repeat"))
                row_copy = "repeatIteration" in panel or "repeatPanelId" in panel
                for j, inner in enumerate(_list(panel.get("panels"))):
                    where = f"panels[{i}].panels[{j}]"
                    panels.extend(_panels(inner, where, row_title, row_repeat, row_copy))
                continue
            panels.extend(_panels(panel, f"panels[{i}]", row_title, row_repeat, row_copy))
    templating = _map(raw.get("templating"))
    return Dashboard(
        title=_text(raw.get("title")),
        shape=shape,
        panels=tuple(panels),
        variables=tuple(v for v in (read_variable(x) for x in _list(templating.get("list"))) if v),
        inputs=tuple(_inputs(raw.get("__inputs"))),
        time_from=_text(_map(raw.get("time")).get("from")),
        links=tuple(_urls(raw.get("links"))),
    )


def _row_title(row: dict[str, Any]) -> str:
    """An old row's title, unless it is the one Grafana gives every new row."""
    title = _text(row.get("title"))
    return "" if title.lower() in _DEFAULT_ROW_TITLES else title


def _panels(
    panel: Any, where: str, row: str, row_repeat: str = "", row_copy: bool = False
) -> Iterator[Panel]:
    """The panel at `where` (or the panels of an old nested group), in row `row`; a row that
    repeats per a variable passes that on, and a copy of such a row marks its panels copies."""
    if not isinstance(panel, dict):
        return
    if panel.get("type") == "row":  # a row inside a row is not drawn by Grafana either
        return
    nested = _list(panel.get("panels"))
    if nested and not panel.get("targets"):  # an old nested panel group
        for j, inner in enumerate(nested):
            yield from _panels(inner, f"{where}.panels[{j}]", row, row_repeat, row_copy)
        return
    defaults = _dig(panel, "fieldConfig", "defaults")
    unit = _text(defaults.get("unit")) or _text(panel.get("format"))
    yaxes = _list(panel.get("yaxes"))
    if not unit and yaxes and isinstance(yaxes[0], dict):
        unit = _text(yaxes[0].get("format"))
    if not unit and _list(panel.get("y_formats")):
        unit = _text(_list(panel.get("y_formats"))[0])
    thresholds = read_thresholds(defaults.get("thresholds"))
    legacy: tuple[LegacyThreshold, ...] = ()
    if isinstance(panel.get("thresholds"), list):
        legacy = tuple(_legacy(panel["thresholds"]))
    elif isinstance(panel.get("thresholds"), str) and thresholds is None:
        thresholds = _singlestat(panel["thresholds"], _list(panel.get("colors")))
    gauge = _map(panel.get("gauge"))
    library = _map(panel.get("libraryPanel"))
    panel_ds = datasource_ref(panel.get("datasource"))
    yield Panel(
        where=where,
        title=_text(panel.get("title")),
        type=_text(panel.get("type")) or "graph",
        row=row,
        datasource=panel_ds,
        targets=tuple(read_target(t) for t in _list(panel.get("targets")) if isinstance(t, dict)),
        unit=unit,
        thresholds=thresholds,
        thresholds_style=_text(_dig(defaults, "custom", "thresholdsStyle").get("mode")),
        legacy_thresholds=legacy,
        min=_number(defaults.get("min"), _number(gauge.get("minValue"))),
        max=_number(defaults.get("max"), _number(gauge.get("maxValue"))),
        description=_text(panel.get("description")),
        links=tuple(_urls(panel.get("links"))) + tuple(_urls(defaults.get("links"))),
        repeat=_text(panel.get("repeat")) or row_repeat,
        library=_text(library.get("name") or library.get("uid")) if library else "",
        repeat_copy=row_copy or "repeatPanelId" in panel or "repeatIteration" in panel,
        reducer=",".join(
            _text(c) for c in _list(_dig(panel, "options", "reduceOptions").get("calcs"))
        ),
    )


def read_target(target: dict[str, Any]) -> Target:
    expr = target.get("expr")
    return Target(
        ref_id=_text(target.get("refId")),
        expr=expr if isinstance(expr, str) else None,
        legend=_text(target.get("legendFormat")),
        hidden=bool(target.get("hide")),
        datasource=datasource_ref(target.get("datasource")),
        format=_text(target.get("format")),
    )


def datasource_ref(value: Any) -> DatasourceRef:
    if isinstance(value, dict):
        return DatasourceRef(_text(value.get("type")), _text(value.get("uid") or value.get("name")))
    if isinstance(value, str):
        return DatasourceRef("", value.strip())
    return DatasourceRef()


def read_thresholds(value: Any) -> Thresholds | None:
    if not isinstance(value, dict) or not isinstance(value.get("steps"), list):
        return None
    steps = []
    for step in value["steps"]:
        if isinstance(step, dict):
            steps.append(ThresholdStep(_number(step.get("value")), _text(step.get("color"))))
    if not steps:
        return None
    return Thresholds(_text(value.get("mode")) or "absolute", tuple(steps))


def _legacy(entries: list[Any]) -> Iterator[LegacyThreshold]:
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        value = _number(entry.get("value"))
        if value is None:
            continue
        yield LegacyThreshold(value, _text(entry.get("op")) or "gt", _text(entry.get("colorMode")))


def _singlestat(text: str, colors: list[Any]) -> Thresholds | None:
    """A singlestat's `"thresholds": "80,90"` with its three `colors`."""
    values = [_number(part.strip()) for part in text.split(",") if part.strip()]
    if not values or any(v is None for v in values):
        return None
    palette = [_text(c) for c in colors] or ["green", "orange", "red"]
    while len(palette) < len(values) + 1:
        palette.append(palette[-1])
    steps = [ThresholdStep(None, palette[0])]
    steps += [ThresholdStep(v, palette[i + 1]) for i, v in enumerate(values)]
    return Thresholds("absolute", tuple(steps))


def read_variable(raw: Any) -> Variable | None:
    if not isinstance(raw, dict) or not _text(raw.get("name")):
        return None
    name = _text(raw["name"])
    kind = _text(raw.get("type")) or "query"
    query = raw.get("query")
    query_text = _text(query.get("query")) if isinstance(query, dict) else _text(query)
    if kind == "datasource":
        current = _map(raw.get("current"))
        return Variable(name, kind, _text(current.get("text")) or None, plugin=query_text)
    if kind == "adhoc":
        return Variable(name, kind, None, note="ad hoc filters are not carried over")
    options = [
        _text(o.get("value"))
        for o in _list(raw.get("options"))
        if isinstance(o, dict) and _text(o.get("value")) not in ("", ALL)
    ]
    if not options and kind in ("custom", "interval") and query_text:
        options = [_custom_value(part) for part in query_text.split(",") if part.strip()]
        options = [o for o in options if o != "auto"] or options
    current = _map(raw.get("current"))
    chosen = current.get("value")
    values = (
        [str(v) for v in chosen]
        if isinstance(chosen, list)
        else ([str(chosen)] if chosen not in (None, "") else [])
    )
    if kind in ("constant", "textbox") and not values and query_text:
        values = [query_text]
    if values == [ALL] or ALL in values:
        all_value = _text(raw.get("allValue"))
        if all_value:
            return Variable(name, kind, all_value, note=f"All: its custom all value {all_value!r}")
        if options:
            joined = "|".join(options)
            return Variable(name, kind, joined, tuple(options), note=f"All: {joined!r}")
        return Variable(name, kind, ".*", note="All with no options listed: '.*'")
    if len(values) > 1:
        joined = "|".join(values)
        return Variable(name, kind, joined, tuple(values), note=f"several values: {joined!r}")
    if values:
        return Variable(name, kind, values[0])
    if options:
        return Variable(name, kind, options[0], note=f"no current value; the first, {options[0]!r}")
    return Variable(name, kind, None)


def _custom_value(part: str) -> str:
    """`key : value` in a custom variable's list means text `key`, value `value`."""
    text, sep, value = part.partition(" : ")
    return (value if sep else text).strip()


def _inputs(value: Any) -> Iterator[Input]:
    for entry in _list(value):
        if isinstance(entry, dict) and _text(entry.get("name")):
            yield Input(
                _text(entry["name"]),
                _text(entry.get("type")),
                _text(entry.get("pluginId")),
                _text(entry.get("value")),
            )


def _urls(value: Any) -> Iterator[str]:
    for link in _list(value):
        if isinstance(link, dict) and _text(link.get("url")):
            yield _text(link["url"])


def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dig(value: Any, *keys: str) -> dict[str, Any]:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value))


def _number(value: Any, default: float | None = None) -> float | None:
    if isinstance(value, bool):
        return default
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and re.fullmatch(
        r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*", value
    ):
        return float(value)
    return default
