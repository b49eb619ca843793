"""Model lists as OpenRouter and LM Studio send them, on the OpenAI wire server (whose chat
completions they keep).

    OpenRouterModelsServer(models=(OpenRouterModel("deepseek/deepseek-chat", 0.3, 1.2), ...))
        GET /api/v1/models     {"data": [{"id", "canonical_slug", "name", "created", "context_length",
                               "architecture", "pricing": {"prompt", "completion", "request", "image"}
                               (USD per token, as strings), "top_provider": {"context_length",
                               "max_completion_tokens", "is_moderated"}, "supported_parameters"}]}
    LMStudioServer(models=("qwen2.5-7b-instruct", ...), loaded=("qwen2.5-7b-instruct",), rest="v1")
        GET /v1/models         the OpenAI list (`owned_by: organization_owner`)
        GET /api/v1/models     LM Studio 0.4's REST API: models[].key, type, loaded_instances,
                               max_context_length, quantization {name, bits_per_weight}
        GET /api/v0/models     LM Studio 0.3.6's: data[].id, state "loaded"/"not-loaded",
                               max_context_length, quantization
                               (`rest` picks which of the two answers; the other is 404)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from tests.wire.openai_server import Fail, Ok, OpenAIWireServer

__all__ = ["LMStudioServer", "OpenRouterModel", "OpenRouterModelsServer"]


@dataclass(frozen=True)
class OpenRouterModel:
    id: str
    input_per_million: float = 0.3
    output_per_million: float = 1.2
    context_length: int = 163_840
    max_completion_tokens: int | None = 163_840
    supported_parameters: tuple[str, ...] = (
        "frequency_penalty",
        "max_tokens",
        "response_format",
        "seed",
        "stop",
        "temperature",
        "tools",
        "top_p",
    )


class OpenRouterModelsServer(OpenAIWireServer):
    name = "openrouter"

    def __init__(self, models: tuple[OpenRouterModel, ...] = ()) -> None:
        super().__init__(prefix="/api/v1", models=tuple(m.id for m in models))
        self.catalog = models


class LMStudioServer(OpenAIWireServer):
    name = "lmstudio"

    def __init__(
        self,
        models: tuple[str, ...] = ("qwen2.5-7b-instruct",),
        loaded: tuple[str, ...] = (),
        rest: str = "v1",
    ) -> None:
        super().__init__(prefix="/v1", models=models)
        self.loaded = loaded
        self.rest = rest


class _OpenRouterHandler(OpenAIWireServer.handler):  # type: ignore[name-defined,misc]
    wire: OpenRouterModelsServer

    def do_GET(self) -> None:
        if self.path.split("?")[0] != "/api/v1/models":
            super().do_GET()
            return
        self.record(None)
        behaviour = self.listing_behaviour()
        if not isinstance(behaviour, Ok):
            self.answer(behaviour, streaming=False)
            return
        self.send_json(200, {"data": [_openrouter_entry(m) for m in self.wire.catalog]})


class _LMStudioHandler(OpenAIWireServer.handler):  # type: ignore[name-defined,misc]
    wire: LMStudioServer

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path not in ("/api/v1/models", "/api/v0/models"):
            super().do_GET()
            return
        self.record(None)
        if path != f"/api/{self.wire.rest}/models":
            self.send_fail(Fail(404, f"Unexpected endpoint or method. (GET {path})", "invalid_request_error"))
            return
        if self.wire.rest == "v1":
            models = [
                {
                    "type": "llm",
                    "publisher": "lmstudio-community",
                    "key": name,
                    "display_name": name,
                    "architecture": "qwen2",
                    "quantization": {"name": "Q4_K_M", "bits_per_weight": 4},
                    "size_bytes": 4_683_073_952,
                    "params_string": "7B",
                    "loaded_instances": [{"id": name, "config": {"context_length": 4096}}]
                    if name in self.wire.loaded
                    else [],
                    "max_context_length": 32_768,
                    "format": "gguf",
                }
                for name in self.wire.models
            ]
            self.send_json(200, {"models": models})
        else:
            data = [
                {
                    "id": name,
                    "object": "model",
                    "type": "llm",
                    "publisher": "lmstudio-community",
                    "arch": "qwen2",
                    "compatibility_type": "gguf",
                    "quantization": "Q4_K_M",
                    "state": "loaded" if name in self.wire.loaded else "not-loaded",
                    "max_context_length": 32_768,
                }
                for name in self.wire.models
            ]
            self.send_json(200, {"object": "list", "data": data})


OpenRouterModelsServer.handler = _OpenRouterHandler
LMStudioServer.handler = _LMStudioHandler


def _openrouter_entry(model: OpenRouterModel) -> dict[str, Any]:
    return {
        "id": model.id,
        "canonical_slug": model.id,
        "hugging_face_id": "",
        "name": model.id.split("/")[-1].replace("-", " ").title(),
        "created": int(time.time()),
        "description": "A model on the wire server.",
        "context_length": model.context_length,
        "architecture": {
            "modality": "text->text",
            "input_modalities": ["text"],
            "output_modalities": ["text"],
            "tokenizer": "Other",
            "instruct_type": None,
        },
        "pricing": {
            "prompt": f"{model.input_per_million / 1e6:.10f}".rstrip("0").rstrip(".") or "0",
            "completion": f"{model.output_per_million / 1e6:.10f}".rstrip("0").rstrip(".") or "0",
            "request": "0",
            "image": "0",
        },
        "top_provider": {
            "context_length": model.context_length,
            "max_completion_tokens": model.max_completion_tokens,
            "is_moderated": False,
        },
        "per_request_limits": None,
        "supported_parameters": list(model.supported_parameters),
    }
