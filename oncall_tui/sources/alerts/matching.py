"""Which service an alert belongs to, from its labels. Pure.

A service with `alert_match:` takes alerts whose labels carry every given label=value pair.
Without it, an alert belongs to the service when its `job` or `service` label equals the
service's `vars.job` or its name. The first service in config order that matches wins; an
alert no service claims belongs to "other" (None).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from oncall_tui.config.model import Service

DEFAULT_LABELS = ("job", "service")


def matches(labels: Mapping[str, str], service: Service) -> bool:
    if service.alert_match:
        return all(labels.get(k) == v for k, v in service.alert_match.items())
    names = {service.name}
    job = service.vars.get("job")
    if job:
        names.add(job)
    return any(labels.get(label) in names for label in DEFAULT_LABELS)


def service_for(labels: Mapping[str, str], services: Iterable[Service]) -> str | None:
    """The name of the first service whose rule matches `labels`, or None for "other"."""
    for service in services:
        if matches(labels, service):
            return service.name
    return None
