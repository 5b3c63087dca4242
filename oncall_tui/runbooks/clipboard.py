"""Getting a command to the user's clipboard, over SSH and tmux, with a file as fallback.

The pane copies with Textual's `app.copy_to_clipboard` (OSC 52) and also calls
`write_fallback`, because some terminals ignore OSC 52 silently: the toast names the file so
the text is never lost. `osc52_sequence` is for the command line and for tests.
"""

from __future__ import annotations

import base64
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from oncall_tui.inert import inert_block
from oncall_tui.runbooks.placeholders import FilledCommand
from oncall_tui.secret_registry import redact

FALLBACK_NAME = "oncall-clipboard.txt"


def osc52_sequence(text: str, inside_tmux: bool) -> str:
    """The escape sequence that asks the terminal to put `text` on the clipboard."""
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    sequence = f"\x1b]52;c;{payload}\x07"
    if inside_tmux:
        # tmux passes a DCS "tmux;" sequence through to the outer terminal; every ESC
        # inside it is doubled (needs `set -g allow-passthrough on` in tmux >= 3.3).
        return "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"
    return sequence


def inside_tmux(environ: dict[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return bool(env.get("TMUX"))


def fallback_path(directory: Path | None = None) -> Path:
    """Where the copy is written: $XDG_RUNTIME_DIR (private to the user) when it exists,
    else the temp folder with the user id in the name, so that users do not collide."""
    if directory is not None:
        return Path(directory) / FALLBACK_NAME
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_dir():
        return Path(runtime) / FALLBACK_NAME
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"oncall-clipboard-{uid}.txt"


def write_fallback(text: str, directory: Path | None = None) -> Path:
    """Write `text` to the fallback file (mode 0600) and return its path. Raises OSError."""
    path = fallback_path(directory)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    # O_NOFOLLOW: in a shared /tmp, a symlink planted by someone else must not redirect
    # what we write; fchmod fixes the mode of a file that already existed.
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)
    return path


@dataclass(frozen=True)
class CopyOutcome:
    path: Path | None  # the fallback file, None when it could not be written
    unfilled: tuple[str, ...] = ()  # placeholders left as written: the copy warns
    error: str = ""  # why the fallback file could not be written
    lines: int = 0

    @property
    def message(self) -> str:
        """One line for a toast."""
        text = f"Copied {self.lines} line{'s' if self.lines != 1 else ''}"
        if self.path is not None:
            text += f" (also in {self.path})"
        elif self.error:
            text += f" (fallback file failed: {self.error})"
        if self.unfilled:
            text += "; unfilled: " + ", ".join(self.unfilled)
        return text


def copy_text(
    text: str | FilledCommand,
    directory: Path | None = None,
    terminal: TextIO | None = None,
) -> CopyOutcome:
    """Write the fallback file and, when `terminal` is given, the OSC 52 sequence to it."""
    unfilled: tuple[str, ...] = ()
    if isinstance(text, FilledCommand):
        unfilled = text.unfilled_names
        text = text.text
    # a pasted ESC would reach the shell that gets the paste; a secret would stay in the file
    text = redact(inert_block(text))
    if terminal is not None:
        terminal.write(osc52_sequence(text, inside_tmux()))
        terminal.flush()
    lines = len(text.splitlines())
    try:
        path: Path | None = write_fallback(text, directory)
        error = ""
    except OSError as exc:
        path, error = None, exc.strerror or str(exc)
    return CopyOutcome(path, unfilled, error, lines)
