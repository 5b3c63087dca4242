"""PromQL syntax, offline: whether a query parses, and where it goes wrong when it does not.

The parsing is promql-parser's (the Rust parser of the GreptimeDB team, a port of
Prometheus's own). Two things are added here:

- The language of the Prometheus this project runs against (2.42): `holt_winters`, which
  newer parsers dropped, is registered, so that a query Prometheus accepts is never rejected.
- A position. promql-parser says what is wrong but not where; `locate` finds the first token
  after which no completion of the text parses any more, which is where Prometheus itself
  reports the error in nearly every case.

Grafana-style template variables (`$job`, `${job}`, `[[job]]`) are not PromQL; `placeholders`
fills them with text that parses in their place (a label value in a string, a duration in a
range, a name elsewhere), for checking a query whose variables have no value yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import promql_parser

# Functions of Prometheus 2.42 that promql-parser no longer knows (renamed in Prometheus 3).
_PROMETHEUS_2_FUNCTIONS = (("holt_winters", ("Matrix", "Scalar", "Scalar"), "Vector"),)


def _register_prometheus_2_functions() -> None:
    for name, args, returns in _PROMETHEUS_2_FUNCTIONS:
        try:
            promql_parser.parse(f"{name}(x[5m], 0.5, 0.5)")
            continue  # known already
        except ValueError:
            pass
        function = promql_parser.Function(
            name,
            [getattr(promql_parser.ValueType, a) for a in args],
            getattr(promql_parser.ValueType, returns),
        )
        try:
            promql_parser.register_extra_functions([function])
        except ValueError:
            pass  # registered meanwhile (registrations are process-wide)


_register_prometheus_2_functions()


@dataclass(frozen=True)
class PromqlProblem:
    """Why a query does not parse, and where (0-based `offset`; 1-based line and column)."""

    message: str
    offset: int
    line: int
    column: int
    near: str  # the text of the token at the offset; "" at the end of the query

    @property
    def position(self) -> str:
        return f"{self.line}:{self.column}"

    def __str__(self) -> str:
        where = f"at {self.position}"
        where += f" (near {self.near!r})" if self.near else " (at the end)"
        return f"{where}: {self.message}"


class PromqlSyntaxError(ValueError):
    def __init__(self, problem: PromqlProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def parse(query: str) -> Any:
    """The syntax tree of `query` (a promql_parser.Expr); PromqlSyntaxError if it does not
    parse."""
    try:
        return promql_parser.parse(query)
    except ValueError as exc:
        raise PromqlSyntaxError(locate(query, str(exc))) from None


def check(query: str) -> PromqlProblem | None:
    """None when `query` parses, else what is wrong and where."""
    try:
        promql_parser.parse(query)
    except ValueError as exc:
        return locate(query, str(exc))
    return None


# --- where ----------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<comment>\#[^\n]*)
    |(?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`[^`]*`)
    |(?P<open_string>["'`])
    |(?P<word>[A-Za-z0-9_:.]+)
    |(?P<op>==|!=|>=|<=|=~|!~|[-+*/%^<>=,(){}\[\]@])
    |(?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)
_CLOSE = {"(": ")", "[": "]", "{": "}"}

# Text tried after a prefix (before closing its open brackets) to see whether the prefix can
# still become a query: a value, a name, a duration, a grouping, more arguments.
_FILLERS = (
    "",
    " 1",
    " x",
    "m",
    " 5m",
    '="v"',
    '"v"',
    " (a) (x)",
    " (a)",
    "(x)",
    "(a) x",
    "[5m]",
    " x[5m]",
    "1, x",
    '"v", x',
    ", 1",
    ", 1, 1",
    ', "v"',
    ', "v", "v"',
    ', "v", "v", "v"',
    ', "v", "v", "v", "v"',
    ' a="v"',
)
# ...and after closing them: what may follow a grouping (`sum by (a)` needs an operand)
_TAILS = ("", " (x)", " 1")
_MAX_TOKENS = 2000  # past this, the error is placed at the parser's word alone


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    kind: str
    text: str


def _tokens(query: str) -> list[_Token]:
    return [
        _Token(m.start(), m.end(), m.lastgroup or "other", m.group(0))
        for m in _TOKEN.finditer(query)
        if m.lastgroup not in ("space", "comment")
    ]


def _problem(query: str, offset: int, message: str, near: str) -> PromqlProblem:
    before = query[:offset]
    line = before.count("\n") + 1
    column = offset - (before.rfind("\n") + 1) + 1
    return PromqlProblem(message, offset, line, column, near)


# Complaints about types and argument counts come once the grammar is satisfied: a prefix
# that only draws these can still be completed.
_NOT_GRAMMAR = (
    "expected type",
    "wrong number of arguments",
    "at least one non-empty matcher",
    "must not be set twice",
)


def _grammatical(text: str) -> bool:
    try:
        promql_parser.parse(text)
    except ValueError as exc:
        return any(word in str(exc) for word in _NOT_GRAMMAR)
    return True


def _can_continue(prefix: str, stack: list[str]) -> bool:
    closers = "".join(_CLOSE[b] for b in reversed(stack))
    return any(
        _grammatical(prefix + filler + closers[:depth] + tail + closers[depth:])
        for tail in _TAILS
        for depth in range(len(closers), -1, -1)
        if depth == len(closers) or tail
        for filler in _FILLERS
    )


_NAMED_FUNCTION = re.compile(r"function (?:with name )?['\"]?([A-Za-z_][A-Za-z0-9_]*)")


def locate(query: str, message: str) -> PromqlProblem:
    """Where in `query` the parser's complaint `message` applies."""
    tokens = _tokens(query)
    stack: list[tuple[str, _Token]] = []
    for tok in tokens:
        if tok.kind == "open_string":
            return _problem(query, tok.start, "a string is not closed", tok.text)
        if tok.text in _CLOSE:
            stack.append((tok.text, tok))
        elif tok.text in _CLOSE.values():
            if not stack or _CLOSE[stack[-1][0]] != tok.text:
                return _problem(query, tok.start, f"{tok.text!r} closes nothing", tok.text)
            stack.pop()
    named = _NAMED_FUNCTION.search(message)
    if named:
        call = re.search(rf"\b{re.escape(named.group(1))}\s*\(", query)
        if call:
            return _problem(query, call.start(), message, named.group(1))
    if len(tokens) <= _MAX_TOKENS:
        # the brackets open after each token, then a binary search for the first token
        # after which the text cannot be completed (once it cannot, no longer text can)
        open_after: list[list[str]] = []
        open_brackets: list[str] = []
        for tok in tokens:
            if tok.text in _CLOSE:
                open_brackets.append(tok.text)
            elif tok.text in _CLOSE.values() and open_brackets:
                open_brackets.pop()
            open_after.append(list(open_brackets))
        low, high = 0, len(tokens)  # every token before `low` can be continued
        while low < high:
            mid = (low + high) // 2
            if _can_continue(query[: tokens[mid].end], open_after[mid]):
                low = mid + 1
            else:
                high = mid
        if low < len(tokens):
            return _problem(query, tokens[low].start, message, tokens[low].text)
    if stack:
        opener = stack[-1][1]
        return _problem(query, opener.start, f"{message} (this {opener.text!r})", opener.text)
    if any(word in message for word in _NOT_GRAMMAR) and tokens:
        return _problem(query, tokens[0].start, message, tokens[0].text)  # the whole query
    return _problem(query, len(query.rstrip()), message, "")


