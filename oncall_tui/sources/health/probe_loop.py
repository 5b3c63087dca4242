"""An event loop of the probes' own, in a thread, so that a probe's latency is the network's.

On the app's loop a probe's answer waits for whatever else the loop is doing (drawing a
screen, parsing a Prometheus batch, start-up imports) before the probe sees it, and that
wait was reported as the endpoint's latency: 60-260 ms for endpoints answering in 1 ms.
HTTP and TCP probes run here instead; the caller awaits them as usual. The loop starts
with the first probe and stops with `close()`.

Called with no loop running (a one-shot command's blocking probes, each on a thread of its
own: `sources.tasks`), a probe runs where it is called; nothing else shares its thread.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from oncall_tui.sources.tasks import on_loop

if TYPE_CHECKING:
    import asyncio

T = TypeVar("T")

#: how long `close()` waits for the loop's thread to end
CLOSE_TIMEOUT = 5.0


def _warm_imports() -> None:
    """What httpx imports on its first connection, imported before any probe is timed."""
    import contextlib

    with contextlib.suppress(ImportError):
        import anyio._backends._asyncio  # noqa: F401
        import httpcore._backends.anyio  # noqa: F401


class ProbeLoop:
    def __init__(self, name: str = "oncall-probes") -> None:
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _start(self) -> asyncio.AbstractEventLoop:
        import asyncio

        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def serve() -> None:
                    asyncio.set_event_loop(loop)
                    _warm_imports()
                    loop.call_soon(ready.set)
                    loop.run_forever()
                    loop.run_until_complete(loop.shutdown_asyncgens())
                    loop.close()

                self._thread = threading.Thread(target=serve, name=self._name, daemon=True)
                self._thread.start()
                ready.wait(CLOSE_TIMEOUT)
                self._loop = loop
            return self._loop

    async def run(self, work: Callable[[], Awaitable[T]]) -> T:
        """`await work()` on the probes' loop; cancelling the caller cancels it there too."""
        if not on_loop():
            return await work()
        import asyncio

        loop = self._start()

        async def call() -> T:
            return await work()

        future = asyncio.run_coroutine_threadsafe(call(), loop)
        try:
            return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            future.cancel()
            raise

    async def close(self, cleanup: Callable[[], Awaitable[object]] | None = None) -> None:
        """Run `cleanup()` there (closing clients bound to the loop), then stop the loop."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:  # no probe ran there: its clients (if any) are here
            if cleanup is not None:
                await cleanup()
            return
        import asyncio

        if cleanup is not None:
            await self.run(cleanup)
        with self._lock:
            self._loop = self._thread = None
        loop.call_soon_threadsafe(loop.stop)
        await asyncio.get_running_loop().run_in_executor(None, thread.join, CLOSE_TIMEOUT)
