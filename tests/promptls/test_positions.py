"""The server's position converter (promptls/server/positions.py) against the definition it shortcuts:
a position's character is the number of code units (UTF-16 by default, or UTF-8 / UTF-32 when
negotiated) of the line's text before it. Long lines take its checkpoint path, short ones the direct
one; lone surrogates (from an editor buffer) and astral characters included."""

from __future__ import annotations

import random

import pytest
from lsprotocol import types
from promptls.router.base.source import LineIndex

from promptls.server.positions import BLOCK, PositionConverter

ALPHABET = ["a", " ", "é", "中", "😀", "\ud800", "\x00", "\n"]
UNIT_BYTES = {"utf-16": ("utf-16-le", 2), "utf-8": ("utf-8", 1), "utf-32": ("utf-32-le", 4)}


def _units(text: str, encoding: str) -> int:
    codec, size = UNIT_BYTES[encoding]
    return len(text.encode(codec, "surrogatepass")) // size


def _lines(text: str) -> list[tuple[int, str]]:
    """Each line's start offset and text (without its newline)."""
    found, start = [], 0
    for line in text.split("\n"):
        found.append((start, line))
        start += len(line) + 1
    return found


@pytest.mark.parametrize("encoding", sorted(UNIT_BYTES))
def test_positions_count_the_code_units_before_them_and_map_back(encoding: str) -> None:
    rng = random.Random(11)
    for _ in range(40):
        length = rng.choice([10, BLOCK - 1, BLOCK + 1, 3 * BLOCK, 20 * BLOCK])
        text = "".join(rng.choice(ALPHABET if rng.random() < 0.2 else ALPHABET[:5]) for _ in range(length))
        converter = PositionConverter(text, LineIndex(text), encoding)
        for number, (start, line) in enumerate(_lines(text)):
            for column in {0, len(line), *(rng.randint(0, len(line)) for _ in range(20))}:
                expected = types.Position(number, _units(line[:column], encoding))
                assert converter.position(start + column) == expected
                assert converter.offset(expected) == start + column
            # Past the end of the line: clamped to it.
            assert converter.offset(types.Position(number, _units(line, encoding) + 5)) == start + len(line)