# --- template variables ---------------------------------------------------------------------

VARIABLE = re.compile(
    r"\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?::[A-Za-z_]+)?\}"
    r"|\[\[(?P<bracketed>[A-Za-z_][A-Za-z0-9_]*)(?::[A-Za-z_]+)?\]\]"
    r"|\$(?P<plain>[A-Za-z_][A-Za-z0-9_]*)"
)


def variable_name(match: re.Match[str]) -> str:
    return match.group("braced") or match.group("bracketed") or match.group("plain")


def placeholders(query: str) -> str:
    """`query` with each template variable replaced by text that parses in its place: the
    variable's name inside a string, `5m` inside a range or after `offset`, else a name."""
    out: list[str] = []
    last = 0
    for match in VARIABLE.finditer(query):
        before = query[: match.start()]
        out.append(query[last : match.start()])
        if _inside_string(before):
            out.append(variable_name(match))
        elif re.search(r"(\[[^\[\]]*|\boffset\s*)$", before):
            out.append("5m")
        else:
            out.append(f"var_{variable_name(match)}")
        last = match.end()
    out.append(query[last:])
    return "".join(out)


def _inside_string(before: str) -> bool:
    quote = ""
    i = 0
    while i < len(before):
        ch = before[i]
        if quote:
            if ch == "\\" and quote != "`":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'`":
            quote = ch
        i += 1
    return bool(quote)
