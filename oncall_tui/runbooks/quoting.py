"""Quoting of values from outside the config (series labels, pod names) into commands.

A label value comes from whatever the monitored system reports, so it is data, never
code: `x; rm -rf /` must reach the shell as one inert argument. The value is quoted for
the language of the block and for where it lands in the template: inside '...' or "..."
the quote is closed, the value inserted shell-quoted, and the quote reopened, so the
result is still one word whatever the template author wrote around the placeholder.
"""

from __future__ import annotations

import shlex

# Languages whose blocks are pasted into PromQL rather than a shell.
PROMQL_LANGUAGES = frozenset({"promql", "prometheus", "metricsql"})


def shell_context(text: str, pos: int) -> str:
    """Quoting state of a shell script at offset `pos`: "none", "single" or "double"."""
    state = "none"
    i = 0
    while i < pos:
        ch = text[i]
        if state == "single":
            if ch == "'":
                state = "none"
        elif state == "double":
            if ch == "\\":
                i += 1
            elif ch == '"':
                state = "none"
        else:
            if ch == "\\":
                i += 1
            elif ch == "'":
                state = "single"
            elif ch == '"':
                state = "double"
            elif ch == "#" and (i == 0 or text[i - 1] in " \t\n;|&("):
                # A comment: quotes in it do not count; it ends at the newline.
                end = text.find("\n", i, pos)
                if end == -1:
                    return "none"
                i = end
        i += 1
    return state


def promql_context(text: str, pos: int) -> str:
    """Quoting state of a PromQL query at `pos`: "none", "double", "single" or "raw"."""
    state = "none"
    closing = {"double": '"', "single": "'", "raw": "`"}
    opening = {'"': "double", "'": "single", "`": "raw"}
    i = 0
    while i < pos:
        ch = text[i]
        if state == "none":
            if ch in opening:
                state = opening[ch]
            elif ch == "#":
                end = text.find("\n", i, pos)
                if end == -1:
                    return "none"
                i = end
        elif ch == "\\" and state != "raw":
            i += 1
        elif ch == closing[state]:
            state = "none"
        i += 1
    return state


def quote_shell(value: str, context: str) -> str:
    quoted = shlex.quote(value)
    if quoted == value:
        return value  # nothing a shell would interpret: no need to touch the quoting
    if context == "single":
        return "'" + quoted + "'"  # close '...', the quoted word, reopen
    if context == "double":
        return '"' + quoted + '"'
    return quoted


def quote_promql(value: str, context: str) -> str:
    if context == "raw":
        # A raw string cannot hold a backtick and has no escapes; drop them rather than
        # let the value end the string.
        return value.replace("`", "")
    escaped = value.replace("\\", "\\\\").replace("\n", "\\n")
    if context == "single":
        return escaped.replace("'", "\\'")
    escaped = escaped.replace('"', '\\"')
    return escaped if context == "double" else f'"{escaped}"'


def quote_outside(value: str, language: str, text: str, pos: int) -> str:
    """`value` made inert for insertion at offset `pos` of `text`, a block in `language`.

    PromQL blocks get PromQL string escaping; every other block is treated as shell,
    since that is where copied commands are pasted.
    """
    if language.lower() in PROMQL_LANGUAGES:
        return quote_promql(value, promql_context(text, pos))
    return quote_shell(value, shell_context(text, pos))
