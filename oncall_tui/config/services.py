"""One service: title, datasource, vars, KPIs, panels, health probes, kubernetes, alert_match."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING

from oncall_tui.config.http import HTTP_KEYS, check_url, read_http_options, read_max_body
from oncall_tui.config.kpis import check_runbook_ref, panel_key, read_kpi
from oncall_tui.config.model import (
    STANDARD_KPIS,
    Kpi,
    ProbeKind,
    Service,
)
from oncall_tui.config.reader import Field, Section, describe, suggest
from oncall_tui.config.targets import TARGETS_KEY, read_targets
from oncall_tui.status import Status

if TYPE_CHECKING:
    from oncall_tui.config.incident_model import IncidentPolicy
    from oncall_tui.config.optional_model import HealthProbe, KubernetesTarget
    from oncall_tui.config.slo_model import Slo

SERVICE_KEYS: tuple[str, ...] = (
    "title",
    "datasource",
    "vars",
    "runbook",
    "kpis",
    "panels",
    "health",
    "kubernetes",
    "alert_match",
    "slos",
    "incidents",
    "up",
)
PROBE_KEYS: tuple[str, ...] = (
    "name",
    "url",
    "grpc",
    "tcp",
    "service",
    "interval",
    *HTTP_KEYS,
    "expect_status",
    "latency_warn",
    "for",
    "status_map",
    "runbook",
)
KUBERNETES_KEYS: tuple[str, ...] = (
    "context",
    "namespace",
    "selector",
    "restart_warn",
    "interval",
    "timeout",
    "max_body",
)
# keys that mean nothing to a probe of this kind
_NOT_FOR = {
    ProbeKind.TCP: (
        "service",
        "headers",
        "bearer_token",
        "bearer_token_file",
        "basic_auth",
        "tls",
        "expect_status",
        "status_map",
    ),
    ProbeKind.GRPC: ("expect_status",),
    ProbeKind.HTTP: ("service",),
}
_STATUS_WORDS = {"ok": Status.OK, "warn": Status.WARN, "crit": Status.CRIT}
NAME = re.compile(r"[A-Za-z0-9_-]+")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _host_port(found: Field, text: str) -> bool:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        found.fail(f"expected host:port, got {describe(found.value)}")
        return False
    return True


def _expect_status(found: Field) -> tuple[int, ...]:
    items = found.as_list(one_allowed=True) or []
    codes = []
    for item in items:
        code = item.as_int()
        if code is not None and not 100 <= code <= 599:
            item.fail(f"expected an HTTP status code, got {code}")
        elif code is not None:
            codes.append(code)
    return tuple(codes)


def _status_map(found: Field) -> dict[str, Status]:
    section = found.as_section()
    if section is None:
        return {}
    result = {}
    for word in section.keys():
        item = section.get(word)
        assert item is not None
        text = item.as_str()
        status = _STATUS_WORDS.get((text or "").strip().lower())
        if text is not None and status is None:
            item.fail(f"expected ok, warn or crit, got {describe(item.value)}")
        if status is not None:
            # words are matched case-insensitively, so they are kept lower case
            result[str(word).lower()] = status
    return result


def read_probe(found: Field, default_interval: float) -> HealthProbe | None:
    section = found.as_section()
    if section is None:
        return None
    section.check_keys(PROBE_KEYS)
    name_field = section.require("name")
    name = name_field.as_str(allow_number=True) if name_field else None
    kind_key = section.only_one(("url", "grpc", "tcp"))
    kind = {"url": ProbeKind.HTTP, "grpc": ProbeKind.GRPC, "tcp": ProbeKind.TCP}.get(kind_key or "")
    target = None
    if kind_key is not None and kind is not None:
        target_field = section.get(kind_key)
        assert target_field is not None
        target = target_field.as_str()
        if target is not None:
            target = target.strip()
            if kind is ProbeKind.HTTP and check_url(target_field, target) is None:
                target = None
            elif kind is not ProbeKind.HTTP and not _host_port(target_field, target):
                target = None
        for key in _NOT_FOR[kind]:
            if section.has(key):
                section.reader.error(
                    section.key_line(key),
                    f"{section.path}.{key}",
                    f"does not apply to a {kind.value} probe",
                )
    interval = section.duration("interval", default_interval, positive=True) or default_interval
    if interval <= 0:
        section.get("interval").fail("must be more than 0")  # type: ignore[union-attr]
        interval = default_interval
    http = read_http_options(section, default_timeout=3.0)
    tls_field = section.get("tls")
    grpc_tls = tls_field is not None and tls_field.value is not False
    expect = section.get("expect_status")
    latency_warn = section.duration("latency_warn", None)
    status_field = section.get("status_map")
    runbook_field = section.get("runbook")
    probe_service = section.text("service", "") or ""
    expect_status = _expect_status(expect) if expect else ()
    status_words = _status_map(status_field) if status_field else {}
    runbook = check_runbook_ref(runbook_field) if runbook_field else None
    hold = section.duration("for", 0.0) or 0.0
    if name is None or kind is None or target is None:
        return None
    from oncall_tui.config.optional_model import HealthProbe

    return HealthProbe(
        name=name,
        kind=kind,
        target=target,
        grpc_service=probe_service,
        interval=interval,
        http=http,
        grpc_tls=grpc_tls and kind is ProbeKind.GRPC,
        expect_status=expect_status,
        latency_warn=latency_warn,
        hold=hold,
        status_words=status_words,
        runbook=runbook,
        line=found.line,
    )


def read_kubernetes(found: Field) -> KubernetesTarget | None:
    section = found.as_section()
    if section is None:
        return None
    section.check_keys(KUBERNETES_KEYS)
    namespace_field, selector_field = section.require("namespace"), section.require("selector")
    namespace = namespace_field.as_str() if namespace_field else None
    selector = selector_field.as_str() if selector_field else None
    context = section.text("context", None)
    restart_warn = section.integer("restart_warn", 0, minimum=0)
    interval = section.duration("interval", 15.0, positive=True) or 15.0
    timeout = section.duration("timeout", 5.0, positive=True) or 5.0
    if namespace is None or selector is None:
        return None
    from oncall_tui.config.optional_model import KubernetesTarget

    return KubernetesTarget(
        namespace=namespace,
        selector=selector,
        context=context,
        restart_warn=restart_warn,
        interval=interval,
        timeout=timeout,
        max_body=read_max_body(section.get("max_body")),
    )


def _pick_datasource(section: Section, datasources: Collection[str], needs_one: bool) -> str:
    """The service's datasource: named, or implied by there being one (or one `default`)."""
    found = section.get("datasource")
    if found is not None:
        name = found.as_str()
        if name is None:
            return ""
        if name not in datasources:
            near = suggest(name, datasources)
            hint = f"; did you mean {near!r}?" if near else ""
            known = ", ".join(datasources) or "none"
            found.fail(f"unknown datasource {name!r}{hint} (defined: {known})")
        return name
    if len(datasources) == 1:
        return next(iter(datasources))
    if "default" in datasources:
        return "default"
    if needs_one:
        if not datasources:
            section.fail("has KPIs but no datasources are defined")
        else:
            section.fail(
                "missing required key 'datasource' (there are several datasources "
                "and none is named 'default')"
            )
    return ""


