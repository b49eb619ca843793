"""Core data every part shares: source spans, findings, path globs."""
