"""`oncall validate --online`: every query run once against its datasource with
prometheus-api-client, its answers read with the datasource's `max_body` cap and `timeout`
for the whole body, and its failures
in the same words as PrometheusClient's."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from oncall_tui.commands.validate import config_problem, kpi_query_paths
from oncall_tui.config.errors import ConfigError
from oncall_tui.config.model import Config, Datasource, NodataMode, Service

if TYPE_CHECKING:
    from oncall_tui.sources.base import FetchError


def _datasource_wide(error: FetchError) -> bool:
    """No answer at all (http_status -1), or one refusing us: not the query's fault."""
    from oncall_tui.sources.base import ErrorKind

    return error.http_status == -1 or error.kind is ErrorKind.AUTH


def _transport_error(exc: Exception, timeout: float, secrets: tuple[str, ...]) -> FetchError:
    """A failed connection as the same error kinds and scrubbed words as PrometheusClient's."""
    import requests

    from oncall_tui.sources.base import ErrorKind, FetchError
    from oncall_tui.sources.http_client import scrub

    if isinstance(exc, requests.Timeout):
        return FetchError(ErrorKind.TIMEOUT, f"no answer within {timeout:g} s")
    cause: BaseException | None = exc
    while cause is not None and not (isinstance(cause, OSError) and cause.strerror):
        # requests wraps urllib3, which wraps the socket's OSError: its own reason is shortest
        cause = getattr(cause, "reason", None) or cause.__context__
    reason = cause.strerror.lower() if isinstance(cause, OSError) and cause.strerror else str(exc)
    kind = ErrorKind.UNREACHABLE if isinstance(exc, requests.ConnectionError) else ErrorKind.HTTP
    return FetchError(kind, scrub(reason, secrets))


def _answer_error(exc: Exception, answer: object | None, secrets: tuple[str, ...]) -> FetchError:
    """prometheus-api-client's exception for an error answer, read from the answer itself
    (its status and body, seen by the session's response hook), as PrometheusClient reads it."""
    from oncall_tui.sources.base import ErrorKind, FetchError
    from oncall_tui.sources.http_client import scrub
    from oncall_tui.sources.prometheus.client import answer_error

    status = getattr(answer, "status_code", None)
    if isinstance(status, int):
        error = answer_error(
            status,
            str(getattr(answer, "reason", "") or ""),
            getattr(answer, "content", b""),
            secrets,
        )
        if error is not None:
            return error
    return FetchError(ErrorKind.MALFORMED, scrub(str(exc), secrets))


class AnswerTooLarge(Exception):
    """An answer past its datasource's `max_body`: reading stopped there."""


class AnswerTooSlow(Exception):
    """An answer not complete within the datasource's `timeout` (the whole body)."""


#: bytes read at a time from an answer being capped
_CHUNK = 64 * 1024


def _read_capped(response: Any, max_body: int, timeout: float, secrets: tuple[str, ...]) -> None:
    """Read `response`'s body (decoded: a gzip bomb counts as it unpacks), but never past
    `max_body` bytes, as PrometheusClient does; AnswerTooLarge names the URL and the cap.
    The body must be whole within `timeout` (requests' own timeout is per read, so a body
    trickled a chunk at a time would hold it forever): else AnswerTooSlow.

    A requests response hook runs before requests reads the body of a response it was not
    asked to stream, so the body read here is the one prometheus-api-client then parses."""
    from oncall_tui.sources.http_client import format_size, scrub

    def too_large() -> AnswerTooLarge:
        response.close()  # the rest is never read
        where = str(response.url).split("?", 1)[0]
        return AnswerTooLarge(
            scrub(
                f"answer too large: more than {format_size(max_body)} from {where} (max_body)",
                secrets,
            )
        )

    deadline = time.monotonic() + timeout
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_body:
        raise too_large()
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(_CHUNK):
        size += len(chunk)
        if size > max_body:
            raise too_large()
        if time.monotonic() > deadline:
            response.close()
            raise AnswerTooSlow(
                f"no complete answer within {timeout:g} s (the whole request, body included)"
            )
        chunks.append(chunk)
    response._content = b"".join(chunks)  # what `response.content` returns from now on


