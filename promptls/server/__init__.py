"""`promptls serve`: the language server over stdio (pygls), imported only when serving."""


def serve(user_config: str | None = None) -> int:
    from promptls.server.app import create_server

    create_server(user_config).start_io()
    return 0
