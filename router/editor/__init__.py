"""Editor features computed in the core: completion, hover, pinning a model."""
