"""A blocking HTTP/1.1 client on a plain socket, for one-shot commands.

`oncall status` polls once and ends; loading asyncio and httpx alone takes longer than the
curl + jq script an on-call engineer would write, and the standard library's `http.client`
(with the `email` package and `ssl` it loads) a sixth of what is left. Its sources run their
requests through this client instead, concurrently on threads (`sources.tasks`), with what
the dashboard's httpx client applies: the datasource's headers, bearer token and basic auth
(or a URL's `user:password@`), its TLS files (the `ssl` module is imported only for an
`https://` URL), the answer's size cap, and one deadline on the whole exchange, a dribbled
body included. Its failures are the dashboard's `FetchError`s, in the same words and
scrubbed the same way.

One request per connection (`Connection: close`); the answer is framed by its
`Content-Length`, its chunks, or the end of the connection, and a gzip or deflate body is
unpacked (counted unpacked against the cap, as httpx does), though `identity` is asked for.
No redirect is followed and no proxy is used: `use_blocking_http()` says whether the
environment names a proxy, in which case a command uses the httpx client, which honours it.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
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
        full = url if "://" in url else self.base_url + url
        parts = urlsplit(full)
        scheme = parts.scheme.lower()
        where = _where(parts)
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError as exc:
            raise FetchFailed(FetchError(ErrorKind.CONFIG, f"bad URL: {exc}")) from None
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
        head = _request_head(method, target, parts.netloc.rsplit("@", 1)[-1], sent, content)
        if head is None:
            message = scrub(f"bad URL or header for {where}: a line break in it", secrets)
            raise FetchFailed(FetchError(ErrorKind.CONFIG, message))
        timer = timer or RequestTimer()
        ends = time.monotonic() + deadline
        context = self._context(secrets) if scheme == "https" else None
        watchdog = _Watchdog(deadline)
        connected = False
        sock: socket.socket | None = None
        try:
            watchdog.start()
            timer.started = time.perf_counter()
            address = (_host(parts.hostname), port)
            # getaddrinfo takes a bytes host too (typeshed says str)
            sock = socket.create_connection(address, timeout=deadline)  # type: ignore[arg-type]
            watchdog.sock = sock
            if context is not None:
                sock = context.wrap_socket(sock, server_hostname=parts.hostname)
                watchdog.sock = sock
            connected = True
            _budget(sock, ends)
            sock.sendall(head + (content or b""))
            reader = _Reader(sock, ends)
            status, reason, found = reader.head(method)
            declared = found.get("content-length", "")
            if declared.isdigit() and int(declared) > max_body and not truncate:
                raise TooLarge
            chunks: list[bytes] = []
            size = 0
            truncated = False
            for chunk in reader.body(method, status, found):
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
            body = b"".join(chunks)
            return Answer(status, reason, found, body[:max_body] if truncated else body, truncated)
        except (TimeoutError, TooLarge):
            raise
        except _Malformed as exc:
            if watchdog.fired:
                raise TimeoutError from None
            message = f"no valid HTTP answer from {where}: {exc}"
            raise FetchFailed(FetchError(ErrorKind.MALFORMED, scrub(message, secrets))) from None
        except _Undecodable as exc:
            message = f"cannot decode the answer: {exc}"
            raise FetchFailed(FetchError(ErrorKind.MALFORMED, scrub(message, secrets))) from None
        except OSError as exc:
            if watchdog.fired:
                raise TimeoutError from None
            raise FetchFailed(_os_failure(exc, where, connected, secrets)) from None
        finally:
            watchdog.cancel()
            if sock is not None:
                sock.close()

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
    """Shuts the socket at the deadline: a server that sends its headers or body a byte at a
    time renews every read's own timeout, never this one."""

    def __init__(self, deadline: float) -> None:
        self.sock: socket.socket | None = None
        self.fired = False
        self._timer = threading.Timer(max(0.0, deadline), self._fire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        if self.sock is not None:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:  # already closed
                pass

    def cancel(self) -> None:
        self._timer.cancel()


def _budget(sock: socket.socket, ends: float) -> None:
    """Each blocking read waits at most what is left of the deadline."""
    left = ends - time.monotonic()
    if left <= 0:
        raise TimeoutError
    sock.settimeout(left)


def _host(name: str) -> str | bytes:
    """An ASCII host name as bytes: a `str` one makes the socket module load the IDNA codec."""
    return name.encode("ascii") if name.isascii() else name


def _request_head(
    method: str, target: str, host: str, headers: Mapping[str, str], content: bytes | None
) -> bytes | None:
    """The request line and headers; None if any holds a line break (a header injected)."""
    parts = (method, target, host, *headers.keys(), *headers.values())
    if any("\r" in part or "\n" in part for part in parts):
        return None
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if content is not None or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(content or b'')}")
    lines += ["Accept-Encoding: identity", "Connection: close"]
    text = "\r\n".join(lines)
    return (text + "\r\n\r\n").encode("latin-1", "replace")


def _basic(username: str, password: str) -> str:
    import base64  # only with basic auth

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


