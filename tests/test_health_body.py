"""Reading health JSON bodies in the shapes real services publish (pure, no I/O)."""

from __future__ import annotations

from oncall_tui.sources.health.body import parse_json_body, read_health_document
from oncall_tui.sources.health.records import flatten_components
from oncall_tui.status import Status

CQAR_NOT_READY = {
    "status": "not_ready",
    "components": {"database": "ok", "cache": "error: connection refused", "eventbus": "ok"},
    "timestamp": "2025-10-16T12:34:56Z",
}

BAZARUTO_DETAILED = {
    "status": "healthy",
    "version": "1.1.0",
    "checks": {
        "database": {"status": "healthy", "response_time": "2ms"},
        "redis": {"status": "healthy", "response_time": "1ms"},
        "jobs": {"status": "healthy", "pending_jobs": 5, "failed_jobs": 0},
    },
}


def by_name(components):
    return {flat.path: flat.component for flat in flatten_components(components)}


def test_components_map_of_strings_marks_the_failing_one_down_with_its_message():
    body = read_health_document(CQAR_NOT_READY)
    assert body.word == "not_ready" and body.status is Status.CRIT
    first = body.components[0]
    assert first.name == "cache"
    assert first.status is Status.CRIT
    assert first.message == "error: connection refused"
    assert {c.name: c.status for c in body.components[1:]} == {
        "database": Status.OK,
        "eventbus": Status.OK,
    }


def test_checks_map_of_objects_keeps_extra_fields():
    body = read_health_document(BAZARUTO_DETAILED)
    comps = by_name(body.components)
    assert body.status is Status.OK
    assert comps["database"].fields == {"response_time": "2ms"}
    assert comps["jobs"].fields == {"pending_jobs": 5, "failed_jobs": 0}
    assert all(c.status is Status.OK for c in comps.values())


def test_checks_nested_any_depth_put_failing_children_first():
    doc = {
        "status": "ok",
        "checks": {
            "cache": {
                "status": "ok",
                "l2_healthy": False,
                "tiers": {
                    "l1": {"status": "ok", "hit_rate": 0.93},
                    "l2": {"status": "down", "error": "redis timeout", "shard": {"n": 3}},
                },
            }
        },
    }
    comps = by_name(read_health_document(doc).components)
    assert comps["cache"].fields == {"l2_healthy": False}
    assert [c.name for c in comps["cache"].children] == ["l2", "l1"]
    assert comps["cache.l2"].status is Status.CRIT
    assert comps["cache.l2"].message == "redis timeout"
    assert comps["cache.l2"].fields == {"shard.n": 3}
    assert comps["cache.l1"].fields == {"hit_rate": 0.93}


def test_spring_boot_actuator_components_with_details_as_fields():
    doc = {
        "status": "DOWN",
        "components": {
            "db": {"status": "UP", "details": {"database": "PostgreSQL", "validationQuery": "x"}},
            "diskSpace": {"status": "DOWN", "details": {"total": 100, "free": 0}},
            "ping": {"status": "UP"},
        },
    }
    body = read_health_document(doc)
    comps = by_name(body.components)
    assert body.status is Status.CRIT
    assert body.components[0].name == "diskSpace"
    assert comps["diskSpace"].fields == {"details.total": 100, "details.free": 0}
    assert comps["db"].status is Status.OK
    assert comps["db"].children == ()
    assert comps["db"].fields["details.database"] == "PostgreSQL"


def test_ietf_health_check_draft_lists_become_components():
    doc = {
        "status": "warn",
        "checks": {
            "db:connections": [{"componentId": "pg", "status": "pass", "observedValue": 12}],
            "cpu:utilization": [
                {"componentId": "node-1", "status": "pass", "observedValue": 40},
                {"componentId": "node-2", "status": "warn", "output": "CPU at 91%"},
            ],
        },
    }
    body = read_health_document(doc)
    comps = by_name(body.components)
    assert body.status is Status.WARN
    assert comps["db:connections"].status is Status.OK
    assert comps["db:connections"].fields["observedValue"] == 12
    assert comps["cpu:utilization"].status is Status.WARN
    assert comps["cpu:utilization.node-2"].message == "CPU at 91%"
    assert body.components[0].name == "cpu:utilization"


def test_boolean_health_flags_are_read_at_top_and_in_components():
    body = read_health_document({"healthy": False, "database": {"ok": True}, "queue": False})
    assert body.status is Status.CRIT
    assert body.word == "healthy: false"
    comps = by_name(body.components)
    assert comps["database"].status is Status.OK
    # a bare boolean is not a component outside a components map
    assert "queue" not in comps
    inside = read_health_document({"status": "ok", "checks": {"queue": False, "db": True}})
    assert by_name(inside.components)["queue"].status is Status.CRIT


def test_details_map_of_status_objects_is_read_as_components():
    doc = {"status": "UP", "details": {"redis": {"status": "DOWN", "error": "refused"}}}
    comps = by_name(read_health_document(doc).components)
    assert comps["redis"].status is Status.CRIT and comps["redis"].message == "refused"


def test_status_words_are_case_insensitive_and_overridable():
    assert read_health_document({"status": "HEALTHY"}).status is Status.OK
    assert read_health_document({"status": "Degraded"}).status is Status.WARN
    assert read_health_document({"status": "NOT_SERVING"}).status is Status.CRIT
    assert read_health_document({"status": "green-ish"}).status is None
    custom = {"Green-ish": Status.OK, "ok": Status.WARN}
    assert read_health_document({"status": "green-ish"}, custom).status is Status.OK
    assert read_health_document({"status": "OK"}, custom).status is Status.WARN


def test_unknown_component_words_are_shown_not_judged_unless_they_name_a_failure():
    doc = {"components": {"db": "connected to primary", "mq": "timeout after 5s"}}
    comps = by_name(read_health_document(doc).components)
    assert comps["mq"].status is Status.CRIT
    assert comps["db"].status is Status.NODATA and comps["db"].message == "connected to primary"


def test_plain_text_empty_and_broken_json_are_not_json():
    assert parse_json_body(b"OK") is None
    assert parse_json_body(b"") is None
    assert parse_json_body(b"{not json") is None
    assert parse_json_body(b"<html>ok</html>") is None
    assert parse_json_body(b' {"status": "ok"} ') == {"status": "ok"}
    assert read_health_document("SERVING").status is Status.OK


def test_a_list_of_failed_parts_names_each_one_as_failing():
    body = read_health_document({"status": "not ready", "failed": ["redis", "kafka"]})
    parts = by_name(body.components)
    assert set(parts) == {"redis", "kafka"}
    assert parts["redis"].status is Status.CRIT


def test_a_readiness_503_naming_its_failed_part_says_which_in_the_reason():
    from oncall_tui.sources.health.verdict import judge_http

    body = read_health_document({"status": "not ready", "failed": ["redis"]})
    verdict = judge_http(503, body, 0.01)
    assert verdict.status is Status.CRIT
    assert "redis" in verdict.reason
