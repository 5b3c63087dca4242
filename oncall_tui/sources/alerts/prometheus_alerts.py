"""Alerts from Prometheus' own `/api/v1/alerts` (pending and firing), without Alertmanager."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from oncall_tui.config.model import DEFAULT_MAX_BODY, Service
from oncall_tui.sources.alerts.fetch import request_json
from oncall_tui.sources.alerts.matching import service_for
from oncall_tui.sources.alerts.records import (
    ORIGIN_PROMETHEUS,
    Alert,
    AlertState,
    label_fingerprint,
    parse_time,
    str_map,
)
from oncall_tui.sources.base import ErrorKind, FetchError, FetchFailed

if TYPE_CHECKING:
    from oncall_tui.sources.http_client import AnyClient

ALERTS_PATH = "/api/v1/alerts"


def parse_alerts(body: object, services: Sequence[Service]) -> tuple[Alert, ...]:
    """The `/api/v1/alerts` answer as Alerts, matched to services, sorted for display."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("alerts"), list):
        raise FetchFailed(FetchError(ErrorKind.MALFORMED, "expected data.alerts in the answer"))
    alerts = []
    for item in data["alerts"]:
        if not isinstance(item, dict):
            continue
        labels = str_map(item.get("labels"))
        state: AlertState = "firing" if item.get("state") == "firing" else "pending"
        alerts.append(
            Alert(
                name=labels.get("alertname", "?"),
                state=state,
                severity=labels.get("severity", ""),
                labels=labels,
                annotations=str_map(item.get("annotations")),
                starts_at=parse_time(item.get("activeAt")),
                service=service_for(labels, services),
                fingerprint=label_fingerprint(labels),
                value=str(item["value"]) if item.get("value") is not None else None,
                origin=ORIGIN_PROMETHEUS,
            )
        )
    return tuple(sorted(alerts, key=Alert.sort_key))


async def fetch_alerts(
    client: AnyClient,
    services: Sequence[Service],
    secrets: Sequence[str],
    max_body: int = DEFAULT_MAX_BODY,
) -> tuple[Alert, ...]:
    _status, body = await request_json(client, "GET", ALERTS_PATH, secrets, max_body=max_body)
    return parse_alerts(body, services)
