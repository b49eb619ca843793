"""The VS Code extension in a real VS Code: code-server in headless Chromium, driven like a user.

editors/vscode/e2e/run.mjs installs the built promptls.vsix into a fresh code-server, opens a
workspace of prompt files, and records what the screen shows: the error squiggle, the Problems panel,
the hover, the status bar, the completion list and Run Prompt's answer from a local OpenAI-compatible
wire server. This test builds the workspace, runs the driver and checks the record. The screenshots
are in the test's tmp_path; with PROMPTLS_UPDATE_SCREENSHOT=1 the one with the diagnostic and its hover
replaces docs/vscode.png (the README's picture), so that a plain run leaves the checkout untouched.

Needs node, Debian's chromium and the npm packages of editors/vscode and editors/vscode/e2e
(./scripts/setup installs them); without them it fails, saying so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.wire.openai_server import Ok, OpenAIWireServer

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "editors" / "vscode"
E2E = EXTENSION / "e2e"
VSIX = EXTENSION / "promptls.vsix"
DOCS_SCREENSHOT = ROOT / "docs" / "vscode.png"
# Read at import: the suite's autouse fixture removes PROMPTLS_* variables before each test.
UPDATE_SCREENSHOT = bool(os.environ.get("PROMPTLS_UPDATE_SCREENSHOT"))
CHROMIUM = Path(os.environ.get("PROMPTLS_E2E_CHROMIUM", "/usr/bin/chromium"))
SETUP_HINT = (
    "run ./scripts/setup (it installs Debian's chromium and ripgrep, then `npm ci` in editors/vscode "
    "and `editors/vscode/e2e/install.sh`, and builds the .vsix with `npm run package`; "
    "see editors/vscode/SETUP.md)"
)
CANARY = "sk-canary-vscode-5e1d"
KEY_CANARY = "sk-typed-into-vscode-9b7c"
ANSWER = "Hello, World! This answer came from the wire server."

ERROR_PROMPT = """\
---
description: Summarize release notes for the changelog
model: opnai/gpt-4o-mini
temperature: 0.2
---
Summarize these release notes in three bullet points:

