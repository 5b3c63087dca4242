"""`/` ranking: services, runbook headings and commands, on the example runbooks."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from oncall_tui.runbooks.index import RunbookIndex
from oncall_tui.runbooks.search import (
    EXACT,
    FUZZY_MIN,
    PREFIX,
    SUBSTRING,
    WORD_START,
    Kind,
    SearchIndex,
    build_search_index,
    fuzzy_score,
    matching_line,
    runbook_file,
    runbook_owners,
    score_text,
)

REPO = Path(__file__).resolve().parents[1]
RUNBOOKS = REPO / "runbooks"
SERVICES = [("arq", "ARQ API"), ("cqar", "CQAR asset registry"), ("bazaruto", "Bazaruto")]


@pytest.fixture(scope="module")
def runbooks() -> RunbookIndex:
    return RunbookIndex.load([RUNBOOKS])


@pytest.fixture(scope="module")
def index(runbooks: RunbookIndex) -> SearchIndex:
    refs = [("arq", "arq.md"), ("cqar", "cqar.md#high-latency"), ("bazaruto", "bazaruto.md")]
    return build_search_index(SERVICES, runbooks, runbook_owners(runbooks, refs, RUNBOOKS))


# -- the scorer -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("arq", "arq", EXACT),
        ("high", "high error rate", PREFIX),
        ("error", "high error rate", WORD_START),
        ("rror", "high error rate", SUBSTRING),
        ("rate error", "high error rate", 45),
        ("xyz", "high error rate", 0),
    ],
)
def test_exact_beats_prefix_beats_word_start_beats_substring_beats_words(query, text, expected):
    assert score_text(query, text) == expected


def test_fuzzy_subsequence_matches_letters_in_order_and_tighter_is_better():
    assert fuzzy_score("errrate", "high error rate") >= FUZZY_MIN
    assert fuzzy_score("bzr", "bazaruto") > fuzzy_score("bzr", "b a z a r u t o")
    assert fuzzy_score("rqa", "arq") == 0  # out of order
    assert fuzzy_score("ht", "h" + "x" * 40 + "t") == 0  # spread too thin to mean anything


def test_fuzzy_never_applies_to_command_text(index: SearchIndex):
    # "kbctl" is a subsequence of every kubectl command, but only a substring would count there
    assert not [h for h in index.search("kbctl") if h.entry.kind is Kind.COMMAND]


# -- the ranking ------------------------------------------------------------------------------


def test_pool_finds_connection_pool_exhausted_in_all_three_example_runbooks(index: SearchIndex):
    hits = index.search("pool")
    top = hits[:3]
    assert [h.entry.title for h in top] == ["Connection Pool Exhausted"] * 3
    assert {h.entry.file.name for h in top} == {"arq.md", "cqar.md", "bazaruto.md"}
    assert all(h.entry.kind is Kind.HEADING for h in top)
    assert [h.entry.anchor for h in top] == ["connection-pool-exhausted"] * 3


def test_kubectl_rollout_finds_command_blocks_and_shows_the_matching_line(index: SearchIndex):
    hits = index.search("kubectl rollout")
    assert hits and all(h.entry.kind is Kind.COMMAND for h in hits)
    assert all("kubectl" in h.shown and "rollout" in h.shown for h in hits), [h.shown for h in hits]
    assert {h.entry.file.name for h in hits} == {"arq.md", "cqar.md", "bazaruto.md"}
    undo = index.search("rollout undo")
    assert undo and all("rollout undo" in h.shown for h in undo)
    for hit in undo:  # the command records point back into their file
        assert hit.entry.command is not None and hit.entry.anchor
        assert "rollout undo" in hit.entry.text


def test_a_service_name_ranks_first(index: SearchIndex):
    for name, _ in SERVICES:
        first = index.search(name)[0]
        assert (first.entry.kind, first.entry.service) == (Kind.SERVICE, name)
    assert index.search("CQAR asset")[0].entry.service == "cqar"  # by title too


def test_headings_rank_above_commands_for_equal_scores(index: SearchIndex):
    hits = index.search("pool")
    scores = [(h.score, h.entry.kind.rank) for h in hits]
    assert scores == sorted(scores, key=lambda s: (-s[0], s[1]))
    same = [h for h in hits if h.score == hits[0].score]
    assert {h.entry.kind for h in same} == {Kind.HEADING, Kind.COMMAND}
    kinds = [h.entry.kind for h in same]
    assert kinds.index(Kind.COMMAND) > max(i for i, k in enumerate(kinds) if k is Kind.HEADING)


def test_the_preferred_file_wins_ties_between_runbooks(index: SearchIndex):
    cqar = (RUNBOOKS / "cqar.md").resolve()
    assert index.search("error rate")[0].entry.file.name == "arq.md"  # file order
    first = index.search("error rate", prefer_file=cqar)[0]
    assert (first.entry.title, first.entry.file) == ("High Error Rate", cqar)


def test_a_subsection_says_which_section_it_belongs_to(index: SearchIndex):
    checks = [h for h in index.search("check") if h.entry.title == "Check"]
    assert any(h.entry.where == "arq.md § Connection Pool Exhausted" for h in checks)
    assert index.search("high error rate")[0].entry.where == "arq.md"


def test_headings_and_commands_belong_to_the_service_whose_runbook_names_the_file(
    index: SearchIndex,
):
    for hit in index.search("error rate"):
        assert hit.entry.service == hit.entry.file.stem  # arq.md -> arq, ...


def test_files_no_service_claims_have_no_owner(runbooks: RunbookIndex):
    alone = build_search_index(SERVICES, runbooks, runbook_owners(runbooks, [("arq", "arq.md")]))
    owners = {h.entry.file.name: h.entry.service for h in alone.search("error rate")}
    assert owners == {"arq.md": "arq", "cqar.md": None, "bazaruto.md": None}


def test_runbook_file_resolves_a_service_link_and_ignores_missing_files(runbooks: RunbookIndex):
    assert runbook_file(runbooks, "cqar.md#high-latency", RUNBOOKS) == (RUNBOOKS / "cqar.md")
    assert runbook_file(runbooks, "gone.md", RUNBOOKS) is None
    assert runbook_file(runbooks, "#high-latency", RUNBOOKS) is None


def test_entry_ref_links_the_file_and_section(index: SearchIndex):
    hit = index.search("queue backlog")[0]
    assert hit.entry.ref == f"{RUNBOOKS / 'arq.md'}#queue-backlog"


def test_an_empty_query_lists_the_services_in_their_order(index: SearchIndex):
    hits = index.search("   ")
    assert [h.entry.service for h in hits] == ["arq", "cqar", "bazaruto"]


def test_without_runbooks_only_services_are_searched():
    services_only = build_search_index(SERVICES, None)
    assert [h.entry.service for h in services_only.search("a")] == ["arq", "cqar", "bazaruto"]
    assert services_only.search("kubectl") == []


def test_limit_caps_the_results(index: SearchIndex):
    assert len(index.search("e", limit=7)) == 7


def test_matching_line_prefers_the_line_with_the_query_and_cuts_long_lines():
    text = "kubectl get pods\nkubectl rollout undo deploy/x\n"
    assert matching_line(text, "rollout") == "kubectl rollout undo deploy/x"
    assert matching_line(text, "nothing") == "kubectl get pods"
    long = "x" * 200
    assert len(matching_line(long, "x")) <= 60 and matching_line(long, "x").endswith("…")


def test_the_index_is_textual_free(runbooks: RunbookIndex):
    import subprocess

    code = "import oncall_tui.runbooks.search, sys; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_words_may_come_from_different_fields_of_an_entry(index: SearchIndex):
    hits = index.search("cqar error rate")
    assert (hits[0].entry.title, hits[0].entry.file.name) == ("High Error Rate", "cqar.md")
    kubectl_pool = index.search("kubectl connection pool")
    assert kubectl_pool and all(h.entry.kind is Kind.COMMAND for h in kubectl_pool)
    assert all("kubectl" in h.entry.text for h in kubectl_pool)
    assert all("Connection Pool Exhausted" in h.entry.where for h in kubectl_pool)
