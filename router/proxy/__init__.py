"""The proxy's decisions, as pure functions: which model answers a request, which agent sent it, which
client it came from.

    routing.py   requested model id (+ the sub-agent, when known) → `ProxyRoute`: the model, its
                 fallback chain and the steps that decided, with their sources (for `proxy routes`)
    agents.py    a Claude Code sub-agent's request → the agent file whose body starts its system
                 prompt (`AgentIndex`, built once from the agent files the front end found)
    clients.py   a request's User-Agent → the client's name, for the ledger

The front end (`promptls/proxy/`) reads files, watches them, serves HTTP and calls the adapters;
nothing here does any of that.
"""
