"""The workloads pane and the overview's pods column, through the fake Kubernetes API server.

The real official client reads a real kubeconfig (from the fixture) and lists the fake
server's pods, deployments and events; the app polls it like any other source.
"""

from __future__ import annotations

import asyncio
import shlex
import time
from pathlib import Path

import pytest
from servers.fake_kube import NOW, FakeKube
from textual.widgets import OptionList
from ui_builders import screen_text

from oncall_tui.config.model import Config, Datasource, KubernetesTarget, Service
from oncall_tui.sources.kubernetes import KubernetesSource
from oncall_tui.sources.kubernetes.commands import commands_for
from oncall_tui.status import Status
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.service import ServiceScreen
from oncall_tui.ui.widgets.matrix import ServiceMatrix
from oncall_tui.ui.widgets.workloads_pane import MUTATING_MARK, WorkloadsPane

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True, scope="module")
def _client_imported() -> None:
    """Import the official client once up front, so a busy machine's first import does not
    eat into a tick's timeout (what the tests measure is the app, not the import)."""
    import kubernetes  # noqa: F401


CRASHING = "cqar-84b5c6d7f9-tq9zw"
OOM_KILLED = "cqar-6d8f7b9c5-k8m2p"


def kube_config(context: str = "prod", timeout: float = 20.0) -> Config:
    def svc(name: str, ns: str) -> Service:
        target = KubernetesTarget(ns, f"app={name}", context=context, timeout=timeout)
        return Service(name, name.upper(), "default", kubernetes=target)

    return Config(
        path=None,
        datasources={"default": Datasource("default", "http://127.0.0.1:9", type="prometheus")},
        services={"cqar": svc("cqar", "cqar"), "arq": svc("arq", "arq")},
    )


def kube_app(config: Config) -> OncallApp:
    source = KubernetesSource(list(config.services.values()), lambda: NOW)
    return OncallApp(config, sources=[source], clock=lambda: NOW, live=False)


async def until(pilot, condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.05)


async def open_pane(pilot, app: OncallApp, service: str = "cqar") -> WorkloadsPane:
    await app.poll_once()
    await pilot.pause()
    app.open_service(service)
    pane = await find_pane(pilot, app)
    await until(pilot, lambda: pane.display and pane.table.row_count > 0)
    return pane


async def find_pane(pilot, app: OncallApp) -> WorkloadsPane:
    await until(
        pilot,
        lambda: isinstance(app.screen, ServiceScreen) and app.screen.query(WorkloadsPane),
    )
    return app.screen.query_one(WorkloadsPane)


async def test_pods_column_reads_ready_over_desired_with_restarts_and_glyph(
    fake_kube: FakeKube, kubeconfig: Path
) -> None:
    app = kube_app(kube_config())
    async with app.run_test(size=(160, 30)) as pilot:
        await app.poll_once()
        await pilot.pause()
        matrix = app.screen.query_one(ServiceMatrix)
        cqar = matrix.get_cell("cqar", "kubernetes").plain
        arq = matrix.get_cell("arq", "kubernetes").plain
        # cqar: 2 of 3 ready; 4 restarts of the crash-looping pod (started 5 min ago) and
        # at least 1 of the OOM-killed one within the hour; crit for the crash loop
        assert cqar.startswith(f"{Status.CRIT.glyph} 2/3 ⟳5")
        assert arq == f"{Status.OK.glyph} 2/2"
        assert "pods" in screen_text(app)


async def test_pane_shows_crashloop_oom_rollout_and_events_newest_first(
    fake_kube: FakeKube, kubeconfig: Path
) -> None:
    app = kube_app(kube_config())
    async with app.run_test(size=(200, 60)) as pilot:
        pane = await open_pane(pilot, app)
        table = pane.table
        rows = {
            table.get_row_at(i)[1].plain: [c.plain for c in table.get_row_at(i)]
            for i in range(table.row_count)
        }
        assert rows[CRASHING][2:5] == ["Running", "0/1", "4 (⟳4)"]
        assert rows[CRASHING][5].startswith("CrashLoopBackOff · last Error 30 s ago")
        assert rows[OOM_KILLED][5] == "last OOMKilled 10 min ago"
        assert rows[OOM_KILLED][7] == "node-b"
        # unhealthy pods first, so the cursor starts on the crash loop
        assert pane.selected_pod_name() == CRASHING
        text = screen_text(app)
        assert "deployment/cqar  available 2/3 · updated 1/3" in text
        assert "rollout in progress" in text
        events = [line for line in text.splitlines() if " ago  " in line and "×" in line]
        reasons = [line.split(" ago  ")[1].split(" ×")[0] for line in events]
        assert reasons == ["BackOff", "FailedCreate", "Unhealthy"]  # 20 s, 45 s, 90 s ago
        assert "Normal" not in text and "FailedScheduling" not in text  # older than 1 h


