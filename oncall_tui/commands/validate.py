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
from typing import TYPE_CHECKING, Any

from oncall_tui.commands.common import NO_CONFIG
from oncall_tui.config.errors import ConfigError, ConfigErrors, ConfigNotFound
from oncall_tui.config.loader import display_path, find_config_path, load_config_with_lines
from oncall_tui.config.model import Config, Datasource, Kpi, NodataMode, Service
from oncall_tui.local_files import read_bounded_text

if TYPE_CHECKING:
    from oncall_tui.sources.base import FetchError


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


def _problem(config: Config, lines: dict[str, int], path: str, message: str) -> ConfigError:
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
                problems.append(_problem(config, lines, where, f"not found: {path}"))
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
                    _problem(
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
                _problem(
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
                problems.append(_problem(config, lines, ref.path, message))
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
                    _problem(config, lines, path, f"not valid PromQL {problem} in `{shown}`")
                )
    return problems


_SLI_KEYS = {"error_ratio": "error_ratio", "good_total": "good", "latency": "latency.query"}


def _query_paths(svc: Service) -> Iterator[tuple[str, str]]:
    """Every query of the service, with the key path to report it on."""
    for kpi, path in _kpi_paths(svc):
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


# --- online --------------------------------------------------------------------------------


def _datasource_wide(error: FetchError) -> bool:
    """No answer at all (http_status -1), or one refusing us: not the query's fault."""
    from oncall_tui.sources.base import ErrorKind

    return error.http_status == -1 or error.kind is ErrorKind.AUTH


def _transport_error(exc: Exception, timeout: float, secrets: tuple[str, ...]) -> FetchError:
    """A failed connection as the same error kinds and scrubbed words as PrometheusClient's."""
    import requests

    from oncall_tui.sources.base import ErrorKind, FetchError
    from oncall_tui.sources.http_client import scrub

    if isinstance(exc, requests.Timeout):
        return FetchError(ErrorKind.TIMEOUT, f"no answer within {timeout:g} s")
    cause: BaseException | None = exc
    while cause is not None and not (isinstance(cause, OSError) and cause.strerror):
        # requests wraps urllib3, which wraps the socket's OSError: its own reason is shortest
        cause = getattr(cause, "reason", None) or cause.__context__
    reason = cause.strerror.lower() if isinstance(cause, OSError) and cause.strerror else str(exc)
    kind = ErrorKind.UNREACHABLE if isinstance(exc, requests.ConnectionError) else ErrorKind.HTTP
    return FetchError(kind, scrub(reason, secrets))


def _answer_error(exc: Exception, answer: object | None, secrets: tuple[str, ...]) -> FetchError:
    """prometheus-api-client's exception for an error answer, read from the answer itself
    (its status and body, seen by the session's response hook), as PrometheusClient reads it."""
    from oncall_tui.sources.base import ErrorKind, FetchError
    from oncall_tui.sources.http_client import scrub
    from oncall_tui.sources.prometheus.client import answer_error

    status = getattr(answer, "status_code", None)
    if isinstance(status, int):
        error = answer_error(
            status,
            str(getattr(answer, "reason", "") or ""),
            getattr(answer, "content", b""),
            secrets,
        )
        if error is not None:
            return error
    return FetchError(ErrorKind.MALFORMED, scrub(str(exc), secrets))


def _client(ds: Datasource) -> tuple[Any, list[object]]:
    """A PrometheusConnect for `ds`, and the list its session keeps the last answer in."""
    import requests
    from prometheus_api_client import PrometheusConnect
    from urllib3.util.retry import Retry

    headers = dict(ds.http.headers)
    if ds.http.bearer_token is not None:
        headers["Authorization"] = f"Bearer {ds.http.bearer_token.reveal()}"
    auth = None
    if ds.http.basic_auth is not None:
        auth = (ds.http.basic_auth.username, ds.http.basic_auth.password.reveal())
    session = requests.Session()
    answers: list[object] = []  # the last answer, for errors in the server's own words

    def keep(response: object, *args: object, **kwargs: object) -> None:
        answers[:] = [response]

    session.hooks["response"].append(keep)
    tls = ds.http.tls
    session.verify = not tls.insecure_skip_verify
    if tls.ca_file is not None and not tls.insecure_skip_verify:
        session.verify = str(tls.ca_file)
    if tls.cert_file is not None and tls.key_file is not None:
        session.cert = (str(tls.cert_file), str(tls.key_file))
    client = PrometheusConnect(
        ds.url,
        headers=headers,
        disable_ssl=tls.insecure_skip_verify,
        retry=Retry(total=0, raise_on_status=False),  # one attempt: validate reports, not retries
        auth=auth,
        session=session,
        timeout=ds.http.timeout,
    )
    return client, answers


def check_queries_online(
    config: Config, lines: dict[str, int], services: list[Service]
) -> list[ConfigError]:
    """Run every KPI query once; report the ones that fail or (unless empty is fine) return
    nothing.

    Synchronous and thread-safe: each call makes its own clients (a requests Session is not
    shared between threads) and runs the queries one after another.
    """
    import requests
    from prometheus_api_client.exceptions import PrometheusApiClientException

    from oncall_tui.sources.base import FetchError
    from oncall_tui.sources.http_client import scrub

    problems: list[ConfigError] = []
    clients: dict[str, tuple[Any, list[object]]] = {}
    stopped: set[str] = set()  # unreachable, or refusing us: said once, on its url
    for svc in services:
        ds = config.datasources.get(svc.datasource)
        if ds is None or ds.type != "prometheus" or svc.datasource in stopped:
            continue
        secrets = ds.http.secrets()
        for kpi, path in _kpi_paths(svc):
            client, answers = clients.get(ds.name) or clients.setdefault(ds.name, _client(ds))
            answers.clear()
            error: FetchError | None
            try:
                result = client.custom_query(kpi.query)
            except PrometheusApiClientException as exc:
                error = _answer_error(exc, answers[-1] if answers else None, secrets)
            except requests.RequestException as exc:
                error = _transport_error(exc, ds.http.timeout, secrets)
                error = FetchError(error.kind, error.message, http_status=-1)  # no answer
            else:
                error = None
            if error is not None and not _datasource_wide(error):
                problems.append(_problem(config, lines, path, f"query failed: {error.message}"))
                continue
            if error is not None:  # the datasource, not the query: said once, on its url
                what = f"{error.kind.value.replace('_', ' ')}: {error.message}"
                problems.append(
                    _problem(
                        config,
                        lines,
                        f"datasources.{ds.name}.url",
                        scrub(f"cannot query {ds.url}: {what}", secrets),
                    )
                )
                stopped.add(ds.name)
                break
            if not result and kpi is svc.targets:
                problems.append(
                    _problem(
                        config,
                        lines,
                        path,
                        "no up series for this service's targets, so its targets up check is "
                        "crit (targets down); set up: to the query of its scrape targets, or "
                        "up: false",
                    )
                )
                continue
            if not result and kpi.nodata.mode is NodataMode.NODATA:
                problems.append(
                    _problem(
                        config,
                        lines,
                        path,
                        "the query returned nothing (wrong metric or label? if empty is "
                        "normal, say nodata: ok or nodata: 0)",
                    )
                )
    return problems


def _kpi_paths(svc: Service) -> Iterator[tuple[Kpi, str]]:
    for kpi in svc.kpis:
        yield kpi, f"services.{svc.name}.kpis.{kpi.key}.query"
    for i, panel in enumerate(svc.panels):
        yield panel, f"services.{svc.name}.panels[{i}].query"
    if svc.targets is not None:  # `up:`, or the default up{job="$job"} (reported on the service)
        yield svc.targets, f"services.{svc.name}.up"
