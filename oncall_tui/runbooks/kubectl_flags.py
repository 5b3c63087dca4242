"""`kubectl` lines of a runbook get the service's `--context` and `-n` when they name none.

A paste must never land on the wrong cluster: a runbook written for "the" cluster
(`kubectl get pods -l app=cqar`) is shown as `kubectl --context {{ context }} -n
{{ namespace }} get pods -l app=cqar`, and the filler then puts in the service's values (and
marks them, like any filled placeholder). A line that already says `--context`, `-n`,
`--namespace`, `-A` or `--all-namespaces` keeps its own; `kubectl config ...` is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: languages of blocks that are shell commands
SHELL_LANGUAGES = frozenset({"", "bash", "sh", "shell", "zsh", "console", "shell-session"})

# a kubectl command: at a line start or after a pipe, `;`, `&&`, `(`, `$(` or a backtick,
# and its arguments up to the end of the command (backslash-newline continues it)
_KUBECTL = re.compile(
    r"(?P<lead>(?:^|[|;&(`]|\$\()[ \t]*(?:\$[ \t]+)?(?:sudo[ \t]+)?)kubectl\b"
    r"(?P<rest>(?:\\\n|[^\n|;&)`])*)",
    re.MULTILINE,
)
_HAS_NAMESPACE = re.compile(r"(?:^|\s)(?:-n(?:\s|=|\S)|--namespace\b|-A\b|--all-namespaces\b)")
_HAS_CONTEXT = re.compile(r"(?:^|\s)--context\b")
_CONFIG = re.compile(r"^\s+config\b")


def add_kubectl_flags(text: str, language: str, knows: Callable[[str], bool]) -> str:
    """`text` with `--context {{ context }}` / `-n {{ namespace }}` added to each kubectl
    command that has none, for the ones `knows(name)` can fill."""
    if language.lower() not in SHELL_LANGUAGES or "kubectl" not in text:
        return text
    context, namespace = knows("context"), knows("namespace")
    if not (context or namespace):
        return text

    def flagged(match: re.Match[str]) -> str:
        rest = match.group("rest")
        if _CONFIG.match(rest):
            return match.group(0)
        flags = []
        if context and not _HAS_CONTEXT.search(rest):
            flags.append("--context {{ context }}")
        if namespace and not _HAS_NAMESPACE.search(rest):
            flags.append("-n {{ namespace }}")
        if not flags:
            return match.group(0)
        return f"{match.group('lead')}kubectl {' '.join(flags)}{rest}"

    return _KUBECTL.sub(flagged, text)
