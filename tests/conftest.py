"""Shared fixtures. Tests are hermetic: no user config is ever discovered."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from servers.alertmanager import alertmanager  # noqa: F401
from servers.fake_kube import fake_kube, kubeconfig  # noqa: F401
from servers.health import (  # noqa: F401
    health_closed_port,
    health_grpc_server,
    health_http_server,
    health_silent_port,
)
from servers.hostile import hostile_server  # noqa: F401
from servers.prometheus import (  # noqa: F401
    exporter,
    module_exporter,
    module_prometheus,
    prometheus,
    prometheus_factory,
)


@pytest.fixture(autouse=True)
def _hermetic(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))  # recordings
    monkeypatch.delenv("ONCALL_CONFIG", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TEXTUAL_DISABLE_CURSOR_BLINK", "1")


@pytest.fixture(autouse=True)
def _fresh_secret_registry() -> Iterator[None]:
    """Each test starts with no secret registered: one test's token is not another's text."""
    from oncall_tui.secret_registry import REGISTRY

    REGISTRY.clear()
    yield
    REGISTRY.clear()
