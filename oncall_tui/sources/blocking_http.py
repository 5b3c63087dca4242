"""A blocking HTTP/1.1 client (the standard library's `http.client`) for one-shot commands.

`oncall status` polls once and ends; loading asyncio and httpx alone takes longer than the
curl + jq script an on-call engineer would write. Its sources run their requests through
this client instead, concurrently on threads (`sources.tasks`), with what the dashboard's
httpx client applies: the datasource's headers, bearer token and basic auth (or a URL's
`user:password@`), its TLS files (the `ssl` module is imported only for an `https://` URL),
the answer's size cap, and one deadline on the whole exchange, a dribbled body included. Its
failures are the dashboard's `FetchError`s, in the same words and scrubbed the same way.

No redirect is followed and no proxy is used: `use_blocking_http()` says whether the
environment names a proxy, in which case a command uses the httpx client, which honours it.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

from oncall_tui.config.model import HttpOptions
from oncall_tui.sources.base import ErrorKind, FetchError, FetchFailed
from oncall_tui.sources.http_errors import TooLarge, scrub

READ_SIZE = 64 * 1024


def use_blocking_http(environ: Mapping[str, str] = os.environ) -> bool:
    """False when the environment names a proxy (`https_proxy`, `ALL_PROXY`...): httpx
    sends through it, this client does not."""
    return not any(
        value and name.lower().endswith("_proxy") and name.lower() != "no_proxy"
        for name, value in environ.items()
    )


class Headers(dict[str, str]):
    """An answer's headers by lower-case name; a repeated one is joined with commas."""

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(name.lower(), default)


class Answer:
    """What the server said: the fields of an `httpx.Response` our sources read."""

    def __init__(
        self, status: int, reason: str, headers: Headers, content: bytes, truncated: bool
    ) -> None:
        self.status_code = status
        self.reason_phrase = reason
        self.headers = headers
        self.content = content
        self.truncated = truncated  # `truncate=True` and more than `max_body` was sent

    @property
    def text(self) -> str:
        charset = "utf-8"
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip('"')
        try:
            return self.content.decode(charset, "replace")
        except LookupError:  # a charset Python does not know
            return self.content.decode("utf-8", "replace")


class RequestTimer:
    """The request's own time, as curl's `time_total` counts it: from opening the
    connection to the body's last byte read."""

    def __init__(self) -> None:
        self.started: float | None = None
        self.ended: float | None = None

    def elapsed(self) -> float:
        end = self.ended if self.ended is not None else time.perf_counter()
        return max(0.0, end - (self.started if self.started is not None else end))


class BlockingClient:
    """Requests to `base_url` (or to absolute URLs) with the options of `http` applied.

    A connection per request: a one-shot command sends a request or two per server."""

    def __init__(self, http: HttpOptions, *, base_url: str = "") -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.timeout = http.timeout
        self.is_closed = False
        self._headers = {"User-Agent": "oncall", "Accept": "*/*", **http.headers}
        if http.bearer_token is not None:
            self._headers["Authorization"] = f"Bearer {http.bearer_token.reveal()}"
        if http.basic_auth is not None:
            auth = http.basic_auth
            self._headers["Authorization"] = _basic(auth.username, auth.password.reveal())
        self._tls: Any = None  # the SSLContext, built at the first https:// request
        self._tls_lock = threading.Lock()

    def send(
        self,
        method: str,
        url: str,
        *,
        max_body: int,
        deadline: float,
        secrets: Sequence[str] = (),
        params: Mapping[str, str] | None = None,
        content: bytes | None = None,
        json_body: object | None = None,
        headers: Mapping[str, str] | None = None,
        truncate: bool = False,
        timer: RequestTimer | None = None,
    ) -> Answer:
        """One exchange. Raises TimeoutError past `deadline` seconds (connecting included),
        TooLarge past `max_body` bytes (unless `truncate`: then the answer is cut there and
        says so), FetchFailed for every other failure."""
        import http.client

        full = url if "://" in url else self.base_url + url
        parts = urlsplit(full)
        scheme = parts.scheme.lower()
        where = _where(parts)
        if scheme not in ("http", "https") or not parts.hostname:
            raise FetchFailed(
                FetchError(ErrorKind.CONFIG, scrub(f"bad URL: {where or full!r}", secrets))
            )
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if params:
            target += ("&" if parts.query else "?") + urlencode(params)
        sent = dict(self._headers)
        if headers:
            sent.update(headers)
        if json_body is not None:
            content = json.dumps(json_body).encode()
            sent["Content-Type"] = "application/json"
        if self.http.basic_auth is None and (parts.username or parts.password):
            # as httpx: a URL's user:password is basic auth, unless the options set their own
            sent["Authorization"] = _basic(
                unquote(parts.username or ""), unquote(parts.password or "")
            )
        ends = time.monotonic() + deadline
        timer = timer or RequestTimer()
        try:
            port = parts.port
        except ValueError as exc:
            raise FetchFailed(FetchError(ErrorKind.CONFIG, f"bad URL: {exc}")) from None
        host = parts.hostname
        connection: http.client.HTTPConnection
        if scheme == "https":
            connection = http.client.HTTPSConnection(
                host, port, timeout=deadline, context=self._context(secrets)
            )
        else:
            connection = http.client.HTTPConnection(host, port, timeout=deadline)
        watchdog = _Watchdog(connection, deadline)
        connected = False
        try:
            watchdog.start()
            timer.started = time.perf_counter()
            connection.connect()
            connected = True
            connection.request(method, target, body=content, headers=sent)
            _budget(connection, ends)
            response = connection.getresponse()
            declared = response.getheader("content-length", "")
            if declared.isdigit() and int(declared) > max_body and not truncate:
                raise TooLarge
            chunks: list[bytes] = []
            size = 0
            truncated = False
            while True:
                _budget(connection, ends)
                chunk = response.read(READ_SIZE)
                if not chunk:
                    break
                size += len(chunk)
                chunks.append(chunk)
                if size > max_body:
                    if not truncate:
                        raise TooLarge
                    truncated = True
                    break
            timer.ended = time.perf_counter()
            if watchdog.fired:  # the deadline cut the answer short
                raise TimeoutError
            body = b"".join(chunks)[:max_body] if truncated else b"".join(chunks)
            found = Headers()
            for name, value in response.getheaders():
                key = name.lower()
                found[key] = f"{found[key]}, {value}" if key in found else value
            return Answer(response.status, response.reason, found, body, truncated)
        except (TimeoutError, TooLarge):
            raise
        except http.client.HTTPException as exc:  # before OSError: RemoteDisconnected is both
            if watchdog.fired:
                raise TimeoutError from None
            message = f"no valid HTTP answer from {where}: {_http_detail(exc)}"
            raise FetchFailed(FetchError(ErrorKind.MALFORMED, scrub(message, secrets))) from None
        except OSError as exc:
            if watchdog.fired:
                raise TimeoutError from None
            raise FetchFailed(_os_failure(exc, where, connected, secrets)) from None
        finally:
            watchdog.cancel()
            connection.close()

    def tls_context(self) -> Any:
        """The TLS context of the options, as the httpx client builds it; OSError (an
        ssl.SSLError is one) for an unreadable CA, certificate or key file."""
        with self._tls_lock:
            if self._tls is None:
                from oncall_tui.sources.http_errors import ssl_context

                self._tls = ssl_context(self.http.tls, default=_default_context)
            return self._tls

    def _context(self, secrets: Sequence[str]) -> Any:
        try:
            return self.tls_context()
        except OSError as exc:
            message = scrub(f"TLS files: {exc}", secrets)
            raise FetchFailed(FetchError(ErrorKind.CONFIG, message)) from None

    async def aclose(self) -> None:
        self.is_closed = True


