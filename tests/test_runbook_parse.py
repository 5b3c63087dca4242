"""Runbook parsing: GitHub anchors, sections, command blocks, messy and long files."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from oncall_tui.runbooks.anchors import AnchorMaker, slugify
from oncall_tui.runbooks.index import RunbookIndex
from oncall_tui.runbooks.parse import parse_runbook

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"
FENCE = re.compile(r"^\s*(```|~~~)")
ATX = re.compile(r"^ {0,3}#{1,6}(\s|$)")


def reference_guides() -> list[Path]:
    if not REFERENCE.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"reference guides missing in CI: {REFERENCE}")
        pytest.skip(f"reference guides not present at {REFERENCE}")
    guides = sorted(REFERENCE.glob("*.txt"))
    assert guides, f"no guides in {REFERENCE}"
    return guides


def scan(text: str) -> tuple[int, int]:
    """(headings, fenced blocks) counted by a plain line scan, independently of the parser."""
    headings = fences = 0
    opener: str | None = None
    for line in text.splitlines():
        fence = FENCE.match(line)
        if opener is None:
            if fence:
                opener, fences = fence.group(1), fences + 1
            elif ATX.match(line):
                headings += 1
        elif fence and fence.group(1) == opener and line.strip() == opener:
            opener = None
    return headings, fences


# --- anchors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "anchor"),
    [
        ("Runbook: High Error Rate", "runbook-high-error-rate"),
        ("Runbook: Service Unavailable (503)", "runbook-service-unavailable-503"),
        ("High Error Rate (>0.5%)", "high-error-rate-05"),
        ("DB Connection Pool Exhausted", "db-connection-pool-exhausted"),
        ("snake_case and kebab-case", "snake_case-and-kebab-case"),
        ("1. High Memory Usage", "1-high-memory-usage"),
        ("Level 3 - Engineering Lead", "level-3---engineering-lead"),
        ("Café Überblick", "café-überblick"),
        ("日本語 の 見出し", "日本語-の-見出し"),
        ("🔥 Fire drill", "-fire-drill"),
        ("What's `kubectl`?", "whats-kubectl"),
    ],
)
def test_slug_follows_github_rules(title: str, anchor: str) -> None:
    assert slugify(title) == anchor


def test_duplicate_headings_get_numbered_anchors_in_order() -> None:
    maker = AnchorMaker()
    assert [maker.make(t) for t in ("Check", "Check", "Check", "Check 1", "Check-1")] == [
        "check",
        "check-1",
        "check-2",
        "check-1-1",
        "check-1-2",
    ]


def test_heading_anchor_uses_visible_text_of_links_and_code() -> None:
    text = "## Restart [the pods](https://k8s.io) with `kubectl`\n\n### *Really* **now**\n"
    runbook = parse_runbook(text, Path("x.md"))
    assert [h.anchor for h in runbook.headings] == [
        "restart-the-pods-with-kubectl",
        "really-now",
    ]
    assert runbook.headings[0].title == "Restart the pods with kubectl"


# --- sections and commands ---------------------------------------------------------------

NESTED = """\
# Service

intro

## Runbook: High Error Rate

text

```promql
sum(rate(x[5m]))
```

### Check

```bash
kubectl get pods
```

## Other

```
plain block
```
"""


def test_sections_run_to_next_heading_of_same_or_higher_level() -> None:
    runbook = parse_runbook(NESTED, Path("svc.md"))
    top = runbook.section("service")
    error = runbook.section("#runbook-high-error-rate")
    check = runbook.section("check")
    assert top is not None and error is not None and check is not None
    assert (error.start_line, error.end_line) == (5, 18)
    assert (check.start_line, check.end_line) == (13, 18)
    assert top.end_line == runbook.line_count
    assert error.parent == "service" and check.parent == "runbook-high-error-rate"
    assert top.children == ("runbook-high-error-rate", "other")
    assert runbook.section_text(error).startswith("## Runbook: High Error Rate\n")
    assert "kubectl get pods" in runbook.section_text(error)
    assert "plain block" not in runbook.section_text(error)


def test_commands_record_language_text_heading_and_line() -> None:
    runbook = parse_runbook(NESTED, Path("svc.md"))
    assert [(c.index, c.language, c.line) for c in runbook.commands] == [
        (0, "promql", 9),
        (1, "bash", 15),
        (2, "", 21),
    ]
    first, second, third = runbook.commands
    assert first.text == "sum(rate(x[5m]))\n"
    assert first.heading is not None and first.heading.anchor == "runbook-high-error-rate"
    assert second.heading is not None and second.heading.anchor == "check"
    assert third.text == "plain block\n" and third.language == ""
    error = runbook.section("runbook-high-error-rate")
    assert error is not None
    assert [c.index for c in runbook.commands_in(error)] == [0, 1]


MESSY = """\
Text before any heading.

