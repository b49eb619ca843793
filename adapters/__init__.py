"""The outside world: provider SDKs, keys in the OS keyring, execution with fallback.

Each provider module imports its SDK lazily, so importing this package stays cheap.
"""