def _default_context() -> Any:
    """httpx's default: $SSL_CERT_FILE, else $SSL_CERT_DIR, else certifi's bundle."""
    import ssl

    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    try:
        import certifi
    except ImportError:  # pragma: no cover - httpx depends on certifi
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())


class _Watchdog:
    """Shuts the connection's socket at the deadline: a server that sends its headers or
    body a byte at a time renews every read's own timeout, never this one."""

    def __init__(self, connection: Any, deadline: float) -> None:
        self._connection = connection
        self.fired = False
        self._timer = threading.Timer(max(0.0, deadline), self._fire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        sock = self._connection.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:  # already closed
                pass

    def cancel(self) -> None:
        self._timer.cancel()


def _budget(connection: Any, ends: float) -> None:
    """Each blocking read waits at most what is left of the deadline."""
    left = ends - time.monotonic()
    if left <= 0:
        raise TimeoutError
    if connection.sock is not None:
        connection.sock.settimeout(left)


def _basic(username: str, password: str) -> str:
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def _where(parts: Any) -> str:
    """scheme://host:port/path, without user:password, query or fragment."""
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return f"{parts.scheme}://{netloc}{parts.path}"


def _os_failure(exc: OSError, where: str, connected: bool, secrets: Sequence[str]) -> FetchError:
    import sys

    ssl = sys.modules.get("ssl")  # a TLS error exists only when ssl was loaded
    detail = _os_detail(exc)
    if ssl is not None and isinstance(exc, ssl.SSLCertVerificationError):
        message = f"TLS certificate of {where} not trusted: {detail}"
        return FetchError(ErrorKind.CONFIG, scrub(message, secrets))
    if connected:
        message = f"connection to {where} broke: {detail}"
    else:
        message = f"cannot connect to {where}: {detail}"
    return FetchError(ErrorKind.UNREACHABLE, scrub(message, secrets))


def _os_detail(exc: OSError) -> str:
    """The words httpx's classification gives the same OS error."""
    import sys

    ssl = sys.modules.get("ssl")
    if ssl is not None and isinstance(exc, ssl.SSLError):
        return f"TLS: {exc.reason or exc}".replace("_", " ").lower()
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve the host name ({exc.strerror})"
    if exc.errno is not None:
        return os.strerror(exc.errno).lower()
    return str(exc) or type(exc).__name__


def _http_detail(exc: Exception) -> str:
    import http.client

    if isinstance(exc, http.client.IncompleteRead):
        return "peer closed connection without sending complete message body"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "server disconnected without sending a response"
    return str(exc) or type(exc).__name__
