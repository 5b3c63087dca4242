"""Every JSON answer from outside is read here: parsed, bounded in depth, made inert.

Servers are not trusted: a string in an answer may hold terminal control sequences, and a
document may nest deep enough to exhaust the stack of any reader that walks it. So every
source parses through `parse_json`, which gives back the document with every string made inert
(`oncall_tui.inert.inert_json`) or raises `ValueError` saying why it cannot be read.

Most answers (Prometheus's, every tick) are plain ASCII without a single escape. Then no
string in them can hold a control character (JSON forbids raw ones inside strings, and
`json.loads` rejects them), so the walk that copies every string is skipped once the text is
known to nest no deeper than `MAX_DEPTH`: the same document, found without a walk in Python.
"""

from __future__ import annotations

import json
import re
from typing import Any

from oncall_tui.inert import MAX_DEPTH, TooDeep, inert_json
from oncall_tui.secret_registry import REGISTRY, redact

# with no backslash in the text, a string runs from a quote to the next one
_STRING = re.compile(rb'"[^"]*"')
_INNERMOST = re.compile(rb"\[[^\[\]{}]*\]|\{[^\[\]{}]*\}")


def parse_json(raw: bytes | str) -> Any:
    """The JSON document in `raw`, every string inert; ValueError if it is not JSON we read."""
    try:
        document = json.loads(raw)
    except RecursionError:
        raise ValueError("the answer is nested too deeply to read") from None
    # JSONDecodeError and UnicodeDecodeError are ValueErrors already
    if not REGISTRY.values and isinstance(raw, bytes) and plainly_inert(raw):
        return document
    # an echoed credential (a server quoting our headers back) never reaches the state
    return inert_json(document, also=redact if REGISTRY.values else None)


def plainly_inert(raw: bytes) -> bool:
    """Whether the JSON text `raw` (parsed already) is a document `inert_json` would give back
    unchanged: ASCII with no escape and no DEL, nested at most `MAX_DEPTH` levels."""
    if not raw.isascii() or b"\\" in raw or b"\x7f" in raw or b"\x00" in raw:
        # an escape may spell any control character and DEL may stand raw; a NUL means
        # UTF-16 or UTF-32, whose ASCII bytes can spell any character
        return False
    text = _STRING.sub(b"0", raw)  # brackets inside strings are not nesting
    for _ in range(MAX_DEPTH):
        if b"[" not in text and b"{" not in text:
            return True
        text = _INNERMOST.sub(b"0", text)  # one level of nesting less
    if b"[" not in text and b"{" not in text:
        return True
    raise TooDeep(f"nested deeper than {MAX_DEPTH} levels")
