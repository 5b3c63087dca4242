"""What several commands share: loading the config with every problem printed, the service check."""

from __future__ import annotations

import sys

from oncall_tui.config.model import Config


def load_config_or_report(explicit: str | None) -> Config | None:
    """The config, or None after printing every problem with its file, line and key."""
    from oncall_tui.config.loader import (
        ConfigErrors,
        ConfigNotFound,
        find_config_path,
        load_config,
    )

    try:
        return load_config(find_config_path(explicit))
    except ConfigErrors as exc:
        print(f"oncall: the config has {len(exc.errors)} problem(s):", file=sys.stderr)
        print(exc, file=sys.stderr)
        return None
    except ConfigNotFound as exc:
        print(f"oncall: {exc}", file=sys.stderr)
        return None


def check_service(config: Config, name: str | None) -> bool:
    if name is None or name in config.services:
        return True
    known = ", ".join(config.services) or "none"
    print(f"oncall: no service named {name!r} (services: {known})", file=sys.stderr)
    return False
