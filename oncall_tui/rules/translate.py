"""Turns Prometheus alert rules into dashboard KPIs: query, thresholds, direction, hold, runbook.

Pure: rules in, `Translation` out. `emit.py` writes it as config YAML.

An alert `A > 0.01` with `severity: critical` becomes a KPI with `query: A`, `crit: 0.01`,
direction above. Alerts on the same `A` merge into one KPI (a warning and a critical rule
give warn and crit). What cannot be a KPI is kept with the reason, to be listed as comments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from urllib.parse import unquote, urlsplit

from oncall_tui.names import slug
from oncall_tui.rules import promql
from oncall_tui.rules.reader import AlertRule, RecordingRule
from oncall_tui.units import COUNT, MILLISECONDS, NO_UNIT, RATIO, REQUESTS_PER_SECOND, SECONDS, Unit

CRIT_SEVERITIES = frozenset({"critical", "page", "crit", "emergency", "error", "high", "p1"})
WARN_SEVERITIES = frozenset({"warning", "warn", "major", "minor", "medium", "low", "p2", "p3"})


@dataclass(frozen=True)
class ImportedKpi:
    """One KPI or custom panel made from one or more alert rules on the same expression."""

    service: str
    key: str  # a standard key, or a custom panel's key
    query: str
    custom: bool
    title: str = ""
    unit: Unit = NO_UNIT
    direction: str | None = None  # "above" | "below"; None for equality (== / !=) panels
    warn: float | None = None
    crit: float | None = None
    for_text: str = ""
    for_seconds: float = 0.0
    runbook: str | None = None
    runbook_url: str | None = None  # the annotation as written, when it is not a file link
    alerts: tuple[str, ...] = ()  # names of the rules it came from
    notes: tuple[str, ...] = ()  # written as comments above the KPI
    # every (severity, value, "warn"|"crit") seen; with tiers beyond warn and crit
    # (minor, major, critical) `levels` is the multi-level form, least severe first
    tiers: tuple[tuple[str, float, str], ...] = ()
    levels: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Skipped:
    rule: str
    where: str  # file:line
    reason: str


@dataclass(frozen=True)
class Translation:
    kpis: tuple[ImportedKpi, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    recordings: tuple[RecordingRule, ...] = ()
    services: tuple[str, ...] = ()  # in first-seen order
    service_jobs: dict[str, str] = field(default_factory=dict)  # service -> job label seen

    def for_service(self, name: str) -> tuple[ImportedKpi, ...]:
        return tuple(k for k in self.kpis if k.service == name)


def severity_level(severity: str) -> str:
    """`crit` for critical/page, `warn` for warning/major/minor and anything unknown."""
    return "crit" if severity.strip().lower() in CRIT_SEVERITIES else "warn"


def camel_words(name: str) -> str:
    """`CQARHighErrorRate` -> `CQAR High Error Rate`; `high_error_rate` -> `High Error Rate`."""
    if "_" in name or "-" in name:
        return " ".join(w.capitalize() for w in re.split(r"[_\-\s]+", name) if w)
    words = re.findall(r"[A-Z]+(?=[A-Z][a-z]|\d|\b)|[A-Z]?[a-z]+|[A-Z]+|\d+", name)
    return " ".join(words) if words else name


def snake_key(name: str) -> str:
    return slug(camel_words(name), "_", empty="alert")


def runbook_link(url: str) -> str | None:
    """`.../runbooks/cqar.md#high-error-rate` -> `cqar.md#high-error-rate`; a wiki page
    `https://wiki/x/Cqar-High-Error-Rate` -> `cqar-high-error-rate.md`. None when there is
    no page name to take (a bare host)."""
    url = url.strip()
    if not url or "{{" in url:
        return None
    parts = urlsplit(url)
    path = unquote(parts.path if parts.scheme else url.split("#", 1)[0])
    page = path.rstrip("/").rsplit("/", 1)[-1]
    anchor = parts.fragment if parts.scheme else (url.split("#", 1)[1] if "#" in url else "")
    if not page:
        return f"#{anchor}" if anchor and not parts.scheme else None
    if not page.lower().endswith((".md", ".markdown")):
        page = re.sub(r"\.[A-Za-z0-9]+$", "", page)  # a wiki's .html / .aspx page
        page = page.lower() + ".md"
    return f"{page}#{anchor.lower()}" if anchor else page


_UP_SELECTOR = re.compile(r"""^\s*\(*\s*up\s*(\{[^}]*\})?\s*\)*\s*(==|<|<=|!=)""")
_JOB_IN_EXPR = re.compile(r"""\bjob\s*=\s*["']([^"']+)["']""")


def service_of(rule: AlertRule, fallback: str, forced: str | None = None) -> tuple[str, str | None]:
    """The service a rule belongs to (`forced`, else its `service` or `job` label, else
    `fallback`), and the job label value seen for it.

    A `job="..."` selector names the service's job when it is the service itself, or when
    the rule watches `up` of a service named only by the file it came from: `ShopDown:
    up{job="shop"} == 0` is the scrape health of its service. `up{job="postgres"}` in the
    rules of a service named `shop` watches a dependency, not the service's own targets."""
    named = forced or rule.labels.get("service") or rule.labels.get("job")
    service = named or fallback
    job_in_expr = _JOB_IN_EXPR.search(rule.expr)
    expr_job = job_in_expr.group(1) if job_in_expr else None
    if rule.labels.get("job"):
        return service, rule.labels["job"]
    if expr_job is not None and (expr_job == service or (not named and is_up_rule(rule))):
        return service, expr_job
    return service, None


