"""Reading health JSON in the shapes real services publish.

Understood: a top-level status word (`{"status": "ready"}`), booleans (`{"healthy": false}`),
a components map of strings (`"cache": "error: connection refused"`), maps of objects under
`checks`, `components`, `details`, `dependencies` or `entries` (Spring Boot actuator,
ASP.NET Core, Bazaruto-style `checks`), objects nested to any depth, and the IETF health
check draft (`"checks": {"db:conn": [{"status": "pass", ...}]}`). Extra fields are kept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from oncall_tui.inert import TooDeep, inert_json
from oncall_tui.secret_registry import REGISTRY, redact
from oncall_tui.sources.health.records import Component
from oncall_tui.sources.health.verdict import word_status
from oncall_tui.status import Status, worst

Words = Mapping[str, Status]

STATUS_KEYS = ("status", "state", "health")
BOOL_KEYS = ("healthy", "ok", "ready", "up", "alive", "live", "available", "serving")
MESSAGE_KEYS = ("message", "error", "output", "reason", "msg")
CONTAINER_KEYS = ("components", "checks", "details", "dependencies", "entries")
# Containers that are component maps by name alone, even when their words are unknown.
TOP_CONTAINERS = ("components", "checks", "dependencies", "entries")
FAILURE_HINTS = ("error", "fail", "refused", "timeout", "timed out", "unreachable", "unavailable")
# Lists that name the failing parts: `{"status": "not ready", "failed": ["redis"]}`.
FAILED_LIST_KEYS = ("failed", "failing", "failures", "unhealthy", "down", "not_ready", "notready")
MAX_FIELD_TEXT = 200


@dataclass(frozen=True)
class HealthBody:
    """What a JSON health body said at its top level, and its components."""

    word: str | None  # the status word as written, or "healthy: false" for a boolean
    status: Status | None  # its meaning; None when there is no word or we do not know it
    message: str
    components: tuple[Component, ...]


def parse_json_body(raw: bytes) -> object | None:
    """The decoded JSON document (every string inert), or None when the body is not JSON
    (plain text, empty). Raises TooDeep for a document nested past what any service sends."""
    text = raw.strip()
    if not text or text[:1] not in (b"{", b"[", b'"'):
        return None
    try:
        document = json.loads(text)
    except RecursionError:
        raise TooDeep("the body is nested too deeply to read") from None
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        return None
    return inert_json(document, also=redact if REGISTRY.values else None)


def read_health_document(doc: object, words: Words | None = None) -> HealthBody:
    """Interpret a decoded JSON document as a health answer."""
    if isinstance(doc, str):
        return HealthBody(doc, word_status(doc, words), "", ())
    if isinstance(doc, bool):
        return HealthBody(str(doc).lower(), Status.OK if doc else Status.CRIT, "", ())
    if not isinstance(doc, Mapping):
        return HealthBody(None, None, "", ())
    word, status, used = _own_status(doc, words)
    message, message_key = _message(doc)
    children = _children(doc, words, top=True, skip=used | {message_key})
    return HealthBody(word, status, message, _failing_first(children))


def _own_status(
    obj: Mapping[str, object], words: Words | None
) -> tuple[str | None, Status | None, set[str]]:
    """The object's own status word, its meaning, and the keys it came from."""
    lowered = {str(k).lower(): k for k in obj}
    for key in STATUS_KEYS:
        if key in lowered:
            value = obj[lowered[key]]
            if isinstance(value, str):
                return value, _string_status(value, words), {lowered[key]}
            if isinstance(value, bool):
                return str(value).lower(), Status.OK if value else Status.CRIT, {lowered[key]}
            if isinstance(value, Mapping):  # {"status": {"code": "UP"}} (Spring Boot 1.x)
                code = value.get("code") or value.get("status")
                if isinstance(code, str):
                    return code, _string_status(code, words), {lowered[key]}
    for key in BOOL_KEYS:
        if key in lowered and isinstance(obj[lowered[key]], bool):
            value = obj[lowered[key]]
            status = Status.OK if value else Status.CRIT
            return f"{key}: {str(value).lower()}", status, {lowered[key]}
    return None, None, set()


def _string_status(text: str, words: Words | None) -> Status | None:
    """A known word, or a known leading word ("error: connection refused" -> crit)."""
    status = word_status(text, words)
    if status is not None:
        return status
    head = text.strip().replace(":", " ").replace(",", " ").split(" ", 1)[0]
    return word_status(head, words) if head else None


def _message(obj: Mapping[str, object]) -> tuple[str, str]:
    for key in obj:
        if str(key).lower() in MESSAGE_KEYS and isinstance(obj[key], str):
            return str(obj[key]), str(key)
    return "", ""


def _looks_like_component(value: object, words: Words | None) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, str):
        return _string_status(value, words) is not None
    if isinstance(value, Mapping):
        return _own_status(value, words)[0] is not None
    if isinstance(value, list):
        return bool(value) and all(
            isinstance(v, Mapping) and _own_status(v, words)[0] is not None for v in value
        )
    return False


