"""A local Kubernetes API server for tests: the list paths the official client calls, real JSON.

No cluster runs on CI machines, so this answers `/api/v1/namespaces/{ns}/pods`, `.../events`
and `/apis/apps/v1/namespaces/{ns}/{deployments,replicasets,statefulsets}` from objects kept
in memory, in the shapes the API server sends (kind: PodList, full pod status with
CrashLoopBackOff and OOMKilled, a Deployment mid-rollout, Warning events). Switchable modes:
403 and 401 with real `Status` bodies, and a slow mode that answers after the client's timeout.
A kubeconfig written to a temporary folder points the official client at it.
"""

from __future__ import annotations

import copy
import json
import socket
import threading
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import yaml

from .guard import check

TOKEN = "fake-kube-token-5f2a9c"  # tests assert it never shows in a message
NOW = 1_714_557_600.0  # 2024-05-01T10:00:00Z: the scenario's "now"

_LISTS = {
    ("api/v1", "pods"): ("PodList", "v1"),
    ("api/v1", "events"): ("EventList", "v1"),
    ("apis/apps/v1", "deployments"): ("DeploymentList", "apps/v1"),
    ("apis/apps/v1", "replicasets"): ("ReplicaSetList", "apps/v1"),
    ("apis/apps/v1", "statefulsets"): ("StatefulSetList", "apps/v1"),
}


def ts(t: float) -> str:
    """RFC 3339 in UTC, as the API server writes timestamps."""
    return datetime.fromtimestamp(t, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_body(code: int, reason: str, message: str, kind: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if kind:
        body["details"] = {"kind": kind}
    return body


def _meta(name: str, ns: str, created: float, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": ns,
        "uid": f"uid-{ns}-{name}",
        "resourceVersion": "4711",
        "creationTimestamp": ts(created),
        **extra,
    }


def owner(kind: str, name: str, api: str = "apps/v1") -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": api,
            "kind": kind,
            "name": name,
            "uid": f"uid-{name}",
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]


def container(
    name: str,
    *,
    ready: bool = True,
    restarts: int = 0,
    waiting: str | None = None,
    last: tuple[str, int, float] | None = None,  # (reason, exit code, finishedAt)
    started: float = NOW - 86_400,
) -> dict[str, Any]:
    if waiting:
        state: dict[str, Any] = {
            "waiting": {"reason": waiting, "message": f"back-off 5m0s restarting failed {name}"}
        }
    else:
        state = {"running": {"startedAt": ts(started)}}
    status: dict[str, Any] = {
        "name": name,
        "state": state,
        "lastState": {},
        "ready": ready,
        "restartCount": restarts,
        "image": f"registry.example/{name}:1.4.2",
        "imageID": f"registry.example/{name}@sha256:{'ab' * 32}",
        "containerID": f"containerd://{'c' * 64}",
        "started": not waiting,
    }
    if last:
        reason, code, finished = last
        status["lastState"] = {
            "terminated": {
                "exitCode": code,
                "reason": reason,
                "startedAt": ts(finished - 120),
                "finishedAt": ts(finished),
                "containerID": f"containerd://{'d' * 64}",
            }
        }
    return status


def pod(
    name: str,
    ns: str,
    labels: Mapping[str, str],
    owner_refs: list[dict[str, Any]],
    containers: list[dict[str, Any]],
    *,
    created: float = NOW - 2 * 86_400,
    node: str = "node-a",
    phase: str = "Running",
) -> dict[str, Any]:
    ready = all(c["ready"] for c in containers)
    cond = "True" if ready else "False"
    return {
        "metadata": _meta(
            name,
            ns,
            created,
            labels=dict(labels),
            ownerReferences=owner_refs,
            generateName=name.rsplit("-", 1)[0] + "-",
        ),
        "spec": {
            "nodeName": node,
            "containers": [{"name": c["name"], "image": c["image"]} for c in containers],
            "restartPolicy": "Always",
        },
        "status": {
            "phase": phase,
            "conditions": [
                {"type": "Initialized", "status": "True"},
                {"type": "Ready", "status": cond},
                {"type": "ContainersReady", "status": cond},
                {"type": "PodScheduled", "status": "True"},
            ],
            "hostIP": "10.0.0.11",
            "podIP": "10.244.1.17",
            "startTime": ts(created),
            "containerStatuses": containers,
            "qosClass": "Burstable",
        },
    }


def deployment(
    name: str,
    ns: str,
    *,
    replicas: int,
    updated: int,
    ready: int,
    available: int,
    generation: int = 7,
    observed: int = 7,
    revision: int = 4,
    total: int | None = None,
) -> dict[str, Any]:
    labels = {"app": name}
    status: dict[str, Any] = {
        "observedGeneration": observed,
        "replicas": replicas if total is None else total,
        "updatedReplicas": updated,
        "readyReplicas": ready,
        "availableReplicas": available,
        "conditions": [
            {"type": "Available", "status": "True" if available >= replicas else "False"},
            {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated"},
        ],
    }
    if replicas - available > 0:
        status["unavailableReplicas"] = replicas - available
    return {
        "metadata": _meta(
            name,
            ns,
            NOW - 30 * 86_400,
            generation=generation,
            labels=labels,
            annotations={"deployment.kubernetes.io/revision": str(revision)},
        ),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": name}]}},
            "strategy": {"type": "RollingUpdate"},
        },
        "status": status,
    }


def replicaset(name: str, ns: str, deployment_name: str, replicas: int, revision: int) -> dict:
    return {
        "metadata": _meta(
            name,
            ns,
            NOW - revision * 3600,
            labels={"app": deployment_name},
            annotations={"deployment.kubernetes.io/revision": str(revision)},
            ownerReferences=owner("Deployment", deployment_name),
        ),
        "spec": {"replicas": replicas},
        "status": {"replicas": replicas, "readyReplicas": replicas, "observedGeneration": 1},
    }


def statefulset(name: str, ns: str, replicas: int, ready: int) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "metadata": _meta(name, ns, NOW - 60 * 86_400, generation=2, labels=labels),
        "spec": {
            "replicas": replicas,
            "serviceName": name,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}},
        },
        "status": {
            "observedGeneration": 2,
            "replicas": replicas,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "currentReplicas": replicas,
            "updatedReplicas": replicas,
            "currentRevision": f"{name}-5d4f8",
            "updateRevision": f"{name}-5d4f8",
        },
    }


