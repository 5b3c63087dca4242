"""Load a config file into the typed model, collecting every problem with its line.

`load_config(path)` is the entry point; it raises `ConfigErrors` listing every problem as
`file:line: key.path: message`. See `expand.py` for the `${VAR}` and `$var` rules and
`durations.py` for duration syntax.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from oncall_tui.config.discovery import find_config_path
from oncall_tui.config.errors import ConfigError, ConfigErrors, ConfigNotFound
from oncall_tui.config.http import HTTP_KEYS, check_url, read_http_options
from oncall_tui.config.model import Config, Datasource, Service
from oncall_tui.config.positions import PosDict, load_yaml
from oncall_tui.config.reader import Field, Reader, Section
from oncall_tui.config.record import read_record
from oncall_tui.config.services import NAME, read_service
from oncall_tui.local_files import read_bounded_text
from oncall_tui.status import GLYPH_SETTINGS

if TYPE_CHECKING:
    from oncall_tui.config.optional_model import Alertmanager

__all__ = [
    "ConfigError",
    "ConfigErrors",
    "ConfigNotFound",
    "find_config_path",
    "load_config",
    "load_config_with_lines",
    "parse_config",
]

TOP_KEYS: tuple[str, ...] = (
    "refresh",
    "theme",
    "datasources",
    "alertmanager",
    "runbooks",
    "rules",
    "keymap",
    "bell",
    "alert_notices",
    "glyphs",
    "record",
    "incidents",
    "services",
)
DATASOURCE_KEYS: tuple[str, ...] = (
    "type",
    "url",
    *HTTP_KEYS,
    "max_in_flight",
    "history",
    "language",
)
QUERY_LANGUAGES: tuple[str, ...] = ("promql", "metricsql")
DATASOURCE_TYPES: tuple[str, ...] = ("prometheus", "demo")
ALERTMANAGER_KEYS: tuple[str, ...] = ("url", *HTTP_KEYS, "allow_silence", "interval")
_THEME_FILE_SUFFIXES = (".yaml", ".yml", ".toml", ".json", ".tcss")


def display_path(path: Path) -> str:
    """How the file is named in messages: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _base_url(found: Field) -> str | None:
    url = found.as_str()
    if url is None:
        return None
    url = url.strip().rstrip("/")
    if check_url(found, url) is None:
        return None
    if url.endswith("/api/v1") or url.endswith("/api/v2"):
        found.fail("give the base URL, without /api/v1 or /api/v2")
        return None
    return url


def _read_datasource(name: str, found: Field) -> Datasource | None:
    section = found.as_section()
    if section is None:
        return None
    section.check_keys(DATASOURCE_KEYS)
    kind = (section.text("type", "prometheus") or "prometheus").strip().lower()
    if kind not in DATASOURCE_TYPES:
        section.get("type").fail(  # type: ignore[union-attr]
            f"unknown datasource type {kind!r}; supported: {', '.join(DATASOURCE_TYPES)}"
        )
    url_field = section.require("url") if kind != "demo" else section.get("url")
    url = _base_url(url_field) if url_field else ("" if kind == "demo" else None)
    http = read_http_options(section)
    max_in_flight = section.integer("max_in_flight", 8, minimum=1)
    history = section.duration("history", 1800.0)
    language = (section.text("language", "promql") or "promql").strip().lower()
    if language not in QUERY_LANGUAGES:
        section.get("language").fail(  # type: ignore[union-attr]
            f"unknown query language {language!r}; supported: {', '.join(QUERY_LANGUAGES)}"
        )
        language = "promql"
    if url is None:
        return None
    return Datasource(
        name=name,
        url=url,
        type=kind,
        http=http,
        max_in_flight=max_in_flight,
        history=1800.0 if history is None else history,
        language=language,
    )


def _read_alertmanager(found: Field) -> Alertmanager | None:
    section = found.as_section()
    if section is None:
        return None
    section.check_keys(ALERTMANAGER_KEYS)
    url_field = section.require("url")
    url = _base_url(url_field) if url_field else None
    http = read_http_options(section)
    interval = section.duration("interval", 10.0, positive=True) or 10.0
    allow_silence = section.boolean("allow_silence", False)
    if url is None:
        return None
    from oncall_tui.config.optional_model import Alertmanager

    return Alertmanager(url=url, http=http, interval=interval, allow_silence=allow_silence)


def _read_paths(found: Field | None, *, files_only: bool = False) -> tuple[Path, ...]:
    """Paths; with `files_only`, each must be a regular file (a FIFO or a device such as
    /dev/zero would hang or exhaust whatever reads it)."""
    if found is None or found.value is None:
        return ()
    items = found.as_list(one_allowed=True) or []
    paths = []
    for item in items:
        path = item.as_path()
        if path is None:
            continue
        if files_only and path.exists() and not path.is_file():
            item.fail(f"not a regular file: {path}")
            continue
        paths.append(path)
    return tuple(paths)


def _read_glyphs(found: Field | None) -> str:
    """`glyphs:` auto (the default), unicode or ascii."""
    if found is None:
        return "auto"
    text = found.as_str()
    if text is None:
        return "auto"
    if text.strip() not in GLYPH_SETTINGS:
        found.fail(f"expected one of {', '.join(GLYPH_SETTINGS)}, got {text!r}")
        return "auto"
    return text.strip()


