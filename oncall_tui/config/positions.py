"""A YAML SafeLoader that remembers the line of every mapping key and value and list item.

Mappings load as `PosDict` (a dict with `key_lines`, `value_lines` and `line`), lists as
`PosList` (a list with `item_lines` and `line`), so that the loader can name the line of any
problem. Duplicate keys are collected as problems instead of silently keeping the last one.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode


class PosDict(dict):  # type: ignore[type-arg]
    """A mapping from the YAML file, with 1-based lines of its keys and values."""

    line: int
    key_lines: dict[Any, int]
    value_lines: dict[Any, int]


class PosList(list):  # type: ignore[type-arg]
    """A list from the YAML file, with the 1-based line of each item."""

    line: int
    item_lines: list[int]


def _line(node: Node) -> int:
    return node.start_mark.line + 1


#: libyaml's safe loader (in the PyYAML wheel) when present: 5x faster on a large config
#: (and a theme file); the constructors below are ours either way, and its nodes carry the
#: same line marks
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class PositionLoader(SAFE_LOADER):  # type: ignore[misc]
    """SafeLoader whose mappings and lists carry their lines (see PosDict, PosList)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[int, Any]] = []  # (line, key) of every repeated key

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> PosDict:  # type: ignore[override]
        # keys written in this mapping itself; merged ones (`<<: *anchor`) may be overridden
        own = {id(k) for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge"}
        self.flatten_mapping(node)
        seen_own: set[Any] = set()
        result = PosDict()
        result.line = _line(node)
        result.key_lines = {}
        result.value_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found an unhashable key",
                    key_node.start_mark,
                ) from None
            if id(key_node) in own:
                if key in seen_own:
                    self.duplicates.append((_line(key_node), key))
                seen_own.add(key)
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[key] = _line(key_node)
            result.value_lines[key] = _line(value_node)
        return result

    def construct_yaml_map(self, node: MappingNode):  # type: ignore[no-untyped-def]
        # deep construction in one go: our PosDict is filled before it is yielded
        yield self.construct_mapping(node)

    def construct_yaml_seq(self, node: SequenceNode):  # type: ignore[no-untyped-def]
        result = PosList(self.construct_object(child, deep=True) for child in node.value)
        result.line = _line(node)
        result.item_lines = [_line(child) for child in node.value]
        yield result


PositionLoader.add_constructor("tag:yaml.org,2002:map", PositionLoader.construct_yaml_map)
PositionLoader.add_constructor("tag:yaml.org,2002:seq", PositionLoader.construct_yaml_seq)


def load_yaml(text: str) -> tuple[Any, list[tuple[int, Any]]]:
    """The document in `text` (PosDict/PosList inside) and its duplicate keys as (line, key).

    Raises yaml.YAMLError on a syntax error; its `problem_mark` carries the line.
    """
    loader = PositionLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise yaml.constructor.ConstructorError(
                None, None, f"nested deeper than {MAX_DEPTH} levels"
            ) from None
        if node is None:
            return None, loader.duplicates
        _check_depth(node)
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    return data, loader.duplicates


#: no config needs more; a deeper document is refused before anything walks it
MAX_DEPTH = 32


def _check_depth(root: Node) -> None:
    """Raise a YAML error at the first node nested deeper than MAX_DEPTH (iteratively, and
    each node once: aliases share their node)."""
    seen: set[int] = set()
    stack: list[tuple[Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if depth > MAX_DEPTH:
            raise yaml.constructor.ConstructorError(
                None, None, f"nested deeper than {MAX_DEPTH} levels", node.start_mark
            )
        if isinstance(node, MappingNode):
            for key, value in node.value:
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))
        elif isinstance(node, SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
