"""Kubernetes label selectors (`a=b,c!=d,e in (x,y),!f,g`), parsed and matched locally.

Services that share a namespace share one list call, so each service's selector is applied
here rather than by the API server.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_KEY = r"[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?"
_VALUE = r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?"
_SET_RE = re.compile(rf"^\s*(?P<key>{_KEY})\s+(?P<op>in|notin)\s*\((?P<values>[^()]*)\)\s*$")
_EQ_RE = re.compile(rf"^\s*(?P<key>{_KEY})\s*(?P<op>==|=|!=)\s*(?P<value>{_VALUE})\s*$")
_EXISTS_RE = re.compile(rf"^\s*(?P<neg>!?)\s*(?P<key>{_KEY})\s*$")


class SelectorError(ValueError):
    """A selector that the API server would reject too."""


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # "in", "notin", "exists", "!exists" (= and != are in / notin of one value)
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.op == "exists":
            return self.key in labels
        if self.op == "!exists":
            return self.key not in labels
        if self.op == "in":
            return self.key in labels and labels[self.key] in self.values
        # notin and != also match objects without the label, as the API server does
        return labels.get(self.key) not in self.values


@dataclass(frozen=True)
class Selector:
    text: str
    requirements: tuple[Requirement, ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        """An empty selector matches everything."""
        return all(r.matches(labels) for r in self.requirements)


def parse_selector(text: str) -> Selector:
    """Parse a label selector; raises SelectorError naming the term it cannot read."""
    return Selector(text, tuple(_parse_term(term) for term in _split_terms(text)))


def _split_terms(text: str) -> list[str]:
    """Split on commas outside parentheses (`e in (x,y)` holds one)."""
    terms: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise SelectorError(f"unbalanced ')' in selector {text!r}")
        if ch == "," and depth == 0:
            terms.append("".join(current))
            current = []
        else:
            current.append(ch)
    if depth != 0:
        raise SelectorError(f"unbalanced '(' in selector {text!r}")
    terms.append("".join(current))
    if len(terms) == 1 and not terms[0].strip():
        return []
    for term in terms:
        if not term.strip():
            raise SelectorError(f"empty term in selector {text!r}")
    return terms


def _parse_term(term: str) -> Requirement:
    if m := _SET_RE.match(term):
        values = frozenset(v.strip() for v in m["values"].split(","))
        for v in values:
            if not re.fullmatch(_VALUE, v):
                raise SelectorError(f"bad value {v!r} in selector term {term.strip()!r}")
        return Requirement(m["key"], m["op"], values)
    if m := _EQ_RE.match(term):
        return Requirement(m["key"], "notin" if m["op"] == "!=" else "in", frozenset([m["value"]]))
    if m := _EXISTS_RE.match(term):
        return Requirement(m["key"], "!exists" if m["neg"] else "exists")
    raise SelectorError(f"cannot read selector term {term.strip()!r}")
