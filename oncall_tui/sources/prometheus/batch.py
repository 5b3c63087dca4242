"""Many KPI queries as one PromQL query, and its answer split back per KPI.

Each query is tagged with its index in a label and the tagged results are joined with `or`:

    label_replace((
    <query 0>
    ), "oncall_kpi_", "0", "", "") or label_replace((
    <query 1>
    ), "oncall_kpi_", "1", "", "") or ...

`or` keeps every series of both sides whose label sets differ, and the tag makes them all
differ, so nothing is lost; values and the other labels (`__name__` too) are untouched. Each
query sits on lines of its own so that a trailing `# comment` in it cannot swallow the rest.
Prometheus rejects the whole batch if one query is broken or returns a scalar (label_replace
takes an instant vector); the source then runs those on their own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeVar

from oncall_tui.sources.base import ErrorKind, FetchError, FetchFailed, Series
from oncall_tui.sources.prometheus.client import Labels, Points

#: the tag label; ends in "_" so it cannot clash with a real label or a reserved "__" one
BATCH_LABEL = "oncall_kpi_"
#: queries per batch: bounds a request's length and how long one batch takes to evaluate
MAX_BATCH = 25

T = TypeVar("T")


def plan_batches(
    items: Sequence[T], max_in_flight: int, max_size: int = MAX_BATCH
) -> list[list[T]]:
    """Contiguous batches of nearly equal size (sizes differ by one at most).

    As few batches as hold `max_size` queries each, so that a tick is few requests; but never
    more than `max_in_flight`, so that all batches of a tick run at once (their batches then
    grow past `max_size`).
    """
    if not items:
        return []
    count = min(max(1, max_in_flight), math.ceil(len(items) / max_size))
    size, extra = divmod(len(items), count)
    batches, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        batches.append(list(items[start:end]))
        start = end
    return batches


def combine(queries: Sequence[str]) -> str:
    """One query whose series carry `BATCH_LABEL` = the index of the query they came from."""
    return " or ".join(
        f'label_replace((\n{query}\n), "{BATCH_LABEL}", "{index}", "", "")'
        for index, query in enumerate(queries)
    )


def split(series: Sequence[Series], count: int) -> list[list[Series]]:
    """The answer to `combine(queries)` as one series list per query, without the tag."""
    parts: list[list[Series]] = [[] for _ in range(count)]
    for item in series:
        labels = dict(item.labels)
        parts[_index(labels, count)].append(Series(labels, item.value))
    return parts


def split_ranges(
    result: Sequence[tuple[Labels, Points]], count: int
) -> list[list[tuple[Labels, Points]]]:
    """The answer to a range query of `combine(queries)`, one list per query, untagged."""
    parts: list[list[tuple[Labels, Points]]] = [[] for _ in range(count)]
    for labels, points in result:
        untagged = dict(labels)
        parts[_index(untagged, count)].append((untagged, points))
    return parts


def _index(labels: dict[str, str], count: int) -> int:
    """Pop the tag from `labels` and return it; a missing or strange tag is a malformed answer."""
    raw = labels.pop(BATCH_LABEL, None)
    if raw is None or not raw.isdigit() or int(raw) >= count:
        raise FetchFailed(
            FetchError(ErrorKind.MALFORMED, f"a series of a batched query has {BATCH_LABEL}={raw}")
        )
    return int(raw)
