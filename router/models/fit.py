"""Will a local model fit in this machine? A pure estimate of the memory a model needs, and the choice
of the best local model that fits, from plain numbers (what adapters read: the model's size and
quantization, its architecture when known, the machine's free memory).

    needed = weights + KV cache + overhead
    weights   the model file's size when known (a GGUF is its weights), else parameters × the
              quantization's bits per weight / 8
    KV cache  2 (K and V) × layers × context × KV heads × head size × 2 bytes (f16, llama.cpp's and
              Ollama's default); without the architecture, a rule of thumb from the parameter count
              (layers ≈ 24 + 0.8 per billion parameters, 1,024 K/V values per layer and token: what
              Llama 3 8B, Qwen 2.5 7B/32B and Llama 3 70B come to, ±30 %)
    overhead  compute buffers and the runtime: 10 % of the weights + 256 MiB

An estimate errs high rather than low, and says when it rests on a rule of thumb (`basis`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any, NamedTuple

GIB = 1024**3

BITS_PER_WEIGHT = {
    "F32": 32.0,
    "F16": 16.0,
    "BF16": 16.0,
    "Q8_0": 8.5,
    "Q6_K": 6.56,
    "Q5_1": 6.0,
    "Q5_K_M": 5.69,
    "Q5_K_S": 5.54,
    "Q5_0": 5.5,
    "Q4_1": 5.0,
    "Q4_K_M": 4.85,
    "Q4_K_S": 4.58,
    "Q4_0": 4.5,
    "IQ4_NL": 4.5,
    "IQ4_XS": 4.25,
    "MXFP4": 4.25,
    "Q3_K_L": 4.27,
    "Q3_K_M": 3.91,
    "IQ3_M": 3.66,
    "Q3_K_S": 3.5,
    "IQ3_XXS": 3.06,
    "Q2_K": 2.96,
    "IQ2_XS": 2.31,
    "IQ2_XXS": 2.06,
    "IQ1_S": 1.56,
}
"""Average bits a weight takes in each llama.cpp quantization (block scales included; the K-quants'
mixes as llama.cpp's quantize table gives them for a 7B model)."""

DEFAULT_QUANTIZATION = "Q4_K_M"
"""What Ollama's library tags without a quantization in their name (`qwen2.5-coder:7b`) are."""

GGUF_FILE_TYPES = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K",
    11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M",
    18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 27: "IQ3_M",
    30: "IQ4_XS", 32: "BF16", 38: "MXFP4",
}  # fmt: skip
"""GGUF's `general.file_type` (llama.cpp's `llama_ftype`) and the quantization each one is."""

_SIZE = re.compile(r"(?:^|[:\-_/])(\d+(?:\.\d+)?)\s*([bm])(?=$|[\-_:])", re.IGNORECASE)
_EXPERTS = re.compile(r"(\d+)x(\d+(?:\.\d+)?)([bm])", re.IGNORECASE)


class Architecture(NamedTuple):
    """The numbers the KV cache depends on (Ollama's `/api/show` model_info, a GGUF's header)."""

    layers: int
    kv_heads: int
    head_size: int
    sliding_window: int | None = None
    """Layers that attend only to this many recent tokens (Gemma 2/3) still keep a full cache in
    llama.cpp unless asked otherwise: not used to shrink the estimate (it errs high)."""


class ModelFacts(NamedTuple):
    """What is known about a local model, each part optional."""

    parameters: float | None = None
    """The parameter count (3.2e9)."""
    quantization: str | None = None
    file_size: int | None = None
    """Bytes of the model file (the weights) when installed."""
    architecture: Architecture | None = None
    context_length: int | None = None
    """The model's own maximum context."""


class MemoryEstimate(NamedTuple):
    weights: int
    kv_cache: int
    overhead: int
    context: int
    basis: str
    """How the numbers were had: `file size`, `parameters × Q4_K_M`; `, architecture` or `, rule of
    thumb` for the KV cache."""

    @property
    def total(self) -> int:
        return self.weights + self.kv_cache + self.overhead