async def test_forbidden_shows_the_rbac_message_in_the_pane(
    fake_kube: FakeKube, kubeconfig: Path
) -> None:
    fake_kube.mode = "forbidden"
    app = kube_app(kube_config())
    async with app.run_test(size=(200, 50)) as pilot:
        await app.poll_once()
        await pilot.pause()
        app.open_service("cqar")
        pane = await find_pane(pilot, app)
        await until(pilot, lambda: pane.display)
        text = screen_text(app)
        assert "No access (RBAC or credentials): RBAC: cannot list pods in namespace" in text
        assert pane.table.row_count == 0 and not pane.table.display
        assert app.is_running  # a clear state, not a crash


async def test_unknown_context_and_unreachable_server_are_states_of_the_pane(
    fake_kube: FakeKube, kubeconfig: Path
) -> None:
    for context, heading in (
        ("prd", "Kubernetes config problem"),
        ("dead", "API server unreachable"),
    ):
        app = kube_app(kube_config(context=context))
        async with app.run_test(size=(200, 50)) as pilot:
            await app.poll_once()
            await pilot.pause()
            app.open_service("cqar")
            pane = await find_pane(pilot, app)
            await until(pilot, lambda pane=pane: pane.display)
            assert heading in screen_text(app)


async def test_copy_of_a_pod_command_is_the_quoted_text_and_restart_is_marked(
    fake_kube: FakeKube,
    kubeconfig: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    app = kube_app(kube_config())
    toasts: list[tuple[str, str]] = []
    async with app.run_test(size=(200, 60)) as pilot:
        pane = await open_pane(pilot, app)
        real_notify = pane.notify

        def notify(message: str, **kw) -> None:
            toasts.append((message, kw.get("title", "")))
            real_notify(message, **kw)

        pane.notify = notify  # type: ignore[method-assign]
        pane.table.focus()
        await pilot.press("c")
        await until(pilot, lambda: len(toasts) >= 1)
        expected = commands_for(pane.workloads, pane.workloads.pod(CRASHING))[0]
        assert expected.key == "logs"
        assert app.clipboard == expected.text
        assert app.clipboard == shlex.join(
            ["kubectl", "--context", "prod", "-n", "cqar", "logs", CRASHING]
        )
        fallback = tmp_path / "oncall-clipboard.txt"
        assert fallback.read_text() == expected.text
        assert str(fallback) in toasts[-1][0]
        # down the commands list to `rollout restart`: copied, but marked as changing things
        options = pane.query_one("#wl-commands", OptionList)
        options.focus()
        restart = [c.key for c in pane.commands].index("rollout-restart")
        options.highlighted = restart
        await pilot.press("c")
        await until(pilot, lambda: len(toasts) >= 2)
        assert app.clipboard == "kubectl --context prod -n cqar rollout restart deployment/cqar"
        assert str(MUTATING_MARK) in toasts[-1][0] and "never runs" in toasts[-1][0]
        assert str(MUTATING_MARK) in str(options.get_option_at_index(restart).prompt)


async def test_moving_to_another_pod_rebuilds_its_commands(
    fake_kube: FakeKube, kubeconfig: Path
) -> None:
    app = kube_app(kube_config())
    async with app.run_test(size=(200, 60)) as pilot:
        pane = await open_pane(pilot, app)
        pane.table.focus()
        await pilot.press("down")
        await until(pilot, lambda: pane.selected_pod_name() != CRASHING)
        chosen = pane.selected_pod_name()
        assert chosen is not None
        await until(pilot, lambda: any(chosen in c.text for c in pane.commands))
        assert pane.placeholders()["pod"] == chosen
        assert pane.placeholders()["deployment"] == "cqar"
        assert pane.placeholders()["context"] == "prod"


async def test_slow_api_server_does_not_stall_keys(fake_kube: FakeKube, kubeconfig: Path) -> None:
    app = kube_app(kube_config(timeout=6.0))
    async with app.run_test(size=(200, 60)) as pilot:
        pane = await open_pane(pilot, app)  # the client is loaded: the next tick only waits
        fake_kube.mode, fake_kube.delay = "slow", 3.0
        started = time.monotonic()
        poll = asyncio.ensure_future(app.poller.poll_once())
        await until(pilot, lambda: len(fake_kube.calls()) > 10)  # the slow lists are in flight
        pane.table.focus()
        await pilot.pause()
        lags = []
        for key, expected in (("down", 1), ("down", 2), ("up", 1)):
            pressed = time.monotonic()
            await pilot.press(key)
            await until(pilot, lambda e=expected: pane.table.cursor_row == e, timeout=2.0)
            lags.append(time.monotonic() - pressed)
        assert not poll.done(), "the slow tick should still be in flight"
        assert max(lags) < 0.5, lags
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ServiceScreen), timeout=0.5)
        fake_kube.mode = "ok"
        await asyncio.wait_for(poll, 10)
        assert time.monotonic() - started >= 2.5  # it really was slow
