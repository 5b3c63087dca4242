"""Kubernetes: the pods behind each service, their owners, restarts and warning events.

Importing this package does not import the `kubernetes` client; the source does that when
its first tick runs.
"""

from oncall_tui.sources.kubernetes.source import KubernetesSource

__all__ = ["KubernetesSource"]