def _is_container(key: str, value: object, words: Words | None, top: bool) -> bool:
    """A map of components: by a known name, or (any name) when every entry is a status object."""
    if not isinstance(value, Mapping) or not value:
        return False
    if key.lower() in CONTAINER_KEYS:
        if top and key.lower() in TOP_CONTAINERS:
            return True
        return any(_looks_like_component(v, words) for v in value.values())
    return all(
        isinstance(v, Mapping) and _own_status(v, words)[0] is not None for v in value.values()
    )


def _children(
    obj: Mapping[str, object], words: Words | None, *, top: bool, skip: set[str]
) -> list[Component]:
    """Components found in an object: its container maps and its nested status objects."""
    found: list[Component] = []
    for key, value in obj.items():
        name = str(key)
        if name in skip:
            continue
        if _is_container(name, value, words, top):
            assert isinstance(value, Mapping)
            found.extend(_component(str(k), v, words) for k, v in value.items())
        elif name.lower() in FAILED_LIST_KEYS and _names(value):
            assert isinstance(value, list)
            found.extend(Component(str(item), Status.CRIT, name) for item in value)
        elif isinstance(value, Mapping) and _own_status(value, words)[0] is not None:
            found.append(_component(name, value, words))
    return found


def _names(value: object) -> bool:
    """A non-empty list of component names (strings)."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _component(name: str, value: object, words: Words | None) -> Component:
    if isinstance(value, str):
        return _string_component(name, value, words)
    if isinstance(value, bool):
        return Component(name, Status.OK if value else Status.CRIT, "" if value else "false")
    if isinstance(value, list):
        return _list_component(name, value, words)
    if not isinstance(value, Mapping):
        text = "" if value is None else str(value)
        return Component(name, Status.NODATA, text)
    word, status, used = _own_status(value, words)
    message, message_key = _message(value)
    children = _children(value, words, top=False, skip=used | {message_key})
    child_names = {c.name for c in children}
    fields = _fields(value, skip=used | {message_key} | _consumed(value, words, child_names))
    if status is None:
        # No word of its own: the parts decide, and an unknown word is shown, not judged.
        status = worst((c.status for c in children), default=Status.NODATA)
        if word is not None and not message:
            message = word
    elif word is not None and status is not Status.OK and not message:
        message = word
    return Component(name, status, message, fields, _failing_first(children))


def _consumed(value: Mapping[str, object], words: Words | None, child_names: set[str]) -> set[str]:
    """Keys whose content became children (containers and nested status objects)."""
    used = set()
    for key, item in value.items():
        name = str(key)
        if _is_container(name, item, words, top=False):
            used.add(name)
        elif name.lower() in FAILED_LIST_KEYS and _names(item):
            used.add(name)
        elif name in child_names and isinstance(item, Mapping):
            used.add(name)
    return used


def _string_component(name: str, text: str, words: Words | None) -> Component:
    status = _string_status(text, words)
    if status is None:
        lowered = text.lower()
        status = Status.CRIT if any(h in lowered for h in FAILURE_HINTS) else Status.NODATA
    # A bare "ok" needs no message; anything more is the service's own words, kept whole.
    message = "" if status is Status.OK and word_status(text, words) is not None else text
    return Component(name, status, message)


def _list_component(name: str, items: list[object], words: Words | None) -> Component:
    """IETF draft: `"db:connections": [{"componentId": ..., "status": "pass", ...}]`."""
    entries = [item for item in items if isinstance(item, Mapping)]
    if len(entries) == 1:
        return _component(name, entries[0], words)
    if not entries:
        return Component(name, Status.NODATA, _text(items))
    children = [
        _component(str(entry.get("componentId") or f"{name}[{i}]"), entry, words)
        for i, entry in enumerate(entries)
    ]
    status = worst((c.status for c in children), default=Status.NODATA)
    return Component(name, status, "", MappingProxyType({}), _failing_first(children))


def _fields(obj: Mapping[str, object], *, skip: set[str]) -> Mapping[str, object]:
    fields: dict[str, object] = {}
    for key, value in obj.items():
        if str(key) not in skip:
            _flatten_field(fields, str(key), value)
    return MappingProxyType(fields)


def _flatten_field(out: dict[str, object], key: str, value: object) -> None:
    if isinstance(value, Mapping):
        for sub, item in value.items():
            _flatten_field(out, f"{key}.{sub}", item)
    elif value is None or isinstance(value, (str, int, float, bool)):
        out[key] = value[:MAX_FIELD_TEXT] if isinstance(value, str) else value
    elif isinstance(value, list) and all(isinstance(v, (str, int, float, bool)) for v in value):
        out[key] = tuple(value)
    else:
        out[key] = _text(value)


def _text(value: object) -> str:
    return json.dumps(value, default=str)[:MAX_FIELD_TEXT]


def _failing_first(components: list[Component]) -> tuple[Component, ...]:
    """Worst first, then in the endpoint's own order (sorted() is stable)."""
    return tuple(sorted(components, key=lambda c: -c.status.rank))
