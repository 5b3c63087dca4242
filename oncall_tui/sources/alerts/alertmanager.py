"""Alerts from Alertmanager's v2 API, with their silenced and inhibited state."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from oncall_tui.config.model import DEFAULT_MAX_BODY, Service
from oncall_tui.sources.alerts.fetch import request_json
from oncall_tui.sources.alerts.matching import service_for
from oncall_tui.sources.alerts.records import (
    ORIGIN_ALERTMANAGER,
    Alert,
    AlertState,
    parse_time,
    str_list,
    str_map,
)
from oncall_tui.sources.base import ErrorKind, FetchError, FetchFailed

if TYPE_CHECKING:
    from oncall_tui.sources.http_client import AnyClient

ALERTS_PATH = "/api/v2/alerts"
# Ask for everything Alertmanager holds: the screen shows silenced and inhibited alerts too.
ALERTS_PARAMS = {"active": "true", "silenced": "true", "inhibited": "true", "unprocessed": "true"}


def _state(item: dict, now: float) -> tuple[AlertState, tuple[str, ...], tuple[str, ...]]:
    found = item.get("status")
    status = found if isinstance(found, dict) else {}
    silenced_by = str_list(status.get("silencedBy"))
    inhibited_by = str_list(status.get("inhibitedBy"))
    ends_at = parse_time(item.get("endsAt"))
    if ends_at is not None and ends_at <= now:
        return "resolved", silenced_by, inhibited_by
    # "unprocessed" is an alert Alertmanager has not routed yet: it is firing all the same
    if status.get("state") == "suppressed":
        return ("silenced" if silenced_by else "inhibited"), silenced_by, inhibited_by
    return "firing", silenced_by, inhibited_by


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def parse_alerts(body: object, services: Sequence[Service], now: float) -> tuple[Alert, ...]:
    """The `GET /api/v2/alerts` answer as Alerts, matched to services, sorted for display."""
    if not isinstance(body, list):
        raise FetchFailed(FetchError(ErrorKind.MALFORMED, "expected a list of alerts"))
    alerts = []
    for item in body:
        if not isinstance(item, dict):
            continue
        labels = str_map(item.get("labels"))
        state, silenced_by, inhibited_by = _state(item, now)
        alerts.append(
            Alert(
                name=labels.get("alertname", "?"),
                state=state,
                severity=labels.get("severity", ""),
                labels=labels,
                annotations=str_map(item.get("annotations")),
                starts_at=parse_time(item.get("startsAt")),
                ends_at=parse_time(item.get("endsAt")),
                service=service_for(labels, services),
                fingerprint=str(item["fingerprint"]) if item.get("fingerprint") else None,
                silenced_by=silenced_by,
                inhibited_by=inhibited_by,
                origin=ORIGIN_ALERTMANAGER,
                generator_url=_text_or_none(item.get("generatorURL")),
            )
        )
    return tuple(sorted(alerts, key=Alert.sort_key))


async def fetch_alerts(
    client: AnyClient,
    services: Sequence[Service],
    secrets: Sequence[str],
    now: float,
    max_body: int = DEFAULT_MAX_BODY,
) -> tuple[Alert, ...]:
    _status, body = await request_json(
        client, "GET", ALERTS_PATH, secrets, params=ALERTS_PARAMS, max_body=max_body
    )
    return parse_alerts(body, services, now)