class Fit(NamedTuple):
    model: str
    estimate: MemoryEstimate | None
    fits: bool | None
    """None: nothing is known about the model's size."""
    installed: bool | None = None
    """False: not on this machine, so not chosen whatever its size."""


class Choice(NamedTuple):
    """The first candidate that fits (None: none does, or none could be estimated) and why."""

    model: str | None
    considered: tuple[Fit, ...]
    free: int

    def explain(self) -> str:
        """`qwen2.5-coder:32b needs ~21 GB, 9 GB free → qwen2.5-coder:7b`."""
        parts = []
        for fit in self.considered:
            if fit.model == self.model:
                break
            if fit.installed is False:
                parts.append(f"{fit.model} is not installed")
            elif fit.estimate is None:
                parts.append(f"{fit.model}: size unknown")
            else:
                parts.append(f"{fit.model} needs ~{gb(fit.estimate.total)}")
        head = ", ".join(parts)
        free = f"{gb(self.free)} free"
        if self.model is None:
            return f"{head}, {free}: no candidate fits" if head else f"{free}: no candidate"
        return f"{head}, {free} → {self.model}" if head else f"{self.model} fits in {free}"


def gb(size: float) -> str:
    """Bytes as a person says them: `21 GB`, `1.4 GB`, `300 MB` (decimal units, as `ollama list`)."""
    if size >= 10e9:
        return f"{size / 1e9:.0f} GB"
    if size >= 1e9:
        return f"{size / 1e9:.1f} GB"
    if size >= 10e6:
        return f"{size / 1e6:.0f} MB"
    return f"{size / 1e6:.1f} MB"


def parameters_from_text(text: str | None) -> float | None:
    """`3.2B`, `268.10M`, `qwen2.5-coder:32b`, `mixtral:8x7b`, `gemma3:270m` -> the parameter count."""
    if not text:
        return None
    experts = _EXPERTS.search(text)
    if experts:
        count, each, unit = int(experts.group(1)), float(experts.group(2)), experts.group(3).lower()
        return count * each * (1e9 if unit == "b" else 1e6)
    match = _SIZE.search(text.strip())
    if match is None:
        return None
    value, unit = float(match.group(1)), match.group(2).lower()
    return value * (1e9 if unit == "b" else 1e6)


def quantization_from_text(text: str | None) -> str | None:
    """The quantization a tag names (`llama3.1:8b-instruct-q8_0` -> `Q8_0`), if any."""
    if not text:
        return None
    upper = text.upper()
    for name in sorted(BITS_PER_WEIGHT, key=len, reverse=True):
        if re.search(rf"(?:^|[\-_:]){re.escape(name)}(?:$|[\-_])", upper):
            return name
    return None


def facts_from_name(name: str) -> ModelFacts:
    """What an Ollama library name says: its size tag and quantization (default Q4_K_M)."""
    parameters = parameters_from_text(name.partition(":")[2] or name)
    return ModelFacts(
        parameters, quantization_from_text(name) or (DEFAULT_QUANTIZATION if parameters else None)
    )


def facts_from_ollama(details: Mapping[str, Any], size: int | None = None) -> ModelFacts:
    """Ollama's `/api/show` facts (adapters/discovery/ollama.py) or a list entry's, as `ModelFacts`."""
    parameters = details.get("parameter_count") or parameters_from_text(details.get("parameter_size"))
    architecture = None
    layers, kv_heads = details.get("block_count"), details.get("head_count_kv") or details.get("head_count")
    head_size = details.get("key_length")
    if not head_size and details.get("embedding_length") and details.get("head_count"):
        head_size = details["embedding_length"] // details["head_count"]
    if layers and kv_heads and head_size:
        architecture = Architecture(int(layers), int(kv_heads), int(head_size), details.get("sliding_window"))
    quantization = details.get("quantization_level") or details.get("quantization")
    return ModelFacts(
        float(parameters) if parameters else None,
        str(quantization).upper() if quantization else None,
        size or details.get("size_bytes"),
        architecture,
        details.get("context_length"),
    )


