"""`gather`, `wait_for` and `Semaphore` for sources that run on an asyncio loop or on none.

The dashboard polls on asyncio, its HTTP on httpx. A one-shot `oncall status` polls once
with blocking I/O instead (`BlockingClient`): importing asyncio and httpx alone takes longer
than a curl + jq script needs for the whole answer. The sources are the same `async def`
code either way; only these three primitives differ, chosen by whether an asyncio loop runs
in the calling thread (as sniffio tells asyncio from trio):

- on a loop: asyncio's own;
- on none: each awaitable of a `gather` runs to its end in a thread of its own, `wait_for`
  waits for its thread at most `timeout` seconds, and `Semaphore` is a thread semaphore.

`run_blocking(coroutine)` drives a coroutine to its end with no loop. A coroutine that
really suspends (awaits a future of a loop) cannot run so, and raises `NeedsLoop`.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Awaitable, Coroutine
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")


class NeedsLoop(RuntimeError):
    """A coroutine run with no loop waited for something only an event loop can give."""


def on_loop() -> bool:
    """Whether an asyncio loop runs in this thread (never when asyncio is not imported)."""
    asyncio = sys.modules.get("asyncio")
    return asyncio is not None and asyncio._get_running_loop() is not None


def run_blocking(awaitable: Awaitable[T]) -> T:
    """The result of `awaitable`, run to its end here, with no event loop."""
    coroutine = _as_coroutine(awaitable)
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coroutine.close()
    name = getattr(coroutine, "__qualname__", repr(coroutine))
    raise NeedsLoop(f"{name} waited for an event loop; none runs")


async def gather(*awaitables: Awaitable[Any]) -> list[Any]:
    """Their results in order; the first exception (in order) is raised once all ended."""
    if on_loop():
        import asyncio

        return await asyncio.gather(*awaitables)
    if not awaitables:
        return []
    runs = [_Run(a) for a in awaitables[1:]]
    for run in runs:
        run.start()
    first = _Run(awaitables[0])
    first.run()  # the first one here: one thread fewer
    for run in runs:
        run.join()
    return [run.outcome() for run in (first, *runs)]


async def wait_for(awaitable: Awaitable[T], timeout: float) -> T:
    """Its result, or the builtin `TimeoutError` after `timeout` seconds (on Python 3.10
    too, where asyncio's is another class). With no loop, a run that overstays is left to
    end in its (daemon) thread; its result is dropped."""
    if on_loop():
        import asyncio

        try:
            return await asyncio.wait_for(awaitable, timeout)
        except asyncio.TimeoutError:
            raise TimeoutError from None
    run = _Run(awaitable)
    run.start()
    run.join(timeout)
    if run.is_alive():
        raise TimeoutError
    return run.outcome()  # type: ignore[no-any-return]


class Semaphore:
    """At most `value` holders at once: asyncio's on a loop, a thread semaphore on none.

    Made where it is used (one loop per semaphore); the kind is chosen at the first use."""

    def __init__(self, value: int) -> None:
        self._value = value
        self._impl: Any = None
        self._threads = False

    async def __aenter__(self) -> None:
        if self._impl is None:
            self._threads = not on_loop()
            if self._threads:
                self._impl = threading.BoundedSemaphore(self._value)
            else:
                import asyncio

                self._impl = asyncio.Semaphore(self._value)
        if self._threads:
            self._impl.acquire()
        else:
            await self._impl.acquire()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._impl.release()


class _Run(threading.Thread):
    """One awaitable driven to its end with no loop, in a thread or (`run()`) here."""

    def __init__(self, awaitable: Awaitable[Any]) -> None:
        super().__init__(daemon=True, name="oncall-blocking")
        self._coroutine = _as_coroutine(awaitable)
        self._result: Any = None
        self._error: BaseException | None = None

    def run(self) -> None:
        try:
            self._result = run_blocking(self._coroutine)
        except BaseException as exc:  # handed to the caller by outcome()
            self._error = exc

    def outcome(self) -> Any:
        if self._error is not None:
            raise self._error
        return self._result


def _as_coroutine(awaitable: Awaitable[T]) -> Coroutine[Any, Any, T]:
    if isinstance(awaitable, Coroutine):
        return awaitable

    async def wrapped() -> T:
        return await awaitable

    return wrapped()
