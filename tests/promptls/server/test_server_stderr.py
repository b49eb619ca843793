"""What an editor's server log shows: real failures only, never a traceback for an answer a user can fix.

Editors put the server's stderr into their log (VS Code's "promptls" output): a command answered with
"no keyring, do this" and a cancel that arrived after its answer are no failures and must not look
like ones. Raw JSON-RPC over the real `promptls serve`'s stdio, so stderr is what an editor gets.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.promptls.server.conftest import SERVER_ENV


def _frame(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def test_user_fixable_command_errors_and_late_cancels_leave_no_trace_in_the_log(tmp_path: Path) -> None:
    messages = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"capabilities": {}, "rootUri": tmp_path.as_uri()},
        },
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "workspace/executeCommand",
            "params": {"command": "promptls.setKey", "arguments": [{"provider": "ollama", "key": "x"}]},
        },
        {"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 2}},
        {"jsonrpc": "2.0", "id": 3, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"},
    ]
    proc = subprocess.run(
        [sys.executable, "-m", "promptls", "serve"],
        input=b"".join(_frame(m) for m in messages),
        capture_output=True,
        env={**SERVER_ENV, "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"},
        timeout=60,
    )
    assert b'"message": "ollama runs locally and needs no key"' in proc.stdout.replace(b'":"', b'": "')
    assert proc.stderr.decode() == ""