<!-- a comment with ## not a heading
```
and a fence-looking line
-->

| KPI | Target |
| --- | ------ |
| p99 | < 2s   |

- step one
  - nested step
    ```bash
    kubectl -n $NAMESPACE get pods
    ```
  - another
1. numbered

       indented code block
       second line

> quoted
> ```sql
> SELECT 1;
> ```

Setext heading
--------------

<details><summary>More</summary>

raw html stays text

</details>

~~~yaml title="config"
key: value
~~~

```bash
unclosed fence at the end
"""


def test_messy_markdown_loads_without_dropping_anything() -> None:
    runbook = parse_runbook(MESSY, Path("messy.md"))
    assert [h.title for h in runbook.headings] == ["Setext heading"]
    langs = [(c.language, c.fenced) for c in runbook.commands]
    assert langs == [
        ("bash", True),
        ("", False),
        ("sql", True),
        ("yaml", True),
        ("bash", True),
    ]
    listed = runbook.commands[0]
    assert listed.text == "kubectl -n $NAMESPACE get pods\n"  # list indentation removed
    assert listed.heading is None
    assert runbook.commands[1].text == "indented code block\nsecond line\n"
    assert runbook.commands[3].info == 'yaml title="config"'
    assert runbook.commands[4].text == "unclosed fence at the end\n"
    kinds = {b.kind for b in runbook.blocks}
    assert {"paragraph", "html", "table", "list", "quote", "heading", "code"} <= kinds
    # Every non-blank line of the file belongs to some top-level block: nothing vanished.
    covered = set()
    for block in runbook.blocks:
        covered.update(range(block.start_line, block.end_line + 1))
    lines = MESSY.splitlines()
    blank = {i + 1 for i, line in enumerate(lines) if not line.strip()}
    assert set(range(1, len(lines) + 1)) - blank <= covered


def test_crlf_and_bom_are_normalised() -> None:
    runbook = parse_runbook("\ufeff# Title\r\n\r\n```sh\r\nls\r\n```\r\n", Path("w.md"))
    assert runbook.headings[0].anchor == "title"
    assert runbook.commands[0].text == "ls\n"


def test_twenty_thousand_line_file_loads_fast(tmp_path: Path) -> None:
    chunk = (
        "## Incident {i}\n\nSome *text* with `code`.\n\n- item\n  - nested\n\n"
        "```bash\nkubectl -n $NAMESPACE get pods # {i}\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
    )
    text = "# Big\n\n" + "".join(chunk.format(i=i) for i in range(1340))
    assert text.count("\n") >= 20_000
    path = tmp_path / "big.md"
    path.write_text(text)
    started = time.process_time()  # CPU seconds, so a busy machine does not fail it
    index = RunbookIndex.load([path])
    elapsed = time.process_time() - started
    runbook = index.runbooks[0]
    assert len(runbook.headings) == 1341
    assert len(runbook.commands) == 1340
    assert runbook.headings[-1].anchor == "incident-1339"
    assert elapsed < 5.0, f"20k lines took {elapsed:.2f}s"


# --- the reference guides ------------------------------------------------------------------


def test_reference_guides_parse_with_every_heading_and_block() -> None:
    for guide in reference_guides():
        text = guide.read_text(encoding="utf-8")
        runbook = parse_runbook(text, guide)
        headings, fences = scan(text)
        assert len(runbook.headings) == headings, guide.name
        assert sum(c.fenced for c in runbook.commands) == fences, guide.name
        assert all(h.anchor for h in runbook.headings), guide.name
        anchors = [h.anchor for h in runbook.headings]
        assert len(anchors) == len(set(anchors)), guide.name
        assert all(runbook.section(a) is not None for a in anchors)
        for command in runbook.commands:
            opening = text.splitlines()[command.line - 1]
            assert FENCE.match(opening), (guide.name, command.line)


def test_reference_guide_runbook_headings_have_github_anchors() -> None:
    guides = {g.name[:3]: g for g in reference_guides()}
    cqar = parse_runbook(guides["000"].read_text(encoding="utf-8"), guides["000"])
    section = cqar.section("runbook-high-error-rate")
    assert section is not None and section.title == "Runbook: High Error Rate"
    assert cqar.section("runbook-service-unavailable-503") is not None
    # The guide's own table of contents links must all land on a heading.
    for link in re.findall(r"\]\(#([^)]+)\)", guides["000"].read_text(encoding="utf-8")):
        assert cqar.section(link) is not None, link
    commands = cqar.commands_in(section)
    assert [c.language for c in commands] == ["promql", "promql", "bash"]


# --- the index -----------------------------------------------------------------------------


def test_index_loads_folders_recursively_and_reports_bad_files(tmp_path: Path) -> None:
    (tmp_path / "team" / "deep").mkdir(parents=True)
    (tmp_path / "a.md").write_text("# A\n\n## One\n")
    (tmp_path / "team" / "deep" / "b.md").write_text("# B\n")
    (tmp_path / "notes.txt").write_text("# not markdown\n")
    (tmp_path / "latin1.md").write_bytes("# Caf\xe9\n".encode("latin-1"))
    unreadable = tmp_path / "locked.md"
    unreadable.write_text("# Locked\n")
    unreadable.chmod(0)
    try:
        index = RunbookIndex.load([tmp_path, tmp_path / "missing.md"])
    finally:
        unreadable.chmod(0o644)
    names = sorted(p.name for p in index.files())
    kinds = {p.kind: p.path.name for p in index.problems}
    assert kinds["missing"] == "missing.md"
    assert kinds["encoding"] == "latin1.md"
    assert "latin1.md" in names  # shown with a replacement character, not dropped
    if os.geteuid() != 0:  # root reads mode-0 files anyway
        assert kinds["unreadable"] == "locked.md"
    assert {"a.md", "b.md"} <= set(names) and "notes.txt" not in names
    assert index.section("a.md", "one") is not None
    assert index.section("team/deep/b.md", "b") is not None
    assert [h.anchor for h in index.headings("a.md")] == ["a", "one"]
    assert index.runbook("nope.md") is None
