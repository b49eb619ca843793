"""What this machine has free for a local model: memory (psutil), CPUs, NVIDIA GPUs' memory (NVIDIA's
management library through its Python bindings, `nvidia-ml-py`, when installed and a GPU is there),
and disk space where Ollama keeps its models.

    read_resources()                    the machine now
    read_resources(gpus=lambda: (...))  with another GPU reading (a test; a remote machine's numbers)

Nothing here raises for a missing GPU, library or driver: there is just no GPU in the reading.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple


class Gpu(NamedTuple):
    name: str
    total: int
    free: int


class Resources(NamedTuple):
    total_memory: int
    available_memory: int
    """What can be had without swapping (psutil's `available`: free plus reclaimable caches)."""
    cpus: int
    gpus: tuple[Gpu, ...] = ()

    @property
    def free_for_model(self) -> int:
        """Memory a local model can use: available RAM plus free GPU memory (Ollama and llama.cpp
        split a model's layers between the GPU and the CPU)."""
        return self.available_memory + sum(gpu.free for gpu in self.gpus)

    def describe(self) -> str:
        from promptls.router.models.fit import gb

        gpus = (
            ", ".join(f"{gpu.name} {gb(gpu.free)} free of {gb(gpu.total)}" for gpu in self.gpus) or "no GPU"
        )
        return f"RAM {gb(self.available_memory)} free of {gb(self.total_memory)}, {gpus}, {self.cpus} CPUs"


def nvidia_gpus() -> tuple[Gpu, ...]:
    """Each NVIDIA GPU's memory, through `pynvml` (the `nvidia-ml-py` package); () without the
    package, the driver or a GPU."""
    try:
        import pynvml
    except ImportError:
        return ()
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError:  # no driver, no GPU
        return ()
    try:
        gpus = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            name = pynvml.nvmlDeviceGetName(handle)
            memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
            gpus.append(
                Gpu(name.decode() if isinstance(name, bytes) else str(name), memory.total, memory.free)
            )
        return tuple(gpus)
    except pynvml.NVMLError:
        return ()
    finally:
        pynvml.nvmlShutdown()


def read_resources(gpus: Callable[[], tuple[Gpu, ...]] = nvidia_gpus) -> Resources:
    import psutil

    memory = psutil.virtual_memory()
    return Resources(memory.total, memory.available, os.cpu_count() or 1, gpus())


def ollama_models_folder(env: Mapping[str, str]) -> Path:
    """Where a local Ollama keeps its models: `$OLLAMA_MODELS`, else `~/.ollama/models` (the Linux
    service's `/usr/share/ollama/.ollama/models` when that is the one there)."""
    if env.get("OLLAMA_MODELS"):
        return Path(env["OLLAMA_MODELS"])
    service = Path("/usr/share/ollama/.ollama/models")
    home = Path.home() / ".ollama" / "models"
    return service if service.exists() and not home.exists() else home


def free_disk(path: Path) -> int:
    """Free bytes on the file system of `path` (or of its nearest folder that exists)."""
    for folder in (path, *path.parents):
        if folder.exists():
            return shutil.disk_usage(folder).free
    return shutil.disk_usage(Path.cwd()).free
