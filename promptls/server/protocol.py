"""pygls's language server protocol, with what promptls needs repaired or added, in one place.

pygls 2.1.1 (the newest release) is used as it is everywhere else; this subclass, given to the server
as its `protocol_cls`, changes only the following. Each override calls pygls's own code; drop one
when a pygls release does the same.

- **Handled messages are forgotten.** pygls keeps the future of every handler it runs in
  `_request_futures` under a made-up id and removes only those of answered requests: each
  notification (didOpen, didChange, didClose, ...) left one behind, ~1.9 KB each, forever. Here
  each handler's future is removed once it is done.
- **Every request is answered.** pygls answers nothing to a request whose params do not fit the
  method (it prints the structuring error's traceback and drops the message), nor to a request after
  `shutdown`. Here the first is answered InvalidParams (-32602) saying which field is wrong, and
  reported in one line to the client's log (as every failure is, `PromptlsServer.report_server_error`);
  the second is answered InvalidRequest (-32600), as the LSP specification asks. A notification
  that does not fit is reported likewise; notifications after `shutdown` are dropped quietly.
- **A change to a document that is not open is ignored** (said as a warning in the client's log):
  pygls failed on it with a KeyError, reported as an internal error.
- **A cancel reaches the handler.** For `workspace/executeCommand`, `$/cancelRequest` answers the
  request at once but never reaches the command, which runs on. A handler that can stop early
  asks for `cancellable()`, an event set when the client cancels the request it is handling.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Generator, Iterator
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from cattrs import transform_error
from cattrs.errors import ClassValidationError
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import RPCRequest
from pygls.protocol.language_server import lsp_method

if TYPE_CHECKING:
    from pygls.protocol.json_rpc import MessageCallback, MessageHandler, MsgId

_UNUSABLE = object()
"""What a message that could not be read becomes, once it was answered (or dropped) and logged."""


class PromptlsProtocol(LanguageServerProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cancel_events: dict[MsgId, threading.Event] = {}

    # --- handled messages are forgotten ---------------------------------------------------------

    def _execute_handler(
        self,
        msg_id: MsgId,
        handler: MessageHandler,
        callback: MessageCallback,
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        def forget_then_callback(future: Future[Any]) -> None:
            # A request's own future is still removed by pygls (before it answers); a notification's,
            # and that of the user handler a built-in one hands on to, only here. A cancelled one was
            # removed by the cancel, or is being cancelled by `shutdown` while it walks the futures.
            if not future.cancelled() and self._request_futures.get(msg_id) is future:
                del self._request_futures[msg_id]
            callback(future)

        super()._execute_handler(msg_id, handler, forget_then_callback, args, kwargs)

    # --- every request is answered --------------------------------------------------------------

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as error:  # only a whole message (with "jsonrpc") is structured
            self._answer_unreadable(data, error)
            return _UNUSABLE

    def _answer_unreadable(self, data: dict[str, Any], error: JsonRpcException) -> None:
        method, msg_id = data.get("method"), data.get("id")
        if method is None or msg_id is None:  # a notification (or a response) cannot be answered
            self._server.report_server_error(
                type(error)(f"ignored {method or 'a response'}: {_why(error)}"), None
            )
        elif self._shutdown and method != types.EXIT:
            self._refuse_after_shutdown(msg_id)
        else:
            answer = type(error)(_why(error))
            self._send_response(msg_id, error=answer.to_response_error())
            self._server.report_server_error(type(error)(f"{method} (id {msg_id}): {answer.message}"), None)

    def _refuse_after_shutdown(self, msg_id: MsgId) -> None:
        refused = JsonRpcInvalidRequest("the server is shut down: only `exit` is accepted")
        self._send_response(msg_id, error=refused.to_response_error())

    def handle_message(self, message: Any) -> None:
        if message is _UNUSABLE:
            return
        if self._shutdown and getattr(message, "method", None) != types.EXIT:
            if isinstance(message, RPCRequest):
                self._refuse_after_shutdown(message.id)
            return  # a notification or a response after shutdown: dropped, as the specification says
        super().handle_message(message)

    # --- a change to a document that is not open is ignored ------------------------------------

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Generator:
        uri = params.text_document.uri
        if unquote(uri) not in self.workspace.text_documents:  # (pygls keys open documents so)
            warning = f"promptls: ignored a change to {uri}, which is not open (no didOpen before it)"
            self.notify(types.WINDOW_LOG_MESSAGE, types.LogMessageParams(types.MessageType.Warning, warning))
            return
        yield from super().lsp_text_document__did_change(params)

    # --- a cancel reaches the handler ------------------------------------------------------------

    @contextlib.contextmanager
    def cancellable(self) -> Iterator[threading.Event]:
        """An event set (on the server's event loop) when the client cancels the request being
        handled, before the cancel is answered; for the duration of the `with` block."""
        msg_id = self.msg_id
        cancelled = threading.Event()
        if msg_id is not None:
            self._cancel_events[msg_id] = cancelled
        try:
            yield cancelled
        finally:
            if msg_id is not None:
                self._cancel_events.pop(msg_id, None)

    def _handle_cancel_notification(self, msg_id: MsgId) -> None:
        cancelled = self._cancel_events.pop(msg_id, None)
        if cancelled is not None:
            cancelled.set()
        super()._handle_cancel_notification(msg_id)


def _why(error: JsonRpcException) -> str:
    """`Invalid Params: required field missing @ $.params.textDocument.version`: each wrong field,
    by its name on the wire (lsprotocol's attribute names are the wire names in snake case)."""
    cause = error.__cause__
    if not isinstance(cause, ClassValidationError):
        return f"{error.message}: {cause}"
    fields = "; ".join(transform_error(cause))
    return f"{error.message}: " + re.sub(r"(?<=[a-z])_([a-z])", lambda m: m.group(1).upper(), fields)
