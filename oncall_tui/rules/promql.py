"""PromQL structure for alert expressions: which comparison is the top-level one, and where.

Validity, the numbers and the structure come from promql-parser's syntax tree (through
`oncall_tui.config.promql`): whether the expression parses at all, whether a comparison
has `bool` or vector matching, whether a side is a number, whether a query is a ratio.
The tree has no source positions, so cutting the text (to keep a query as its author wrote
it, line breaks and all) is done by a scanner of the top level only, which skips over
anything inside parentheses, brackets, braces, quoted strings and `#` comments, so that
`{status=~"5.."}`, `rate(x[5m])` or `"a>b"` never look like operators.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import promql_parser

from oncall_tui.config.promql import check

COMPARISONS = ("==", "!=", ">=", "<=", ">", "<")
SET_OPERATORS = ("and", "or", "unless")
_OPEN = {"(": ")", "[": "]", "{": "}"}
_WORD = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")


@dataclass(frozen=True)
class Comparison:
    left: str
    op: str
    right: str
    bool_modifier: bool = False  # `A > bool 1` yields 0/1 series instead of filtering
    matching: str = ""  # `on(...)`/`ignoring(...)`/`group_left` text after the operator


@dataclass(frozen=True)
class Split:
    """An expression cut at its top-level `and` / `or` / `unless`."""

    head: str
    clauses: tuple[tuple[str, str], ...]  # (operator, expression) after the head


class PromqlShapeError(ValueError):
    """The expression is not balanced (an unclosed bracket or string)."""


def strip_comments(expr: str) -> str:
    """Remove `#` comments (outside strings) and trailing whitespace of each line."""
    out: list[str] = []
    quote = ""
    i = 0
    while i < len(expr):
        ch = expr[i]
        if quote:
            out.append(ch)
            if ch == "\\" and quote != "`" and i + 1 < len(expr):
                out.append(expr[i + 1])
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'`":
            quote = ch
            out.append(ch)
        elif ch == "#":
            while i < len(expr) and expr[i] != "\n":
                i += 1
            continue
        else:
            out.append(ch)
        i += 1
    return "\n".join(line.rstrip() for line in "".join(out).split("\n")).strip()


def top_level_spans(expr: str) -> list[tuple[int, int]]:
    """Index ranges of `expr` that lie at nesting depth 0 and outside strings."""
    spans: list[tuple[int, int]] = []
    stack: list[str] = []
    quote = ""
    start = 0
    i = 0
    while i < len(expr):
        ch = expr[i]
        if quote:
            if ch == "\\" and quote != "`":
                i += 2
                continue
            if ch == quote:
                quote = ""
                if not stack:
                    start = i + 1
            i += 1
            continue
        if ch in "\"'`":
            if not stack:
                spans.append((start, i))
            quote = ch
        elif ch in _OPEN:
            if not stack:
                spans.append((start, i))
            stack.append(_OPEN[ch])
        elif ch in ")]}":
            if not stack or stack.pop() != ch:
                raise PromqlShapeError(f"unbalanced {ch!r} at offset {i}")
            if not stack:
                start = i + 1
        i += 1
    if stack or quote:
        raise PromqlShapeError("an unclosed bracket or string")
    spans.append((start, len(expr)))
    return [(a, b) for a, b in spans if b > a]


def _top_level_tokens(expr: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of operators and words found at the top level."""
    found: list[tuple[int, int, str]] = []
    for a, b in top_level_spans(expr):
        i = a
        while i < b:
            two = expr[i : i + 2]
            if two in ("==", "!=", ">=", "<="):
                found.append((i, i + 2, two))
                i += 2
                continue
            if expr[i] in "<>":
                found.append((i, i + 1, expr[i]))
                i += 1
                continue
            word = _WORD.match(expr, i)
            if word and (i == 0 or not (expr[i - 1].isalnum() or expr[i - 1] in "_:.")):
                found.append((i, word.end(), word.group(0)))
                i = word.end()
                continue
            i += 1
    return found


