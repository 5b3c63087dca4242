"""`AlertSource`: one job that fetches every alert and reports it per service.

Where the alerts come from, first that applies:
- `alertmanager:` configured: Alertmanager `/api/v2/alerts` (with silenced and inhibited);
- `rules:` files configured: their alert rules, evaluated with instant queries;
- else Prometheus `/api/v1/alerts` of the default (or first) datasource.

Each service gets one check `NAME.alerts.alerts` (value: its firing count; status: crit
when a firing alert is critical, warn when any other fires, ok otherwise; detail: its
alerts as `ServiceAlerts`). The full list, "other" included, is the dashboard's
`ALERT_LIST` record (`snapshot.extras.alerts`). A failed fetch reports a FetchError on
every one of those, so alerts go stale while the rest of the dashboard carries on.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from oncall_tui.config.model import Config, Datasource, HttpOptions
from oncall_tui.sources.alerts import alertmanager, prometheus_alerts
from oncall_tui.sources.alerts.observations import (  # noqa: F401 - re-exported
    ALERT_LIST,
    ALERTS_KEY,
    alert_check,
    failed_observations,
    observations_of,
    service_status,
)
from oncall_tui.sources.alerts.records import AlertList
from oncall_tui.sources.base import (
    CheckId,
    DashboardRecord,
    FetchFailed,
    Job,
    JobRun,
    Observation,
    Series,
    Source,
)
from oncall_tui.sources.http_client import answers_ready, classify_exception, make_client

if TYPE_CHECKING:
    # `rules:` mode's evaluator (and its rule-file reader) is loaded only in that mode
    from oncall_tui.sources.alerts.rules_state import QueryFn, RulesEvaluator
    from oncall_tui.sources.http_client import AnyClient

MODE_ALERTMANAGER = "alertmanager"
MODE_PROMETHEUS = "prometheus alerts"
MODE_RULES = "prometheus rules"


def default_datasource(config: Config) -> Datasource | None:
    """The datasource named `default`, else the first Prometheus one."""
    candidates = [ds for ds in config.datasources.values() if ds.type == "prometheus"]
    named = [ds for ds in candidates if ds.name == "default"]
    return next(iter(named or candidates), None)


def _prometheus_query(
    datasource: Datasource, *, blocking: bool = False
) -> tuple[QueryFn, Callable[[], object]]:
    """An instant-query function on `datasource`, and how to close it."""
    from oncall_tui.sources.prometheus import PrometheusClient

    client = PrometheusClient(datasource, blocking=blocking)

    async def query(expr: str) -> Sequence[Series]:
        return await client.query(expr)

    return query, client.aclose


class AlertSource(Source):
    """Alerts of every service, from Alertmanager, `rules:` files or Prometheus."""

    def __init__(
        self,
        config: Config,
        clock: Callable[[], float] = time.time,
        *,
        query: QueryFn | None = None,  # tests may evaluate rules without a PrometheusClient
        blocking: bool = False,  # the blocking client of a one-shot command
    ) -> None:
        self._blocking = blocking
        self._secrets = config.secrets()  # the config is frozen: they never change
        self._config = config
        self._clock = clock
        self._services = tuple(config.services.values())
        self._names = tuple(config.services)
        self._client: AnyClient | None = None
        self._shared = False  # the client is another source's (see share_client)
        self._closers: list[Callable[[], object]] = []
        self._evaluator: RulesEvaluator | None = None
        self._base_url = ""
        self._http = HttpOptions()
        self.interval = config.refresh
        datasource = default_datasource(config)
        if config.alertmanager is not None:
            self.mode: str | None = MODE_ALERTMANAGER
            self._base_url = config.alertmanager.url.rstrip("/")
            self._http = config.alertmanager.http
            self.interval = config.alertmanager.interval
        elif config.rules and (datasource is not None or query is not None):
            self.mode = MODE_RULES
            if datasource is not None:
                self._http = datasource.http
            if query is None:
                assert datasource is not None
                query, closer = _prometheus_query(datasource, blocking=blocking)
                self._closers.append(closer)
            from oncall_tui.sources.alerts.rules_state import RulesEvaluator, load_rules

            rules, problems = load_rules(config.rules)
            self._evaluator = RulesEvaluator(rules, self._services, query, problems)
        elif datasource is not None:
            self.mode = MODE_PROMETHEUS
            self._base_url = datasource.url.rstrip("/")
            self._http = datasource.http
        else:
            self.mode = None
        self.name = self.mode or "alerts"

    @property
    def checks(self) -> tuple[CheckId | DashboardRecord, ...]:
        return (*(alert_check(n) for n in self._names), ALERT_LIST)

    def jobs(self) -> Sequence[Job]:
        if self.mode is None:
            return []
        timeout = self._http.timeout + 2.0
        if self.mode == MODE_RULES and self._evaluator is not None:
            # rules are queried a few at a time: allow a few rounds of the query timeout
            rounds = max(1, -(-len(self._evaluator.rules) // 4))
            timeout = self._http.timeout * rounds + 2.0
        return [
            Job(
                key=f"alerts:{self.mode}",
                interval=self.interval,
                run=_PollRun(self),
                checks=self.checks,
                timeout=timeout,
                source=self.name,
            )
        ]

    async def fetch(self) -> AlertList:
        """One fetch of every alert; raises FetchFailed."""
        now = self._clock()
        errors: tuple[str, ...] = ()
        if self.mode == MODE_RULES:
            assert self._evaluator is not None
            alerts, errors = await self._evaluator.evaluate(now)
        elif self.mode == MODE_ALERTMANAGER:
            alerts = await alertmanager.fetch_alerts(
                self._http_client(), self._services, self._secrets, now, self._http.max_body
            )
        else:
            alerts = await prometheus_alerts.fetch_alerts(
                self._http_client(), self._services, self._secrets, self._http.max_body
            )
        return AlertList(alerts=alerts, source=self.name, fetched_at=now, errors=errors)

    async def poll(self) -> list[Observation]:
        """The job: observations for every service, or FetchErrors for all of them."""
        try:
            alert_list = await self.fetch()
        except FetchFailed as exc:
            return failed_observations(exc.error, self._names)
        except Exception as exc:
            httpx = sys.modules.get("httpx")  # no httpx error without httpx loaded
            if httpx is None or not isinstance(exc, httpx.HTTPError):
                raise
            return failed_observations(classify_exception(exc, self._secrets), self._names)
        return observations_of(alert_list, self._names)

    def _http_client(self) -> AnyClient:
        if self._client is None:
            self._client = make_client(self._http, base_url=self._base_url, blocking=self._blocking)
        return self._client

    def share_client(self, base_url: str, http: HttpOptions, client: AnyClient) -> bool:
        """Use `client` (another source's, which closes it) when it talks to the same base
        URL with the same options: one connection pool per server, one client to build."""
        if self.mode != MODE_PROMETHEUS or self._client is not None:
            return False
        if base_url.rstrip("/") != self._base_url or http != self._http:
            return False
        self._client = client
        self._shared = True
        return True

    @property
    def has_readiness(self) -> bool:  # type: ignore[override]
        return self.mode != MODE_RULES

    async def ready(self) -> bool:
        return await answers_ready(self._http_client(), self._http.timeout, self._secrets)

    async def aclose(self) -> None:
        if self._client is not None:
            if not self._shared:
                await self._client.aclose()
            self._client = None
        for closer in self._closers:
            result = closer()
            if hasattr(result, "__await__"):
                await result  # type: ignore[misc]
        self._closers.clear()


class _PollRun(JobRun):
    """The source's one job: every alert, matched to every service."""

    def __init__(self, source: AlertSource) -> None:
        self._source = source

    async def __call__(self) -> Sequence[Observation]:
        return await self._source.poll()