def _client(ds: Datasource) -> tuple[Any, list[object]]:
    """A PrometheusConnect for `ds`, and the list its session keeps the last answer in.
    Its session reads every answer with the datasource's `max_body` cap."""
    import requests
    from prometheus_api_client import PrometheusConnect
    from urllib3.util.retry import Retry

    headers = dict(ds.http.headers)
    if ds.http.bearer_token is not None:
        headers["Authorization"] = f"Bearer {ds.http.bearer_token.reveal()}"
    auth = None
    if ds.http.basic_auth is not None:
        auth = (ds.http.basic_auth.username, ds.http.basic_auth.password.reveal())
    session = requests.Session()
    answers: list[object] = []  # the last answer, for errors in the server's own words

    secrets = ds.http.secrets()

    def keep(response: object, *args: object, **kwargs: object) -> None:
        answers[:] = [response]
        _read_capped(response, ds.http.max_body, ds.http.timeout, secrets)

    session.hooks["response"].append(keep)
    tls = ds.http.tls
    session.verify = not tls.insecure_skip_verify
    if tls.ca_file is not None and not tls.insecure_skip_verify:
        session.verify = str(tls.ca_file)
    if tls.cert_file is not None and tls.key_file is not None:
        session.cert = (str(tls.cert_file), str(tls.key_file))
    client = PrometheusConnect(
        ds.url,
        headers=headers,
        disable_ssl=tls.insecure_skip_verify,
        retry=Retry(total=0, raise_on_status=False),  # one attempt: validate reports, not retries
        auth=auth,
        session=session,
        timeout=ds.http.timeout,
    )
    return client, answers


def check_queries_online(
    config: Config, lines: dict[str, int], services: list[Service]
) -> list[ConfigError]:
    """Run every KPI query once; report the ones that fail or (unless empty is fine) return
    nothing.

    Synchronous and thread-safe: each call makes its own clients (a requests Session is not
    shared between threads) and runs the queries one after another.
    """
    import requests
    from prometheus_api_client.exceptions import PrometheusApiClientException

    from oncall_tui.sources.base import ErrorKind, FetchError
    from oncall_tui.sources.http_client import scrub

    problems: list[ConfigError] = []
    clients: dict[str, tuple[Any, list[object]]] = {}
    stopped: set[str] = set()  # unreachable, or refusing us: said once, on its url
    for svc in services:
        ds = config.datasources.get(svc.datasource)
        if ds is None or ds.type != "prometheus" or svc.datasource in stopped:
            continue
        secrets = ds.http.secrets()
        for kpi, path in kpi_query_paths(svc):
            client, answers = clients.get(ds.name) or clients.setdefault(ds.name, _client(ds))
            answers.clear()
            error: FetchError | None
            try:
                result = client.custom_query(kpi.query)
            except AnswerTooLarge as exc:
                error = FetchError(ErrorKind.MALFORMED, str(exc))
            except AnswerTooSlow as exc:
                error = FetchError(ErrorKind.TIMEOUT, str(exc))
            except PrometheusApiClientException as exc:
                error = _answer_error(exc, answers[-1] if answers else None, secrets)
            except requests.RequestException as exc:
                error = _transport_error(exc, ds.http.timeout, secrets)
                error = FetchError(error.kind, error.message, http_status=-1)  # no answer
            else:
                error = None
            if error is not None and not _datasource_wide(error):
                problems.append(
                    config_problem(config, lines, path, f"query failed: {error.message}")
                )
                continue
            if error is not None:  # the datasource, not the query: said once, on its url
                what = f"{error.kind.value.replace('_', ' ')}: {error.message}"
                problems.append(
                    config_problem(
                        config,
                        lines,
                        f"datasources.{ds.name}.url",
                        scrub(f"cannot query {ds.url}: {what}", secrets),
                    )
                )
                stopped.add(ds.name)
                break
            if not result and kpi is svc.targets:
                problems.append(
                    config_problem(
                        config,
                        lines,
                        path,
                        "no up series for this service's targets, so its targets up check is "
                        "crit (targets down); set up: to the query of its scrape targets, or "
                        "up: false",
                    )
                )
                continue
            if not result and kpi.nodata.mode is NodataMode.NODATA:
                problems.append(
                    config_problem(
                        config,
                        lines,
                        path,
                        "the query returned nothing (wrong metric or label? if empty is "
                        "normal, say nodata: ok or nodata: 0)",
                    )
                )
    return problems
