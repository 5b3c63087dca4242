"""The one way our sources build HTTP clients and turn their failures into `FetchError`s.

Datasources, Alertmanager and HTTP health probes share `HttpOptions` (timeout, headers, bearer
token, basic auth, TLS). `make_async_client` applies them to a pooled `httpx.AsyncClient`,
`make_client(blocking=True)` to the `BlockingClient` of a one-shot command (with neither httpx
nor asyncio loaded; `send_capped` takes either); `classify_exception` names what went wrong
in words an on-call engineer can act on; `scrub` makes sure no token or password reaches a
message, whatever the remote echoed back.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from oncall_tui.config.model import HttpOptions, TLSConfig
from oncall_tui.sources.base import ErrorKind, FetchError, FetchFailed

# shared with the blocking client, and re-exported here where the sources have found them
from oncall_tui.sources.http_errors import TooLarge as TooLarge
from oncall_tui.sources.http_errors import error_for_status as error_for_status
from oncall_tui.sources.http_errors import format_size as format_size
from oncall_tui.sources.http_errors import is_plain_http as is_plain_http
from oncall_tui.sources.http_errors import scrub as scrub
from oncall_tui.sources.http_errors import ssl_context

if TYPE_CHECKING:
    import ssl

    import httpx

    from oncall_tui.sources.blocking_http import Answer, BlockingClient

    #: either client, and what either answers (the fields our sources read are the same)
    AnyClient = httpx.AsyncClient | BlockingClient
    AnyResponse = httpx.Response | Answer

# Connections idle longer than this are closed; pollers come back every few seconds, so a
# pooled connection is normally reused and each poll skips the TCP (and TLS) handshake.
KEEPALIVE_EXPIRY = 30.0


def make_async_client(
    http: HttpOptions,
    *,
    base_url: str = "",
    max_connections: int = 10,
    plain_http: bool | None = None,
    lean: bool = False,
) -> httpx.AsyncClient:
    """A pooled client with the headers, auth, TLS and timeout of `http` applied.

    A client for plain `http://` (`plain_http`, by default: `base_url` starts with it) builds
    no TLS context: loading the system's CA bundle costs 30-40 ms per client, a good part of
    a one-shot `oncall status`. Such a client refuses any `https://` request, so nothing is
    ever sent over TLS without verification.

    `lean`: a plain-http client polled often (a datasource) sends on `PlainHttpTransport`,
    about half the CPU per request of httpx's own; not when an environment proxy is set
    (httpx routes through it only on its own transport).
    """
    import httpx

    if plain_http is None:
        plain_http = is_plain_http(base_url)
    headers = dict(http.headers)
    if http.bearer_token is not None:
        headers["Authorization"] = f"Bearer {http.bearer_token.reveal()}"
    auth = None
    if http.basic_auth is not None:
        auth = httpx.BasicAuth(http.basic_auth.username, http.basic_auth.password.reveal())
    transport = None
    if lean and plain_http and not _environment_proxy():
        from oncall_tui.sources.http_transport import PlainHttpTransport

        transport = PlainHttpTransport(
            max_connections=max_connections, keepalive_expiry=KEEPALIVE_EXPIRY
        )
    return httpx.AsyncClient(
        base_url=base_url,
        transport=transport,
        headers=headers,
        auth=auth,
        verify=False if plain_http else _ssl_context(http.tls),
        event_hooks={"request": [_refuse_tls]} if plain_http else None,
        timeout=httpx.Timeout(http.timeout),
        limits=httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=KEEPALIVE_EXPIRY,
        ),
        follow_redirects=False,  # a redirect to a login page is an error to show, not follow
    )


def make_client(
    http: HttpOptions, *, base_url: str = "", blocking: bool = False, **kwargs: Any
) -> AnyClient:
    """A `BlockingClient` for a one-shot command (`blocking`), else `make_async_client`."""
    if blocking:
        from oncall_tui.sources.blocking_http import BlockingClient

        return BlockingClient(http, base_url=base_url)
    return make_async_client(http, base_url=base_url, **kwargs)


def is_blocking(client: object) -> bool:
    """Whether `client` is the blocking one (only loaded when some command made one)."""
    module = sys.modules.get("oncall_tui.sources.blocking_http")
    return module is not None and isinstance(client, module.BlockingClient)


def _environment_proxy() -> bool:
    """Whether a proxy for plain http is set in the environment (httpx would use it)."""
    names = ("http_proxy", "all_proxy")
    return any(os.environ.get(n) or os.environ.get(n.upper()) for n in names)


async def _refuse_tls(request: httpx.Request) -> None:
    """The guard of a plain-http client: it has no verifying TLS context to use."""
    import httpx

    if request.url.scheme != "http":
        raise httpx.UnsupportedProtocol(
            f"a client made for http:// cannot send to {request.url.scheme}://", request=request
        )


async def send_capped(
    client: AnyClient,
    method: str,
    url: str,
    *,
    max_body: int,
    deadline: float,
    secrets: Sequence[str] = (),
    **kwargs: Any,
) -> AnyResponse:
    """One request whose answer is read whole, but never past `max_body` bytes and never
    past `deadline` seconds in all (httpx's own timeouts are per read: a server dribbling a
    byte a second would hold the request forever). FetchFailed for every failure: a body
    too large is MALFORMED ("too large"), a deadline passed is TIMEOUT."""
    if is_blocking(client):
        return _send_blocking(client, method, url, max_body, deadline, secrets, kwargs)  # type: ignore[arg-type]
    import asyncio

    import httpx

    assert not is_blocking(client)
    stream = client.stream  # type: ignore[union-attr]

    async def whole() -> httpx.Response:
        async with stream(method, url, **kwargs) as response:
            content = await _read_capped(response, max_body)
            headers = [
                (k, v)
                for k, v in response.headers.multi_items()
                if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
            ]
            return httpx.Response(
                response.status_code,
                headers=headers,
                content=content,
                request=response.request,
                extensions={"reason_phrase": response.reason_phrase.encode("ascii", "replace")},
            )

    try:
        # wait_for, not asyncio.timeout: that one is Python 3.11+, and 3.10 is supported
        return await asyncio.wait_for(whole(), deadline)
    except TooLarge:
        where = url if "://" in url else str(client.base_url).rstrip("/") + url
        raise FetchFailed(_too_large(where, max_body, secrets)) from None
    except asyncio.TimeoutError:  # the builtin TimeoutError from 3.11 on
        raise FetchFailed(_past_deadline(deadline)) from None
    except httpx.HTTPError as exc:
        raise FetchFailed(classify_exception(exc, secrets)) from None


def _send_blocking(
    client: BlockingClient,
    method: str,
    url: str,
    max_body: int,
    deadline: float,
    secrets: Sequence[str],
    kwargs: dict[str, Any],
) -> Answer:
    """`send_capped` on the blocking client: the same errors in the same words."""
    if "json" in kwargs:
        kwargs["json_body"] = kwargs.pop("json")
    try:
        return client.send(
            method, url, max_body=max_body, deadline=deadline, secrets=secrets, **kwargs
        )
    except TooLarge:
        where = url if "://" in url else client.base_url + url
        raise FetchFailed(_too_large(where, max_body, secrets)) from None
    except TimeoutError:
        raise FetchFailed(_past_deadline(deadline)) from None


def _too_large(where: str, max_body: int, secrets: Sequence[str]) -> FetchError:
    message = f"answer too large: more than {format_size(max_body)} from {where} (max_body)"
    return FetchError(ErrorKind.MALFORMED, scrub(message, secrets))


def _past_deadline(deadline: float) -> FetchError:
    message = f"no complete answer within {deadline:g} s (the whole request, body included)"
    return FetchError(ErrorKind.TIMEOUT, message)


def client_timeout(client: AnyClient) -> float:
    """The per-request timeout a client was made with."""
    if is_blocking(client):
        return client.timeout  # type: ignore[return-value]
    timeout = client.timeout  # an httpx.Timeout
    return timeout.read or timeout.connect or 10.0  # type: ignore[union-attr,return-value]


async def _read_capped(response: httpx.Response, max_body: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_body:
        raise TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():  # decoded: a gzip bomb counts as it unpacks
        size += len(chunk)
        if size > max_body:
            raise TooLarge  # leaving the block closes the connection; the rest is never read
        chunks.append(chunk)
    return b"".join(chunks)


#: a readiness answer is a word or two; more is not read
READY_MAX_BODY = 64 * 1024


async def answers_ready(
    client: AnyClient, timeout: float, secrets: Sequence[str] = (), path: str = "/-/ready"
) -> bool:
    """A cheap readiness check: the server gives any answer below 500 to `path`."""
    try:
        response = await send_capped(
            client,
            "GET",
            path,
            max_body=READY_MAX_BODY,
            deadline=min(timeout, 2.0),
            secrets=secrets,
        )
    except FetchFailed:
        return False
    return response.status_code < 500


def _ssl_context(tls: TLSConfig) -> ssl.SSLContext | bool:
    # True: httpx's default context (system trust store), built once per client
    return ssl_context(tls, default=lambda: True)  # type: ignore[no-any-return]


def classify_exception(exc: BaseException, secrets: Sequence[str]) -> FetchError:
    """What went wrong, as a `FetchError` whose message holds no secret."""
    kind, message, status = _classify(exc)
    return FetchError(kind, scrub(message, secrets), http_status=status)


def _classify(exc: BaseException) -> tuple[ErrorKind, str, int | None]:
    if isinstance(exc, FetchFailed):
        return exc.error.kind, exc.error.message, exc.error.http_status
    # an httpx or ssl error exists only once httpx or ssl was loaded: a blocking one-shot
    # command classifies its OS errors here without loading either
    httpx = sys.modules.get("httpx")
    ssl = sys.modules.get("ssl")
    if httpx is not None and isinstance(exc, httpx.HTTPError):
        return _classify_httpx(exc, httpx, ssl)
    if isinstance(exc, (json.JSONDecodeError, UnicodeDecodeError)):
        return ErrorKind.MALFORMED, f"the answer is not JSON: {exc}", None
    asyncio = sys.modules.get("asyncio")
    if isinstance(exc, TimeoutError) or (
        asyncio is not None and isinstance(exc, asyncio.TimeoutError)
    ):
        return ErrorKind.TIMEOUT, "timed out", None
    if ssl is not None and isinstance(exc, ssl.SSLError):
        return ErrorKind.CONFIG, f"TLS: {exc}", None
    if isinstance(exc, OSError):
        return ErrorKind.UNREACHABLE, f"{type(exc).__name__}: {exc}", None
    return ErrorKind.HTTP, f"{type(exc).__name__}: {exc}", None


def _classify_httpx(exc: Any, httpx: Any, ssl: Any) -> tuple[ErrorKind, str, int | None]:
    if isinstance(exc, httpx.HTTPStatusError):
        status = exc.response.status_code
        kind = ErrorKind.AUTH if status in (401, 403) else ErrorKind.HTTP
        return kind, f"HTTP {status} {exc.response.reason_phrase} from {_where(exc)}", status
    if isinstance(exc, httpx.TimeoutException):
        phase = {
            httpx.ConnectTimeout: "connecting to",
            httpx.ReadTimeout: "waiting for an answer from",
            httpx.WriteTimeout: "sending to",
            httpx.PoolTimeout: "waiting for a free connection to",
        }.get(type(exc), "talking to")
        return ErrorKind.TIMEOUT, f"timed out{_after(exc)} {phase} {_where(exc)}", None
    if isinstance(exc, httpx.ConnectError):
        detail = _detail(exc)
        if ssl is not None and _caused_by(exc, ssl.SSLCertVerificationError):
            return ErrorKind.CONFIG, f"TLS certificate of {_where(exc)} not trusted: {detail}", None
        return ErrorKind.UNREACHABLE, f"cannot connect to {_where(exc)}: {detail}", None
    if isinstance(exc, httpx.ProxyError):
        return ErrorKind.UNREACHABLE, f"proxy failed for {_where(exc)}: {_detail(exc)}", None
    if isinstance(exc, httpx.NetworkError):  # read/write/close errors after connecting
        return ErrorKind.UNREACHABLE, f"connection to {_where(exc)} broke: {_detail(exc)}", None
    if isinstance(exc, httpx.RemoteProtocolError):
        return ErrorKind.MALFORMED, f"no valid HTTP answer from {_where(exc)}: {_detail(exc)}", None
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return ErrorKind.CONFIG, f"bad URL: {_detail(exc)}", None
    if isinstance(exc, httpx.DecodingError):
        return ErrorKind.MALFORMED, f"cannot decode the answer: {_detail(exc)}", None
    return ErrorKind.HTTP, f"{type(exc).__name__}: {_detail(exc)}", None


def _where(exc: httpx.HTTPError) -> str:
    """scheme://host:port/path of the failed request, without the query string."""
    try:
        url = exc.request.url
    except RuntimeError:  # the exception was raised without a request attached
        return "the server"
    return str(url.copy_with(query=None, fragment=None))


def _after(exc: httpx.HTTPError) -> str:
    try:
        timeouts = exc.request.extensions.get("timeout", {})
    except RuntimeError:
        return ""
    values = [v for v in timeouts.values() if isinstance(v, (int, float))]
    return f" after {max(values):g} s" if values else ""


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, kind):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _detail(exc: BaseException) -> str:
    """The most specific words available: httpx wraps the OSError that says what happened."""
    ssl = sys.modules.get("ssl")
    cause: BaseException | None = exc
    while cause is not None:
        # "Connection refused" says more than anyio's "All connection attempts failed".
        if ssl is not None and isinstance(cause, ssl.SSLError):  # errno: OpenSSL's, not the OS's
            return f"TLS: {cause.reason or cause}".replace("_", " ").lower()
        if isinstance(cause, socket.gaierror):
            return f"cannot resolve the host name ({cause.strerror})"
        if isinstance(cause, OSError) and cause.errno is not None:
            return os.strerror(cause.errno).lower()
        cause = cause.__cause__ or cause.__context__
    text = str(exc)
    cause = exc.__cause__ or exc.__context__
    while not text and cause is not None:
        text = str(cause)
        cause = cause.__cause__ or cause.__context__
    return text or type(exc).__name__
