"""promptls front ends: the shell command, the language server and the proxy."""

__version__ = "0.1.0"

HOMEPAGE = "https://github.com/promptls/promptls"
"""Where the project and its documentation live (pyproject's `[project.urls]` says the same); SARIF logs
link each rule's documentation there."""
