"""The raw verdict of a probe run (pure): codes, words, components, latency, failures."""

from __future__ import annotations

from oncall_tui.sources.base import ErrorKind, FetchError
from oncall_tui.sources.health.records import Component, flatten_components
from oncall_tui.sources.health.verdict import judge_probe, status_accepted, word_status
from oncall_tui.status import Status

CACHE_DOWN = Component("cache", Status.CRIT, "error: connection refused")
DB_OK = Component("database", Status.OK)


def test_any_2xx_is_accepted_when_expect_status_is_empty():
    assert status_accepted(200) and status_accepted(204)
    assert not status_accepted(301) and not status_accepted(404) and not status_accepted(503)
    assert status_accepted(503, (200, 503)) and not status_accepted(200, (204,))


def test_a_200_with_an_ok_word_and_healthy_components_is_ok():
    verdict = judge_probe(http_status=200, top_word="ok", top_status=Status.OK, components=[DB_OK])
    assert verdict.status is Status.OK and verdict.reason == ""


def test_an_unexpected_status_code_is_crit_and_says_what_was_expected():
    verdict = judge_probe(http_status=404)
    assert verdict.status is Status.CRIT
    assert verdict.reason == "HTTP 404 (expected 2xx)"
    moved = judge_probe(http_status=301, location="/login")
    assert moved.reason == "HTTP 301 to /login (expected 2xx)"


def test_a_down_word_is_crit_even_with_a_200():
    verdict = judge_probe(http_status=200, top_word="unhealthy", top_status=Status.CRIT)
    assert verdict.status is Status.CRIT and "unhealthy" in verdict.reason


def test_a_degraded_word_is_warn():
    verdict = judge_probe(http_status=200, top_word="degraded", top_status=Status.WARN)
    assert verdict.status is Status.WARN


def test_a_failing_component_under_an_ok_top_level_is_warn_and_named():
    verdict = judge_probe(
        http_status=200, top_word="ok", top_status=Status.OK, components=[CACHE_DOWN, DB_OK]
    )
    assert verdict.status is Status.WARN
    assert verdict.reason == "cache: error: connection refused"


def test_a_503_not_ready_with_a_failing_component_is_crit_and_names_both():
    verdict = judge_probe(
        http_status=503, top_word="not_ready", top_status=Status.CRIT, components=[CACHE_DOWN]
    )
    assert verdict.status is Status.CRIT
    assert verdict.reason.startswith("HTTP 503 (expected 2xx)")
    assert "status not_ready" in verdict.reason
    assert "cache: error: connection refused" in verdict.reason


def test_the_root_cause_is_named_by_its_path_not_its_parent():
    jobs = Component(
        "jobs", Status.CRIT, "", children=(Component("workers", Status.CRIT, "0 alive"),)
    )
    verdict = judge_probe(http_status=200, components=[jobs])
    assert verdict.reason == "jobs.workers: 0 alive"


def test_latency_over_latency_warn_is_warn():
    assert judge_probe(http_status=200, latency=0.3, latency_warn=0.2).status is Status.WARN
    assert judge_probe(http_status=200, latency=0.1, latency_warn=0.2).status is Status.OK
    assert judge_probe(http_status=200, latency=9.0).status is Status.OK


def test_no_answer_is_crit_and_a_misconfiguration_is_error():
    timeout = FetchError(ErrorKind.TIMEOUT, "no answer within 3 s")
    refused = FetchError(ErrorKind.UNREACHABLE, "connection refused")
    missing = FetchError(ErrorKind.CONFIG, "needs the grpc extra")
    assert judge_probe(error=timeout).status is Status.CRIT
    assert judge_probe(error=timeout).reason == "no answer within 3 s"
    assert judge_probe(error=refused).status is Status.CRIT
    assert judge_probe(error=missing).status is Status.ERROR


def test_word_status_knows_the_standard_words_in_any_case():
    for word in ("ok", "Healthy", "READY", "up", "pass", "SERVING"):
        assert word_status(word) is Status.OK, word
    for word in ("degraded", "WARN"):
        assert word_status(word) is Status.WARN, word
    for word in ("error", "unhealthy", "not_ready", "DOWN", "fail", "NOT_SERVING"):
        assert word_status(word) is Status.CRIT, word
    assert word_status("banana") is None


def test_flatten_components_gives_depth_and_dotted_paths():
    tree = (Component("jobs", Status.OK, children=(Component("workers", Status.WARN),)), DB_OK)
    flat = flatten_components(tree)
    assert [(f.depth, f.path) for f in flat] == [(0, "jobs"), (1, "jobs.workers"), (0, "database")]