def event(
    name: str,
    ns: str,
    kind: str,
    obj: str,
    reason: str,
    message: str,
    *,
    count: int,
    last: float,
    type_: str = "Warning",
) -> dict[str, Any]:
    return {
        "metadata": _meta(f"{obj}.{name}", ns, last - 600),
        "involvedObject": {"kind": kind, "namespace": ns, "name": obj, "apiVersion": "v1"},
        "reason": reason,
        "message": message,
        "source": {"component": "kubelet", "host": "node-a"},
        "firstTimestamp": ts(last - 600),
        "lastTimestamp": ts(last),
        "count": count,
        "type": type_,
        "reportingComponent": "kubelet",
    }


def scenario() -> dict[str, dict[str, list[dict[str, Any]]]]:
    """namespace -> kind -> items: cqar mid-rollout with a crash loop and an OOM kill,
    its database StatefulSet beside it, a healthy two-container arq, a dead bazaruto."""
    old, new = "cqar-6d8f7b9c5", "cqar-84b5c6d7f9"
    cqar = {"app": "cqar", "tier": "api"}
    crash = "cqar-84b5c6d7f9-tq9zw"
    objects: dict[str, dict[str, list[dict[str, Any]]]] = {
        "cqar": {
            "pods": [
                pod(f"{old}-x2x7q", "cqar", cqar, owner("ReplicaSet", old), [container("cqar")]),
                pod(
                    f"{old}-k8m2p",
                    "cqar",
                    cqar,
                    owner("ReplicaSet", old),
                    [container("cqar", restarts=5, last=("OOMKilled", 137, NOW - 600))],
                    node="node-b",
                ),
                pod(
                    crash,
                    "cqar",
                    cqar,
                    owner("ReplicaSet", new),
                    [
                        container(
                            "cqar",
                            ready=False,
                            restarts=4,
                            waiting="CrashLoopBackOff",
                            last=("Error", 1, NOW - 30),
                        )
                    ],
                    created=NOW - 300,
                ),
                pod(
                    "cqar-db-0",
                    "cqar",
                    {"app": "cqar-db"},
                    owner("StatefulSet", "cqar-db"),
                    [container("postgres")],
                ),
            ],
            "deployments": [
                deployment("cqar", "cqar", replicas=3, updated=1, ready=2, available=2, revision=4)
            ],
            "replicasets": [
                replicaset(old, "cqar", "cqar", 2, 3),
                replicaset(new, "cqar", "cqar", 1, 4),
                replicaset("cqar-5c4b3a291", "cqar", "cqar", 0, 2),
            ],
            "statefulsets": [statefulset("cqar-db", "cqar", 1, 1)],
            "events": [
                event(
                    "1",
                    "cqar",
                    "Pod",
                    crash,
                    "BackOff",
                    "Back-off restarting failed container cqar in pod " + crash,
                    count=12,
                    last=NOW - 20,
                ),
                event(
                    "2",
                    "cqar",
                    "Pod",
                    crash,
                    "Unhealthy",
                    "Readiness probe failed: HTTP probe failed with statuscode: 503",
                    count=30,
                    last=NOW - 90,
                ),
                event(
                    "3",
                    "cqar",
                    "ReplicaSet",
                    new,
                    "FailedCreate",
                    'pods "cqar-84b5c6d7f9-zz" is forbidden: exceeded quota: compute',
                    count=3,
                    last=NOW - 45,
                ),
                event(
                    "4",
                    "cqar",
                    "Pod",
                    f"{old}-x2x7q",
                    "FailedScheduling",
                    "0/3 nodes are available: 3 Insufficient memory.",
                    count=1,
                    last=NOW - 7200,  # older than an hour: not recent
                ),
                event(
                    "5",
                    "cqar",
                    "Pod",
                    crash,
                    "Pulled",
                    "Container image already present on machine",
                    count=5,
                    last=NOW - 25,
                    type_="Normal",
                ),
                event(
                    "6",
                    "cqar",
                    "Pod",
                    "cqar-db-0",
                    "Unhealthy",
                    "Liveness probe failed: connection refused",
                    count=2,
                    last=NOW - 100,
                ),
            ],
        },
        "arq": {
            "pods": [
                pod(
                    f"arq-7f9c8d6b5-{suffix}",
                    "arq",
                    {"app": "arq"},
                    owner("ReplicaSet", "arq-7f9c8d6b5"),
                    [container("arq"), container("envoy")],
                )
                for suffix in ("a1b2c", "d3e4f")
            ],
            "deployments": [deployment("arq", "arq", replicas=2, updated=2, ready=2, available=2)],
            "replicasets": [replicaset("arq-7f9c8d6b5", "arq", "arq", 2, 4)],
            "statefulsets": [],
            "events": [],
        },
        "bazaruto": {
            "pods": [
                pod(
                    "bazaruto-59d7c8f6b4-p0q9r",
                    "bazaruto",
                    {"app": "bazaruto"},
                    owner("ReplicaSet", "bazaruto-59d7c8f6b4"),
                    [container("bazaruto", ready=False, waiting="ImagePullBackOff")],
                    phase="Pending",
                    created=NOW - 900,
                )
            ],
            "deployments": [
                deployment("bazaruto", "bazaruto", replicas=2, updated=2, ready=0, available=0)
            ],
            "replicasets": [replicaset("bazaruto-59d7c8f6b4", "bazaruto", "bazaruto", 2, 9)],
            "statefulsets": [],
            "events": [],
        },
    }
    return objects


