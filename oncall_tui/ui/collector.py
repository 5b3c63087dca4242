"""The garbage collector of a long-running dashboard: what start-up built is left alone.

Drawing a 200x60 screen makes tens of thousands of short-lived objects (strips, segments,
styles), so with the interpreter's defaults the cyclic collector runs hundreds of times for
one runbook open, and each full collection walks every object the dashboard holds (the
config, the parsed runbooks, the history, Textual's widgets and caches: a few hundred
thousand). Measured on the 50-service config at 200x60, that was about 40 % of the CPU of
opening the runbook pane. Once the dashboard has settled, what start-up built is moved out
of the collector's reach (`gc.freeze`) and the youngest generation is collected less often;
reference counting still frees everything that is not in a cycle at once.
"""

from __future__ import annotations

import gc

#: allocations between two collections of the youngest generation (the default is 700)
YOUNG_THRESHOLD = 10_000
#: collections of one generation before the next older one is collected (as the default)
OLDER_THRESHOLD = 10


_before: tuple[int, int, int] | None = None  # the thresholds before settling


def settle_collector() -> None:
    """Freeze what exists now and collect less often from here on."""
    global _before
    if _before is None:
        _before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, OLDER_THRESHOLD, OLDER_THRESHOLD)


def restore_collector() -> None:
    """As before `settle_collector` (the dashboard is closing; in a test run, the next app
    starts from the interpreter's defaults and nothing frozen outlives its app)."""
    global _before
    if _before is not None:
        gc.set_threshold(*_before)
        _before = None
        gc.unfreeze()