def is_up_rule(rule: AlertRule) -> bool:
    """Whether the rule alerts on the `up` series itself (`up{job="x"} == 0`, `up < 1`)."""
    return _UP_SELECTOR.match(promql.strip_comments(rule.expr)) is not None


@dataclass(frozen=True)
class _Kind:
    key: str | None  # standard key, or None for a custom panel
    unit: Unit


def classify(query: str) -> _Kind:
    """Which standard KPI `query` recognisably is, with its unit."""
    text = query.lower()
    quantile = re.search(r"histogram_quantile\s*\(\s*(0?\.\d+|1(?:\.0*)?)", text)
    if quantile:
        q = float(quantile.group(1))
        key = {0.5: "latency_p50", 0.95: "latency_p95", 0.99: "latency_p99"}.get(q)
        return _Kind(key, MILLISECONDS if "_milliseconds" in text else SECONDS)
    ratio = promql.has_top_level_division(query)
    if ratio:
        if (
            re.search(r"""(status|code|status_code)\s*=~\s*["'][^"']*5""", text)
            or re.search(r"""(status|code|status_code|grpc_code)\s*!=\s*["'](ok|200)["']""", text)
            or re.search(r"error|fail", text)
        ):
            return _Kind("error_rate", RATIO)
        if "hit" in text and ("miss" in text or "cache" in text):
            return _Kind("cache_hit_rate", RATIO)
        if "pool" in text or "connection" in text:
            return _Kind("pool_usage", RATIO)
        return _Kind(None, RATIO if _looks_like_percent_free(text) else NO_UNIT)
    if re.search(r"(queue|backlog)\w*_(depth|size|length|len|lag|messages|pending|jobs)", text) or (
        re.search(r"\w*_lag\b", text) and "rate(" not in text
    ):
        return _Kind("queue_depth", COUNT)
    if re.search(r"\brate\s*\(\s*\w*(requests|calls)_total\b", text) and not re.search(
        r"status|code|error", text
    ):
        return _Kind("request_rate", REQUESTS_PER_SECOND)
    return _Kind(None, NO_UNIT)


def _looks_like_percent_free(text: str) -> bool:
    return "* 100" not in text and "*100" not in text


@dataclass
class _Draft:
    kpi: ImportedKpi
    norm: str


def translate(
    alerts: Iterable[AlertRule],
    recordings: Iterable[RecordingRule] = (),
    service: str | None = None,
    fallback_service: str = "service",
) -> Translation:
    """Translate alert rules into KPIs of their services (`service` forces one for all)."""
    drafts: list[_Draft] = []
    skipped: list[Skipped] = []
    services: list[str] = []
    jobs: dict[str, str] = {}

    for rule in alerts:
        svc, job = service_of(rule, fallback_service, service)
        if svc not in services:
            services.append(svc)
        if job and svc not in jobs:
            jobs[svc] = job
        result = _translate_one(rule, svc)
        if isinstance(result, Skipped):
            skipped.append(result)
            continue
        named = _JOB_IN_EXPR.search(rule.expr)
        if is_up_rule(rule) and named and named.group(1) != jobs.get(svc):
            note = (
                f"{rule.name}: watches the targets of job {named.group(1)!r}, not taken as"
                f" {svc}'s own; if they are, set vars: {{job: {named.group(1)}}}"
            )
            result = replace(result, notes=result.notes + (note,))
        _merge(drafts, result, rule)

    kpis = _assign_keys([d.kpi for d in drafts])
    return Translation(
        kpis=tuple(kpis),
        skipped=tuple(skipped),
        recordings=tuple(recordings),
        services=tuple(services),
        service_jobs=jobs,
    )


