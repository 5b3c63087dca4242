"""Alertmanager silences: list the active ones, create one for an alert, expire one.

Creating and expiring are refused unless `alertmanager.allow_silence: true`. Every call
returns a `SilenceExchange` holding the exact request sent and the answer (or the error),
so the UI can show both; nothing here raises for a failed request.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx

from oncall_tui.config.model import Alertmanager
from oncall_tui.sources.alerts.fetch import request_json
from oncall_tui.sources.alerts.records import Alert, parse_time
from oncall_tui.sources.alerts.silence_records import Matcher, Silence
from oncall_tui.sources.base import ErrorKind, FetchError, FetchFailed
from oncall_tui.sources.http_client import make_async_client

SILENCES_PATH = "/api/v2/silences"
NOT_CONFIGURED = FetchError(ErrorKind.CONFIG, "no `alertmanager:` in the config: no silences")
NOT_ALLOWED = FetchError(
    ErrorKind.CONFIG,
    "silencing is off: set `alertmanager.allow_silence: true` in the config to allow it",
)


@dataclass(frozen=True)
class SilenceExchange:
    """One request to Alertmanager and what came back."""

    method: str
    url: str
    request_body: Mapping[str, object] | None = None
    status: int | None = None  # None when nothing was sent or no answer came
    response_body: object | None = None
    error: FetchError | None = None
    silence_id: str | None = None  # the created or expired silence
    silences: tuple[Silence, ...] = ()  # for list()

    @property
    def ok(self) -> bool:
        return self.error is None


def default_creator() -> str:
    return os.environ.get("USER") or os.environ.get("LOGNAME") or "oncall"


def _rfc3339(ts: float) -> str:
    moment = dt.datetime.fromtimestamp(ts, dt.timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def matchers_for(alert: Alert) -> tuple[Matcher, ...]:
    """Exactly this alert: every one of its labels as an equality matcher."""
    return tuple(Matcher(k, v) for k, v in sorted(alert.labels.items()))


def silence_body(
    alert: Alert,
    duration: float,
    comment: str,
    created_by: str | None = None,
    now: float | None = None,
) -> dict[str, object]:
    """The POST body to silence `alert` for `duration` seconds; the confirm screen shows it."""
    start = time.time() if now is None else now
    return {
        "matchers": [m.to_api() for m in matchers_for(alert)],
        "startsAt": _rfc3339(start),
        "endsAt": _rfc3339(start + duration),
        "createdBy": created_by or default_creator(),
        "comment": comment,
    }


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def parse_silence(item: Mapping[str, object]) -> Silence:
    matchers = tuple(
        Matcher(
            str(m.get("name", "")),
            str(m.get("value", "")),
            bool(m.get("isRegex", False)),
            bool(m.get("isEqual", True)),
        )
        for m in _list(item.get("matchers"))
        if isinstance(m, dict)
    )
    status = item.get("status")
    return Silence(
        id=str(item.get("id", "")),
        matchers=matchers,
        starts_at=parse_time(item.get("startsAt")),
        ends_at=parse_time(item.get("endsAt")),
        created_by=str(item.get("createdBy", "")),
        comment=str(item.get("comment", "")),
        state=str(status.get("state", "")) if isinstance(status, dict) else "",
    )


class SilenceClient:
    """Talks to the configured Alertmanager about silences."""

    def __init__(
        self,
        alertmanager: Alertmanager | None,
        clock: Callable[[], float] = time.time,
        secrets: tuple[str, ...] = (),
    ) -> None:
        self._am = alertmanager
        self._clock = clock
        self._secrets = secrets + (alertmanager.http.secrets() if alertmanager else ())
        self._client: httpx.AsyncClient | None = None

    @property
    def allowed(self) -> bool:
        return self._am is not None and self._am.allow_silence

    def _url(self, path: str) -> str:
        return (self._am.url.rstrip("/") if self._am else "") + path

    def _http(self) -> httpx.AsyncClient:
        assert self._am is not None
        if self._client is None:
            self._client = make_async_client(self._am.http, base_url=self._am.url.rstrip("/"))
        return self._client

    async def _send(
        self, method: str, path: str, body: Mapping[str, object] | None = None
    ) -> SilenceExchange:
        try:
            status, answer = await request_json(
                self._http(), method, path, self._secrets, body=body
            )
        except FetchFailed as exc:
            return SilenceExchange(
                method, self._url(path), body, exc.error.http_status, None, exc.error
            )
        return SilenceExchange(method, self._url(path), body, status, answer)

    async def list(self, *, active_only: bool = True) -> SilenceExchange:
        """The silences (active ones by default), newest end last. Allowed without
        `allow_silence`: reading changes nothing."""
        if self._am is None:
            return SilenceExchange("GET", SILENCES_PATH, error=NOT_CONFIGURED)
        exchange = await self._send("GET", SILENCES_PATH)
        if exchange.error is not None:
            return exchange
        if not isinstance(exchange.response_body, list):
            error = FetchError(ErrorKind.MALFORMED, "expected a list of silences")
            return SilenceExchange(
                exchange.method, exchange.url, None, exchange.status, exchange.response_body, error
            )
        found = [parse_silence(s) for s in exchange.response_body if isinstance(s, dict)]
        if active_only:
            found = [s for s in found if s.state == "active"]
        found.sort(key=lambda s: (s.ends_at or 0.0, s.id))
        return SilenceExchange(
            exchange.method,
            exchange.url,
            None,
            exchange.status,
            exchange.response_body,
            silences=tuple(found),
        )

    async def create(
        self,
        alert: Alert,
        duration: float,
        comment: str,
        created_by: str | None = None,
    ) -> SilenceExchange:
        """Silence exactly `alert` (all its labels) for `duration` seconds."""
        if self._am is None:
            return SilenceExchange("POST", SILENCES_PATH, error=NOT_CONFIGURED)
        body = silence_body(alert, duration, comment, created_by, self._clock())
        if not self._am.allow_silence:
            return SilenceExchange("POST", self._url(SILENCES_PATH), body, error=NOT_ALLOWED)
        if duration <= 0:
            bad = FetchError(ErrorKind.CONFIG, "a silence needs a duration above zero")
            return SilenceExchange("POST", self._url(SILENCES_PATH), body, error=bad)
        if not comment.strip():
            bad = FetchError(ErrorKind.CONFIG, "Alertmanager requires a comment on a silence")
            return SilenceExchange("POST", self._url(SILENCES_PATH), body, error=bad)
        exchange = await self._send("POST", SILENCES_PATH, body)
        answer = exchange.response_body
        silence_id = answer.get("silenceID") if isinstance(answer, dict) else None
        return SilenceExchange(
            exchange.method,
            exchange.url,
            body,
            exchange.status,
            answer,
            exchange.error,
            silence_id=str(silence_id) if silence_id else None,
        )

    async def expire(self, silence_id: str) -> SilenceExchange:
        path = f"/api/v2/silence/{silence_id}"
        if self._am is None:
            return SilenceExchange("DELETE", path, error=NOT_CONFIGURED)
        if not self._am.allow_silence:
            return SilenceExchange("DELETE", self._url(path), error=NOT_ALLOWED)
        exchange = await self._send("DELETE", path)
        return SilenceExchange(
            exchange.method,
            exchange.url,
            None,
            exchange.status,
            exchange.response_body,
            exchange.error,
            silence_id=silence_id,
        )

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
