"""Grafana thresholds as oncall's warn / crit and direction.

Absolute steps are read in order by their colour: from a green (or neutral) base, warn is
the first warning colour (yellow, orange) and crit the first red, direction above. From a red
base rising to green, lower is worse: crit where red ends, warn where green starts. Percentage
steps are converted with the panel's min and max; without both they cannot be. An old graph
panel's `thresholds` array (`op: gt|lt`, `colorMode: warning|critical`) gives the same.
"""

from __future__ import annotations

import colorsys
import math
import re
from dataclasses import dataclass

from oncall_tui.grafana.model import LegacyThreshold, Panel, Thresholds, ThresholdStep

_GRAFANA_DEFAULT = (("green", None), ("red", 80.0))


@dataclass(frozen=True)
class Judged:
    direction: str | None = None  # "above" | "below"; None when nothing is judged
    warn: float | None = None
    crit: float | None = None
    notes: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()  # what could not be carried over, and why

    def scaled(self, factor: float) -> Judged:
        if factor == 1:
            return self
        return Judged(
            self.direction,
            None if self.warn is None else self.warn * factor,
            None if self.crit is None else self.crit * factor,
            self.notes,
            self.dropped,
        )


_NAMED = (
    ("red", "crit"),
    ("orange", "warn"),
    ("yellow", "warn"),
    ("green", "ok"),
)


def colour_level(colour: str) -> str:
    """`ok`, `warn`, `crit` or `other` (blue, purple, text, transparent) for a Grafana colour:
    a palette name (`dark-red`, `semi-dark-orange`), `#rrggbb` or `rgb(a)(...)`."""
    text = colour.strip().lower()
    for word, level in _NAMED:
        if word in text:
            return level
    rgb = _rgb(text)
    if rgb is None:
        return "other"
    hue, lightness, saturation = colorsys.rgb_to_hls(*(c / 255 for c in rgb))
    if saturation < 0.25 or lightness < 0.1 or lightness > 0.92:
        return "other"
    degrees = hue * 360
    if degrees < 18 or degrees >= 330:
        return "crit"
    if degrees < 65:
        return "warn"
    if degrees < 170:
        return "ok"
    return "other"


def _rgb(text: str) -> tuple[int, int, int] | None:
    hexa = re.fullmatch(r"#([0-9a-f]{6})(?:[0-9a-f]{2})?|#([0-9a-f]{3})", text)
    if hexa:
        digits = hexa.group(1) or "".join(c * 2 for c in hexa.group(2))
        return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))
    func = re.fullmatch(r"rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*(?:,[^)]*)?\)", text)
    if func:
        return (int(func.group(1)), int(func.group(2)), int(func.group(3)))
    return None


def judge(panel: Panel) -> Judged:
    if panel.thresholds is not None:
        return _from_steps(panel, panel.thresholds)
    if panel.legacy_thresholds:
        return _from_legacy(panel.legacy_thresholds)
    return Judged()


def _num(value: float) -> str:
    return f"{value:g}"


def _from_steps(panel: Panel, thresholds: Thresholds) -> Judged:
    steps = list(thresholds.steps)
    shape = tuple((s.color.lower(), s.value) for s in steps)
    if (
        shape == _GRAFANA_DEFAULT
        and panel.type in ("timeseries", "graph")
        and (panel.thresholds_style in ("", "off"))
    ):
        return Judged(
            notes=(
                "Grafana's default thresholds (red at 80) are not shown on this panel;"
                " not imported",
            )
        )
    notes: list[str] = []
    if thresholds.mode == "percentage":
        if panel.min is None or panel.max is None:
            shown = ", ".join(f"{_num(s.value)}%" for s in steps if s.value is not None)
            return Judged(
                dropped=(f"percentage thresholds ({shown}) with no min and max to place them",)
            )
        low, high = panel.min, panel.max
        steps = [
            ThresholdStep(None if s.value is None else low + (high - low) * s.value / 100, s.color)
            for s in steps
        ]
        notes.append(f"percentage thresholds placed on the range {_num(low)}..{_num(high)}")
    levels = [(s.value, colour_level(s.color)) for s in steps]
    if levels and levels[0][0] is not None:
        levels.insert(0, (None, "ok"))
    base = levels[0][1] if levels else "ok"
    rest: list[tuple[float, str]] = [(v, lv) for v, lv in levels[1:] if v is not None]
    if base == "crit":
        return _falling(rest, notes)
    if base == "warn":
        notes.append("the base colour is a warning one; taken as ok")
    warn = next((v for v, lv in rest if lv == "warn"), None)
    crit = next((v for v, lv in rest if lv == "crit"), None)
    dropped: list[str] = []
    if warn is not None and crit is not None and warn >= crit:
        notes.append(
            f"the first warning colour ({_num(warn)}) comes after red ({_num(crit)}); warn dropped"
        )
        warn = None
    if crit is not None and any(v > crit and lv == "ok" for v, lv in rest):
        dropped.append(f"green again above {_num(crit)}: only the lower red step is kept")
    if warn is None and crit is None:
        if rest:
            notes.append("the threshold colours mark no warning or red level; nothing judged")
        return Judged(notes=tuple(notes))
    return Judged("above", warn, crit, tuple(notes), tuple(dropped))


def _falling(rest: list[tuple[float, str]], notes: list[str]) -> Judged:
    """Red base: lower is worse. Crit where red ends, warn where green begins."""
    crit = next((v for v, lv in rest if lv != "crit"), None)
    if crit is None:
        return Judged(notes=tuple(notes + ["every threshold step is red; nothing judged"]))
    after = [(v, lv) for v, lv in rest if v >= crit]
    green = next((v for v, lv in after if lv == "ok"), None)
    warn = green if green is not None and green > crit else None
    dropped: list[str] = []
    top = green if green is not None else crit
    if any(v > top and lv in ("warn", "crit") for v, lv in after):
        dropped.append(f"a second band above {_num(top)}: only the lower side is kept")
    return _below(warn, crit, notes, dropped)


def _below(warn: float | None, crit: float | None, notes: list[str], dropped: list[str]) -> Judged:
    """Grafana colours a value under a step; oncall judges a value at or under its limit. So
    the limits are the numbers just under Grafana's steps: a value exactly on the step stays
    as good as Grafana shows it."""
    shown = ", ".join(
        f"{name} under {_num(v)}" for name, v in (("warn", warn), ("crit", crit)) if v is not None
    )
    notes = notes + [f"lower is worse: {shown} (the limits are the numbers just under those)"]
    return Judged(
        "below",
        None if warn is None else math.nextafter(warn, -math.inf),
        None if crit is None else math.nextafter(crit, -math.inf),
        tuple(notes),
        tuple(dropped),
    )


def _from_legacy(entries: tuple[LegacyThreshold, ...]) -> Judged:
    ops = {e.op for e in entries if e.color_mode in ("warning", "critical")}
    if not ops:
        return Judged(notes=("the graph's thresholds are neither warning nor critical",))
    if len(ops) > 1:
        return Judged(dropped=("the graph's thresholds mix gt and lt",))
    warn = next((e.value for e in entries if e.color_mode == "warning"), None)
    crit = next((e.value for e in entries if e.color_mode == "critical"), None)
    if ops == {"lt"}:
        return _below(warn, crit, [], [])
    return Judged("above", warn, crit)
