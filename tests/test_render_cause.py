"""The cause line of a probe or pods check says what the check's own record says."""

from __future__ import annotations

from oncall_tui.config.model import ProbeKind
from oncall_tui.engine.snapshot import CheckSnapshot
from oncall_tui.render.cause import cause_text
from oncall_tui.sources.base import CheckId, CheckKind, ErrorKind, FetchError
from oncall_tui.sources.health.records import ProbeResult
from oncall_tui.sources.kubernetes.records import Workloads
from oncall_tui.sources.sli import SliRatios
from oncall_tui.status import Status

NOW = 1_800_000_000.0


def _check(kind: CheckKind, key: str, **fields: object) -> CheckSnapshot:
    return CheckSnapshot(
        id=CheckId("api", kind, key), title=key, status=Status.CRIT, updated_at=NOW, **fields
    )


def _pods(reason: str) -> Workloads:
    return Workloads("api", None, "prod", "app=api", NOW, Status.CRIT, reason)


def test_a_probe_says_its_result_s_reason() -> None:
    result = ProbeResult("ready", ProbeKind.HTTP, Status.CRIT, 503, reason="HTTP 503; db: down")
    text = cause_text(_check(CheckKind.HEALTH, "ready", detail=result), NOW)
    assert "ready probe: HTTP 503; db: down" in text


def test_pods_say_their_reason_else_their_summary() -> None:
    text = cause_text(_check(CheckKind.KUBERNETES, "workloads", detail=_pods("0/3 ready")), NOW)
    assert "workloads: 0/3 ready" in text
    text = cause_text(_check(CheckKind.KUBERNETES, "workloads", detail=_pods("")), NOW)
    assert "workloads: 0/0" in text  # the pods column's summary


def test_without_a_reason_the_error_or_the_status_word_is_said() -> None:
    error = FetchError(ErrorKind.TIMEOUT, "no answer within 5 s")
    result = ProbeResult("ready", ProbeKind.HTTP, Status.CRIT)  # no reason
    text = cause_text(_check(CheckKind.HEALTH, "ready", detail=result, error=error), NOW)
    assert "ready probe: timeout: no answer within 5 s" in text
    # a detail of another kind is never read for a `reason` it does not have
    text = cause_text(_check(CheckKind.SLO, "avail", detail=SliRatios({})), NOW)
    assert "avail: CRIT" in text
