"""Every JSON answer from outside is read here: parsed, bounded in depth, made inert.

Servers are not trusted: a string in an answer may hold terminal control sequences, and a
document may nest deep enough to exhaust the stack of any reader that walks it. So every
source parses through `parse_json`, which gives back the document with every string made inert
(`oncall_tui.inert.inert_json`) or raises `ValueError` saying why it cannot be read.
"""

from __future__ import annotations

import json
from typing import Any

from oncall_tui.inert import inert_json
from oncall_tui.secret_registry import REGISTRY, redact


def parse_json(raw: bytes | str) -> Any:
    """The JSON document in `raw`, every string inert; ValueError if it is not JSON we read."""
    try:
        document = json.loads(raw)
    except RecursionError:
        raise ValueError("the answer is nested too deeply to read") from None
    # JSONDecodeError and UnicodeDecodeError are ValueErrors already
    # an echoed credential (a server quoting our headers back) never reaches the state
    return inert_json(document, also=redact if REGISTRY.values else None)
