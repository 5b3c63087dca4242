"""Detail records (probe answers, pods, alert lists, typed check details) to JSON and back.

Sources hand the state frozen dataclasses in `Reading.detail`. The recorder writes them as
tagged JSON so that a replay rebuilds the same objects and every screen works unchanged:
a dataclass is `{"$t": "module:Class", ...fields}`, an enum `{"$e": "module:Enum", "v": ...}`,
a tuple a JSON list (lists decode to tuples: the records are frozen), a mapping a JSON
object (with `{"$m": [[k, v], ...]}` when a key is not a string). Only classes of the
`oncall_tui` package are ever rebuilt; anything else decodes to None.

A field named `fetched_at` is left out and restored from the observation's time, so that
the same answer fetched twice is stored once.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import json
import math
from collections.abc import Mapping
from functools import cache
from typing import Any

_ALLOWED_PREFIX = "oncall_tui."
_AT_FIELDS = frozenset({"fetched_at"})


def encode(value: object) -> str:
    """Canonical JSON (sorted keys, no spaces): equal records give equal text."""
    return json.dumps(_to_json(value), sort_keys=True, separators=(",", ":"), allow_nan=False)


def decode(text: str, at: float | None = None) -> object:
    return _from_json(json.loads(text), at)


def _name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _to_json(value: object) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return {"$f": repr(value)}
        return value
    if isinstance(value, enum.Enum):
        return {"$e": _name(type(value)), "v": _to_json(value.value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {"$t": _name(type(value))}
        for f in dataclasses.fields(value):
            if f.name in _AT_FIELDS:
                continue
            out[f.name] = _to_json(getattr(value, f.name))
        return out
    if isinstance(value, Mapping):
        if all(isinstance(k, str) for k in value):
            if any(k.startswith("$") for k in value):
                return {"$m": [[k, _to_json(v)] for k, v in value.items()]}
            return {k: _to_json(v) for k, v in value.items()}
        return {"$m": [[_to_json(k), _to_json(v)] for k, v in value.items()]}
    if isinstance(value, (tuple, list, frozenset, set)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [_to_json(v) for v in items]
    if hasattr(value, "reveal"):
        return "***"  # a Secret never reaches the file
    return str(value)


@cache
def _class(name: str) -> type | None:
    module, _, qualname = name.partition(":")
    if not module.startswith(_ALLOWED_PREFIX) and module != "oncall_tui":
        return None
    try:
        found: Any = importlib.import_module(module)
        for part in qualname.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError):
        return None
    return found if isinstance(found, type) else None


def _from_json(value: Any, at: float | None) -> Any:
    if isinstance(value, list):
        return tuple(_from_json(v, at) for v in value)
    if not isinstance(value, dict):
        return value
    if "$f" in value:
        return float(value["$f"])
    if "$m" in value:
        return {_from_json(k, at): _from_json(v, at) for k, v in value["$m"]}
    if "$e" in value:
        cls = _class(value["$e"])
        if cls is None or not issubclass(cls, enum.Enum):
            return None
        try:
            return cls(_from_json(value["v"], at))
        except ValueError:
            return None
    if "$t" in value:
        cls = _class(value["$t"])
        if cls is None or not dataclasses.is_dataclass(cls):
            return None
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name in _AT_FIELDS:
                kwargs[f.name] = at if at is not None else 0.0
            elif f.name in value:
                kwargs[f.name] = _from_json(value[f.name], at)
        try:
            return cls(**kwargs)
        except TypeError:
            return None  # a record from a different version of the class
    return {k: _from_json(v, at) for k, v in value.items()}
