"""Resources and the memory estimate: psutil against the kernel's own numbers, an injected GPU
reading, the real Gemma 270M GGUF's header, and the estimate against what llama.cpp's real server
takes in memory when it runs that file."""

from __future__ import annotations

from pathlib import Path

import psutil
import pytest
from hypothesis import given
from hypothesis import strategies as st
from promptls.adapters.gguf import GGUFError, model_facts, read_header
from promptls.adapters.resources import Gpu, free_disk, nvidia_gpus, read_resources
from promptls.router.models.fit import (
    Architecture,
    ModelFacts,
    choose_local,
    estimate,
    facts_from_name,
    facts_from_ollama,
    parameters_from_text,
    quantization_from_text,
)

from tests.test_real_model import Server, gemma_gguf, llama_server  # noqa: F401 (fixtures)


def _meminfo() -> dict[str, int]:
    out = {}
    for line in Path("/proc/meminfo").read_text().splitlines():
        name, _, rest = line.partition(":")
        out[name] = int(rest.split()[0]) * 1024
    return out


def test_the_machines_memory_is_what_the_kernel_says() -> None:
    reading = read_resources(gpus=lambda: ())
    kernel = _meminfo()
    assert reading.total_memory == kernel["MemTotal"]
    assert abs(reading.available_memory - kernel["MemAvailable"]) < 0.1 * kernel["MemTotal"]
    assert reading.cpus >= 1 and reading.free_for_model == reading.available_memory
    assert "no GPU" in reading.describe()


def test_an_injected_gpu_reading_adds_its_free_memory() -> None:
    gpu = Gpu("NVIDIA GeForce RTX 4090", 24_000_000_000, 20_000_000_000)
    reading = read_resources(gpus=lambda: (gpu,))
    assert reading.free_for_model == reading.available_memory + 20_000_000_000
    assert "NVIDIA GeForce RTX 4090 20 GB free of 24 GB" in reading.describe()


def test_no_gpu_library_or_driver_is_no_gpu_not_an_error() -> None:
    assert nvidia_gpus() == ()  # this machine has no NVIDIA GPU (and maybe no nvidia-ml-py)


def test_free_disk_of_a_folder_not_yet_made_is_its_parents(tmp_path: Path) -> None:
    assert abs(free_disk(tmp_path / "not" / "yet") - psutil.disk_usage(str(tmp_path)).free) < 1e9


# ---- the GGUF header and the estimate -----------------------------------------------------------


def test_the_gemma_file_says_its_architecture_and_quantization(gemma_gguf: Path) -> None:  # noqa: F811
    facts = model_facts(gemma_gguf)
    assert facts.quantization == "Q4_K_M"
    assert facts.architecture == Architecture(layers=18, kv_heads=1, head_size=256, sliding_window=512)
    assert facts.context_length == 32_768
    assert 260e6 < facts.parameters < 275e6  # "Gemma 3 270M"
    assert read_header(gemma_gguf).metadata["general.size_label"] == "270M"
    needed = estimate(facts, 2048)
    assert needed.weights == gemma_gguf.stat().st_size  # a GGUF is its weights
    assert needed.kv_cache == 2 * 18 * 1 * 256 * 2 * 2048
    assert needed.basis == "file size, architecture"
    by_parameters = estimate(facts._replace(file_size=None), 2048)
    # a 262k-token vocabulary is kept at more bits than Q4: a tiny model weighs more than Q4 says
    assert 0.5 < by_parameters.weights / needed.weights < 1.0


def test_a_file_that_is_not_gguf_is_said_so(tmp_path: Path) -> None:
    path = tmp_path / "model.gguf"
    path.write_bytes(b"PK\x03\x04 not a model")
    with pytest.raises(GGUFError, match="not a GGUF file"):
        read_header(path)
    path.write_bytes(b"GGUF\x03\x00\x00\x00\x01")
    with pytest.raises(GGUFError, match="cut short"):
        read_header(path)