#: what a status line or header line may be at most, and how many header lines there may be
MAX_LINE = 64 * 1024
MAX_HEADERS = 200


class _Malformed(Exception):
    """Not an HTTP/1.x answer; the words are the dashboard's plain-http transport's
    (`sources.http_transport`, h11's) where it has them."""


_NO_ANSWER = "the server disconnected without sending an answer"
_CUT = "the server closed the connection mid-answer: "


class _Undecodable(Exception):
    """A body in a content coding that cannot be unpacked."""


class _Reader:
    """An HTTP/1.x answer read from a socket, every read within the deadline."""

    def __init__(self, sock: socket.socket, ends: float) -> None:
        self._sock = sock
        self._ends = ends
        self._file = sock.makefile("rb")

    def _line(self) -> bytes:
        _budget(self._sock, self._ends)
        line = self._file.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise _Malformed("a header line longer than 64 KiB")
        return line

    def _read(self, size: int) -> bytes:
        _budget(self._sock, self._ends)
        return self._file.read(size)

    def head(self, method: str) -> tuple[int, str, Headers]:
        """The status, reason and headers of the final answer (1xx ones are skipped)."""
        while True:
            line = self._line()
            if not line:
                raise _Malformed(_NO_ANSWER)
            parts = line.rstrip(b"\r\n").split(b" ", 2)
            if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not _code(parts[1]):
                raise _Malformed(f"illegal status line: {line[:100]!r}")
            status = int(parts[1])
            reason = parts[2].decode("latin-1") if len(parts) > 2 else ""
            found = self._headers()
            if not 100 <= status < 200 or status == 101:
                return status, reason, found

    def _headers(self) -> Headers:
        found = Headers()
        last = ""
        for _ in range(MAX_HEADERS):
            line = self._line()
            if line in (b"\r\n", b"\n"):
                return found
            if not line:
                raise _Malformed(_NO_ANSWER)
            text = line.decode("latin-1").rstrip("\r\n")
            if text[:1] in (" ", "\t") and last:  # an obsolete folded line continues the last
                found[last] = f"{found[last]} {text.strip()}"
                continue
            name, sep, value = text.partition(":")
            if not sep or not name or name != name.strip():
                raise _Malformed(f"illegal header line: {line[:100]!r}")
            last = name.lower()
            value = value.strip()
            found[last] = f"{found[last]}, {value}" if last in found else value
        raise _Malformed(f"more than {MAX_HEADERS} header lines")

    def body(self, method: str, status: int, headers: Headers) -> Iterator[bytes]:
        """The body's bytes, unpacked, in pieces."""
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            return
        unpack = _unpacker(headers.get("content-encoding", ""))
        for piece in self._framed(headers):
            yield unpack(piece)
        yield unpack(None)

    def _framed(self, headers: Headers) -> Iterator[bytes]:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            yield from self._chunks()
            return
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                raise _Malformed(f"bad Content-Length {declared[:40]!r}")
            left = int(declared)
            while left > 0:
                piece = self._read(min(left, READ_SIZE))
                if not piece:
                    got = int(declared) - left
                    raise _Malformed(
                        f"{_CUT}peer closed connection without sending complete message body "
                        f"(received {got} bytes, expected {int(declared)})"
                    )
                left -= len(piece)
                yield piece
            return
        while True:  # framed by the end of the connection
            _budget(self._sock, self._ends)
            piece = self._file.read1(READ_SIZE)
            if not piece:
                return
            yield piece

    def _chunks(self) -> Iterator[bytes]:
        incomplete = (
            f"{_CUT}peer closed connection without sending complete message body "
            "(incomplete chunked read)"
        )
        while True:
            line = self._line()
            if not line:
                raise _Malformed(incomplete)
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise _Malformed(f"illegal chunk header: {line[:40]!r}") from None
            if size == 0:
                while self._line() not in (b"\r\n", b"\n", b""):  # trailers
                    pass
                return
            left = size
            while left > 0:
                piece = self._read(min(left, READ_SIZE))
                if not piece:
                    raise _Malformed(incomplete)
                left -= len(piece)
                yield piece
            if self._line() not in (b"\r\n", b"\n"):
                raise _Malformed(incomplete)


def _code(text: bytes) -> bool:
    return len(text) == 3 and text.isdigit()


def _unpacker(coding: str) -> Callable[[bytes | None], bytes]:
    """Unpacks a body piece by piece (None: the end); as it comes, if identity."""
    codings = [c.strip().lower() for c in coding.split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return lambda piece: piece or b""
    if len(codings) > 1 or codings[0] not in ("gzip", "x-gzip", "deflate"):
        raise _Undecodable(f"content encoding {coding!r}")
    import zlib

    wbits = 16 + zlib.MAX_WBITS if codings[0] != "deflate" else zlib.MAX_WBITS
    state = zlib.decompressobj(wbits)

    def unpack(piece: bytes | None) -> bytes:
        try:
            return state.decompress(piece) if piece is not None else state.flush()
        except zlib.error as exc:
            raise _Undecodable(str(exc)) from None

    return unpack
