"""The garbage collector of a long-running dashboard: collected less often once settled.

Drawing a 200x60 screen makes tens of thousands of short-lived objects (strips, segments,
styles), so with the interpreter's defaults (700, 10, 10) the cyclic collector ran about
300 times for one runbook open on the 50-service config, 3 of them full collections that
walk every object the dashboard holds (the config, the parsed runbooks, the history,
Textual's widgets and caches: 300,000 to 500,000): about 40 % of the open's CPU. Once the
dashboard has settled, the youngest generation is collected every 10,000 allocations
(about 20 collections per open, a full one every few opens). Reference counting still
frees at once everything that is not in a cycle. Thresholds already higher (a test run's)
are kept.
"""

from __future__ import annotations

import gc

#: allocations between two collections of the youngest generation (the default is 700)
YOUNG_THRESHOLD = 10_000

_before: tuple[int, int, int] | None = None  # the thresholds before settling


def settle_collector() -> None:
    """Collect the youngest generation less often from here on."""
    global _before
    young, middle, old = gc.get_threshold()
    if _before is None:
        _before = (young, middle, old)
    gc.set_threshold(max(young, YOUNG_THRESHOLD), middle, old)


def restore_collector() -> None:
    """The thresholds as before `settle_collector` (the dashboard is closing; in a test
    run, the next app starts from what the run set)."""
    global _before
    if _before is not None:
        gc.set_threshold(*_before)
        _before = None
