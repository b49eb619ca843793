"""What a GGUF model file says about itself: its architecture's numbers, quantization and parameter
count, read from the header (the key-value metadata and the tensor table; the weights are not read).

Format (ggml's docs/gguf.md): `GGUF`, version (u32), tensor count and key-value count (u64 each, v2+),
then each key (a string: u64 length, UTF-8) with a typed value, then each tensor's name, dimensions
and type. All little-endian. Big arrays (a tokenizer's 262,144 tokens) are skipped, not kept.
"""

from __future__ import annotations

import math
import struct
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from promptls.router.models.fit import GGUF_FILE_TYPES, Architecture, ModelFacts

_SCALARS = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",
    10: "<Q",
    11: "<q",
    12: "<d",
}
_STRING, _ARRAY = 8, 9
_KEEP_ARRAY = 64
"""Arrays up to this long are kept (a per-layer head count); longer ones are skipped."""


class GGUFError(ValueError):
    """Not a GGUF file, or one cut short."""


class GGUFHeader(NamedTuple):
    version: int
    metadata: dict[str, Any]
    parameters: int
    """Elements of all tensors: the parameter count."""


def read_header(path: Path) -> GGUFHeader:
    with path.open("rb") as stream:
        if stream.read(4) != b"GGUF":
            raise GGUFError(f"{path} is not a GGUF file")
        (version,) = _read(stream, "<I")
        if version < 2:
            raise GGUFError(f"{path}: GGUF version {version} is too old (2 and later are read)")
        tensors, pairs = _read(stream, "<QQ")
        metadata = {}
        for _ in range(pairs):
            key = _string(stream)
            (kind,) = _read(stream, "<I")
            metadata[key] = _value(stream, kind)
        parameters = 0
        for _ in range(tensors):
            _string(stream)
            (dimensions,) = _read(stream, "<I")
            shape = _read(stream, "<" + "Q" * dimensions)
            _read(stream, "<IQ")  # type, offset
            parameters += math.prod(shape)
    return GGUFHeader(version, metadata, parameters)


def model_facts(path: Path) -> ModelFacts:
    """The facts the memory estimate needs, from a GGUF file's header and size."""
    header = read_header(path)
    meta = header.metadata
    arch = meta.get("general.architecture")

    def number(key: str) -> int | None:
        value = meta.get(f"{arch}.{key}")
        if isinstance(value, list):  # per layer: the largest errs high
            value = max(value, default=None)
        return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    layers, heads = number("block_count"), number("attention.head_count")
    kv_heads = number("attention.head_count_kv") or heads
    head_size = number("attention.key_length")
    if head_size is None and heads and number("embedding_length"):
        head_size = number("embedding_length") // heads  # type: ignore[operator]
    architecture = None
    if layers and kv_heads and head_size:
        architecture = Architecture(layers, kv_heads, head_size, number("attention.sliding_window"))
    return ModelFacts(
        parameters=float(header.parameters) or None,
        quantization=GGUF_FILE_TYPES.get(meta.get("general.file_type", -1)),
        file_size=path.stat().st_size,
        architecture=architecture,
        context_length=number("context_length"),
    )


def _read(stream: BinaryIO, fmt: str) -> tuple[Any, ...]:
    size = struct.calcsize(fmt)
    data = stream.read(size)
    if len(data) != size:
        raise GGUFError("the GGUF header is cut short")
    return struct.unpack(fmt, data)


def _string(stream: BinaryIO) -> str:
    (length,) = _read(stream, "<Q")
    data = stream.read(length)
    if len(data) != length:
        raise GGUFError("the GGUF header is cut short")
    return data.decode("utf-8", "replace")


def _value(stream: BinaryIO, kind: int) -> Any:
    if kind in _SCALARS:
        return _read(stream, _SCALARS[kind])[0]
    if kind == _STRING:
        return _string(stream)
    if kind == _ARRAY:
        item, count = _read(stream, "<IQ")
        if count > _KEEP_ARRAY:
            _skip(stream, item, count)
            return None
        return [_value(stream, item) for _ in range(count)]
    raise GGUFError(f"unknown GGUF value type {kind}")


def _skip(stream: BinaryIO, item: int, count: int) -> None:
    if item in _SCALARS:
        stream.seek(struct.calcsize(_SCALARS[item]) * count, 1)
    elif item == _STRING:
        for _ in range(count):
            (length,) = _read(stream, "<Q")
            stream.seek(length, 1)
    else:
        for _ in range(count):
            _value(stream, item)
