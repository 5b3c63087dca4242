"""HealthSource: every configured probe of every service as one job of the "health" source."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from oncall_tui.config.model import HealthProbe, HttpOptions, ProbeKind, Service
from oncall_tui.sources.base import (
    CheckId,
    CheckKind,
    ErrorKind,
    FetchError,
    Job,
    JobRun,
    Observation,
    Reading,
    Source,
)
from oncall_tui.sources.health.http_probe import probe_http
from oncall_tui.sources.health.probe_loop import ProbeLoop
from oncall_tui.sources.health.records import ProbeResult
from oncall_tui.sources.health.tcp_probe import probe_tcp
from oncall_tui.sources.health.verdict import failed_result
from oncall_tui.sources.http_client import is_plain_http, make_client

if TYPE_CHECKING:
    from oncall_tui.sources.http_client import AnyClient


class HealthSource(Source):
    """Runs HTTP, gRPC and TCP probes; each run is one Reading whatever the answer.

    A probe that got no answer is still a Reading (status crit, the FetchError kept in its
    ProbeResult): the probe worked and the answer is "down". Only a probe that cannot run as
    configured (the grpc extra missing, a bad target) is reported as a FetchError.
    """

    name = "health"

    def __init__(
        self, services: Sequence[Service], clock: Callable[[], float], *, blocking: bool = False
    ) -> None:
        self._services = tuple(services)
        self._clock = clock
        # a one-shot command's probes: the blocking client on threads (`sources.tasks`)
        self._blocking = blocking
        # HttpOptions holds a dict, so it is not hashable: clients are found by equality.
        # Plain-http probes get their own client, which builds no TLS context.
        self._clients: list[tuple[HttpOptions, bool, AnyClient]] = []
        # HTTP and TCP probes run (and their clients live) on a loop of their own, so that
        # a busy app loop is not counted in their latency (with no loop, they run as called)
        self._loop = ProbeLoop()

    def jobs(self) -> Sequence[Job]:
        return [
            Job(
                key=f"health:{service.name}:{probe.name}",
                interval=probe.interval,
                run=_ProbeRun(self, check, probe),
                checks=(check,),
                timeout=probe.http.timeout + 1.0,
                source=self.name,
                backoff=False,  # a probe is as cheap as a readiness check would be
            )
            for service in self._services
            for probe in service.health
            for check in (CheckId(service.name, CheckKind.HEALTH, probe.name),)
        ]

    async def observe(self, check: CheckId, probe: HealthProbe) -> Observation:
        """Run one probe once and turn its result into the engine's Observation."""
        at = self._clock()
        result = await self.run_probe(probe)
        if result.error is not None and result.error.kind is ErrorKind.CONFIG:
            return Observation(check, result.error)
        return Observation(
            check, Reading(at=at, value=result.latency, status=result.status, detail=result)
        )

    async def run_probe(self, probe: HealthProbe) -> ProbeResult:
        if probe.kind is ProbeKind.GRPC:
            from oncall_tui.sources.health.grpc_probe import probe_grpc

            return await probe_grpc(probe)  # grpc.aio keeps to the loop it started on
        return await self._loop.run(lambda: self._probe_here(probe))

    async def _probe_here(self, probe: HealthProbe) -> ProbeResult:
        """On the probes' loop."""
        if probe.kind is ProbeKind.HTTP:
            try:
                client = self._client(probe.http, is_plain_http(probe.target))
            except OSError as exc:  # unreadable CA, cert or key file (ssl.SSLError is one)
                error = FetchError(ErrorKind.CONFIG, f"TLS files of probe '{probe.name}': {exc}")
                return failed_result(probe, error)
            return await probe_http(client, probe)
        return await probe_tcp(probe)

    def _client(self, options: HttpOptions, plain: bool) -> AnyClient:
        for known, known_plain, client in self._clients:
            if known_plain == plain and known == options:
                return client
        client = make_client(options, blocking=self._blocking, plain_http=plain)
        if self._blocking and not plain:
            client.tls_context()  # type: ignore[union-attr]  # its files' errors, here
        self._clients.append((options, plain, client))
        return client

    async def aclose(self) -> None:
        async def close_clients() -> None:
            clients, self._clients = self._clients, []
            for _, _, client in clients:
                await client.aclose()

        await self._loop.close(close_clients)


class _ProbeRun(JobRun):
    """The job of one probe: one Observation, whatever the answer."""

    def __init__(self, source: HealthSource, check: CheckId, probe: HealthProbe) -> None:
        self._source = source
        self._check = check
        self._probe = probe

    async def __call__(self) -> Sequence[Observation]:
        return [await self._source.observe(self._check, self._probe)]
