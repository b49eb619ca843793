"""Reading server-sent events as pieces of a body arrive (SSEParser: both the thread's and the event
loop's OpenAI reads use it): lines split anywhere, any of the format's three line ends, and a bound on
what one event may hold."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st
from promptls.adapters.sse import MAX_EVENT, SSEParser, sse_data

BODY = (
    b': keep-alive\n\ndata: {"a": 1}\n\nevent: x\ndata: two\ndata: lines\n\ndata:no-space\n\ndata: [DONE]\n\n'
)
EVENTS = ['{"a": 1}', "two\nlines", "no-space", "[DONE]"]


@given(
    st.lists(st.integers(min_value=0, max_value=len(BODY)), max_size=8), st.sampled_from(["\n", "\r\n", "\r"])
)
def test_events_are_the_same_however_the_body_is_cut_and_whatever_its_line_ends(cuts, end):
    body = BODY.replace(b"\n", end.encode())
    edges = sorted({0, len(body), *(min(c, len(body)) for c in cuts)})
    pieces = [body[a:b] for a, b in itertools.pairwise(edges)]
    assert list(sse_data(pieces)) == EVENTS


def test_a_body_that_ends_without_its_last_line_end_still_gives_its_event():
    parser = SSEParser()
    assert parser.feed(b"data: one\n\ndata: tw") == ["one"]
    assert parser.end() == ["tw"]


def test_a_line_or_an_event_past_the_bound_is_an_error_not_a_growing_buffer():
    with pytest.raises(ValueError, match="line over"):
        parser = SSEParser()
        for _ in range(17):
            parser.feed(b"x" * (1 << 20))  # a line that never ends
    line = b"data: " + b"y" * (1 << 20) + b"\n"
    parser = SSEParser()
    with pytest.raises(ValueError, match="event over"):
        for _ in range(MAX_EVENT // len(line) + 2):  # data lines of one event, never a blank line
            parser.feed(line)
