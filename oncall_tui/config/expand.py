"""Expansion of `${VAR}` from the environment and of `$name` from a service's vars.

The rule, in order:

1. `${VAR}` in any string value of the config is replaced by the environment variable VAR
   (`${VAR:-fallback}` uses `fallback` when VAR is unset). An unset VAR without a fallback is
   an error. `$${` is an escape for a literal `${`. This runs first, on the raw string.
2. Then, in KPI queries only, `$name` (a `$` and an identifier, no braces) is replaced by the
   service's var `name`. A `$name` with no such var is an error. So `${job}` means the
   environment variable `job`, while `$job` means the service var `job`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_ENV = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_VAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def expand_env(text: str, environ: Mapping[str, str]) -> tuple[str, list[str]]:
    """`text` with `${VAR}` filled in, and the names of the variables that were not set."""
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        name, fallback = match.group(1), match.group(2)
        if name in environ:
            return environ[name]
        if fallback is not None:
            return fallback
        missing.append(name)
        return match.group(0)

    return _ENV.sub(fill, text), missing


def replace_vars(query: str, variables: Mapping[str, str]) -> tuple[str, list[str]]:
    """`query` with `$name` replaced from `variables`, and the names that had no var."""
    unknown: list[str] = []

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in variables:
            return variables[name]
        unknown.append(name)
        return match.group(0)

    return _VAR.sub(fill, query), unknown
