"""Every request gets an answer, also one the server cannot do: an editor waiting on a request that is
never answered waits forever (a spinner, a blocked completion list).

Raw JSON-RPC over the real `promptls serve`'s stdio: what a broken or hurried client sends, and what it
and the editor's log (the server's stderr) get back.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.promptls.server.conftest import SERVER_ENV

INVALID_PARAMS = -32602
INVALID_REQUEST = -32600


def _frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def _messages(stdout: bytes) -> list[dict[str, Any]]:
    bodies = re.split(rb"Content-Length: \d+\r\n(?:[^\r\n]+\r\n)*\r\n", stdout)
    return [json.loads(body) for body in bodies if body]


def _answers(stdout: bytes) -> dict[int, dict[str, Any]]:
    """The server's responses, by request id."""
    return {m["id"]: m for m in _messages(stdout) if "id" in m and "method" not in m}


def _errors_logged(stdout: bytes) -> list[str]:
    """The errors the server sent to the client's log (`window/logMessage`)."""
    return [
        m["params"]["message"]
        for m in _messages(stdout)
        if m.get("method") == "window/logMessage" and m["params"]["type"] == 1
    ]


def _serve(messages: list[dict[str, Any]]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "promptls", "serve"],
        input=b"".join(_frame(m) for m in messages),
        capture_output=True,
        env=SERVER_ENV,
        timeout=60,
    )


def _hover(msg_id: int, params: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": msg_id, "method": "textDocument/hover", "params": params}


def test_requests_with_invalid_params_and_after_shutdown_are_answered_with_the_lsp_error(
    tmp_path: Path,
) -> None:
    uri = (tmp_path / "a.md").as_uri()
    good = {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}
    proc = _serve(
        [
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {"capabilities": {}, "rootUri": tmp_path.as_uri()},
            },
            {"jsonrpc": "2.0", "method": "initialized", "params": {}},
            _hover(2, {"textDocument": 5}),
            _hover(3, {"textDocument": {"uri": uri}, "position": {"line": 0, "character": "a"}}),
            _hover(4, None),
            # a notification that does not fit: nobody to answer, the server goes on
            {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": 3}}},
            _hover(5, good),
            {"jsonrpc": "2.0", "id": 6, "method": "shutdown"},
            _hover(7, good),
            {"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {"textDocument": {"uri": uri}}},
            {"jsonrpc": "2.0", "id": 8, "method": "shutdown"},
            {"jsonrpc": "2.0", "method": "exit"},
        ]
    )
    answers = _answers(proc.stdout)
    assert sorted(answers) == [1, 2, 3, 4, 5, 6, 7, 8]
    codes = {i: answers[i].get("error", {}).get("code") for i in answers}
    assert codes == {
        1: None,
        2: INVALID_PARAMS,
        3: INVALID_PARAMS,
        4: INVALID_PARAMS,
        5: None,
        6: None,
        7: INVALID_REQUEST,
        8: INVALID_REQUEST,
    }
    # The error says which field is wrong, by its name on the wire.
    assert answers[3]["error"]["message"] == (
        "Invalid Params: invalid value for type, expected int @ $.params.position.character"
    )
    assert "$.params.textDocument.uri" in answers[2]["error"]["message"]
    assert answers[7]["error"]["message"] == "the server is shut down: only `exit` is accepted"
    # The editor's log says it once per message, in one line each; nothing reaches stderr, where
    # pygls printed a traceback for each.
    assert _errors_logged(proc.stdout) == [
        f"promptls: JsonRpcInvalidParams: textDocument/hover (id {i}): {answers[i]['error']['message']}"
        for i in (2, 3, 4)
    ] + [
        "promptls: JsonRpcInvalidParams: ignored textDocument/didOpen: Invalid Params: required field "
        "missing @ $.params.textDocument.languageId; required field missing @ $.params.textDocument.version; "
        "required field missing @ $.params.textDocument.text"
    ]
    assert proc.stderr.decode() == ""
    assert proc.returncode == 0


def test_a_message_that_is_not_json_is_one_line_in_the_log_and_the_server_goes_on(tmp_path: Path) -> None:
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}
    broken = b'{"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", this is not json'
    proc = subprocess.run(
        [sys.executable, "-m", "promptls", "serve"],
        input=_frame(init)
        + b"Content-Length: %d\r\n\r\n%s" % (len(broken), broken)
        + _frame({"jsonrpc": "2.0", "id": 3, "method": "shutdown"})
        + _frame({"jsonrpc": "2.0", "method": "exit"}),
        capture_output=True,
        env=SERVER_ENV,
        timeout=60,
    )
    assert proc.returncode == 0
    assert _answers(proc.stdout)[3]["result"] is None  # still answering after the broken message
    stderr = proc.stderr.decode()
    assert "Traceback" not in stderr
    assert stderr.startswith("Unable to handle message: JSONDecodeError: Expecting property name")
    assert stderr.count("\n") == 1
