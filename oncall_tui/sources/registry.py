"""Builds the sources a config needs. Each source module is imported only when used."""

from __future__ import annotations

import time
from collections.abc import Callable

from oncall_tui.config.model import Config
from oncall_tui.sources.base import Source


def build_sources(
    config: Config,
    clock: Callable[[], float] = time.time,
    *,
    seed: int | None = None,
    blocking: bool = False,
) -> list[Source]:
    """One source per datasource, plus probes, Kubernetes and alerts where configured.

    `blocking`: HTTP on the blocking client, for one poll run with no event loop (a
    one-shot `oncall status`; see `sources.tasks` and `supports_blocking`)."""
    sources: list[Source] = []
    services = list(config.services.values())
    for ds in config.datasources.values():
        users = [s for s in services if s.datasource == ds.name]
        if ds.type == "prometheus":
            from oncall_tui.sources.prometheus import PrometheusSource

            sources.append(PrometheusSource(ds, users, clock, blocking=blocking))
        elif ds.type == "demo":
            from oncall_tui.sources.demo import DemoSource

            sources.append(DemoSource(config, clock, seed if seed is not None else 7))
    # The demo is chosen by the command (`demo_config()`), never guessed from the config: a
    # config with probes and no datasources at all still probes.
    if any(s.health for s in services) and not config.demo:
        from oncall_tui.sources.health import HealthSource

        sources.append(HealthSource(services, clock, blocking=blocking))
    if any(s.kubernetes for s in services) and not config.demo:
        from oncall_tui.sources.kubernetes import KubernetesSource

        sources.append(KubernetesSource(services, clock))
    has_prometheus = any(ds.type == "prometheus" for ds in config.datasources.values())
    if config.alertmanager is not None or has_prometheus:
        from oncall_tui.sources.alerts import AlertSource

        alerts = AlertSource(config, clock, blocking=blocking)
        if has_prometheus:
            _share_prometheus_client(alerts, sources)
        sources.append(alerts)
    return sources


def supports_blocking(config: Config) -> bool:
    """Whether every source of `config` can poll with no event loop: all but gRPC probes
    (grpc.aio) and Kubernetes (its client's threads are run from asyncio), and the demo."""
    if config.demo or any(ds.type != "prometheus" for ds in config.datasources.values()):
        return False
    from oncall_tui.config.model import ProbeKind

    for service in config.services.values():
        if service.kubernetes or any(p.kind is ProbeKind.GRPC for p in service.health):
            return False
    return True


def _share_prometheus_client(alerts: Source, sources: list[Source]) -> None:
    """Alerts read from a Prometheus that a datasource already queries: one client for both
    (one connection pool to that server, one client to build)."""
    from oncall_tui.sources.alerts import AlertSource
    from oncall_tui.sources.prometheus import PrometheusSource

    if not isinstance(alerts, AlertSource):
        return
    for source in sources:
        if isinstance(source, PrometheusSource):
            ds = source.datasource
            if alerts.share_client(ds.url, ds.http, source.client.http):
                return