def _read_theme(found: Field | None) -> str:
    """A built-in theme name, or a theme file (resolved against the config folder)."""
    if found is None:
        return "oncall-dark"
    text = found.as_str()
    if text is None or not text.strip():
        if text is not None:
            found.fail("expected a theme name or a theme file, got an empty string")
        return "oncall-dark"
    text = text.strip()
    if "/" in text or text.endswith(_THEME_FILE_SUFFIXES):
        path = found.as_path()
        if path is not None and not path.is_file():
            found.fail(f"theme file not found: {path}")
        return str(path) if path is not None else "oncall-dark"
    return text


def _read_keymap(found: Field | None) -> dict[str, str]:
    """binding id -> keys; a list of keys is joined with commas, as Textual expects."""
    if found is None:
        return {}
    section = found.as_section()
    if section is None:
        return {}
    keymap = {}
    for binding in section.keys():
        item = section.get(binding)
        assert item is not None
        if isinstance(item.value, list):
            keys = [k.as_str() for k in item.as_list() or []]
            if all(k is not None for k in keys):
                keymap[str(binding)] = ",".join(k for k in keys if k)
        else:
            text = item.as_str()
            if text is not None:
                keymap[str(binding)] = text
    return keymap


def _build(top: Section, path: Path) -> Config | None:
    reader = top.reader
    top.check_keys(TOP_KEYS)
    refresh = top.duration("refresh", 5.0, positive=True) or 5.0
    if refresh <= 0:
        top.get("refresh").fail("must be more than 0")  # type: ignore[union-attr]
        refresh = 5.0

    datasources: dict[str, Datasource] = {}
    names: list[str] = []
    ds_section = top.section("datasources") if top.has("datasources") else None
    for name in ds_section.keys() if ds_section else []:
        assert ds_section is not None
        names.append(str(name))
        datasource = _read_datasource(str(name), ds_section.get(name))  # type: ignore[arg-type]
        if datasource is not None:
            datasources[str(name)] = datasource

    am_field = top.get("alertmanager")
    alertmanager = _read_alertmanager(am_field) if am_field and am_field.value else None

    incidents_field = top.get("incidents")
    incidents = None
    if incidents_field is not None:
        from oncall_tui.config.incidents import read_policy

        incidents = read_policy(incidents_field)

    services: dict[str, Service] = {}
    svc_field = top.get("services")
    svc_section = svc_field.as_section() if svc_field and svc_field.value is not None else None
    if svc_field is None or svc_field.value is None:
        top.reader.error(top.key_line("services"), "services", "define at least one service")
    elif svc_section is not None and not svc_section.keys():
        svc_field.fail("define at least one service")
    for name in svc_section.keys() if svc_section else []:
        assert svc_section is not None
        if not isinstance(name, str) or not NAME.fullmatch(name):
            reader.error(
                svc_section.key_line(name),
                f"services.{name}",
                "a service name may only hold letters, digits, _ and -",
            )
            continue
        found = svc_section.get(name)
        assert found is not None  # `name` is one of the section's own keys
        service = read_service(
            name,
            found,
            names,
            refresh,
            svc_section.key_line(name),
            incident_base=incidents,
        )
        if service is not None:
            services[name] = service

    theme = _read_theme(top.get("theme"))
    runbooks = _read_paths(top.get("runbooks"))
    rules = _read_paths(top.get("rules"), files_only=True)
    keymap = _read_keymap(top.get("keymap"))
    bell = top.boolean("bell", False)
    alert_notices = top.boolean("alert_notices", True)
    glyphs = _read_glyphs(top.get("glyphs"))
    record = read_record(top.get("record"))
    # with errors too: what could be read, for `oncall validate` to check the rest
    return Config(
        path=path,
        refresh=refresh,
        theme=theme,
        datasources=datasources,
        services=services,
        alertmanager=alertmanager,
        runbooks=runbooks,
        rules=rules,
        keymap=keymap,
        bell=bell,
        alert_notices=alert_notices,
        glyphs=glyphs,
        record=record,
        incidents=incidents,
    )


def parse_config(
    text: str, path: Path, environ: Mapping[str, str] | None = None
) -> tuple[Config, dict[str, int]]:
    """The Config in `text` (as if read from `path`) and the line of every key path read.

    Raises ConfigErrors with every problem found.
    """
    path = path.expanduser().absolute()
    reader = Reader(
        file=display_path(path),
        base_dir=path.parent,
        environ=os.environ if environ is None else environ,
    )
    try:
        data, duplicates = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 0
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        message = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
        reader.error(line, "", message)
        raise ConfigErrors(reader.errors) from None
    for line, key in duplicates:
        reader.error(line, str(key), f"duplicate key {key!r} (the later one would win)")
    if data is None:
        reader.error(0, "", "the file is empty; it needs at least a services: section")
        raise ConfigErrors(reader.errors)
    if not isinstance(data, PosDict):
        reader.error(1, "", "the top level must be a mapping of keys such as services:")
        raise ConfigErrors(reader.errors)
    config = _build(Section(reader, data, "", data.line), path)
    if reader.errors or config is None:
        raise ConfigErrors(reader.errors, partial=config, lines=reader.lines)
    return config, reader.lines


def load_config_with_lines(
    path: Path, environ: Mapping[str, str] | None = None
) -> tuple[Config, dict[str, int]]:
    """Like `load_config`, also returning the line of every key path (for `oncall validate`)."""
    try:
        text = read_bounded_text(Path(path).expanduser())
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        problem = ConfigError(display_path(Path(path)), 0, "", f"cannot read: {reason}")
        raise ConfigErrors([problem]) from None
    return parse_config(text, Path(path), environ)


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> Config:
    """The validated Config in the YAML file at `path`; ConfigErrors lists every problem."""
    return load_config_with_lines(path, environ)[0]
