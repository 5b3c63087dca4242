"""One slug for keys made from titles, one widget id for names: each written once."""

from __future__ import annotations

import pytest
from textual.dom import check_identifiers

from oncall_tui.config.kpis import panel_key
from oncall_tui.grafana.translate import service_key
from oncall_tui.names import slug, widget_id
from oncall_tui.rules.translate import snake_key
from oncall_tui.ui.screens.service import panel_id
from oncall_tui.ui.widgets.health_pane import row_id


def test_a_slug_keeps_ascii_letters_and_digits_and_joins_the_rest() -> None:
    assert slug("Error Rate (5xx)", "_", empty="panel") == "error_rate_5xx"
    assert slug("  Checkout -- API ", "-", empty="service") == "checkout-api"
    assert slug("Café", "_", empty="panel") == "caf"
    assert slug("¿?", "_", empty="panel") == "panel"


def test_the_importers_and_the_config_make_keys_with_it() -> None:
    assert panel_key("Queue Depth (jobs)") == "queue_depth_jobs"
    assert panel_key("***") == "panel"
    assert snake_key("HighErrorRate") == "high_error_rate"
    assert snake_key("!!") == "alert"
    assert service_key("Checkout API") == "checkout-api"
    assert service_key("") == "service"


def test_a_name_that_is_already_an_id_is_kept_as_it_is() -> None:
    assert widget_id("panel-", "error_rate") == "panel-error_rate"
    assert panel_id("latency_p99") == "panel-latency_p99"
    assert row_id("ready-v2") == "probe-ready-v2"


@pytest.mark.parametrize("name", ["a.b", "a/b", "café", "p²", "db:5432", "two words", "日本"])
def test_any_other_name_becomes_a_valid_id_no_other_name_shares(name: str) -> None:
    made = widget_id("probe-", name)
    check_identifiers("id", made)  # raises BadIdentifier when Textual would refuse it
    assert made.isascii() and made.startswith("probe-")
    assert made != widget_id("probe-", "a-b")


def test_names_that_differ_only_in_a_replaced_character_get_different_ids() -> None:
    names = ["a.b", "a/b", "a-b", "a b", "a:b", "a_b"]
    assert len({widget_id("tile-", n) for n in names}) == len(names)