def test_the_estimate_covers_what_llama_cpp_really_takes(
    gemma_gguf: Path,  # noqa: F811
    llama_server: Server,  # noqa: F811
) -> None:
    """The real server (n_ctx 2048) holds the model: its resident memory, less what the Python server
    takes without a model, is below the estimate, and not far below (the estimate errs high)."""
    (process,) = [
        child for child in psutil.Process().children() if "llama_cpp.server" in " ".join(child.cmdline())
    ]
    resident = process.memory_info().rss
    needed = estimate(model_facts(gemma_gguf), 2048).total
    assert resident - 200e6 < needed < 2.5 * resident, (resident, needed)


# ---- names, Ollama's facts, the choice -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parameters"),
    [
        ("3.2B", 3.2e9),
        ("268.10M", 268.1e6),
        ("qwen2.5-coder:32b", 32e9),
        ("gemma3:270m", 270e6),
        ("mixtral:8x7b", 56e9),
        ("llama3.1:8b-instruct-q8_0", 8e9),
        ("llama3.2", None),
        ("llama3.2:latest", None),
    ],
)
def test_parameters_from_a_name_or_a_size(text: str, parameters: float | None) -> None:
    assert parameters_from_text(text) == (pytest.approx(parameters) if parameters else None)


def test_the_quantization_a_tag_names() -> None:
    assert quantization_from_text("llama3.1:8b-instruct-q8_0") == "Q8_0"
    assert quantization_from_text("qwen2.5:7b-instruct-q4_K_M") == "Q4_K_M"
    assert quantization_from_text("qwen2.5:7b") is None
    assert facts_from_name("qwen2.5:7b").quantization == "Q4_K_M"  # Ollama's library default
    assert facts_from_name("llama3.2").parameters is None


def test_ollamas_show_facts_give_the_architecture() -> None:
    facts = facts_from_ollama(
        {"parameter_count": 7_615_616_512, "quantization_level": "Q4_K_M", "block_count": 28,
         "head_count": 28, "head_count_kv": 4, "embedding_length": 3_584, "context_length": 32_768},
        size=4_683_087_332,
    )  # fmt: skip
    assert facts.architecture == Architecture(28, 4, 128)
    assert estimate(facts, 8192).kv_cache == 2 * 28 * 4 * 128 * 2 * 8192


sizes = st.floats(min_value=1e8, max_value=1e12)
contexts = st.integers(min_value=1, max_value=1_000_000)


@given(parameters=sizes, context=contexts, more=st.integers(min_value=1, max_value=100_000))
def test_more_context_or_more_parameters_never_needs_less(parameters: float, context: int, more: int) -> None:
    facts = ModelFacts(parameters, "Q4_K_M")
    assert estimate(facts, context + more).total > estimate(facts, context).total
    assert estimate(facts._replace(parameters=parameters * 2), context).total > estimate(facts, context).total


@given(
    needs=st.lists(st.integers(min_value=1, max_value=10**12), min_size=1, max_size=6),
    free=st.integers(0, 10**12),
)
def test_the_choice_is_the_first_candidate_that_fits(needs: list[int], free: int) -> None:
    def sized(total: int):
        return estimate(ModelFacts(file_size=total), 0)

    candidates = [(f"ollama/m{i}", sized(n)) for i, n in enumerate(needs)]
    choice = choose_local(candidates, free)
    fitting = [model for model, needed in candidates if needed.total <= free]
    assert choice.model == (fitting[0] if fitting else None)


def test_the_choice_explains_itself() -> None:
    big = estimate(facts_from_name("qwen2.5-coder:32b"), 4096)
    small = estimate(facts_from_name("qwen2.5-coder:7b"), 4096)
    choice = choose_local([("qwen2.5-coder:32b", big), ("qwen2.5-coder:7b", small)], 9_000_000_000)
    assert choice.model == "qwen2.5-coder:7b"
    assert choice.explain() == "qwen2.5-coder:32b needs ~22 GB, 9.0 GB free → qwen2.5-coder:7b"
    none = choose_local([("qwen2.5-coder:32b", big), ("mystery", None)], 9_000_000_000)
    assert none.model is None
    assert (
        none.explain()
        == "qwen2.5-coder:32b needs ~22 GB, mystery: size unknown, 9.0 GB free: no candidate fits"
    )
