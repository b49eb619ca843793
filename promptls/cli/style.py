"""Terminal output: colour only on a TTY and never with NO_COLOR; paths shown relative to the cwd."""

from __future__ import annotations

import os
import sys
from typing import TextIO

_CODES = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
}


def use_color(stream: TextIO, choice: str = "auto") -> bool:
    """`--color always|never|auto`; auto means a TTY, no `NO_COLOR`, and a terminal that is not dumb."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR", "") != "":
        return False
    if os.environ.get("FORCE_COLOR", "") != "":
        return True
    return stream.isatty() and os.environ.get("TERM") != "dumb"


class Painter:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles:
            return text
        codes = ";".join(_CODES[s] for s in styles)
        return f"\033[{codes}m{text}\033[0m"


def painter_for(stream: TextIO | None = None, choice: str = "auto") -> Painter:
    return Painter(use_color(stream or sys.stdout, choice))


_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if c != 0x09}


def printable(text: str) -> str:
    """`text` with control characters (ESC, CR, ...) shown as `\\x1b`: a file name or a value read
    from a file must not move the cursor, recolour or rewrite the user's terminal."""
    return text.translate(_CONTROL) if not text.isprintable() else text


def shown_path(path: str, cwd: str | None = None) -> str:
    """A path as the user typed it would be: relative to the cwd when inside it."""
    cwd = cwd or os.getcwd()
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute, cwd)
    except ValueError:
        return path
    return absolute if rel.startswith("..") else rel


def add_color_option(parser) -> None:
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the output (default: auto — only on a terminal, and never when NO_COLOR is set)",
    )
