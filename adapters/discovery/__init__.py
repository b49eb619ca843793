"""Live model discovery: which models each configured provider offers now, one model's facts, and
Ollama's pull, remove, load and unload. Plain data out (`live.py`); the disk cache with its stated
freshness is `adapters/model_cache.py`."""
