"""Reads the v2 dashboard schema (`elements` + `layout` + `variables`) into the `model` types.

Panels are found through the layout (grid, auto grid, rows, tabs), so each knows its row;
elements that no layout places are read as well, outside any row. Both query forms are read:
v2alpha1's `query: {kind: "prometheus", spec}` with the datasource beside it, and
v2beta1's `query: {kind: "DataQuery", group: "prometheus", datasource, spec}`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oncall_tui.grafana.model import Dashboard, DatasourceRef, Panel, Target, Variable
from oncall_tui.grafana.reader import (
    _list,
    _map,
    _number,
    _text,
    _urls,
    read_thresholds,
    read_variable,
)

_VARIABLE_TYPES = {
    "QueryVariable": "query",
    "CustomVariable": "custom",
    "ConstantVariable": "constant",
    "IntervalVariable": "interval",
    "DatasourceVariable": "datasource",
    "TextVariable": "textbox",
    "AdhocVariable": "adhoc",
    "GroupByVariable": "adhoc",
}


def dashboard_from_v2(raw: dict[str, Any], name: str) -> Dashboard:
    elements = _map(raw.get("elements"))
    placed: list[tuple[str, str, str]] = []  # (element name, row title, repeat variable)
    _walk_layout(raw.get("layout"), "", placed)
    seen = {element for element, _row, _rep in placed}
    placed += [(key, "", "") for key in elements if key not in seen]
    panels = []
    for element, row, repeat in placed:
        spec = elements.get(element)
        if isinstance(spec, dict):
            panels.append(_panel(element, spec, row, repeat))
    time = _map(raw.get("timeSettings"))
    return Dashboard(
        title=_text(raw.get("title")),
        shape="v2",
        panels=tuple(panels),
        variables=tuple(v for v in (_variable(x) for x in _list(raw.get("variables"))) if v),
        time_from=_text(time.get("from")),
        links=tuple(_urls(raw.get("links"))),
    )


def _walk_layout(layout: Any, row: str, out: list[tuple[str, str, str]]) -> None:
    if not isinstance(layout, dict):
        return
    spec = _map(layout.get("spec"))
    kind = _text(layout.get("kind"))
    if kind in ("GridLayout", "AutoGridLayout"):
        for item in _list(spec.get("items")):
            _item(item, row, out)
    elif kind == "RowsLayout":
        for entry in _list(spec.get("rows")):
            inner = entry.get("spec") if isinstance(entry, dict) else None
            if isinstance(inner, dict):
                _walk_layout(inner.get("layout"), _text(inner.get("title")) or row, out)
    elif kind == "TabsLayout":
        for entry in _list(spec.get("tabs")):
            inner = entry.get("spec") if isinstance(entry, dict) else None
            if isinstance(inner, dict):
                _walk_layout(inner.get("layout"), _text(inner.get("title")) or row, out)


def _item(item: Any, row: str, out: list[tuple[str, str, str]]) -> None:
    if not isinstance(item, dict) or not isinstance(item.get("spec"), dict):
        return
    spec = item["spec"]
    if item.get("kind") == "GridLayoutRow":  # v2alpha1: a row inside the grid
        title = _text(spec.get("title")) or row
        for inner in _list(spec.get("elements")):
            _item(inner, title, out)
        return
    element = _map(spec.get("element"))
    repeat = _map(spec.get("repeat"))
    if _text(element.get("name")):
        out.append((_text(element["name"]), row, _text(repeat.get("value"))))


def _panel(key: str, element: dict[str, Any], row: str, repeat: str) -> Panel:
    where = f"elements.{key}"
    spec = _map(element.get("spec"))
    if element.get("kind") == "LibraryPanel":
        library = _map(spec.get("libraryPanel"))
        return Panel(
            where=where,
            title=_text(spec.get("title")),
            type="library",
            row=row,
            library=_text(library.get("name") or library.get("uid")) or key,
        )
    viz = _map(spec.get("vizConfig"))
    viz_spec = _map(viz.get("spec"))
    field = _map(viz_spec.get("fieldConfig"))
    defaults = _map(field.get("defaults"))
    data = _map(spec.get("data"))
    data_spec = _map(data.get("spec"))
    return Panel(
        where=where,
        title=_text(spec.get("title")),
        type=_text(viz.get("group") or viz.get("kind")) or "timeseries",
        row=row,
        targets=tuple(_targets(_list(data_spec.get("queries")))),
        unit=_text(defaults.get("unit")),
        thresholds=read_thresholds(defaults.get("thresholds")),
        thresholds_style=_text(
            ((defaults.get("custom") or {}).get("thresholdsStyle") or {}).get("mode")
        ),
        min=_number(defaults.get("min")),
        max=_number(defaults.get("max")),
        description=_text(spec.get("description")),
        links=tuple(_urls(spec.get("links"))) + tuple(_urls(defaults.get("links"))),
        repeat=repeat,
    )


def _targets(queries: list[Any]) -> Iterator[Target]:
    for entry in queries:
        spec = entry.get("spec") if isinstance(entry, dict) else None
        if not isinstance(spec, dict):
            continue
        query = _map(spec.get("query"))
        body = _map(query.get("spec"))
        kind = _text(query.get("group")) or (
            _text(query.get("kind")) if query.get("kind") != "DataQuery" else ""
        )
        source = spec.get("datasource") or query.get("datasource")
        ref = DatasourceRef()
        if isinstance(source, dict):
            ref = DatasourceRef(
                _text(source.get("type")) or kind, _text(source.get("uid") or source.get("name"))
            )
        elif kind:
            ref = DatasourceRef(kind, "")
        expr = body.get("expr")
        yield Target(
            ref_id=_text(spec.get("refId")),
            expr=expr if isinstance(expr, str) else None,
            legend=_text(body.get("legendFormat")),
            hidden=bool(spec.get("hidden")),
            datasource=ref,
            format=_text(body.get("format")),
        )


def _variable(entry: Any) -> Variable | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("spec"), dict):
        return None
    spec = dict(entry["spec"])
    kind = _VARIABLE_TYPES.get(_text(entry.get("kind")), "query")
    spec["type"] = kind
    if kind == "datasource":
        spec["query"] = _text(spec.get("pluginId"))
    elif isinstance(spec.get("query"), dict):  # a v2 query variable's DataQuery
        inner = spec["query"].get("spec")
        spec["query"] = (
            _text(inner.get("query") or inner.get("expr")) if isinstance(inner, dict) else ""
        )
    return read_variable(spec)
