"""Where the config file is: --config, $ONCALL_CONFIG, ./oncall.yaml, the user config folder."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from oncall_tui.config.errors import ConfigNotFound


def candidate_paths(
    explicit: str | None, environ: Mapping[str, str] | None = None
) -> list[tuple[str, Path]]:
    """Every place looked at, first match wins, each with why it is looked at."""
    env = os.environ if environ is None else environ
    places: list[tuple[str, Path]] = []
    if explicit:
        places.append(("--config", Path(explicit).expanduser()))
        return places  # an explicit choice is never silently replaced by another file
    if env.get("ONCALL_CONFIG"):
        places.append(("$ONCALL_CONFIG", Path(env["ONCALL_CONFIG"]).expanduser()))
        return places
    places.append(("current folder", Path.cwd() / "oncall.yaml"))
    xdg = env.get("XDG_CONFIG_HOME")
    config_home = (
        Path(xdg).expanduser() if xdg else Path(env.get("HOME", "~")).expanduser() / ".config"
    )
    places.append(("user config", config_home / "oncall" / "config.yaml"))
    return places


def find_config_path(explicit: str | None, environ: Mapping[str, str] | None = None) -> Path:
    """The config file to use, as an absolute path; ConfigNotFound lists the places looked at.

    An explicit `--config` or `$ONCALL_CONFIG` that does not exist is an error of its own: a
    typo there must not quietly fall back to another file.
    """
    places = candidate_paths(explicit, environ)
    for _, path in places:
        if path.is_file():
            return path.absolute()
    raise ConfigNotFound(f"{path} ({why})" for why, path in places)
