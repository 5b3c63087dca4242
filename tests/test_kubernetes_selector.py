"""Label selectors parsed and matched locally, as the API server would."""

from __future__ import annotations

import pytest

from oncall_tui.sources.kubernetes.selector import SelectorError, parse_selector


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ("app=cqar", {"app": "cqar"}, True),
        ("app==cqar", {"app": "cqar"}, True),
        ("app=cqar", {"app": "arq"}, False),
        ("app=cqar,tier!=db", {"app": "cqar", "tier": "api"}, True),
        ("app=cqar,tier!=db", {"app": "cqar", "tier": "db"}, False),
        ("tier!=db", {}, True),  # != matches objects without the label
        ("env in (prod, staging)", {"env": "staging"}, True),
        ("env in (prod,staging)", {"env": "dev"}, False),
        ("env in (prod,staging)", {}, False),
        ("env notin (dev)", {}, True),
        ("env notin (dev)", {"env": "dev"}, False),
        ("!canary", {"app": "cqar"}, True),
        ("!canary", {"canary": "true"}, False),
        ("track", {"track": "stable"}, True),
        ("track", {}, False),
        ("a=b,c!=d,e in (x,y),!f,g", {"a": "b", "e": "y", "g": "1"}, True),
        ("a=b,c!=d,e in (x,y),!f,g", {"a": "b", "e": "y", "g": "1", "f": "1"}, False),
        ("app.kubernetes.io/name=cqar", {"app.kubernetes.io/name": "cqar"}, True),
        ("", {"anything": "x"}, True),
        ("app=", {"app": ""}, True),  # the empty value is a value
    ],
)
def test_selector_matches_like_the_api_server(
    selector: str, labels: dict[str, str], expected: bool
) -> None:
    assert parse_selector(selector).matches(labels) is expected


@pytest.mark.parametrize("bad", ["=cqar", "app=cqar,,tier=api", "env in (a,b", "a b", "x in (a b)"])
def test_unreadable_selectors_are_rejected_with_the_term(bad: str) -> None:
    with pytest.raises(SelectorError):
        parse_selector(bad)
