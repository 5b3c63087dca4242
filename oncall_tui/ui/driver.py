"""Textual's Linux terminal driver, with an input thread that sleeps while nothing is typed.

Textual's input thread waits for a key at most 0.1 s at a time, then checks whether it should
stop and whether a half-read escape sequence has timed out: ten wakeups a second, each taking
the GIL from the event loop, about a tenth of the idle dashboard's CPU. This one waits as long
as nothing is typed, and 0.1 s only while the parser holds a half-read sequence (a lone ESC
becomes the escape key after that wait, as before). Stopping wakes it at once, through a pipe.

Everything else is Textual's LinuxDriver; the loop below is its `run_input_thread` (Textual
8.2) with those two changes.
"""

from __future__ import annotations

import os
import selectors
import threading
from codecs import getincrementaldecoder
from typing import Any

from textual._loop import loop_last
from textual._parser import ParseError
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

#: the wait while the parser holds a half-read escape sequence (Textual's wait)
PARTIAL_WAIT = 0.1


class _WakingEvent(threading.Event):
    """The driver's exit event; setting it also wakes the input thread's wait."""

    def __init__(self) -> None:
        super().__init__()
        self.read_end, self._write_end = os.pipe()
        os.set_blocking(self.read_end, False)
        os.set_blocking(self._write_end, False)

    def set(self) -> None:
        super().set()
        try:
            os.write(self._write_end, b"x")
        except OSError:  # a byte is waiting already (or the driver is closed)
            pass

    def drain(self) -> None:
        try:
            while os.read(self.read_end, 512):
                pass
        except OSError:  # nothing more to read
            pass

    def close(self) -> None:
        for end in (self.read_end, self._write_end):
            try:
                os.close(end)
            except OSError:
                pass


class QuietLinuxDriver(LinuxDriver):
    """LinuxDriver whose input thread wakes for input and stopping only."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.exit_event: _WakingEvent = _WakingEvent()

    def close(self) -> None:
        super().close()
        self.exit_event.close()

    def run_input_thread(self) -> None:
        """Wait for input and dispatch events (Textual's loop, waiting without a period)."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        wake = self.exit_event.read_end
        selector.register(wake, selectors.EVENT_READ)

        fileno = self.fileno
        event_read = selectors.EVENT_READ

        parser = XTermParser(self._debug)
        feed = parser.feed
        tick = parser.tick

        decode = getincrementaldecoder("utf-8")().decode
        read = os.read

        def process_selector_events(
            selector_events: list[tuple[selectors.SelectorKey, int]], final: bool = False
        ) -> None:
            for last, (key, mask) in loop_last(selector_events):
                if key.fd == wake:
                    self.exit_event.drain()
                    continue
                if mask & event_read:
                    unicode_data = decode(read(fileno, 1024 * 4), final=final and last)
                    if not unicode_data:
                        # This can occur if the stdin is piped
                        break
                    for event in feed(unicode_data):
                        self.process_message(event)
            for event in tick():
                self.process_message(event)

        def wait() -> float | None:
            # a half-read sequence times out after PARTIAL_WAIT; otherwise wait for input
            return PARTIAL_WAIT if parser._timeout_time is not None else None

        try:
            while not self.exit_event.is_set():
                process_selector_events(selector.select(wait()))
            selector.unregister(self.fileno)
            selector.unregister(wake)
            process_selector_events(selector.select(PARTIAL_WAIT), final=True)
        finally:
            selector.close()
            try:
                for _event in feed(""):
                    pass
            except (EOFError, ParseError):
                pass
