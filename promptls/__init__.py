"""promptls front ends: the shell command, the language server and the proxy."""

__version__ = "0.1.0"
