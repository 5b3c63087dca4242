"""`oncall validate`: the config, every runbook link in it, every query's PromQL syntax, and
with --online every query against its datasource.

Exit code 0 when everything checks out, 1 when there is any problem, 3 (as every command) when
no config file is found. Every problem is printed as `file:line: key.path: message`.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from oncall_tui.commands.common import NO_CONFIG
from oncall_tui.config.errors import ConfigError, ConfigErrors, ConfigNotFound
from oncall_tui.config.loader import display_path, find_config_path, load_config_with_lines
from oncall_tui.config.model import Config, Kpi, Service
from oncall_tui.local_files import read_bounded_text


@dataclass(frozen=True)
class _Ref:
    """One runbook link of the config, with where it is written."""

    ref: str
    path: str  # key path of the `runbook:` value
    service: Service


def run(args: argparse.Namespace) -> int:
    try:
        path = find_config_path(getattr(args, "config", None))
    except ConfigNotFound as exc:
        print(f"oncall validate: {exc}", file=sys.stderr)
        return NO_CONFIG
    loaded: list[ConfigError] = []
    try:
        config, lines = load_config_with_lines(path)
    except ConfigErrors as exc:
        loaded = list(exc.errors)
        if not isinstance(exc.partial, Config):  # not even YAML: nothing more to check
            for error in loaded:
                print(error, file=sys.stderr)
            print(_count(len(loaded)), file=sys.stderr)
            return 1
        # every phase runs on what could be read: a bad warn: never hides a bad anchor
        config, lines = exc.partial, dict(exc.lines)
    services = list(config.services.values())
    only = getattr(args, "service", None)
    if only:
        if only not in config.services:
            known = ", ".join(config.services)
            print(
                f"oncall validate: no service named {only!r} (services: {known})", file=sys.stderr
            )
            return NO_CONFIG
        services = [config.services[only]]
    problems = loaded + (
        check_paths(config, lines)
        + check_runbook_links(config, lines, services)
        + check_queries_offline(config, lines, services)
    )
    if getattr(args, "online", False) and not loaded:
        from oncall_tui.commands.validate_online import check_queries_online

        problems += check_queries_online(config, lines, services)
    problems = list(dict.fromkeys(problems))  # the loader's first, then each phase's
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(_count(len(problems)), file=sys.stderr)
        return 1
    kpis = sum(len(s.all_kpis) for s in services)
    probes = sum(len(s.health) for s in services)
    slos = sum(len(s.slos) for s in services)
    print(
        f"config ok: {_plural(len(services), 'service')}, {kpis} KPIs, {_plural(probes, 'probe')}"
        + (f", {slos} SLO{'s' if slos != 1 else ''}" if slos else "")
    )
    return 0


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _count(n: int) -> str:
    return _plural(n, "problem")


def config_problem(config: Config, lines: dict[str, int], path: str, message: str) -> ConfigError:
    # a key path that was never read (a default) is reported on its nearest written parent
    probe = path
    while probe and probe not in lines:
        probe = probe.rpartition(".")[0]
    file = display_path(config.path) if config.path else "<config>"
    return ConfigError(file, lines.get(probe, 0), path, message)


def check_paths(config: Config, lines: dict[str, int]) -> list[ConfigError]:
    """`runbooks:` and `rules:` entries must exist."""
    problems = []
    for key, paths in (("runbooks", config.runbooks), ("rules", config.rules)):
        for i, path in enumerate(paths):
            if not path.exists():
                where = f"{key}[{i}]" if f"{key}[{i}]" in lines else key
                problems.append(config_problem(config, lines, where, f"not found: {path}"))
    return problems


# --- runbook links ---------------------------------------------------------------------------


def _refs(services: list[Service]) -> Iterator[_Ref]:
    for svc in services:
        base = f"services.{svc.name}"
        if svc.runbook:
            yield _Ref(svc.runbook, f"{base}.runbook", svc)
        for kpi in svc.kpis:
            if kpi.runbook:
                yield _Ref(kpi.runbook, f"{base}.kpis.{kpi.key}.runbook", svc)
        for i, panel in enumerate(svc.panels):
            if panel.runbook:
                yield _Ref(panel.runbook, f"{base}.panels[{i}].runbook", svc)
        for i, probe in enumerate(svc.health):
            if probe.runbook:
                yield _Ref(probe.runbook, f"{base}.health[{i}].runbook", svc)
        for i, slo in enumerate(svc.slos):
            if slo.runbook:
                yield _Ref(slo.runbook, f"{base}.slos[{i}].runbook", svc)


def resolve_runbook_file(config: Config, name: str) -> Path | None:
    """The file a link names: relative to a `runbooks:` folder, a `runbooks:` file of that
    name, or relative to the config folder."""
    candidates: list[Path] = []
    if Path(name).is_absolute():
        candidates.append(Path(name))
    for entry in config.runbooks:
        if entry.is_dir():
            candidates.append(entry / name)
        elif entry.name == name or entry == (config.base_dir / name).resolve():
            candidates.append(entry)
    candidates.append(config.base_dir / name)
    return next((c.resolve() for c in candidates if c.is_file()), None)


def check_runbook_links(
    config: Config, lines: dict[str, int], services: list[Service]
) -> list[ConfigError]:
    """Every runbook link names an existing file, and its anchor a heading of that file."""
    problems = []
    for ref in _refs(services):
        file_part, _, anchor = ref.ref.partition("#")
        if not file_part:
            default = (ref.service.runbook or "").partition("#")[0]
            if not default:
                problems.append(
                    config_problem(
                        config,
                        lines,
                        ref.path,
                        f"{ref.ref!r} names no file and service {ref.service.name!r} has no "
                        "runbook: to take it from",
                    )
                )
                continue
            file_part = default
        file = resolve_runbook_file(config, file_part)
        if file is None:
            where = ", ".join(str(p) for p in config.runbooks) or "no runbooks: paths"
            problems.append(
                config_problem(
                    config,
                    lines,
                    ref.path,
                    f"runbook file {file_part!r} not found "
                    f"(looked in {where} and {config.base_dir})",
                )
            )
            continue
        if anchor:
            message = _check_anchor(file, anchor)
            if message is not None:
                problems.append(config_problem(config, lines, ref.path, message))
    return problems


def _check_anchor(file: Path, anchor: str) -> str | None:
    """None when `anchor` is a heading of `file`, else what is wrong.

    Anchors come from the runbook parser, the same that the runbook pane and `oncall runbook`
    use, so a link that validates is a link that opens.
    """
    from oncall_tui.runbooks.parse import parse_runbook

    try:
        text = read_bounded_text(file)
    except (OSError, UnicodeDecodeError) as exc:
        return f"cannot read {file}: {exc}"
    anchors = [heading.anchor for heading in parse_runbook(text, file).headings]
    if anchor in anchors:
        return None
    near = difflib.get_close_matches(anchor, anchors, n=1, cutoff=0.75)
    hint = f"; did you mean #{near[0]}?" if near else ""
    return f"no heading with anchor #{anchor} in {file.name}{hint}"


# --- offline: PromQL syntax -----------------------------------------------------------------


def check_queries_offline(
    config: Config, lines: dict[str, int], services: list[Service]
) -> list[ConfigError]:
    """Every query of a Prometheus datasource (KPIs, panels, SLOs) parses as PromQL, after its
    vars are filled in (an SLO's `$window` as 5m); one that does not is reported with the
    line and column in the query where it goes wrong."""
    from oncall_tui.config.promql import check, placeholders

    problems: list[ConfigError] = []
    for svc in services:
        ds = config.datasources.get(svc.datasource)
        if ds is None or ds.type != "prometheus" or ds.language != "promql":
            continue  # MetricsQL is a superset PromQL's parser would wrongly reject
        for query, path in _query_paths(svc):
            query = placeholders(query)
            problem = check(query)
            if problem is not None:
                shown = _query_line(query, problem.line)
                problems.append(
                    config_problem(config, lines, path, f"not valid PromQL {problem} in `{shown}`")
                )
    return problems


_SLI_KEYS = {"error_ratio": "error_ratio", "good_total": "good", "latency": "latency.query"}


def _query_paths(svc: Service) -> Iterator[tuple[str, str]]:
    """Every query of the service, with the key path to report it on."""
    for kpi, path in kpi_query_paths(svc):
        yield kpi.query, path
    for i, slo in enumerate(svc.slos):
        base = f"services.{svc.name}.slos[{i}]"
        if slo.error_ratio:
            yield slo.error_ratio, f"{base}.{_SLI_KEYS.get(slo.sli, slo.sli)}"
        if slo.recorded:
            yield slo.recorded, f"{base}.recorded"


def _query_line(query: str, line_no: int) -> str:
    """The query's line where the problem is (vars filled in), shortened for one message."""
    line = " ".join(query.split("\n")[line_no - 1].split())
    return line if len(line) <= 120 else line[:117] + "..."


def kpi_query_paths(svc: Service) -> Iterator[tuple[Kpi, str]]:
    for kpi in svc.kpis:
        yield kpi, f"services.{svc.name}.kpis.{kpi.key}.query"
    for i, panel in enumerate(svc.panels):
        yield panel, f"services.{svc.name}.panels[{i}].query"
    if svc.targets is not None:  # `up:`, or the default up{job="$job"} (reported on the service)
        yield svc.targets, f"services.{svc.name}.up"