_FLIP = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "==": "==", "!=": "!="}


def _translate_one(rule: AlertRule, svc: str) -> ImportedKpi | Skipped:
    def skip(reason: str) -> Skipped:
        return Skipped(rule.name, rule.where, reason)

    problem = promql.syntax_problem(rule.expr)
    if problem is not None:
        return skip(problem)
    expr = promql.strip_comments(rule.expr)
    try:
        split = promql.split_set_operators(promql.unwrap_parens(expr))
        if any(op == "or" for op, _ in split.clauses):
            return skip("`or` joins alternative conditions; one threshold cannot show both")
        head = promql.unwrap_parens(split.head)
        comparison = promql.split_comparison(head)
    except promql.PromqlShapeError as exc:
        return skip(str(exc))
    if comparison is None:
        return skip("no top-level comparison: it fires whenever the expression returns series")
    bool_modifier, matching = promql.comparison_modifiers(head)
    if bool_modifier:
        return skip("a `bool` comparison yields 0/1 for every series, not a threshold")
    if matching:
        shown = f" ({comparison.matching})" if comparison.matching else ""
        return skip(f"the comparison has vector matching{shown}")

    query, op, threshold = comparison.left, comparison.op, promql.parse_number(comparison.right)
    if threshold is None:
        left_number = promql.parse_number(comparison.left)
        if left_number is None:
            return skip(
                f"the threshold {comparison.right.strip()!r} is not a number"
                if comparison.right.strip()
                else "nothing after the comparison"
            )
        query, op, threshold = comparison.right, _FLIP[op], left_number  # `0.5 < A`
    if not query.strip():
        return skip("nothing before the comparison")

    notes: list[str] = []
    for set_op, clause in split.clauses:
        notes.append(f"{rule.name}: `{set_op} {' '.join(clause.split())}` not applied")
    kind = classify(query)
    level = severity_level(rule.severity)
    if rule.severity.strip().lower() not in CRIT_SEVERITIES | WARN_SEVERITIES:
        shown = rule.severity or "none"
        notes.append(f"{rule.name}: severity {shown!r} taken as warn")
    url = rule.annotations.get("runbook_url") or rule.annotations.get("runbook") or ""
    link = runbook_link(url) if url else None

    if op == "==":
        # on the line counts as the breach: `== 0` is "at or below 0", which for a count or
        # an `up` series is exactly the firing condition; `== N` otherwise also counts the
        # values past N (the louder reading), and says so
        op = "<=" if threshold <= 0 else ">="
        if threshold != 0:
            side = "below" if op == "<=" else "above"
            notes.append(
                f"{rule.name}: fires when the value == {_num(threshold)};"
                f" imported as at or {side} it, so values {side} count as the breach too"
            )
    if op == "!=":
        notes.append(
            f"{rule.name}: fires when the value != {_num(threshold)};"
            " shown as a panel without thresholds"
        )
        return ImportedKpi(
            service=svc,
            key=snake_key(rule.name),
            query=_clean_query(query),
            custom=True,
            title=camel_words(rule.name),
            unit=kind.unit,
            direction=None,
            for_text=rule.for_text,
            for_seconds=rule.for_,
            runbook=link,
            runbook_url=url or None,
            alerts=(rule.name,),
            notes=tuple(notes),
        )
    direction = "above" if op in (">", ">=") else "below"
    return ImportedKpi(
        service=svc,
        key=kind.key or snake_key(rule.name),
        query=_clean_query(query),
        custom=kind.key is None,
        title=camel_words(rule.name) if kind.key is None else "",
        unit=kind.unit,
        direction=direction,
        warn=threshold if level == "warn" else None,
        crit=threshold if level == "crit" else None,
        tiers=((rule.severity.strip().lower() or level, threshold, level),),
        for_text=rule.for_text,
        for_seconds=rule.for_,
        runbook=link,
        runbook_url=url or None,
        alerts=(rule.name,),
        notes=tuple(notes),
    )


