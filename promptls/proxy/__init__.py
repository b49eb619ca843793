"""`promptls proxy`: Claude Code and OpenAI clients on any model, routed per agent (a front end).

    app.py       the Starlette app: the endpoints, each a few lines
    relay.py     one Messages request on its worker thread: route, fallback plan, answer, record
    bridge.py    from a worker thread to the event loop (`Channel`)
    state.py     settings, catalog, agent files and decided routes, kept between requests
    agents.py    the agent files of the project and the user, watched for changes
    counting.py  `count_tokens` and `/v1/models`, answered from the routes
    exchange.py  one request as the log line and the ledger see it; the request log
    ledger.py    the ledger writer thread
    auth.py      loopback and the token; env.py the clients' variables; serve.py uvicorn
    routes.py    `promptls proxy routes`

The decisions are the core's (`router/proxy/`), the provider calls and wire translation the
adapters' (`adapters/messages.py`); nothing of the server is imported unless `promptls proxy` runs.
"""
