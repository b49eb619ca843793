"""Reading a user's file: only regular files, and never more than a stated number of bytes.

Every place that reads a file a user's workspace holds (prompt files, settings files, `.gitignore`,
the language server's unopened files) reads it here. A FIFO named `x.md` would block a plain
`open()` forever, `/dev/zero` would fill memory, and a file of gigabytes would take the machine with
it; here each of those is an `Unreadable` answer instead, with a reason fit to show the user.

The check of the file's type is made on the opened descriptor (`fstat`), so a file swapped for a FIFO
between a look and the read cannot slip through. A `stat` before opening keeps promptls from opening
devices at all (opening some has effects of its own, such as a serial line's), and the open never
blocks (`O_NONBLOCK`) nor makes a terminal the process's own (`O_NOCTTY`).
"""

from __future__ import annotations

import enum
import os
import stat
from typing import NamedTuple

MIB = 1024 * 1024

MAX_PROMPT_BYTES = 1 * MIB
"""The largest prompt file promptls reads. Real prompts are a few kilobytes (the largest agent and
command files in public repositories are around 100 KB); a megabyte is some 250,000 tokens, more than
most models' whole context, and parsing and checking it already takes the language server a second.
A larger file is a finding (unreadable-file), never a stall."""

MAX_SETTINGS_BYTES = 1 * MIB
"""The largest settings file promptls reads (`promptls.toml`, `pyproject.toml`, the user config).
Real ones are a few kilobytes, a generous pyproject.toml a few tens; a megabyte of TOML is no
hand-written settings file."""

MAX_GITIGNORE_BYTES = 1 * MIB
"""The largest `.gitignore` promptls reads; a larger one is left out, as git itself leaves out
pattern files past its own (larger) limit. Every walked path is matched against every pattern, so
a megabyte of patterns (some 40,000 lines) is already far past any real file."""

_READ_CHUNK = 64 * 1024
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


class Why(enum.Enum):
    """Why a file was not read; callers decide by it whether to report or skip the file."""

    MISSING = "missing"
    """Nothing there: no such file, a dangling symlink (an Emacs lock file `.#name.md`), a parent
    that is no folder."""
    FOLDER = "folder"
    NOT_A_FILE = "not-a-file"
    """A FIFO, socket or device, itself or behind a symlink."""
    TOO_LARGE = "too-large"
    """A regular file over the limit the caller gave."""
    FAILED = "failed"
    """The system refused (no permission, an I/O error)."""


class Unreadable(NamedTuple):
    """A file that was not read, and why."""

    path: str
    why: Why
    reason: str
    """Why, for people, as a clause: "it is a FIFO, not a regular file"."""
    head: bytes = b""
    """For `TOO_LARGE`, the file's first `limit` bytes: enough to tell what kind of file it is."""

    @property
    def message(self) -> str:
        """The reason as a finding's message (the finding itself names the file)."""
        return f"promptls cannot read this file: {self.reason}"


def read_bytes(path: str, limit: int) -> bytes | Unreadable:
    """The bytes of the regular file at `path` (symlinks followed), or why it was not read."""
    try:
        before = os.stat(path)
    except OSError as exc:
        return _failed(path, exc)
    if not stat.S_ISREG(before.st_mode):
        return _not_a_file(path, before.st_mode)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        return _failed(path, exc)
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            return _not_a_file(path, opened.st_mode)
        chunks: list[bytes] = []
        size = 0
        # Read one byte past the limit: a file that grew since fstat is caught here too.
        while size <= limit:
            chunk = os.read(fd, min(_READ_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        return _failed(path, exc)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if size > limit:
        return too_large(path, max(size, opened.st_size), limit, data[:limit])
    return data


def too_large(path: str, size: int, limit: int, head: bytes) -> Unreadable:
    """The answer for a file of `size` bytes over `limit` (the language server's open documents
    are held to the same limit as files on disk)."""
    return Unreadable(
        path, Why.TOO_LARGE, f"it is {_amount(size)}, over promptls's limit of {_amount(limit)}", head
    )


def read_text(path: str, limit: int) -> str | Unreadable:
    """`read_bytes` as text: UTF-8 with undecodable bytes replaced, a byte-order mark dropped."""
    data = read_bytes(path, limit)
    if isinstance(data, Unreadable):
        return data
    return data.decode("utf-8", errors="replace").removeprefix("\ufeff")


def _not_a_file(path: str, mode: int) -> Unreadable:
    if stat.S_ISDIR(mode):
        return Unreadable(path, Why.FOLDER, "it is a folder, not a file")
    return Unreadable(path, Why.NOT_A_FILE, f"it is {_kind(mode)}, not a regular file")


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "a special file"


def _failed(path: str, exc: OSError) -> Unreadable:
    reason = (exc.strerror or str(exc)).lower()
    if isinstance(exc, FileNotFoundError | NotADirectoryError):
        reason = "it does not exist" if not os.path.islink(path) else "it is a symlink to nothing"
        return Unreadable(path, Why.MISSING, reason)
    if isinstance(exc, IsADirectoryError):
        return Unreadable(path, Why.FOLDER, "it is a folder, not a file")
    if exc.errno == getattr(os, "ENXIO", None):  # a socket: open() refuses it
        return Unreadable(path, Why.NOT_A_FILE, "it is a socket, not a regular file")
    return Unreadable(path, Why.FAILED, reason)


def _amount(size: int) -> str:
    """Bytes, or MiB to one decimal rounded up (a file just over a 1 MiB limit reads 1.1 MiB)."""
    if size < MIB:
        return f"{size:,} bytes"
    tenths = -(-size * 10 // MIB)
    return f"{tenths // 10} MiB" if tenths % 10 == 0 else f"{tenths / 10:.1f} MiB"
