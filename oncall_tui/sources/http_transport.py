"""HTTP/1.1 for plain `http://` datasources: httpx's client on a lean transport.

httpx's default transport (httpcore's connection pool on anyio) cost about 1.8 ms of CPU per
request on a 2-core machine: a pool that walks every connection, asking each whether its
socket is readable, on every request and every close, and anyio's layers under each read. A
dashboard polling 8 batched queries every 5 s spent more CPU there than in reading and judging
the answers. This transport speaks HTTP/1.1 through h11 (the parser httpcore itself uses)
straight on an asyncio protocol: the whole request through httpx's client costs about half.

Everything above the transport stays httpx's: the client, its headers, auth, event hooks,
timeouts, response decoding (gzip), and the exceptions it raises (this transport raises
httpx's own: `ConnectError`, `ReadTimeout`, `RemoteProtocolError`...), so errors read as
before. It only speaks plain http; `https://` keeps httpx's transport and its TLS, and so
does a client that environment proxies would route (`make_async_client` decides).

Connections are kept for reuse while idle (at most `max_connections`, each at most
`keepalive_expiry` seconds), never reused when the server closed them or sent anything
unasked. A request on a reused connection that the server closed before answering (it timed
the connection out just then) is sent once more on a new connection.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

import h11
import httpx

#: bytes received but not yet read past which the socket stops reading (flow control)
HIGH_WATER = 256 * 1024
READ_SIZE = 64 * 1024


class _Closed(Exception):
    """The server closed the connection (or it broke) before the response was complete."""


class _Connection(asyncio.Protocol):
    """One TCP connection and its HTTP/1.1 state; data is fed to h11 as it is read."""

    def __init__(self, loop: asyncio.AbstractEventLoop, key: tuple[str, int]) -> None:
        self.loop = loop
        self.key = key
        self.h11 = h11.Connection(h11.CLIENT)
        self.transport: asyncio.Transport | None = None
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._paused = False
        self._eof = False
        self.lost: BaseException | None = None
        self.closed = False
        self._waiter: asyncio.Future[None] | None = None
        self.idle_since = 0.0
        self.answered = False  # a byte of the current response has been read

    # -- asyncio.Protocol --------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self._chunks.append(data)
        self._buffered += len(data)
        if self._buffered > HIGH_WATER and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self._eof = True
        self._wake()
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.lost = exc
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    # -- use ---------------------------------------------------------------------------

    def reusable(self, now: float, expiry: float) -> bool:
        """Idle, open, nothing unasked received, and not idle too long."""
        return (
            not self.closed
            and not self._eof
            and not self._chunks
            and self.h11.our_state is h11.IDLE
            and self.h11.their_state is h11.IDLE
            and now - self.idle_since <= expiry
        )

    def send(self, data: bytes) -> None:
        if self.closed or self.transport is None or self.transport.is_closing():
            raise _Closed("the connection is closed")
        self.transport.write(data)

    async def next_event(self, timeout: float | None) -> Any:
        """The next h11 event, reading as needed; raises `_Closed`, or TimeoutError after
        `timeout` seconds with nothing read."""
        while True:
            event = self.h11.next_event()
            if event is not h11.NEED_DATA:
                if isinstance(event, h11.ConnectionClosed):
                    raise _Closed("the server closed the connection")
                self.answered = True
                return event
            if self._chunks:
                chunk = self._chunks.popleft()
                self._buffered -= len(chunk)
                if self._paused and self._buffered <= HIGH_WATER // 2 and self.transport:
                    self._paused = False
                    self.transport.resume_reading()
                self.h11.receive_data(chunk)
                continue
            if self._eof or self.closed:
                if self.lost is not None:
                    raise _Closed(str(self.lost)) from self.lost
                self.h11.receive_data(b"")  # h11 says whether the answer was complete
                try:
                    event = self.h11.next_event()
                except h11.RemoteProtocolError as cut:  # closed before the answer ended
                    raise _Closed(str(cut)) from cut
                if event is h11.NEED_DATA or isinstance(event, h11.ConnectionClosed):
                    raise _Closed("the server closed the connection")
                self.answered = True
                return event
            await self._wait(timeout)

    async def _wait(self, timeout: float | None) -> None:
        waiter = self._waiter = self.loop.create_future()
        timer = None
        if timeout is not None:
            timer = self.loop.call_later(timeout, _expire, waiter)
        try:
            await waiter
        finally:
            if timer is not None:
                timer.cancel()
            self._waiter = None

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class _Body(httpx.AsyncByteStream):
    """The response body, read as it arrives; closing it gives the connection back."""

    def __init__(
        self,
        transport: PlainHttpTransport,
        conn: _Connection,
        request: httpx.Request,
        slots: asyncio.Semaphore,
    ) -> None:
        self._transport = transport
        self._slots = slots
        self._conn = conn
        self._request = request
        self._complete = False
        self._released = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        read_timeout = _timeout(self._request, "read")
        while not self._complete:
            try:
                event = await self._conn.next_event(read_timeout)
            except TimeoutError:
                raise httpx.ReadTimeout(
                    "timed out reading the answer", request=self._request
                ) from None
            except _Closed as closed:
                raise httpx.RemoteProtocolError(
                    f"the server closed the connection mid-answer: {closed}",
                    request=self._request,
                ) from closed.__cause__
            except h11.RemoteProtocolError as exc:
                raise httpx.RemoteProtocolError(str(exc), request=self._request) from exc
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                self._complete = True

    async def aclose(self) -> None:
        if not self._released:
            self._released = True
            self._slots.release()
            self._transport.release(self._conn, complete=self._complete)


class PlainHttpTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 over plain TCP with kept-alive connections; see the module's words."""

    def __init__(self, *, max_connections: int = 10, keepalive_expiry: float = 30.0) -> None:
        self._max = max(1, max_connections)
        self._expiry = keepalive_expiry
        self._idle: dict[tuple[str, int], list[_Connection]] = {}
        self._slots: asyncio.Semaphore | None = None  # made on the loop that uses it
        self._slots_loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme != "http":
            raise httpx.UnsupportedProtocol(
                f"this transport speaks plain http, not {url.scheme}://", request=request
            )
        loop = asyncio.get_running_loop()
        if self._slots is None or self._slots_loop is not loop:
            self._slots, self._slots_loop = asyncio.Semaphore(self._max), loop
        slots = self._slots
        if not slots.locked():
            await slots.acquire()  # free: taken at once
        else:
            try:
                await asyncio.wait_for(slots.acquire(), _timeout(request, "pool"))
            except asyncio.TimeoutError:
                raise httpx.PoolTimeout("no free connection", request=request) from None
        try:
            body = b"".join([part async for part in request.stream])  # type: ignore[union-attr]
            key = (url.host, url.port or 80)
            conn = self._reused(key)
            if conn is not None:
                try:
                    return await self._exchange(conn, request, body, slots)
                except _Retry:
                    pass  # closed by the server as it went idle: once more, on a new one
            conn = await self._connect(key, request)
            return await self._exchange(conn, request, body, slots)  # a new one: no retry
        except BaseException:
            slots.release()
            raise

    def _reused(self, key: tuple[str, int]) -> _Connection | None:
        idle = self._idle.get(key)
        now = time.monotonic()
        loop = asyncio.get_running_loop()
        while idle:
            conn = idle.pop()
            if conn.loop is loop and conn.reusable(now, self._expiry):
                return conn
            conn.close()
        return None

    async def _connect(self, key: tuple[str, int], request: httpx.Request) -> _Connection:
        loop = asyncio.get_running_loop()
        conn = _Connection(loop, key)
        try:
            await asyncio.wait_for(
                loop.create_connection(lambda: conn, key[0], key[1]),
                _timeout(request, "connect"),
            )
        except asyncio.TimeoutError:
            raise httpx.ConnectTimeout("timed out connecting", request=request) from None
        except OSError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        return conn

    async def _exchange(
        self, conn: _Connection, request: httpx.Request, body: bytes, slots: asyncio.Semaphore
    ) -> httpx.Response:
        """Send the request on `conn` and read the response's head; the body streams."""
        reused = conn.idle_since > 0
        conn.answered = False
        try:
            headers = [(k, v) for k, v in request.headers.raw]
            data = conn.h11.send(
                h11.Request(method=request.method, target=request.url.raw_path, headers=headers)
            )
            if body:
                data = (data or b"") + (conn.h11.send(h11.Data(data=body)) or b"")
            data = (data or b"") + (conn.h11.send(h11.EndOfMessage()) or b"")
            conn.send(data)
            read_timeout = _timeout(request, "read")
            while True:
                event = await conn.next_event(read_timeout)
                if isinstance(event, h11.Response):
                    break  # (an InformationalResponse, 1xx, is skipped)
        except TimeoutError:
            conn.close()
            raise httpx.ReadTimeout("timed out waiting for an answer", request=request) from None
        except _Closed as closed:
            conn.close()
            if reused and not conn.answered:
                raise _Retry from closed.__cause__
            raise httpx.RemoteProtocolError(
                "the server disconnected without sending an answer", request=request
            ) from closed.__cause__
        except h11.LocalProtocolError as exc:
            conn.close()
            raise httpx.LocalProtocolError(str(exc), request=request) from exc
        except h11.RemoteProtocolError as exc:
            conn.close()
            raise httpx.RemoteProtocolError(str(exc), request=request) from exc
        except BaseException:  # cancelled (a deadline): the connection is in an unknown state
            conn.close()
            raise
        return httpx.Response(
            event.status_code,
            headers=event.headers.raw_items(),
            stream=_Body(self, conn, request, slots),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": bytes(event.reason)},
        )

    def release(self, conn: _Connection, *, complete: bool) -> None:
        """The response was read (or given up): keep the connection when it can be reused."""
        h = conn.h11
        if (
            complete
            and not self._closed
            and not conn.closed
            and h.our_state is h11.DONE
            and h.their_state is h11.DONE
        ):
            h.start_next_cycle()
            conn.idle_since = time.monotonic()
            self._idle.setdefault(conn.key, []).append(conn)
        else:
            conn.close()

    async def aclose(self) -> None:
        self._closed = True
        for idle in self._idle.values():
            for conn in idle:
                conn.close()
        self._idle.clear()


class _Retry(Exception):
    """A reused connection closed before any answer: send the request again."""


def _timeout(request: httpx.Request, which: str) -> float | None:
    value = request.extensions.get("timeout", {}).get(which)
    return float(value) if isinstance(value, (int, float)) else None
