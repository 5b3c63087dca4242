"""GitHub-style heading anchors: `## Runbook: High Error Rate` -> `runbook-high-error-rate`.

The rules follow GitHub's slugger: lowercase; keep letters, marks and digits of any script,
`-`, `_` and spaces; drop everything else (punctuation, symbols, emoji); each space becomes
`-`. A repeated slug in one file gets `-1`, `-2`... in order of appearance.

Textual's own slug percent-encodes non-ASCII letters, so the runbook pane should scroll by
the heading's line from the index rather than by asking Textual to find an anchor.
"""

from __future__ import annotations

import unicodedata


def _kept(char: str) -> bool:
    if char in "-_ ":
        return True
    # Letters (L*), combining marks (M*), numbers (N*) and connector punctuation (Pc) stay,
    # as in GitHub's slugger, so that headings in any script get a readable anchor.
    return unicodedata.category(char)[0] in "LMN" or unicodedata.category(char) == "Pc"


def slugify(title: str) -> str:
    """The anchor GitHub gives a heading with this text (without de-duplication)."""
    kept = "".join(ch for ch in title.strip().lower() if _kept(ch))
    return kept.replace(" ", "-")


class AnchorMaker:
    """Hands out unique anchors for the headings of one file, in document order."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def make(self, title: str) -> str:
        base = slugify(title)
        anchor = base
        # GitHub keeps counting until the candidate is free, so `a`, `a`, `a-1` gives
        # `a`, `a-1`, `a-1-1`.
        while anchor in self._seen:
            self._seen[base] += 1
            anchor = f"{base}-{self._seen[base]}"
        self._seen.setdefault(anchor, 0)
        return anchor