def _clean_query(query: str) -> str:
    lines = [line.rstrip() for line in query.strip().split("\n")]
    # keep a multi-line query's shape, but drop the indentation common to its lines
    indent = min((len(x) - len(x.lstrip()) for x in lines[1:] if x.strip()), default=0)
    return "\n".join([lines[0]] + [x[indent:] for x in lines[1:]])


def _num(value: float) -> str:
    return f"{value:g}"


def _merge(drafts: list[_Draft], new: ImportedKpi, rule: AlertRule) -> None:
    norm = promql.normalise(new.query)
    for draft in drafts:
        old = draft.kpi
        if draft.norm != norm or old.service != new.service or old.direction != new.direction:
            continue
        if new.direction is None:
            break  # two equality panels on one query stay apart
        notes = list(old.notes) + list(new.notes)
        warn, crit = old.warn, old.crit
        for level, value in (("warn", new.warn), ("crit", new.crit)):
            if value is None:
                continue
            current = warn if level == "warn" else crit
            if current is None:
                chosen = value
            else:
                # keep the level that trips first; the other is only a comment
                first = min if new.direction == "above" else max
                chosen = first(current, value)
                other = value if chosen == current else current
                if other != chosen:
                    notes.append(f"{rule.name}: a second {level} level at {_num(other)} not kept")
            if level == "warn":
                warn = chosen
            else:
                crit = chosen
        if warn is not None and crit is not None and warn == crit:
            notes.append(f"warn and crit are both {_num(warn)}; kept crit")
            warn = None
        if warn is not None and crit is not None:
            inverted = warn > crit if new.direction == "above" else warn < crit
            if inverted:
                notes.append(f"warn {_num(warn)} lies past crit {_num(crit)}; warn dropped")
                warn = None
        for_text, for_seconds = old.for_text, old.for_seconds
        if new.for_seconds != old.for_seconds:
            if not old.for_text or (new.for_text and new.for_seconds < old.for_seconds):
                for_text, for_seconds = new.for_text, new.for_seconds
            notes.append(
                f"alerts differ in `for:` ({old.for_text or '0s'} / {new.for_text or '0s'});"
                f" kept {for_text or '0s'}"
            )
        draft.kpi = replace(
            old,
            warn=warn,
            crit=crit,
            for_text=for_text,
            for_seconds=for_seconds,
            runbook=old.runbook or new.runbook,
            runbook_url=old.runbook_url or new.runbook_url,
            alerts=old.alerts + new.alerts,
            notes=tuple(notes),
            tiers=old.tiers + new.tiers,
        )
        draft.kpi = _with_levels(draft.kpi)
        return
    drafts.append(_Draft(new, norm))


def _with_levels(kpi: ImportedKpi) -> ImportedKpi:
    """Use the multi-level form when the rules name more tiers than warn and crit.

    Only when it is unambiguous: distinct severity names, distinct values that all worsen
    in the KPI's direction, every warn tier before the single crit tier.
    """
    names = [name for name, _v, _l in kpi.tiers]
    if len(kpi.tiers) < 3 or len(set(names)) != len(names):
        return kpi
    worse_first = kpi.direction == "below"
    ordered = sorted(kpi.tiers, key=lambda t: t[1], reverse=worse_first)
    values = [v for _n, v, _l in ordered]
    kinds = [lv for _n, _v, lv in ordered]
    if len(set(values)) != len(values) or kinds.count("crit") != 1 or kinds[-1] != "crit":
        return kpi
    kept = [n for n in kpi.notes if "not kept" not in n and "warn dropped" not in n]
    return replace(
        kpi,
        levels=tuple((n, v) for n, v, _l in ordered),
        warn=None,
        crit=None,
        notes=tuple(kept),
    )


def _assign_keys(kpis: list[ImportedKpi]) -> list[ImportedKpi]:
    """Standard keys once per service; a second query of the same kind becomes a panel."""
    taken: set[tuple[str, str]] = set()
    out: list[ImportedKpi] = []
    for kpi in kpis:
        key = kpi.key
        if (kpi.service, key) in taken:
            if not kpi.custom:
                kpi = replace(
                    kpi,
                    custom=True,
                    title=camel_words(kpi.alerts[0]),
                    notes=kpi.notes + (f"another query already is this service's {key}",),
                )
            key = snake_key(kpi.alerts[0])
            n = 2
            while (kpi.service, key) in taken:
                key = f"{snake_key(kpi.alerts[0])}_{n}"
                n += 1
            kpi = replace(kpi, key=key)
        taken.add((kpi.service, key))
        out.append(kpi)
    return out
