"""Kubernetes: the pods behind each service, their owners, restarts and warning events.

Importing this package imports neither the `kubernetes` client nor the source: the
records (`records.py`) are read by the engine and `oncall status` for every config, the
source is loaded on first use (`KubernetesSource`), and the client when its first tick runs.
"""

from typing import Any

__all__ = ["KubernetesSource"]


def __getattr__(name: str) -> Any:
    if name == "KubernetesSource":
        from oncall_tui.sources.kubernetes.source import KubernetesSource

        return KubernetesSource
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
