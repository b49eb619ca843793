"""The official SDKs through the real proxy to a real model: Gemma 3 270M on llama-cpp-python's
OpenAI-compatible server (the fixtures of tests/test_real_model.py; it fails, never skips, without the
`model` extra). The answers are real and poor: asserted on shape (text, token counts), never content."""

from __future__ import annotations

from pathlib import Path

import anthropic
import openai

from tests.conftest import read_ledger
from tests.promptls.proxy.conftest import CLIENT_KEY
from tests.test_real_model import MAX_TOKENS, Server, gemma_gguf, llama_server  # noqa: F401 (fixtures)


def test_both_sdks_through_the_proxy_to_a_real_model(tmp_path: Path, start_proxy, llama_server: Server):  # noqa: F811
    project = tmp_path / "project"
    project.mkdir()
    (project / "promptls.toml").write_text(
        f'[providers.llamacpp]\nbase_url = "{llama_server.base_url}"\nlocal = true\n\n'
        '[proxy.routes]\n"claude-*" = "llamacpp/gemma"\n',
        encoding="utf-8",
    )
    proxy = start_proxy(project)
    claude = anthropic.Anthropic(base_url=proxy.url, api_key=CLIENT_KEY, max_retries=0, timeout=120)
    hello = [{"role": "user", "content": "Say hello in one short sentence."}]
    message = claude.messages.create(
        model="claude-sonnet-4-5", max_tokens=MAX_TOKENS, system="Be brief.", messages=hello
    )
    assert message.content and message.content[0].text.strip()
    with claude.messages.stream(model="claude-sonnet-4-5", max_tokens=MAX_TOKENS, messages=hello) as stream:
        assert "".join(stream.text_stream).strip()
        streamed = stream.get_final_message()
    for answer in (message, streamed):  # promptls's estimate, as in the ledger below, never 0
        assert answer.usage.input_tokens > 0 and answer.usage.output_tokens > 0
    client = openai.OpenAI(base_url=f"{proxy.url}/v1", api_key=CLIENT_KEY, max_retries=0, timeout=120)
    pieces = [
        chunk.choices[0].delta.content or ""
        for chunk in client.chat.completions.create(
            model="claude-sonnet-4-5", messages=hello, max_tokens=MAX_TOKENS, stream=True
        )
        if chunk.choices
    ]
    assert "".join(pieces).strip()
    log = proxy.stop()
    assert log.count("→ llamacpp/gemma 200") == 3
    # llama.cpp's server reports no usage in a stream (and the proxy always streams upstream): the
    # ledger holds promptls's estimate, said to be one, never 0 tokens at $0
    runs, _ = read_ledger(Path(proxy.env["PROMPTLS_LEDGER"]))
    assert [run["usage_source"] for run in runs] == ["estimate"] * 3
    assert all(run["input_tokens"] > 0 and run["output_tokens"] > 0 for run in runs)
    assert "out (estimated)" in log
