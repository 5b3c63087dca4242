"""The Kubernetes source: one job per (context, namespace), shared by the services in it.

Each tick lists pods, Deployments, ReplicaSets, StatefulSets and Warning events of the
namespace once, then cuts each service's slice out by its label selector. The blocking client
runs in threads; its answers are bounded by the services' timeout, and the first tick's set-up
of the client (the import, the kubeconfig) by SETUP_TIMEOUT apart from it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from oncall_tui.config.model import KubernetesTarget, Service
from oncall_tui.sources.base import (
    CheckId,
    CheckKind,
    ErrorKind,
    FetchError,
    FetchFailed,
    Job,
    JobRun,
    Observation,
    Reading,
    Source,
)
from oncall_tui.sources.kubernetes.read import NamespaceLists, pod_key, read_workloads
from oncall_tui.sources.kubernetes.restarts import RestartTracker
from oncall_tui.sources.kubernetes.selector import Selector, SelectorError, parse_selector

#: seconds the first tick may take to set up a context's client, apart from the services'
#: timeout for the API server's answers
SETUP_TIMEOUT = 20.0

CHECK_KEY = "workloads"
# Listing these may be forbidden while pods are not: the panel then says what is missing
# instead of failing as a whole.
OPTIONAL_KINDS = ("deployments", "replicasets", "statefulsets", "events")


def check_id(service: str) -> CheckId:
    return CheckId(service, CheckKind.KUBERNETES, CHECK_KEY)


@dataclass(frozen=True)
class _Member:
    service: Service
    target: KubernetesTarget
    selector: Selector | None
    selector_error: str | None


class _Group:
    """The services of one (context, namespace) and what the source keeps between ticks."""

    def __init__(self, context: str | None, namespace: str, members: list[_Member]) -> None:
        self.context = context
        self.namespace = namespace
        self.members = members
        self.timeout = max(m.target.timeout for m in members)
        self.max_body = max(m.target.max_body for m in members)
        self.interval = min(m.target.interval for m in members)
        self.tracker = RestartTracker()

    @property
    def key(self) -> str:
        return f"kubernetes:{self.context or '-'}:{self.namespace}"


class KubernetesSource(Source):
    name = "kubernetes"

    def __init__(self, services: Sequence[Service], clock: Callable[[], float]) -> None:
        self._clock = clock
        groups: dict[tuple[str | None, str], list[_Member]] = {}
        for svc in services:
            target = svc.kubernetes
            if target is None:
                continue
            try:
                member = _Member(svc, target, parse_selector(target.selector), None)
            except SelectorError as exc:
                member = _Member(svc, target, None, str(exc))
            groups.setdefault((target.context, target.namespace), []).append(member)
        self._groups = [_Group(ctx, ns, members) for (ctx, ns), members in groups.items()]
        self._clients: dict[str | None, object] = {}  # context -> client.KubeClient
        self._locks: dict[str | None, asyncio.Lock] = {}

    def jobs(self) -> Sequence[Job]:
        return [
            Job(
                key=group.key,
                interval=group.interval,
                run=_GroupRun(self, group),
                checks=tuple(check_id(m.service.name) for m in group.members),
                # above our own bounds (the first tick's set-up, then the lists), so that
                # our TIMEOUT message is the one shown
                timeout=SETUP_TIMEOUT + group.timeout + 2.0,
                source=self.name,
            )
            for group in self._groups
        ]

    async def tick(self, group: _Group) -> list[Observation]:
        members = [m for m in group.members if m.selector is not None]
        errors = [
            Observation(
                check_id(m.service.name),
                FetchError(ErrorKind.CONFIG, f"selector {m.target.selector!r}: {m.selector_error}"),
            )
            for m in group.members
            if m.selector is None
        ]
        if not members:
            return errors
        try:
            # the client's set-up (importing the official client, reading the kubeconfig, an
            # exec credential plugin) is local work with its own bound: on a busy bastion the
            # import alone can take seconds, which must not read as a slow API server
            kube = await asyncio.wait_for(self._client(group.context), SETUP_TIMEOUT)
        except FetchFailed as failed:
            return errors + [Observation(check_id(m.service.name), failed.error) for m in members]
        except asyncio.TimeoutError:
            error = FetchError(
                ErrorKind.TIMEOUT,
                f"setting up the Kubernetes client for {_where(group)} took over "
                f"{SETUP_TIMEOUT:g} s (the kubeconfig or its credential plugin)",
            )
            return errors + [Observation(check_id(m.service.name), error) for m in members]
        try:
            lists = await asyncio.wait_for(self._fetch(group, kube), group.timeout)
        except FetchFailed as failed:
            return errors + [Observation(check_id(m.service.name), failed.error) for m in members]
        except asyncio.TimeoutError:
            error = FetchError(
                ErrorKind.TIMEOUT,
                f"API server of {_where(group)} did not answer within {group.timeout:g} s",
            )
            return errors + [Observation(check_id(m.service.name), error) for m in members]
        now = self._clock()
        observations = list(errors)
        for m in members:
            assert m.selector is not None
            workloads = read_workloads(
                m.service.name, m.target, m.selector, lists, now, group.tracker
            )
            observations.append(
                Observation(
                    check_id(m.service.name),
                    Reading(
                        at=now,
                        value=float(workloads.pods_ready),
                        status=workloads.status,
                        detail=workloads,
                    ),
                )
            )
        group.tracker.forget_except(_container_keys(lists))
        return observations

    async def _client(self, context: str | None):  # -> client.KubeClient
        lock = self._locks.setdefault(context, asyncio.Lock())
        async with lock:
            found = self._clients.get(context)
            if found is None:
                from oncall_tui.sources.kubernetes import client

                found = await asyncio.to_thread(client.connect, context)
                self._clients[context] = found
            return found

    async def _fetch(self, group: _Group, kube) -> NamespaceLists:  # kube: client.KubeClient
        kinds = ("pods", *OPTIONAL_KINDS)
        results = await asyncio.gather(
            *(
                asyncio.to_thread(kube.list, kind, group.namespace, group.timeout, group.max_body)
                for kind in kinds
            ),
            return_exceptions=True,
        )
        found: dict[str, list] = {}
        problems: list[str] = []
        for kind, result in zip(kinds, results, strict=True):
            if isinstance(result, FetchFailed):
                optional = kind in OPTIONAL_KINDS and result.error.kind in (
                    ErrorKind.AUTH,
                    ErrorKind.HTTP,
                )
                if not optional:
                    raise result
                problems.append(f"{kind}: {result.error.message}")
                found[kind] = []
            elif isinstance(result, BaseException):
                raise result
            else:
                found[kind] = result
        return NamespaceLists(problems=tuple(problems), **found)

    async def aclose(self) -> None:
        clients, self._clients = self._clients, {}
        for kube in clients.values():
            kube.close()  # type: ignore[attr-defined]


def _where(group: _Group) -> str:
    ns = f"namespace {group.namespace!r}"
    return f"context {group.context!r}, {ns}" if group.context else ns


def _container_keys(lists: NamespaceLists) -> set[tuple[str, str]]:
    """The tracker keys of every container listed in this tick (see read.pod_record)."""
    keys: set[tuple[str, str]] = set()
    for pod in lists.pods:
        key = pod_key(pod)
        status = pod.get("status") or {}
        for c in (status.get("containerStatuses") or []) + (
            status.get("initContainerStatuses") or []
        ):
            keys.add((key, str(c.get("name", ""))))
    return keys


class _GroupRun(JobRun):
    """The job of one (context, namespace): one list of each kind for all its services."""

    def __init__(self, source: KubernetesSource, group: _Group) -> None:
        self._source = source
        self._group = group

    async def __call__(self) -> Sequence[Observation]:
        return await self._source.tick(self._group)