def split_set_operators(expr: str) -> Split:
    """Cut at top-level `and`/`or`/`unless`, keeping their modifiers with the clause."""
    cuts = [(a, b, t) for a, b, t in _top_level_tokens(expr) if t.lower() in SET_OPERATORS]
    if not cuts:
        return Split(expr.strip(), ())
    head = expr[: cuts[0][0]].strip()
    clauses: list[tuple[str, str]] = []
    for n, (_a, b, t) in enumerate(cuts):
        end = cuts[n + 1][0] if n + 1 < len(cuts) else len(expr)
        clauses.append((t.lower(), expr[b:end].strip()))
    return Split(head, tuple(clauses))


def unwrap_parens(expr: str) -> str:
    """`(A > 1)` -> `A > 1`, as long as one pair of parentheses spans the whole expression."""
    expr = expr.strip()
    while expr.startswith("(") and expr.endswith(")"):
        spans = top_level_spans(expr)
        if spans:  # something sits outside the first group: `(a) / (b)`
            break
        expr = expr[1:-1].strip()
    return expr


def find_comparisons(expr: str) -> list[tuple[int, int, str]]:
    return [tok for tok in _top_level_tokens(expr) if tok[2] in COMPARISONS]


_MATCHING = re.compile(
    r"^\s*((?:on|ignoring)\s*\([^)]*\)\s*(?:(?:group_left|group_right)\s*(?:\([^)]*\))?)?)",
    re.IGNORECASE,
)


def split_comparison(expr: str) -> Comparison | None:
    """The single top-level comparison of `expr`, or None when it has none."""
    found = find_comparisons(expr)
    if not found:
        return None
    if len(found) > 1:
        ops = ", ".join(t for _a, _b, t in found)
        raise PromqlShapeError(f"more than one top-level comparison ({ops})")
    a, b, op = found[0]
    left = expr[:a].strip()
    right = expr[b:].strip()
    bool_modifier = False
    if re.match(r"bool\b", right):
        bool_modifier = True
        right = right[4:].strip()
    matching = ""
    m = _MATCHING.match(right)
    if m:
        matching = m.group(1).strip()
        right = right[m.end() :].strip()
    return Comparison(left, op, right, bool_modifier, matching)


def syntax_problem(expr: str) -> str | None:
    """None when `expr` parses as PromQL, else what is wrong and where."""
    problem = check(expr)
    return None if problem is None else f"not valid PromQL {problem}"


def _tree(text: str) -> Any | None:
    try:
        return promql_parser.parse(text)
    except ValueError:
        return None


def _unparen(node: Any) -> Any:
    while isinstance(node, promql_parser.ParenExpr):
        node = node.expr
    return node


def comparison_modifiers(head: str) -> tuple[bool, bool]:
    """(`bool` modifier, vector matching) of the top-level comparison of `head`, from the
    syntax tree: `on(...)`/`ignoring(...)` or a group_left/group_right."""
    node = _unparen(_tree(head))
    if not isinstance(node, promql_parser.BinaryExpr) or node.modifier is None:
        return False, False
    modifier = node.modifier
    one_to_one = str(modifier.card).endswith(("OneToOne", "ManyToMany"))
    return bool(modifier.return_bool), modifier.matching is not None or not one_to_one


def parse_number(text: str) -> float | None:
    """A PromQL scalar literal (`0.01`, `1e3`, `-5`, `(0.7)`, `0x1f`), or None; never an
    infinity or NaN, which no threshold can be."""
    node = _unparen(_tree(text.strip())) if text.strip() else None
    sign = 1.0
    while isinstance(node, promql_parser.UnaryExpr):
        sign, node = -sign, _unparen(node.expr)
    if not isinstance(node, promql_parser.NumberLiteral):
        return None
    value = sign * float(node.val)
    return value if math.isfinite(value) else None


def normalise(expr: str) -> str:
    """Whitespace-insensitive form, to tell whether two alerts watch the same expression."""
    return re.sub(r"\s+", "", expr)


def has_top_level_division(expr: str) -> bool:
    """Whether `expr` is a ratio: a `/` in its top-level arithmetic, outside every function
    call, aggregation and parenthesised group (the whole expression's own parentheses aside)."""
    tree = _tree(expr)
    if tree is None:  # not PromQL: judge the text
        inner = unwrap_parens(expr)
        return any("/" in inner[a:b] for a, b in top_level_spans(inner))
    stack = [_unparen(tree)]
    while stack:
        node = stack.pop()
        if isinstance(node, promql_parser.BinaryExpr):
            if str(node.op) == "/":
                return True
            stack += [node.lhs, node.rhs]
    return False