def _read_vars(section: Section) -> dict[str, str]:
    found = section.get("vars")
    if found is None:
        return {}
    variables = found.as_str_map() or {}
    for name in list(variables):
        if not _IDENTIFIER.fullmatch(name):
            line = found.value.key_lines.get(name, found.line)
            section.reader.error(
                line,
                f"{section.path}.vars.{name}",
                "a var name must be an identifier (a-z, 0-9, _)",
            )
            del variables[name]
    return variables


def read_service(
    name: str,
    found: Field,
    datasources: Collection[str],
    refresh: float,
    line: int,
    incident_base: IncidentPolicy | None = None,
) -> Service | None:
    """The service under `found`; its `incidents:` changes `incident_base` (the config's
    policy, default: the built-in one)."""
    section = found.as_section()
    if section is None:
        return None
    section.check_keys(SERVICE_KEYS)
    title = section.text("title", name) or name
    variables = _read_vars(section)
    runbook_field = section.get("runbook")
    runbook = check_runbook_ref(runbook_field) if runbook_field else None

    kpis: dict[str, Kpi] = {}
    kpis_section = section.section("kpis") if section.has("kpis") else None
    for key in kpis_section.keys() if kpis_section else []:
        kpi_field = kpis_section.get(key)  # type: ignore[union-attr]
        assert kpi_field is not None and kpis_section is not None
        if key not in STANDARD_KPIS:
            near = suggest(str(key), STANDARD_KPIS)
            hint = f"did you mean {near!r}? " if near else ""
            kpi_field.reader.error(
                kpis_section.key_line(key),
                kpi_field.path,
                f"unknown KPI {str(key)!r}; {hint}(standard KPIs: {', '.join(STANDARD_KPIS)}; "
                "use panels: for any other)",
            )
            continue
        kpi_section = kpi_field.as_section()
        if kpi_section is None:
            continue
        kpi = read_kpi(
            kpi_section,
            key,
            custom=False,
            variables=variables,
            default_interval=refresh,
            line=kpis_section.key_line(key),
        )
        if kpi is not None:
            kpis[key] = kpi

    panels: list[Kpi] = []
    panels_field = section.get("panels")
    for item in (panels_field.as_list() or []) if panels_field and panels_field.value else []:
        panel_section = item.as_section()
        if panel_section is None:
            continue
        key_field = panel_section.get("key")
        title_text = panel_section.data.get("title")
        key = key_field.as_str() if key_field else None
        if key is None:
            key = panel_key(str(title_text or ""))
        if key in kpis or any(p.key == key for p in panels) or key in STANDARD_KPIS:
            (key_field or item).fail(
                f"panel key {key!r} is already used in this service (set a distinct key:)"
            )
        panel = read_kpi(
            panel_section,
            key,
            custom=True,
            variables=variables,
            default_interval=refresh,
            line=item.line,
        )
        if panel is not None:
            panels.append(panel)

    probes: list[HealthProbe] = []
    health_field = section.get("health")
    for item in (health_field.as_list() or []) if health_field and health_field.value else []:
        probe = read_probe(item, refresh)
        if probe is None:
            continue
        if any(p.name == probe.name for p in probes):
            item.fail(f"a probe named {probe.name!r} is already defined in this service")
            continue
        probes.append(probe)

    kube_field = section.get("kubernetes")
    kubernetes = read_kubernetes(kube_field) if kube_field else None
    alert_match = section.str_map("alert_match")
    slos_field = section.get("slos")
    slos: tuple[Slo, ...] = ()
    if slos_field is not None:  # the SLO reader and model are loaded for a config with SLOs
        from oncall_tui.config.slos import read_slos

        slos = read_slos(slos_field, variables, refresh)
    # the default `up{job="$job"}` only where the service reads Prometheus anyway
    targets = read_targets(
        section.get("up"), variables, refresh, default=bool(kpis or panels or slos)
    )
    if targets is not None and any(p.key == TARGETS_KEY for p in panels):
        section.get("panels").fail(  # type: ignore[union-attr]
            f"panel key {TARGETS_KEY!r} is the scrape-health check of up: (set another key:)"
        )
        targets = None
    datasource = _pick_datasource(section, datasources, needs_one=bool(kpis or panels or slos))
    incidents_field = section.get("incidents")
    incidents = None
    if incidents_field:
        from oncall_tui.config.incidents import read_policy

        incidents = read_policy(incidents_field, incident_base)
    return Service(
        name=name,
        title=title,
        datasource=datasource,
        vars=variables,
        runbook=runbook,
        kpis=tuple(kpis[k] for k in STANDARD_KPIS if k in kpis),
        panels=tuple(panels),
        health=tuple(probes),
        kubernetes=kubernetes,
        alert_match=alert_match,
        incidents=incidents,
        line=line,
        slos=slos,
        targets=targets,
    )
