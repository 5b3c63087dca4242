"""Reads Prometheus rule files (`groups:` of alerting and recording rules) into records.

Each rule keeps the file and line it came from, so that `import-rules` can name it when it
cannot translate it, and the rules job can say which rule failed to evaluate.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from oncall_tui.local_files import read_bounded_text


@dataclass(frozen=True)
class AlertRule:
    name: str
    expr: str
    for_: float = 0.0  # seconds
    for_text: str = ""  # as written ("5m"), so that generated config reads the same
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    group: str = ""
    file: Path | None = None
    line: int = 0

    @property
    def severity(self) -> str:
        return self.labels.get("severity", "")

    @property
    def where(self) -> str:
        return f"{self.file.name if self.file else '?'}:{self.line}"


@dataclass(frozen=True)
class RecordingRule:
    record: str
    expr: str
    labels: Mapping[str, str] = field(default_factory=dict)
    group: str = ""
    file: Path | None = None
    line: int = 0


@dataclass(frozen=True)
class RuleGroup:
    name: str
    interval: float | None = None
    alerts: tuple[AlertRule, ...] = ()
    recordings: tuple[RecordingRule, ...] = ()


@dataclass(frozen=True)
class RuleFile:
    path: Path
    groups: tuple[RuleGroup, ...] = ()
    problems: tuple[str, ...] = ()  # rules skipped as malformed, with file:line

    @property
    def alerts(self) -> tuple[AlertRule, ...]:
        return tuple(rule for group in self.groups for rule in group.alerts)

    @property
    def recordings(self) -> tuple[RecordingRule, ...]:
        return tuple(rule for group in self.groups for rule in group.recordings)


class RuleFileError(Exception):
    """The file cannot be read as a rule file at all (missing, not YAML, no `groups:`)."""


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def parse_duration(text: str) -> float:
    """A Prometheus duration ("1h30m", "500ms", "2s") in seconds; ValueError if malformed."""
    text = text.strip()
    pos = 0
    total = 0.0
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    if pos != len(text) or not text:
        raise ValueError(f"not a duration: {text!r}")
    return total


def _plain(node: yaml.Node) -> object:
    return yaml.safe_load(yaml.serialize(node))


def _str_map(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def read_rule_file(path: Path) -> RuleFile:
    """Parse one rule file; malformed rules are skipped and listed in `problems`."""
    try:
        text = read_bounded_text(path)
    except UnicodeDecodeError as exc:
        raise RuleFileError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise RuleFileError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise RuleFileError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(root, yaml.MappingNode):
        raise RuleFileError(f"{path}: expected a mapping with `groups:`")
    groups_node = _get(root, "groups")
    if not isinstance(groups_node, yaml.SequenceNode):
        raise RuleFileError(f"{path}: expected `groups:` with a list of rule groups")

    problems: list[str] = []
    groups: list[RuleGroup] = []
    for group_node in groups_node.value:
        if not isinstance(group_node, yaml.MappingNode):
            problems.append(
                f"{path.name}:{group_node.start_mark.line + 1}: a group is not a mapping"
            )
            continue
        name_node = _get(group_node, "name")
        name = str(_plain(name_node) or "") if name_node else ""
        interval = None
        interval_node = _get(group_node, "interval")
        if interval_node is not None:
            try:
                interval = parse_duration(str(_plain(interval_node)))
            except ValueError as exc:
                problems.append(f"{path.name}:{interval_node.start_mark.line + 1}: {exc}")
        alerts: list[AlertRule] = []
        recordings: list[RecordingRule] = []
        rules_node = _get(group_node, "rules")
        for rule_node in rules_node.value if isinstance(rules_node, yaml.SequenceNode) else ():
            line = rule_node.start_mark.line + 1
            raw = _plain(rule_node)
            if not isinstance(raw, dict) or not isinstance(raw.get("expr"), (str, int, float)):
                problems.append(f"{path.name}:{line}: a rule without an `expr:`")
                continue
            expr = str(raw["expr"]).strip()
            if "alert" in raw:
                for_text = str(raw.get("for") or "").strip()
                try:
                    for_ = parse_duration(for_text) if for_text else 0.0
                except ValueError as exc:
                    problems.append(f"{path.name}:{line}: {raw['alert']}: {exc}")
                    continue
                alerts.append(
                    AlertRule(
                        name=str(raw["alert"]),
                        expr=expr,
                        for_=for_,
                        for_text=for_text,
                        labels=_str_map(raw.get("labels")),
                        annotations=_str_map(raw.get("annotations")),
                        group=name,
                        file=path,
                        line=line,
                    )
                )
            elif "record" in raw:
                recordings.append(
                    RecordingRule(
                        record=str(raw["record"]),
                        expr=expr,
                        labels=_str_map(raw.get("labels")),
                        group=name,
                        file=path,
                        line=line,
                    )
                )
            else:
                problems.append(f"{path.name}:{line}: a rule with neither `alert:` nor `record:`")
        groups.append(RuleGroup(name, interval, tuple(alerts), tuple(recordings)))
    return RuleFile(path=path, groups=tuple(groups), problems=tuple(problems))


def _get(mapping: yaml.MappingNode, key: str) -> yaml.Node | None:
    for key_node, value_node in mapping.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return value_node
    return None
