"""Reading the local files a config names, with a bound: never a FIFO, a device or a huge file.

A token file that is a FIFO would block `validate` and `status` forever; `/dev/zero` as a
token or rule file would read until memory runs out. `read_bounded` opens without blocking,
refuses anything that is not a regular file, and reads at most `limit` bytes.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

#: the config, runbooks and rule files
TEXT_LIMIT = 16 * 1024 * 1024
#: a token or password file
SECRET_LIMIT = 64 * 1024
#: a TLS certificate or key
TLS_LIMIT = 1024 * 1024


class UnreadableFile(OSError):
    """The file cannot be read as asked; the message says why, in words."""


def read_bounded(path: Path | str, limit: int) -> bytes:
    """The bytes of the regular file at `path`; UnreadableFile when it is not a regular file,
    is larger than `limit` bytes, or cannot be opened."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise UnreadableFile(exc.errno, exc.strerror or str(exc)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile(f"{path} is not a regular file ({_kind(info.st_mode)})")
        if info.st_size > limit:
            raise UnreadableFile(f"{path} is larger than {limit // 1024} KiB")
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, min(1024 * 1024, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:  # it grew while we read
                raise UnreadableFile(f"{path} is larger than {limit // 1024} KiB")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_bounded_text(path: Path | str, limit: int = TEXT_LIMIT) -> str:
    """`read_bounded` decoded as UTF-8 (UnicodeDecodeError when it is not)."""
    return read_bounded(path, limit).decode("utf-8")


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"
