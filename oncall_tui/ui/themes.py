"""Theme files: YAML in `themes/` folders, validated, turned into Textual `Theme`s.

A theme file holds the fields of `textual.theme.Theme` plus `variables`, where our status
colours live (`status-ok` ... `status-error`). A bad file is reported as a `ThemeError`
naming the file; the dashboard then falls back to the default theme.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from textual.color import Color, ColorParseError
from textual.theme import Theme

from oncall_tui.config.positions import SAFE_LOADER

DEFAULT_THEME = "oncall-dark"
FALLBACK_THEME = "textual-dark"  # used only when the default file itself is broken
STATUS_VARIABLES: dict[str, str] = {
    # fallbacks for themes that do not set them (Textual's built-in themes)
    "status-ok": "#4caf50",
    "status-warn": "#ffb300",
    "status-crit": "#f44336",
    "status-pending": "#ff9e40",
    "status-stale": "#9e9e9e",
    "status-nodata": "#78909c",
    "status-error": "#e040fb",
}
_COLOUR_FIELDS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
_FIELDS = {f.name for f in dataclasses.fields(Theme)}


@dataclass(frozen=True)
class ThemeError:
    path: Path | None
    message: str

    def __str__(self) -> str:
        return f"theme file {self.path}: {self.message}" if self.path else self.message


class ThemeFileInvalid(Exception):
    def __init__(self, error: ThemeError) -> None:
        super().__init__(str(error))
        self.error = error


def theme_dirs(config_dir: Path | None = None) -> list[Path]:
    """Where theme files are looked for, later folders overriding earlier ones."""
    repo_themes = Path(__file__).resolve().parents[2] / "themes"
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    dirs = [repo_themes, Path(__file__).resolve().parents[1] / "themes", xdg / "oncall" / "themes"]
    if config_dir is not None:
        # only a `themes/` folder: the config's own folder holds other YAML files
        dirs.append(config_dir / "themes")
    seen: list[Path] = []
    for d in dirs:
        if d not in seen:
            seen.append(d)
    return seen


def load_theme_file(path: Path) -> Theme:
    """Read and validate one theme file; raises ThemeFileInvalid naming the file."""

    def fail(message: str) -> ThemeFileInvalid:
        return ThemeFileInvalid(ThemeError(path, message))

    try:
        data = yaml.load(
            path.read_text(encoding="utf-8"), Loader=SAFE_LOADER
        )  # each start reads every theme file
    except OSError as exc:
        raise fail(f"cannot read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise fail(f"not valid YAML: {exc}".splitlines()[0]) from exc
    if not isinstance(data, dict):
        raise fail("must be a mapping of theme fields")
    data = dict(data)
    data.setdefault("name", path.stem)
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise fail(f"unknown field(s) {', '.join(unknown)} (known: {', '.join(sorted(_FIELDS))})")
    if "primary" not in data:
        raise fail("missing field primary")
    for key in _COLOUR_FIELDS:
        if data.get(key) is not None:
            _check_colour(str(data[key]), key, fail)
    variables = data.get("variables") or {}
    if not isinstance(variables, dict):
        raise fail("variables must be a mapping of name: value")
    for key, value in variables.items():
        if key.startswith("status-"):
            if key not in STATUS_VARIABLES:
                raise fail(f"unknown status variable {key} (known: {', '.join(STATUS_VARIABLES)})")
            _check_colour(str(value), f"variables.{key}", fail)
    data["variables"] = {str(k): str(v) for k, v in variables.items()}
    if not isinstance(data.get("dark", True), bool):
        raise fail("dark must be true or false")
    try:
        return Theme(**data)
    except (TypeError, ValueError) as exc:
        raise fail(str(exc)) from exc


def _check_colour(value: str, key: str, fail) -> None:  # type: ignore[no-untyped-def]
    try:
        Color.parse(value)
    except ColorParseError as exc:
        raise fail(f"{key}: {value!r} is not a colour") from exc


@dataclass(frozen=True)
class ThemeSelection:
    themes: tuple[Theme, ...]  # every theme file found, by name (later folders win)
    selected: str  # the theme to start with
    errors: tuple[ThemeError, ...]


def is_theme_path(requested: str) -> bool:
    return "/" in requested or requested.endswith((".yaml", ".yml"))


def select_themes(
    requested: str | None,
    dirs: Sequence[Path],
    builtin: Iterable[str] = (),
    base_dir: Path | None = None,
) -> ThemeSelection:
    """Load every theme file in `dirs` and pick `requested` (a name or a file path).

    A relative file path is taken against `base_dir` (the config's folder) when given.
    """
    found: dict[str, Theme] = {}
    errors: list[ThemeError] = []
    for folder in dirs:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.y*ml")):
            try:
                theme = load_theme_file(path)
            except ThemeFileInvalid as exc:
                errors.append(exc.error)
                continue
            found[theme.name] = theme
    want = requested or DEFAULT_THEME
    if is_theme_path(want):
        try:
            path = Path(want).expanduser()
            if not path.is_absolute() and base_dir is not None:
                path = base_dir / path
            theme = load_theme_file(path)
            found[theme.name] = theme
            want = theme.name
        except ThemeFileInvalid as exc:
            errors.append(exc.error)
            want = DEFAULT_THEME
    builtin = set(builtin)
    if want not in found and want not in builtin:
        if requested and want == requested:
            names = ", ".join(sorted(found)) or "none"
            errors.append(ThemeError(None, f"unknown theme {want!r} (theme files: {names})"))
        want = DEFAULT_THEME
    if want not in found and want not in builtin:
        want = FALLBACK_THEME
    return ThemeSelection(tuple(found.values()), want, tuple(errors))