def estimate(facts: ModelFacts, context: int) -> MemoryEstimate | None:
    """The memory `facts`' model needs to run with `context` tokens; None when its size is unknown."""
    if facts.file_size:
        weights, basis = facts.file_size, "file size"
    elif facts.parameters:
        quantization = (facts.quantization or DEFAULT_QUANTIZATION).upper()
        bits = BITS_PER_WEIGHT.get(quantization, BITS_PER_WEIGHT[DEFAULT_QUANTIZATION])
        weights, basis = int(facts.parameters * bits / 8), f"parameters × {quantization}"
    else:
        return None
    if facts.architecture is not None:
        arch = facts.architecture
        per_token = 2 * arch.layers * arch.kv_heads * arch.head_size * 2
        basis += ", architecture"
    else:
        parameters = facts.parameters or weights * 8 / BITS_PER_WEIGHT[DEFAULT_QUANTIZATION]
        layers = 24 + 0.8 * parameters / 1e9
        per_token = int(2 * layers * 1024 * 2)
        basis += ", rule of thumb"
    kv_cache = per_token * context
    overhead = int(weights * 0.10) + 256 * 1024**2
    return MemoryEstimate(weights, kv_cache, overhead, context, basis)


def fits(needed: MemoryEstimate | None, free: int) -> bool | None:
    return None if needed is None else needed.total <= free


def choose_local(
    candidates: Sequence[tuple[str, MemoryEstimate | None]],
    free: int,
    installed: Collection[str] | None = None,
) -> Choice:
    """The first of `candidates` (best first) whose estimate fits in `free` bytes and, when `installed`
    is known, that is installed; one whose size is unknown is passed over (it cannot be promised to
    fit)."""
    considered = []
    for model, needed in candidates:
        present = None if installed is None else model in installed
        fit = Fit(model, needed, fits(needed, free), present)
        considered.append(fit)
        if fit.fits and present is not False:
            return Choice(model, tuple(considered), free)
    return Choice(None, tuple(considered), free)


class LocalMachine(NamedTuple):
    """What resolution knows of this machine for `local = "fit"` or a list of candidates."""

    free: int
    """Bytes free for a model (RAM available + free GPU memory)."""
    installed: Mapping[str, MemoryEstimate | None]
    """Installed local models by id, with what each needs at the context it will run with."""
    context: int = 4096
    """The context a candidate that is not installed is estimated at."""
    note: str = ""
    """Where `installed` came from (`Ollama's list, cached 3 min ago`)."""


LOCAL_FIT = "fit"


def local_choice(value: Any, machine: LocalMachine | None) -> tuple[str | None, str]:
    """The model a `local` setting (`"fit"`, or model ids best first) picks, and the explanation the
    resolution shows. Without `machine` (nothing known of this machine here), a list gives its first
    entry and "fit" gives nothing."""
    candidates = [value] if isinstance(value, str) and value != LOCAL_FIT else value
    if machine is None:
        if isinstance(candidates, list) and candidates:
            return str(
                candidates[0]
            ), "`local`: the first candidate (this machine's free memory is not known here)"
        return None, '`local = "fit"`: the installed local models are not known here'
    note = f" ({machine.note})" if machine.note else ""
    if candidates == LOCAL_FIT:
        ranked = sorted(machine.installed.items(), key=lambda item: -(item[1].total if item[1] else 0))
        choice = choose_local(ranked, machine.free)
        if not ranked:
            return None, f'`local = "fit"`: no local model is installed{note}'
    else:
        ranked = [
            (
                str(model),
                machine.installed.get(str(model)) or estimate(facts_from_name(str(model)), machine.context),
            )
            for model in candidates
        ]
        choice = choose_local(ranked, machine.free, set(machine.installed))
    return choice.model, f"`local`: {choice.explain()}{note}"


def describe(needed: MemoryEstimate, free: int | None = None) -> str:
    """`needs ~5.4 GB at 8,192 tokens of context (weights 4.7 GB, KV cache 470 MB, overhead 730 MB)`."""
    text = (
        f"needs ~{gb(needed.total)} at {needed.context:,} tokens of context (weights {gb(needed.weights)}, "
        f"KV cache {gb(needed.kv_cache)}, overhead {gb(needed.overhead)}; from the {needed.basis})"
    )
    if free is not None:
        text += f"; {gb(free)} free"
    return text
