"""Commands ready to paste: kubectl lines get the service's --context and -n, probes fill
their host and port, and the runbook opened from a panel fills the service's unhealthy pod."""

from __future__ import annotations

import pytest

from oncall_tui.config.model import HealthProbe, KubernetesTarget, ProbeKind, Service
from oncall_tui.runbooks.kubectl_flags import add_kubectl_flags
from oncall_tui.runbooks.placeholders import context_for, fill, probe_values

SERVICE = Service(
    "cqar",
    "CQAR",
    "default",
    health=(
        HealthProbe("ready", ProbeKind.HTTP, "http://cqar.internal:8080/health/ready"),
        HealthProbe("grpc", ProbeKind.GRPC, "cqar-grpc.internal:9090"),
    ),
    kubernetes=KubernetesTarget("cqar-prod", "app=cqar", context="prod-eu"),
)


def knows_both(name: str) -> bool:
    return name in ("context", "namespace")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("kubectl get pods", "kubectl --context {{ context }} -n {{ namespace }} get pods"),
        ("kubectl -n other logs x", "kubectl --context {{ context }} -n other logs x"),
        ("kubectl --context=dr get pods -A", "kubectl --context=dr get pods -A"),
        (
            "kubectl get pods --namespace cqar",
            "kubectl --context {{ context }} get pods --namespace cqar",
        ),
        ("kubectl config use-context prod", "kubectl config use-context prod"),
        (
            "POD=$(kubectl get pods -o name | head -1)",
            "POD=$(kubectl --context {{ context }} -n {{ namespace }} get pods -o name | head -1)",
        ),
        ("echo kubectl is great", "echo kubectl is great"),
    ],
)
def test_kubectl_lines_get_the_context_and_namespace_they_do_not_name(line, expected):
    assert add_kubectl_flags(line, "bash", knows_both) == expected


def test_kubectl_flags_stay_out_of_non_shell_blocks_and_without_a_cluster():
    assert add_kubectl_flags("kubectl get pods", "yaml", knows_both) == "kubectl get pods"
    assert add_kubectl_flags("kubectl get pods", "bash", lambda _: False) == "kubectl get pods"


def test_a_filled_kubectl_command_names_the_services_cluster_and_marks_what_it_added():
    context = context_for(SERVICE, outside={"pod": "cqar-7d9f-abc12"})
    filled = fill("kubectl logs <pod> --tail=200\n", context, "bash")
    assert filled.text == "kubectl --context prod-eu -n cqar-prod logs cqar-7d9f-abc12 --tail=200\n"
    assert {s.name for s in filled.filled} == {"context", "namespace", "pod"}
    assert not filled.unfilled


def test_probe_hosts_and_ports_fill_grpc_host_and_the_like():
    values = probe_values(SERVICE)
    assert values["grpc_host"] == "cqar-grpc.internal" and values["grpc_port"] == "9090"
    assert values["ready_host"] == "cqar.internal" and values["http_port"] == "8080"
    assert values["host"] == "cqar.internal"
    filled = fill("grpcurl -plaintext <grpc_host>:<grpc_port> list\n", context_for(SERVICE), "bash")
    assert filled.text == "grpcurl -plaintext cqar-grpc.internal:9090 list\n"
    assert not filled.unfilled


async def test_the_runbook_opened_from_a_panel_fills_the_services_unhealthy_pod():
    from oncall_tui.sources.demo import INCIDENT_START
    from oncall_tui.sources.kubernetes.records import Workloads
    from oncall_tui.ui.headless import WARMUP, demo_app, replay
    from oncall_tui.ui.runbook.opened import open_pane
    from oncall_tui.ui.runbook.pane import RunbookPane
    from oncall_tui.ui.widgets.kpi_panel import KpiPanel

    app, clock = demo_app(seed=7, at=INCIDENT_START["cqar"] + 60, service="cqar")
    async with app.run_test(size=(120, 40)) as pilot:
        await replay(app, clock, WARMUP)
        for _ in range(60):
            await pilot.pause(0.05)
            if app.screen.query(KpiPanel):
                break
        app.screen.query(KpiPanel).first().focus()  # a panel, not the pods table
        await pilot.pause()
        assert isinstance(app.focused, KpiPanel)
        detail = next(
            c.detail for c in app.snapshot.service("cqar").checks if isinstance(c.detail, Workloads)
        )
        unhealthy = detail.first_unhealthy()
        assert unhealthy is not None
        await pilot.press("r")
        for _ in range(60):
            await pilot.pause(0.05)
            if open_pane(app) is not None:
                break
        pane = open_pane(app)
        assert isinstance(pane, RunbookPane)
        assert pane.context.lookup("pod") == (unhealthy.name, "outside")
        assert pane.context.lookup("namespace") is not None