class FakeKube:
    """The API server. `mode`: "ok", "forbidden" (403), "unauthorized" (401), "slow"."""

    def __init__(self) -> None:
        self.objects = scenario()
        self.mode = "ok"
        self.forbid: set[str] = set()  # kinds answered with 403 while others succeed
        self.delay = 30.0  # seconds the slow mode waits before answering
        self.requests: list[tuple[str, str, dict[str, list[str]]]] = []  # (ns, kind, query)
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self  # type: ignore[attr-defined]
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> FakeKube:
        check("the fake Kubernetes API")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()  # wake handlers sleeping in slow mode
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def copy_namespace(self, source: str, target: str) -> None:
        """Serve `source`'s objects under `target` too (names the API would refuse included)."""
        items = copy.deepcopy(self.objects[source])
        for objs in items.values():
            for obj in objs:
                obj["metadata"]["namespace"] = target
        self.objects[target] = items

    def calls(self, kind: str | None = None) -> list[tuple[str, str]]:
        with self._lock:
            return [(ns, k) for ns, k, _ in self.requests if kind is None or k == kind]

    def write_kubeconfig(
        self,
        path: Path,
        contexts: Mapping[str, str] | None = None,
        current: str | None = "prod",
        dead_port: int | None = None,
    ) -> Path:
        """A kubeconfig with a token user and `contexts` (name -> default namespace), plus a
        context "dead" whose server refuses connections when `dead_port` is given."""
        contexts = dict(contexts or {"prod": "cqar", "staging": "arq"})
        clusters = [{"name": "fake", "cluster": {"server": self.url}}]
        entries = [
            {"name": name, "context": {"cluster": "fake", "user": "oncall-reader", "namespace": ns}}
            for name, ns in contexts.items()
        ]
        if dead_port is not None:
            clusters.append(
                {"name": "dead", "cluster": {"server": f"http://127.0.0.1:{dead_port}"}}
            )
            entries.append(
                {"name": "dead", "context": {"cluster": "dead", "user": "oncall-reader"}}
            )
        doc: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": clusters,
            "users": [{"name": "oncall-reader", "user": {"token": TOKEN}}],
            "contexts": entries,
            "preferences": {},
        }
        if current:
            doc["current-context"] = current
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        return path

    def _answer(self, path: str, query: dict[str, list[str]], auth: str) -> tuple[int, dict]:
        parts = [unquote(p) for p in path.strip("/").split("/")]
        # api/v1/namespaces/NS/KIND or apis/apps/v1/namespaces/NS/KIND
        if len(parts) == 5 and parts[:3] == ["api", "v1", "namespaces"]:
            group, ns, kind = "api/v1", parts[3], parts[4]
        elif len(parts) == 6 and parts[:4] == ["apis", "apps", "v1", "namespaces"]:
            group, ns, kind = "apis/apps/v1", parts[4], parts[5]
        else:
            return 404, status_body(
                404, "NotFound", "the server could not find the requested resource"
            )
        if (group, kind) not in _LISTS:
            return 404, status_body(
                404, "NotFound", "the server could not find the requested resource"
            )
        with self._lock:
            self.requests.append((ns, kind, query))
        if self.mode == "slow":
            self._release.wait(self.delay)
        if self.mode == "unauthorized" or auth != f"Bearer {TOKEN}":
            return 401, status_body(401, "Unauthorized", "Unauthorized")
        if self.mode == "forbidden" or kind in self.forbid:
            api_group = "" if group == "api/v1" else "apps"
            message = (
                f'{kind} is forbidden: User "system:serviceaccount:ops:oncall" cannot list '
                f'resource "{kind}" in API group "{api_group}" in the namespace "{ns}"'
            )
            return 403, status_body(403, "Forbidden", message, kind)
        list_kind, api_version = _LISTS[(group, kind)]
        items = copy.deepcopy(self.objects.get(ns, {}).get(kind, []))
        for item in items:
            item.setdefault("kind", list_kind.removesuffix("List"))
            item.setdefault("apiVersion", api_version)
        return 200, {
            "kind": list_kind,
            "apiVersion": api_version,
            "metadata": {"resourceVersion": "4711"},
            "items": items,
        }


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        fake: FakeKube = self.server.fake  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        code, body = fake._answer(
            url.path, parse_qs(url.query), self.headers.get("Authorization", "")
        )
        data = json.dumps(body).encode()
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (slow mode): nobody is left to answer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """Quiet: pytest shows the test's own output."""


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def fake_kube() -> Iterator[FakeKube]:
    server = FakeKube().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def kubeconfig(fake_kube: FakeKube, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A kubeconfig for the fake API server, named by $KUBECONFIG."""
    path = fake_kube.write_kubeconfig(tmp_path / "kubeconfig", dead_port=closed_port())
    monkeypatch.setenv("KUBECONFIG", str(path))
    return path
