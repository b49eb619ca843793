"""Which agent file a Claude Code sub-agent's request comes from.

Claude Code marks a sub-agent's request: the header `x-claude-code-agent-id`, and
`cc_is_subagent=true` in the first system block. Its system prompt then begins (the third block, in
the versions seen) with the agent file's body, verbatim. So the body identifies the agent: no tag in a
prompt, no session-wide variable.

`AgentIndex` keys each agent's body by its normalised start (`PREFIX_CHARS` characters with runs of
white space made one space, so a file saved with CRLF or re-indented still matches); a request's
system texts are cut to the same lengths and looked up, a dictionary look-up per distinct length.
Two agents whose bodies start alike are told apart by their whole bodies.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

PREFIX_CHARS = 512
"""How much of a normalised body keys the index: enough to tell agents apart, little to hash."""

SUBAGENT_HEADER = "x-claude-code-agent-id"
SUBAGENT_MARK = "cc_is_subagent=true"


class AgentEntry(NamedTuple):
    name: str
    path: str
    body: str
    """Normalised (`normalise`)."""


def normalise(text: str) -> str:
    """White space runs as one space, none at the ends: how bodies and system texts are compared."""
    return " ".join(text.split())


class AgentIndex:
    """Agent files by the start of their bodies; built once per change of the files."""

    __slots__ = ("_by_prefix", "_lengths", "entries")

    def __init__(self, entries: Iterable[AgentEntry]) -> None:
        self.entries: tuple[AgentEntry, ...] = tuple(e for e in entries if e.body)
        self._by_prefix: dict[str, list[AgentEntry]] = {}
        for entry in self.entries:
            self._by_prefix.setdefault(entry.body[:PREFIX_CHARS], []).append(entry)
        # A body shorter than the prefix is keyed whole: its length is one more to cut texts at.
        self._lengths = sorted({len(key) for key in self._by_prefix}, reverse=True)

    @classmethod
    def of(cls, agents: Iterable[tuple[str, str, str]]) -> AgentIndex:
        """From (name, path, body as written) triples."""
        return cls(AgentEntry(name, path, normalise(body)) for name, path, body in agents)

    def __len__(self) -> int:
        return len(self.entries)

    def match(self, texts: Iterable[str]) -> AgentEntry | None:
        """The agent whose body starts one of `texts` (a request's system texts, in order); when
        several do, the one with the longest body (the most specific)."""
        for text in texts:
            # Normalising a whole system prompt (tens of KB) per request is waste: its start is enough
            # unless white space runs are long; the whole text is normalised only for a longer body.
            head = normalise(text[: 4 * PREFIX_CHARS + 64])
            found = [e for length in self._lengths for e in self._by_prefix.get(head[:length], ())]
            if not found:
                continue
            # `head` is a prefix of the whole text normalised: enough for bodies no longer than it.
            whole = head if all(len(e.body) <= len(head) for e in found) else normalise(text)
            fits = [e for e in found if whole.startswith(e.body)]
            if fits:
                return max(fits, key=lambda e: (len(e.body), e.name))
        return None


class SubagentSignal(NamedTuple):
    marked: bool
    """The request says it comes from a sub-agent (header or system mark)."""
    agent_id: str | None
    """`x-claude-code-agent-id`, when sent."""
    texts: tuple[str, ...]
    """The system texts the agent's body may start, most likely first."""


def subagent_signal(body: Mapping[str, Any], headers: Mapping[str, str]) -> SubagentSignal:
    """What an Anthropic Messages request says of the sub-agent that sent it (`headers` with
    lower-case names)."""
    agent_id = headers.get(SUBAGENT_HEADER) or None
    blocks = list(_system_texts(body.get("system")))
    marked = agent_id is not None or any(SUBAGENT_MARK in text for text in blocks[:1])
    if not marked:
        return SubagentSignal(False, None, ())
    # The body starts the third block in the versions seen; the others are looked at after it, so a
    # version that moves it still matches; the first (the billing header and the mark) comes last.
    ordered = blocks[2:3] + blocks[1:2] + blocks[3:] + blocks[:1]
    return SubagentSignal(True, agent_id, tuple(t for t in ordered if t.strip()))


def _system_texts(system: Any) -> Iterator[str]:
    if isinstance(system, str):
        yield system
    elif isinstance(system, list):
        for block in system:
            if isinstance(block, Mapping) and isinstance(block.get("text"), str):
                yield block["text"]
