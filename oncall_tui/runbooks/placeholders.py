"""Fill the placeholders of a command block for one service.

Recognised forms: `<db_host>`, `$NAMESPACE`, `${NAMESPACE}`, `{{ service }}` / `{{service}}`.
Names match case-insensitively, and `-` / `.` match `_` (`$NAMESPACE` and `<name-space>`
both find var `namespace`).

Where values come from, most specific first:
- outside values (series labels, pod names): untrusted, quoted for the block's language;
- the service's `vars`: trusted, substituted as written;
- built-ins: service, namespace, datasource_url / prometheus_url, now, context, and the
  probes' hosts and ports (`grpc_host`, `grpc_port`, `<probe>_host`, `host`, `port`).

A `kubectl` line naming no `--context` / `-n` gets the service's (`kubectl_flags`).

Shell is left alone: `$1`, `$?`, `$(...)`, `${X:-d}`, `\\$X`, redirections (`> out`,
`<<EOF`) and any `$VAR` assigned in the block itself. An unknown `$VAR` stays as written; it is
reported as unfilled only when it looks like a placeholder (ALL_CAPS and not a common
environment variable, or any `$name` in a PromQL block). Comments are kept and filled too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from oncall_tui.runbooks.kubectl_flags import add_kubectl_flags
from oncall_tui.runbooks.quoting import PROMQL_LANGUAGES, quote_outside
from oncall_tui.secret_registry import strip_userinfo

if TYPE_CHECKING:
    from oncall_tui.config.model import Config, Service

VAR = "var"  # from the service's vars
BUILTIN = "builtin"
OUTSIDE = "outside"  # from a label or a pod name: quoted
UNFILLED = "unfilled"


@dataclass(frozen=True)
class Span:
    """Where a placeholder sits in the filled text, and what became of it."""

    start: int  # offsets into FilledCommand.text
    end: int
    name: str  # as written between the delimiters: "db_host", "NAMESPACE"
    written: str  # the placeholder as in the template: "<db_host>"
    source: str  # var, builtin, outside, unfilled

    @property
    def filled(self) -> bool:
        return self.source != UNFILLED

    @property
    def key(self) -> str:
        """The name as looked up: `NAME-SPACE` is `name_space`."""
        return _key(self.name)


@dataclass(frozen=True)
class FilledCommand:
    text: str
    unfilled: tuple[Span, ...] = ()
    filled: tuple[Span, ...] = ()

    @property
    def spans(self) -> tuple[Span, ...]:
        """Every placeholder, in text order: what the pane highlights."""
        return tuple(sorted(self.unfilled + self.filled, key=lambda s: s.start))

    @property
    def unfilled_names(self) -> tuple[str, ...]:
        """The unfilled placeholders as written, each once: for the copy warning."""
        return tuple(dict.fromkeys(s.written for s in self.unfilled))

    def line(self, number: int) -> FilledCommand:
        """Line `number` (from 0) alone, with its spans: copying a single line of a block."""
        lines = self.text.splitlines(keepends=True)
        start = sum(len(x) for x in lines[:number])
        text = lines[number].rstrip("\n") if 0 <= number < len(lines) else ""
        end = start + len(text)

        def shift(spans: tuple[Span, ...]) -> tuple[Span, ...]:
            return tuple(
                replace(s, start=s.start - start, end=s.end - start)
                for s in spans
                if s.start >= start and s.end <= end
            )

        return FilledCommand(text, shift(self.unfilled), shift(self.filled))


def _key(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


@dataclass(frozen=True)
class FillContext:
    vars: Mapping[str, str] = field(default_factory=dict)
    builtins: Mapping[str, str] = field(default_factory=dict)
    outside: Mapping[str, str] = field(default_factory=dict)

    def lookup(self, name: str) -> tuple[str, str] | None:
        """(value, source) for a placeholder name, or None."""
        wanted = _key(name)
        for source, values in ((OUTSIDE, self.outside), (VAR, self.vars), (BUILTIN, self.builtins)):
            for key, value in values.items():
                if _key(key) == wanted:
                    return str(value), source
        return None

    def with_outside(self, values: Mapping[str, str]) -> FillContext:
        """This context plus untrusted values (labels of a series, a pod name)."""
        return replace(self, outside={**self.outside, **values})


def builtin_values(
    service: Service | None,
    config: Config | None = None,
    now: datetime | None = None,
    service_name: str | None = None,
) -> dict[str, str]:
    moment = now if now is not None else datetime.now(timezone.utc)
    values = {"now": moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
    name = service.name if service is not None else service_name
    if name:
        values["service"] = name
    if service is not None and service.kubernetes is not None:
        values["namespace"] = service.kubernetes.namespace
        if service.kubernetes.context:
            values["context"] = service.kubernetes.context
    if service is not None and config is not None:
        datasource = config.datasources.get(service.datasource)
        if datasource is not None:
            # never the user:password of the URL: the command is shown, copied and pasted
            url = strip_userinfo(datasource.url)
            values["datasource_url"] = url
            values["prometheus_url"] = url
    return values


def probe_values(service: Service | None) -> dict[str, str]:
    """Hosts and ports of the service's probes: `grpc_host`, `grpc_port` (by kind), `ready_host`
    (by probe name), and `host` / `port` of the first probe. From the config: trusted."""
    from urllib.parse import urlsplit

    values: dict[str, str] = {}
    for probe in service.health if service is not None else ():
        target = probe.target
        if "://" in target:
            parts = urlsplit(target)
            host = parts.hostname or ""
            port = str(parts.port or (443 if parts.scheme == "https" else 80))
            values.setdefault(f"{probe.name}_url", strip_userinfo(target))
        else:
            host, _, port = target.rpartition(":")
            host = host.strip("[]")
        if not host:
            continue
        for prefix in (probe.kind.value, probe.name):
            values.setdefault(f"{prefix}_host", host)
            values.setdefault(f"{prefix}_port", port)
            values.setdefault(f"{prefix}_address", f"{host}:{port}")
        values.setdefault("host", host)
        values.setdefault("port", port)
    return values


def context_for(
    service: Service | None = None,
    config: Config | None = None,
    *,
    service_name: str | None = None,
    outside: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> FillContext:
    """The fill context of a service: its vars, the built-ins, and any outside values."""
    return FillContext(
        vars=dict(service.vars) if service is not None else {},
        builtins={**probe_values(service), **builtin_values(service, config, now, service_name)},
        outside=dict(outside or {}),
    )


_NAME = r"[A-Za-z_][A-Za-z0-9_.-]*"
_PLACEHOLDER = re.compile(
    rf"<(?P<angle>{_NAME})>"
    rf"|\{{\{{\s*(?P<mustache>{_NAME})\s*\}}\}}"
    r"|(?<![\\$])\$\{(?P<brace>[A-Za-z_][A-Za-z0-9_]*)\}"
    r"|(?<![\\$])\$(?P<dollar>[A-Za-z_][A-Za-z0-9_]*)"
)
# `NAME=`, `export NAME=`, `for NAME in`, `read [-r] NAME`: the block sets it itself.
_ASSIGNED = re.compile(
    r"(?:^|[\s;&|(])(?:export\s+|local\s+|readonly\s+|declare\s+(?:-\w+\s+)*)?"
    r"([A-Za-z_][A-Za-z0-9_]*)\+?="
    r"|\bfor\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\b"
    r"|\bread\s+(?:-\w+\s+)*([A-Za-z_][A-Za-z0-9_]*)",
    re.MULTILINE,
)
# Environment every shell has: never a placeholder of ours even when we do not know it.
SHELL_ENVIRONMENT = frozenset(
    "HOME PATH USER LOGNAME PWD OLDPWD SHELL HOSTNAME TMPDIR TMP LANG LC_ALL TERM EDITOR "
    "PAGER IFS UID EUID PPID RANDOM SECONDS LINENO BASH BASHPID BASH_SOURCE FUNCNAME "
    "KUBECONFIG DISPLAY SSH_AUTH_SOCK XDG_RUNTIME_DIR XDG_CONFIG_HOME".split()
)


def assigned_names(text: str) -> frozenset[str]:
    found: set[str] = set()
    for match in _ASSIGNED.finditer(text):
        found.update(g for g in match.groups() if g)
    return frozenset(found)


def fill(text: str, context: FillContext, language: str = "") -> FilledCommand:
    """Fill every placeholder of `text` (a command block in `language`) from `context`."""
    promql = language.lower() in PROMQL_LANGUAGES
    # a kubectl line naming no cluster gets the service's: a paste never lands elsewhere
    text = add_kubectl_flags(text, language, lambda name: context.lookup(name) is not None)
    # In PromQL `queue="$queue"` is a label matcher, not a shell assignment.
    assigned = frozenset() if promql else assigned_names(text)
    out: list[str] = []
    filled: list[Span] = []
    unfilled: list[Span] = []
    written_upto = 0
    length = 0
    for match in _PLACEHOLDER.finditer(text):
        kind = match.lastgroup or ""
        name = match.group(kind)
        shell_style = kind in ("brace", "dollar")
        if shell_style and name in assigned:
            continue  # a variable the block sets itself
        found = context.lookup(name)
        if found is None and shell_style and not _looks_like_placeholder(name, promql):
            continue  # a shell variable of the reader's, not ours
        before = text[written_upto : match.start()]
        out.append(before)
        length += len(before)
        if found is None:
            value, source = match.group(0), UNFILLED
        else:
            value, source = found
            if source == OUTSIDE:
                value = quote_outside(value, language, text, match.start())
        span = Span(length, length + len(value), name, match.group(0), source)
        (unfilled if source == UNFILLED else filled).append(span)
        out.append(value)
        length += len(value)
        written_upto = match.end()
    out.append(text[written_upto:])
    return FilledCommand("".join(out), tuple(unfilled), tuple(filled))


def _looks_like_placeholder(name: str, promql: bool) -> bool:
    if promql:
        return True
    return name.isupper() and name not in SHELL_ENVIRONMENT
