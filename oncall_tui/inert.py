"""The one sanitising boundary for text that comes from outside the process.

Labels, annotations, alert names, response bodies, error texts, runbook files, pod and event
fields: any of them may carry terminal control sequences (OSC 52 writes the clipboard, OSC 2
sets the window title, CSI 2J wipes the screen). Every such text passes through `inert_line`
(one-line fields) or `inert_block` (bodies and runbooks, which keep their newlines) when it
enters the process, and the commands run their output through the same functions before it is
printed, copied or written to an SVG. Control characters are made visible: C0 controls become
their Unicode control pictures (ESC is shown as `␛`), DEL `␡`, C1 controls `�`; Unicode
direction overrides, which reorder what is shown, are dropped to `�` too.

Markup is a separate matter: text shown through Textual must never be parsed as markup
(widgets get `Text`/`Content` objects or `markup=False`); see `ui/app.py` for notices.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

REPLACEMENT = "\ufffd"
# C0 controls, DEL, C1 controls, and the bidirectional overrides and isolates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_KEEP_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _picture(match: re.Match[str]) -> str:
    char = match.group(0)
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ .. ␟; ESC (0x1b) is ␛
    if code == 0x7F:
        return "\u2421"  # ␡
    return REPLACEMENT


def _line_picture(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in "\t\n":
        return " "  # a one-line field keeps its words apart, on one line
    return _picture(match)


def inert_line(text: str) -> str:
    """`text` for a one-line place: tabs and newlines become spaces, other controls visible."""
    if text.isprintable():  # the common case, checked in C
        return text
    return _UNSAFE.sub(_line_picture, text)


def inert_block(text: str) -> str:
    """`text` for a multi-line place (a body, a runbook): newlines and tabs stay, CRLF is LF,
    every other control character is made visible."""
    if text.isprintable():
        return text
    text = text.replace("\r\n", "\n")
    return _UNSAFE_KEEP_LINES.sub(_picture, text)


def has_control(text: str) -> bool:
    """Whether `text` holds anything `inert_block` would change (newlines and tabs aside)."""
    return _UNSAFE_KEEP_LINES.search(text) is not None


def inert_map(mapping: Mapping[Any, Any]) -> dict[str, str]:
    """A label or annotation map from outside: keys and values as one-line strings."""
    return {inert_line(str(k)): inert_line("" if v is None else str(v)) for k, v in mapping.items()}


class TooDeep(ValueError):
    """A document nested deeper than `MAX_DEPTH`: no answer we read needs that."""


#: JSON answers nest a few levels (Kubernetes objects about ten); past this it is an attack.
MAX_DEPTH = 64


def inert_json(value: Any, depth: int = 0, also: Callable[[str], str] | None = None) -> Any:
    """A parsed JSON document with every string (keys too) made inert by `inert_block`, and
    passed through `also` when given (the secret redaction).

    Raises TooDeep past MAX_DEPTH levels, so that no reader of ours recurses without end.
    """
    if isinstance(value, str):
        text = value if value.isprintable() else inert_block(value)
        return also(text) if also is not None else text
    if isinstance(value, dict):
        if depth >= MAX_DEPTH:
            raise TooDeep(f"nested deeper than {MAX_DEPTH} levels")
        out = {}
        for k, v in value.items():
            if isinstance(k, str):
                k = k if k.isprintable() else inert_line(k)
                k = also(k) if also is not None else k
            out[k] = inert_json(v, depth + 1, also)
        return out
    if isinstance(value, list):
        if depth >= MAX_DEPTH:
            raise TooDeep(f"nested deeper than {MAX_DEPTH} levels")
        return [inert_json(v, depth + 1, also) for v in value]
    return value


def xml_safe(text: str) -> str:
    """`text` with every character XML 1.0 cannot hold made visible (for SVG output)."""
    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", _picture, text)
