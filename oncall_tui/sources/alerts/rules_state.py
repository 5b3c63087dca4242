"""The current state of `rules:` files' alert rules, evaluated by us with instant queries.

For teams without Alertmanager (or whose Prometheus does not load these rules): each alert
rule's `expr` is queried; every series it returns is a firing alert. `for:` is not applied,
since one instant query cannot tell how long the condition has held: every alert says so
in its `note`, and its `starts_at` is when this job first saw it, not when it began.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path

from oncall_tui.config.model import Service
from oncall_tui.rules.reader import AlertRule, RuleFileError, read_rule_file
from oncall_tui.sources.alerts.matching import service_for
from oncall_tui.sources.alerts.records import ORIGIN_RULES, Alert, label_fingerprint
from oncall_tui.sources.base import ErrorKind, FetchFailed, Series
from oncall_tui.sources.tasks import Semaphore, gather

QueryFn = Callable[[str], Awaitable[Sequence[Series]]]
MAX_IN_FLIGHT = 4
_VALUE = re.compile(r"\{\{\s*\$value\s*(\|[^}]*)?\}\}")
_LABEL = re.compile(r"\{\{\s*\$labels\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def fill_template(text: str, labels: Mapping[str, str], value: float) -> str:
    """The two template forms annotations mostly use: `{{ $value }}`, `{{ $labels.x }}`."""
    text = _VALUE.sub(lambda _m: f"{value:.4g}", text)
    return _LABEL.sub(lambda m: labels.get(m.group(1), ""), text)


def load_rules(paths: Sequence[Path]) -> tuple[tuple[AlertRule, ...], tuple[str, ...]]:
    """Every alert rule of `paths`, and the problems met reading them."""
    rules: list[AlertRule] = []
    problems: list[str] = []
    for path in paths:
        try:
            rule_file = read_rule_file(path)
        except RuleFileError as exc:
            problems.append(str(exc))
            continue
        rules.extend(rule_file.alerts)
        problems.extend(rule_file.problems)
    return tuple(rules), tuple(problems)


class RulesEvaluator:
    """Evaluates alert rules on each `evaluate()`; remembers when each alert was first seen."""

    def __init__(
        self,
        rules: Sequence[AlertRule],
        services: Sequence[Service],
        query: QueryFn,
        problems: Sequence[str] = (),
    ) -> None:
        self.rules = tuple(rules)
        self._services = tuple(services)
        self._query = query
        self._problems = tuple(problems)
        self._first_seen: dict[str, float] = {}

    async def evaluate(self, now: float) -> tuple[tuple[Alert, ...], tuple[str, ...]]:
        """(firing alerts, per-rule errors). A datasource that cannot answer raises
        FetchFailed: then nothing is known, not "nothing is firing"."""
        limit = Semaphore(MAX_IN_FLIGHT)  # per call: a semaphore binds to one loop
        results = await gather(*(self._one(rule, limit) for rule in self.rules))
        alerts: list[Alert] = []
        errors: list[str] = list(self._problems)
        unreachable: FetchFailed | None = None
        for rule, result in zip(self.rules, results, strict=True):
            if isinstance(result, FetchFailed):
                if result.error.kind in (ErrorKind.BAD_QUERY, ErrorKind.MALFORMED):
                    errors.append(f"{rule.where} {rule.name}: {result.error.message}")
                else:
                    unreachable = unreachable or result
                continue
            alerts.extend(self._alerts_of(rule, result, now))
        if unreachable is not None:
            raise unreachable
        seen = {a.key for a in alerts}
        for key in list(self._first_seen):
            if key not in seen:  # resolved: a later return is a new alert
                del self._first_seen[key]
        return tuple(sorted(alerts, key=Alert.sort_key)), tuple(errors)

    async def _one(self, rule: AlertRule, limit: Semaphore) -> Sequence[Series] | FetchFailed:
        async with limit:
            try:
                return await self._query(rule.expr)
            except FetchFailed as exc:
                return exc

    def _alerts_of(self, rule: AlertRule, series: Sequence[Series], now: float) -> list[Alert]:
        note = "evaluated by oncall from " + (rule.file.name if rule.file else "a rule file")
        if rule.for_:
            note += f"; `for: {rule.for_text}` not applied"
        out = []
        for one in series:
            labels = {k: v for k, v in one.labels.items() if k != "__name__"}
            labels.update(rule.labels)
            labels["alertname"] = rule.name
            fingerprint = label_fingerprint(labels)
            starts_at = self._first_seen.setdefault(fingerprint, now)
            annotations = {
                k: fill_template(v, labels, one.value) for k, v in rule.annotations.items()
            }
            out.append(
                Alert(
                    name=rule.name,
                    state="firing",
                    severity=labels.get("severity", ""),
                    labels=labels,
                    annotations=annotations,
                    starts_at=starts_at,
                    service=service_for(labels, self._services),
                    fingerprint=fingerprint,
                    value=f"{one.value:g}",
                    origin=ORIGIN_RULES,
                    note=note,
                )
            )
        return out
