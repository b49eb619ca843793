"""pygls's language server protocol, with what promptls needs repaired or added, in one place.

pygls 2.1.1 (the newest release) is used as it is everywhere else; this subclass, given to the server
as its `protocol_cls`, changes only the following. Each override calls pygls's own code; drop one
when a pygls release does the same.

- **Handled messages are forgotten.** pygls keeps the future of every handler it runs in
  `_request_futures` under a made-up id and removes only those of answered requests: each
  notification (didOpen, didChange, didClose, ...) left one behind, ~1.9 KB each, forever. Here
  each handler's future is removed once it is done.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from pygls.protocol import LanguageServerProtocol

if TYPE_CHECKING:
    from pygls.protocol.json_rpc import MessageCallback, MessageHandler, MsgId


class PromptlsProtocol(LanguageServerProtocol):
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
