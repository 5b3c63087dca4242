"""The HTTP probe: one GET, a bounded body, a verdict on code, words and components."""

from __future__ import annotations

import time
from dataclasses import replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from oncall_tui.config.model import HealthProbe, ProbeKind
from oncall_tui.inert import TooDeep, inert_block, inert_line
from oncall_tui.sources.base import ErrorKind, FetchError, FetchFailed
from oncall_tui.sources.health.body import parse_json_body, read_health_document
from oncall_tui.sources.health.records import Component, ProbeResult
from oncall_tui.sources.health.verdict import failed_result, judge_http
from oncall_tui.sources.http_client import classify_exception, is_blocking, scrub

if TYPE_CHECKING:
    import httpx

    from oncall_tui.sources.http_client import AnyClient

#: Health bodies are small; past this the rest is not read (a runaway body must not hang us).
BODY_CAP = 256 * 1024
EXCERPT_CHARS = 300


async def probe_http(
    client: AnyClient, probe: HealthProbe, *, body_cap: int = BODY_CAP
) -> ProbeResult:
    """GET the probe's URL once; every outcome, refused and timed out included, is a result."""
    timeout = probe.http.timeout
    target = display_url(probe.target)
    try:
        if is_blocking(client):
            code, location, raw, truncated, latency = _get_blocking(
                client, probe, timeout, body_cap
            )
        else:
            code, location, raw, truncated, latency = await _get_async(
                client, probe, timeout, body_cap
            )
    except TimeoutError:
        error = FetchError(ErrorKind.TIMEOUT, f"no answer within {timeout:g} s")
        return failed_result(probe, target=target, error=error)
    except FetchFailed as failed:  # the blocking client's, classified and scrubbed
        return failed_result(probe, target=target, error=failed.error)
    except Exception as exc:
        if not _transport_error(exc):
            raise
        return failed_result(
            probe, target=target, error=classify_exception(exc, probe.http.secrets())
        )

    try:
        doc = parse_json_body(raw) if not truncated else None
    except TooDeep as exc:
        error = FetchError(ErrorKind.MALFORMED, f"{exc} (HTTP {code})")
        return failed_result(probe, target=target, error=error)
    body = read_health_document(doc, probe.status_words) if doc is not None else None
    verdict = judge_http(
        code,
        body,
        latency,
        expect_status=probe.expect_status,
        latency_warn=probe.latency_warn,
        location=location,
    )
    secrets = probe.http.secrets()
    components = _scrub_components(body.components, secrets) if body else ()
    reason = verdict.reason
    return ProbeResult(
        probe=probe.name,
        kind=ProbeKind.HTTP,
        status=verdict.status,
        http_status=code,
        latency=latency,
        top_word=body.word if body else None,
        components=components,
        body_excerpt=scrub(inert_block(_excerpt(raw)), secrets),
        reason=scrub(inert_line(reason), secrets),
        target=target,
        body_truncated=truncated,
    )


async def _get_async(
    client: Any, probe: HealthProbe, timeout: float, body_cap: int
) -> tuple[int, str | None, bytes, bool, float]:
    import asyncio

    clock = RequestClock()
    try:
        # wait_for bounds the whole exchange: httpx's own timeouts are per read, so a server
        # dribbling a byte a second would otherwise hold the probe forever.
        answer = await asyncio.wait_for(
            _get(client, probe.target, timeout, body_cap, clock), timeout
        )
    except asyncio.TimeoutError:  # the builtin TimeoutError from 3.11 on
        raise TimeoutError from None
    return (*answer, clock.elapsed())


def _get_blocking(
    client: Any, probe: HealthProbe, timeout: float, body_cap: int
) -> tuple[int, str | None, bytes, bool, float]:
    """The same GET on the blocking client, which bounds the whole exchange itself and
    times it from opening the connection to the last byte."""
    from oncall_tui.sources.blocking_http import RequestTimer

    timer = RequestTimer()
    answer = client.send(
        "GET",
        probe.target,
        max_body=body_cap,
        deadline=timeout,
        secrets=probe.http.secrets(),
        truncate=True,
        timer=timer,
    )
    location = answer.headers.get("location")
    return answer.status_code, location, answer.content, answer.truncated, timer.elapsed()


def _transport_error(exc: BaseException) -> bool:
    """An httpx error (only once httpx is loaded) or an OS error: a failed probe."""
    import sys

    httpx = sys.modules.get("httpx")
    return isinstance(exc, OSError) or (httpx is not None and isinstance(exc, httpx.HTTPError))


class RequestClock:
    """The request's own time, as curl's `time_total` counts it: from opening the
    connection (or, on a kept-alive one, sending the request) to the body's last byte read.
    Waiting for a pooled connection and the client's set-up before that are not counted."""

    STARTS = ("connection.connect_tcp.started", "http11.send_request_headers.started")

    def __init__(self) -> None:
        self.started: float | None = None
        self.ended: float | None = None

    async def trace(self, event: str, info: dict[str, object]) -> None:
        if self.started is None and event in self.STARTS:
            self.started = time.perf_counter()

    def stop(self) -> None:
        self.ended = time.perf_counter()

    def elapsed(self) -> float:
        end = self.ended if self.ended is not None else time.perf_counter()
        return max(0.0, end - (self.started if self.started is not None else end))


async def _get(
    client: httpx.AsyncClient, url: str, timeout: float, body_cap: int, clock: RequestClock
) -> tuple[int, str | None, bytes, bool]:
    """Status, Location, body up to `body_cap` bytes, and whether more was left unread."""
    chunks: list[bytes] = []
    size = 0
    truncated = False
    async with client.stream(
        "GET", url, timeout=timeout, follow_redirects=False, extensions={"trace": clock.trace}
    ) as response:
        async for chunk in response.aiter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size > body_cap:
                truncated = True
                break  # leaving the block closes the connection; the rest is never read
        clock.stop()
        location = response.headers.get("location")
        return response.status_code, location, b"".join(chunks)[:body_cap], truncated


def _excerpt(raw: bytes) -> str:
    return raw[: EXCERPT_CHARS * 4].decode("utf-8", errors="replace")[:EXCERPT_CHARS]


def _scrub_components(
    components: tuple[Component, ...], secrets: tuple[str, ...]
) -> tuple[Component, ...]:
    """A service may echo our token back in its own words; it never reaches the screen."""
    if not secrets:
        return components
    return tuple(
        replace(
            c,
            message=scrub(c.message, secrets),
            fields=MappingProxyType(
                {k: scrub(v, secrets) if isinstance(v, str) else v for k, v in c.fields.items()}
            ),
            children=_scrub_components(c.children, secrets),
        )
        for c in components
    )


def display_url(url: str) -> str:
    """The URL without any user:password part, for screens and messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
