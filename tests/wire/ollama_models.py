"""Ollama's model-management API on the wire server, for driving the real `ollama` SDK (and the real
`promptls models` command) against the shapes Ollama sends.

    with OllamaModelsServer(installed=(LocalModel("llama3.2:3b"),), library={"qwen2.5:0.5b": Pull()}) as s:
        ollama.Client(host=s.base_url).pull("qwen2.5:0.5b", stream=True)   # NDJSON progress
        s.installed_names()                                                # now has qwen2.5:0.5b

Endpoints (besides OllamaWireServer's `/api/chat`):
    GET    /api/tags     installed models: name, model, modified_at, size, digest, details
    GET    /api/ps       loaded models: ..., expires_at, size_vram, context_length
    POST   /api/show     details, parameters (the Modelfile's `PARAMETER` lines), model_info
                         (`general.architecture`, `<arch>.context_length`, `.block_count`, ...),
                         capabilities; 404 `{"error": "model 'x' not found"}`
    POST   /api/pull     NDJSON: `pulling manifest`, per layer `pulling <digest>` lines with `digest`,
                         `total`, `completed`, then `verifying sha256 digest`, `writing manifest`,
                         `success`; the model is installed once `success` is sent. `Pull(fail_after=N)`
                         sends an `{"error": ...}` line after N progress lines (Ollama's mid-pull
                         failure); a name not in `library` gets the error Ollama gives for an unknown
                         model. `interval` paces the lines (a client that leaves is seen:
                         `stream_abandoned`)
    DELETE /api/delete   200 with an empty body; 404 for a model not installed
    POST   /api/generate without a prompt: loads the model (`keep_alive` keeps it; 0 unloads it),
                         `done_reason` "load" / "unload"; 404 for a model not installed
A listing request still takes a scripted `Fail` or `Stall` first (tests/wire/base.py).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.wire.base import INVALID_JSON, Fault
from tests.wire.ollama_server import Fail, Ok, OllamaWireServer

__all__ = ["Fail", "LocalModel", "OllamaModelsServer", "Pull"]

MANIFEST_ERROR = "pull model manifest: file does not exist"


@dataclass(frozen=True)
class LocalModel:
    """A model as Ollama describes it (defaults: Llama 3.2 3B Q4_K_M as `ollama show` gives it)."""

    name: str
    size: int = 2_019_393_189
    parameter_size: str = "3.2B"
    quantization: str = "Q4_K_M"
    family: str = "llama"
    architecture: str = "llama"
    parameter_count: int = 3_212_749_888
    context_length: int = 131_072
    block_count: int = 28
    head_count: int = 24
    head_count_kv: int = 8
    embedding_length: int = 3_072
    parameters: str = (
        'stop                           "<|start_header_id|>"\nstop                           "<|eot_id|>"'
    )
    capabilities: tuple[str, ...] = ("completion", "tools")

    @property
    def digest(self) -> str:
        import hashlib

        return hashlib.sha256(self.name.encode()).hexdigest()


@dataclass(frozen=True)
class Pull:
    """How `/api/pull` of one library model goes."""

    model: LocalModel | None = None
    """What gets installed (None: a `LocalModel` of the pulled name)."""
    layers: tuple[int, ...] = (1_000_000, 12_000)
    steps: int = 4
    """Progress lines per layer."""
    fail_after: int | None = None
    error: str = "max retries exceeded: read tcp 10.0.0.2:51234->104.18.0.1:443: connection reset by peer"
    interval: float = 0.0


@dataclass
class _State:
    installed: dict[str, LocalModel] = field(default_factory=dict)
    loaded: dict[str, str] = field(default_factory=dict)
    """Loaded model -> expires_at."""


class OllamaModelsServer(OllamaWireServer):
    def __init__(
        self, installed: tuple[LocalModel, ...] = (), library: dict[str, Pull] | None = None
    ) -> None:
        super().__init__(models=tuple(m.name for m in installed))
        self.state = _State({m.name: m for m in installed})
        self.library = dict(library or {})
        self.state_lock = threading.Lock()

    def installed_names(self) -> list[str]:
        with self.state_lock:
            return sorted(self.state.installed)

    def loaded_names(self) -> list[str]:
        with self.state_lock:
            return sorted(self.state.loaded)

    def load_now(self, name: str, seconds: float = 300) -> None:
        with self.state_lock:
            self.state.loaded[name] = _time(seconds)

    def find(self, name: str) -> LocalModel | None:
        with self.state_lock:
            return self.state.installed.get(name) or self.state.installed.get(f"{name}:latest")


class _Handler(OllamaWireServer.handler):  # type: ignore[name-defined,misc]
    wire: OllamaModelsServer

    def do_GET(self) -> None:
        if self.path not in ("/api/tags", "/api/ps"):
            super().do_GET()
            return
        self.record(None)
        behaviour = self.listing_behaviour()
        if not isinstance(behaviour, Ok):
            self.answer(behaviour, streaming=False)
            return
        with self.wire.state_lock:
            installed = dict(self.wire.state.installed)
            loaded = dict(self.wire.state.loaded)
        if self.path == "/api/tags":
            self.send_json(200, {"models": [_entry(m) for m in installed.values()]})
        else:
            running = [
                {
                    **_entry(installed[name]),
                    "expires_at": expires,
                    "size_vram": installed[name].size,
                    "context_length": 4096,
                }
                for name, expires in loaded.items()
                if name in installed
            ]
            self.send_json(200, {"models": running})

    def do_DELETE(self) -> None:
        body = self.read_json()
        self.record(body)
        if self.path != "/api/delete" or not isinstance(body, dict):
            self.send_fail(Fail(404, "404 page not found"))
            return
        name = body.get("model") or body.get("name") or ""
        model = self.wire.find(name)
        if model is None:
            self.send_fail(Fail(404, f"model '{name}' not found"))
            return
        with self.wire.state_lock:
            self.wire.state.installed.pop(model.name, None)
            self.wire.state.loaded.pop(model.name, None)
        self.send_body(200, "application/json; charset=utf-8", b"")

    def do_POST(self) -> None:
        if self.path not in ("/api/show", "/api/pull", "/api/generate"):
            super().do_POST()
            return
        self.body = self.read_json()
        self.record(self.body)
        if self.body is INVALID_JSON or not isinstance(self.body, dict):
            self.send_fail(Fail(400, "invalid character in request body"))
            return
        name = self.body.get("model") or self.body.get("name") or ""
        if self.path == "/api/pull":
            self._pull(name)
            return
        behaviour = self.wire.next(lambda b: isinstance(b, Fail | Fault))
        if not isinstance(behaviour, Ok):
            self.answer(behaviour, streaming=False)
            return
        model = self.wire.find(name)
        if model is None:
            self.send_fail(Fail(404, f"model '{name}' not found"))
        elif self.path == "/api/show":
            self.send_json(200, _show(model))
        else:
            self._generate(model)

    def _generate(self, model: LocalModel) -> None:
        keep_alive = self.body.get("keep_alive")
        unload = keep_alive in (0, "0", "0s", "0m")
        with self.wire.state_lock:
            if unload:
                self.wire.state.loaded.pop(model.name, None)
            else:
                self.wire.state.loaded[model.name] = _time(_seconds(keep_alive))
        self.send_json(
            200,
            {
                "model": model.name,
                "created_at": _time(0),
                "response": "",
                "done": True,
                "done_reason": "unload" if unload else "load",
            },
        )

    def _pull(self, name: str) -> None:
        plan = self.wire.library.get(name)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        sent = 0
        try:
            self._line({"status": "pulling manifest"})
            if plan is None:
                self._line({"error": MANIFEST_ERROR})
                self.chunk(b"")
                return
            model = plan.model or LocalModel(name)
            for index, total in enumerate(plan.layers):
                digest = f"sha256:{index:02d}{model.digest[2:]}"
                for step in range(plan.steps + 1):
                    if plan.fail_after is not None and sent == plan.fail_after:
                        self._line({"error": plan.error})
                        self.chunk(b"")
                        return
                    completed = total * step // plan.steps
                    self._line(
                        {
                            "status": f"pulling {digest[7:19]}",
                            "digest": digest,
                            "total": total,
                            "completed": completed,
                        }
                    )
                    sent += 1
                    if plan.interval and self.wire.wait(plan.interval):
                        return  # the server stops or is reset
            for status in ("verifying sha256 digest", "writing manifest"):
                self._line({"status": status})
            with self.wire.state_lock:
                self.wire.state.installed[model.name] = model
            self._line({"status": "success"})
            self.chunk(b"")
        except (BrokenPipeError, ConnectionResetError):
            self.wire.abandon(sent)
            raise

    def _line(self, payload: dict[str, Any]) -> None:
        self.chunk(json.dumps(payload).encode() + b"\n")


OllamaModelsServer.handler = _Handler


def _entry(model: LocalModel) -> dict[str, Any]:
    return {
        "name": model.name,
        "model": model.name,
        "modified_at": "2025-01-15T10:21:07.123456789+01:00",
        "size": model.size,
        "digest": model.digest,
        "details": {
            "parent_model": "",
            "format": "gguf",
            "family": model.family,
            "families": [model.family],
            "parameter_size": model.parameter_size,
            "quantization_level": model.quantization,
        },
    }


def _show(model: LocalModel) -> dict[str, Any]:
    arch = model.architecture
    return {
        "modelfile": f'# Modelfile generated by "ollama show"\nFROM {model.name}\n',
        "parameters": model.parameters,
        "template": "{{ .Prompt }}",
        "details": _entry(model)["details"],
        "model_info": {
            "general.architecture": arch,
            "general.parameter_count": model.parameter_count,
            "general.quantization_version": 2,
            f"{arch}.context_length": model.context_length,
            f"{arch}.block_count": model.block_count,
            f"{arch}.embedding_length": model.embedding_length,
            f"{arch}.attention.head_count": model.head_count,
            f"{arch}.attention.head_count_kv": model.head_count_kv,
        },
        "capabilities": list(model.capabilities),
        "modified_at": "2025-01-15T10:21:07.123456789+01:00",
    }


def _seconds(keep_alive: Any) -> float:
    if isinstance(keep_alive, int | float):
        return float(keep_alive) if keep_alive >= 0 else 10**9
    if isinstance(keep_alive, str) and keep_alive[:-1].isdigit():
        return float(keep_alive[:-1]) * {"s": 1, "m": 60, "h": 3600}.get(keep_alive[-1], 1)
    return 300.0


def _time(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=min(seconds, 10**8))).isoformat()