{{notes}}
"""

RUN_PROMPT = """\
---
description: Greets someone by name
model: openai/gpt-4o-mini
---
Say hello to {{name}}.
"""

DRAFT_PROMPT = "---\nmodel: \n---\nA prompt whose model is still to be chosen.\n"


def _require_tools() -> None:
    missing = []
    if shutil.which("node") is None or shutil.which("npm") is None:
        missing.append("node and npm")
    if not (EXTENSION / "node_modules" / ".bin" / "vsce").exists():
        missing.append("editors/vscode/node_modules (`npm ci` in editors/vscode)")
    if (
        not (E2E / "node_modules" / ".bin" / "code-server").exists()
        or not (E2E / "node_modules" / "playwright-core").is_dir()
    ):
        missing.append("editors/vscode/e2e/node_modules (editors/vscode/e2e/install.sh)")
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    if missing:
        pytest.fail(f"the VS Code end-to-end test needs {'; '.join(missing)}: {SETUP_HINT}", pytrace=False)


def _ensure_vsix() -> None:
    """Build promptls.vsix when it is missing or older than its sources."""
    sources = [
        EXTENSION / name
        for name in ("package.json", "package-lock.json", "esbuild.mjs", "language-configuration.json")
    ]
    sources += [*(EXTENSION / "src").rglob("*.ts"), *(EXTENSION / "syntaxes").glob("*.json")]
    newest = max(p.stat().st_mtime for p in sources)
    if VSIX.exists() and VSIX.stat().st_mtime >= newest:
        return
    built = subprocess.run(
        ["npm", "run", "package"], cwd=EXTENSION, capture_output=True, text=True, timeout=300
    )
    if built.returncode != 0 or not VSIX.exists():
        pytest.fail(
            f"`npm run package` in editors/vscode failed ({built.returncode}):\n"
            f"{built.stdout[-3000:]}\n{built.stderr[-3000:]}\n{SETUP_HINT}",
            pytrace=False,
        )


def _workspace(root: Path, server: OpenAIWireServer) -> Path:
    ws = root / "workspace"
    (ws / "prompts").mkdir(parents=True)
    (ws / "promptls.toml").write_text(
        f'[providers.openai]\nbase_url = "{server.base_url}"\n', encoding="utf-8"
    )
    (ws / "prompts" / "release-notes.md").write_text(ERROR_PROMPT, encoding="utf-8")
    (ws / "prompts" / "hello.md").write_text(RUN_PROMPT, encoding="utf-8")
    (ws / "prompts" / "draft.md").write_text(DRAFT_PROMPT, encoding="utf-8")
    return ws


def _environment(root: Path) -> dict[str, str]:
    """The machine's environment without promptls or provider settings, plus the test's own."""
    drop = ("PROMPTLS_", "OPENAI_", "OPENROUTER_", "ANTHROPIC_", "GEMINI_", "GOOGLE_API", "OLLAMA_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(
        {
            "OPENAI_API_KEY": CANARY,
            "PROMPTLS_CONFIG": str(root / "no-user-config.toml"),
            "PROMPTLS_LEDGER": str(root / "ledger.sqlite3"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
    )
    return env


def _logs(out: Path) -> str:
    """What to print when the driver failed: its error, code-server's log, the extension's output."""
    parts = []
    log = out / "code-server.log"
    if log.exists():
        parts.append("code-server.log:\n" + log.read_text(errors="replace")[-3000:])
    for channel in sorted((out / "user-data" / "logs").rglob("*promptls*.log")):
        parts.append(f"{channel.name}:\n" + channel.read_text(errors="replace")[-3000:])
    return "\n\n".join(parts)


def test_the_extension_in_vscode(tmp_path):
    _require_tools()
    _ensure_vsix()
    out = tmp_path / "vscode"
    with OpenAIWireServer() as server:
        server.script(Ok(text=ANSWER, chunks=4, prompt_tokens=20, completion_tokens=5))
        ws = _workspace(tmp_path, server)
        config = {
            "vsix": str(VSIX),
            "workspace": str(ws),
            "outDir": str(out),
            "settings": {
                "promptls.path": sys.executable,
                "promptls.args": ["-m", "promptls", "serve"],
                # every message traced, to show that the one carrying a key is not
                "promptls.trace.server": "verbose",
            },
            "errorFile": "prompts/release-notes.md",
            "errorWord": "opnai/gpt-4o-mini",
            "errorCode": "PLS202",
            "hoverFile": "prompts/hello.md",
            "hoverWord": "openai/gpt-4o-mini",
            "statusExpect": "openai/gpt-4o-mini",
            "completeFile": "prompts/draft.md",
            "completeLine": 2,
            "completeColumn": 8,
            "completeType": "openai/gpt-4o-mi",
            "runFile": "prompts/hello.md",
            "runInputs": ["World"],
            "runExpect": ANSWER,
            "docsScreenshot": str(DOCS_SCREENSHOT) if UPDATE_SCREENSHOT else None,
            "pinModel": "openai/gpt-4o",
            "traceLog": "promptls",
            "apiKey": {"provider": "openai", "key": KEY_CANARY},
            "crash": True,
            "missingPath": str(tmp_path / "no-such-promptls"),
        }
        config_file = tmp_path / "e2e.json"
        config_file.write_text(json.dumps(config), encoding="utf-8")
        driver = subprocess.run(
            ["node", str(E2E / "run.mjs"), str(config_file)],
            env=_environment(tmp_path),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=240,
        )
        requests = list(server.requests)

    results_file = out / "results.json"
    assert results_file.exists(), f"the driver wrote no results:\n{driver.stdout}\n{driver.stderr}"
    results = json.loads(results_file.read_text(encoding="utf-8"))
    steps = results["steps"]
    context = (
        f"\nscreenshots: {results['screenshots']}\nsteps: {json.dumps(steps, indent=1)[:4000]}\n"
        f"driver: {driver.stdout[-2000:]}\n{driver.stderr[-2000:]}\n{_logs(out)}"
    )
    assert results["ok"] and driver.returncode == 0, f"{results['error']}{context}"

    # the diagnostic: a red squiggle, its entry with the rule code in the Problems panel, its hover
    assert steps["squiggles"] >= 1, context
    problems = "\n".join(steps["problems"])
    assert "PLS202" in problems and "opnai" in problems, context
    assert "PLS202" in steps["hoverError"] and "openai/gpt-4o-mini" in steps["hoverError"], context

    # the valid prompt: the model it resolves to, in the hover and the status bar
    assert "openai/gpt-4o-mini" in steps["hover"], context
    assert "openai/gpt-4o-mini" in steps["status"]["text"], context

    # completion after `model: ` offers model ids
    assert any("/" in label for label in steps["completion"]), context
    assert any("openai/gpt-4o-mini" in label for label in steps["completionFiltered"]), context

    # Run Prompt asked for {{name}}, streamed the wire server's answer and said who answered
    assert any("name" in asked for asked in steps["runAsked"]), context
    assert ANSWER in steps["runOutput"], context
    assert "answered by openai/gpt-4o-mini" in steps["runOutput"], context
    # tokens and cost, the cost as the server writes it: 20 in at $0.15 and 5 out at $0.60 per million
    assert "20 in / 5 out tokens · $0.000006" in steps["runOutput"], context
    (request,) = requests
    assert request.body["model"] == "gpt-4o-mini"
    assert request.body["messages"] == [{"role": "user", "content": "Say hello to World."}]
    assert request.headers["authorization"] == f"Bearer {CANARY}"

    # a click on the status bar shows the resolution
    assert "model: openai/gpt-4o-mini" in steps["resolution"], context
    assert "✓ prompts/hello.md:3" in steps["resolution"], context

    # Set Model for This Prompt pinned the pick in promptls.toml (saved), and the status bar follows
    assert "openai/gpt-4o" in steps["pinNotification"], context
    assert steps["pinStatus"]["text"].split()[-1] == "openai/gpt-4o", context
    assert '"openai/gpt-4o"' in (ws / "promptls.toml").read_text(encoding="utf-8"), context

    # Set API Key: the server's answer is shown (the test's keyring is switched off)
    assert "keyring" in steps["apiKeyNotification"], context

    # a crashed server is started again, and the editor goes on showing its findings
    assert steps["crashKilled"] >= 1 and steps["crashRestarted"] >= 1, context
    assert "/" in steps["crashStatus"]["text"], context

    # a missing promptls: a notification that says how to fix it, with a button to the settings
    assert "pipx install promptls" in steps["missing"] and "promptls.path" in steps["missing"], context
    assert "Open Settings" in steps["missingButtons"], context

    # keys reach the provider and nothing a user sees; with tracing on, the request carrying the
    # typed key is the one message not logged
    logs = "\n".join(p.read_text(errors="replace") for p in (out / "user-data" / "logs").rglob("*.log"))
    assert "promptls.keys" in logs, "the trace is not in the logs: nothing was checked"
    assert KEY_CANARY not in logs and CANARY not in logs
    assert CANARY not in json.dumps(steps) and KEY_CANARY not in json.dumps(steps)
    assert DOCS_SCREENSHOT.exists()
