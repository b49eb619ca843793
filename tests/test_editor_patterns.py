"""The editors decide when to start the server from files generated out of the core's table.

The generated files must be current; VS Code's globs must start the server for every file the core
counts by its path (and for the usual places of the rest); Neovim's `kind()` must read the table as
the core does: checked in real headless Neovim against the same cases as tests/test_detect.py.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from promptls.router.plugins.manifest import manifest_kind
from promptls.router.prompts.detect import (
    EDITOR_HINTS,
    SETTINGS_FILES,
    classify,
    covers,
    dialect_from_path,
    text_shows,
)
from promptls.router.prompts.dialects import path_segments

from tests.editors.test_nvim import NVIMS
from tests.router.test_detect import CASES, PLAIN

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "editor_patterns.py"
TYPESCRIPT = ROOT / "editors" / "vscode" / "src" / "patterns.generated.ts"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("editor_patterns", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_editor_files_are_current() -> None:
    generator = _generator()
    for path, text in generator.generated().items():
        committed = path.read_text(encoding="utf-8") if path.is_file() else ""
        assert committed == text, (
            f"{path.relative_to(ROOT)} is stale: run `{generator.COMMAND}` and commit what it writes"
        )


def test_the_generator_check_mode_passes_on_the_committed_files() -> None:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert (proc.returncode, proc.stderr) == (0, "")


# --- VS Code -------------------------------------------------------------------------------------


def _shipped_globs(name: str) -> list[str]:
    """The globs of one `export const NAME` list in the committed patterns.generated.ts."""
    text = TYPESCRIPT.read_text(encoding="utf-8")
    block = text[text.index(f"export const {name}") :]
    block = block[: block.index("];")]
    return re.findall(r'^\s*"([^"]+)",', block, re.MULTILINE)


def _vscode_glob(glob: str) -> re.Pattern[str]:
    """VS Code's glob dialect as far as the generated globs use it: `**/`, `*`, `{a,b}`."""
    out, i = [], 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "{":
            close = glob.index("}", i)
            out.append("(?:" + "|".join(map(re.escape, glob[i + 1 : close].split(","))) + ")")
            i = close + 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _vscode_starts_for(path: str) -> bool:
    globs = [*_shipped_globs("PROMPT_PATTERNS"), *_shipped_globs("HINT_PATTERNS")]
    globs += [*_shipped_globs("SETTINGS_PATTERNS"), *_shipped_globs("MANIFEST_PATTERNS")]
    return any(_vscode_glob(glob).match(path) for glob in globs)


MANIFEST_CASES = [
    ("ws/.claude-plugin/plugin.json", '{"name": "reviews"}'),
    ("ws/.claude-plugin/marketplace.json", '{"name": "team", "plugins": []}'),
    ("ws/plugins/reviews/.claude-plugin/plugin.json", "{}"),
    # Named exactly, right in `.claude-plugin`: as the server's `manifest_kind` reads them.
    ("ws/plugin.json", "{}"),
    ("ws/.claude-plugin/hooks.json", "{}"),
    ("ws/.claude-plugin/Plugin.json", "{}"),
    ("ws/.claude-plugin/x/plugin.json", "{}"),
    ("ws/package.json", "{}"),
]


@pytest.mark.parametrize(("rel", "text"), MANIFEST_CASES)
def test_vscode_hands_the_server_exactly_the_manifests_it_checks(rel: str, text: str) -> None:
    path = f"/home/u/{rel}"
    assert _vscode_starts_for(path) is (manifest_kind(path) is not None)


def _hinted(path: str) -> bool:
    return any(covers(hint, path_segments(path)) for hint in EDITOR_HINTS)


# Names in a case other than the one the tools document: the server accepts them, VS Code's
# case-sensitive globs do not (the generated file says so).
OTHER_CASE = {"ws/.claude/skills/changelog/skill.md", "ws/Explain.PROMPT.MD"}


@pytest.mark.parametrize(("rel", "text", "dialect"), CASES)
def test_vscode_starts_for_every_file_the_path_decides_and_none_it_rules_out(
    rel: str, text: str, dialect
) -> None:
    path = f"/home/u/{rel}"
    if rel in OTHER_CASE:
        return
    if dialect_from_path(path) is not None or _hinted(path):
        assert _vscode_starts_for(path)
    elif dialect is None and not rel.endswith(".toml"):
        assert not _vscode_starts_for(path)  # a README gets no server and no status bar


def test_vscode_names_what_only_the_server_can_decide() -> None:
    text = TYPESCRIPT.read_text(encoding="utf-8")
    assert "generic: any file whose frontmatter names a model" in text
    assert "promptls.extraGlobs" in text
    assert _vscode_starts_for("/home/u/ws/promptls.toml") and _vscode_starts_for("/home/u/ws/pyproject.toml")


# --- Neovim --------------------------------------------------------------------------------------

SETTINGS_CASES = [
    ("ws/promptls.toml", PLAIN),
    ("ws/promptls.local.toml", ""),
    ("ws/pyproject.toml", '[project]\nname = "x"\n\n[tool.promptls.agents.rev]\nmodel = "x"\n'),
    ("ws/pyproject.toml", "[tool.ruff]\nline-length = 110\n"),
    ("ws/Promptls.toml", PLAIN),
]

KIND_LUA = """
local spec = vim.fn.json_decode(table.concat(vim.fn.readfile(os.getenv("PLS_KIND_SPEC")), "\\n"))
local kind = require("promptls").kind
local out = {}
for i, case in ipairs(spec.cases) do
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, case.lines)
  local ok, value = pcall(kind, case.path, buf)
  out[i] = ok and (value or vim.NIL) or ("error: " .. tostring(value))
end
vim.fn.writefile({ vim.fn.json_encode(out) }, spec.out)
vim.cmd("qa!")
"""


def editor_kind(path: str, text: str) -> str | None:
    """What the Neovim plugin should answer: the core's answer, widened by the editor hints."""
    parts = path_segments(path)
    for rule in SETTINGS_FILES:
        if parts[-1] == rule.name and text_shows(rule.needs, text):
            return "settings"
    if manifest_kind(path.replace("\\", "/")) is not None:
        return "manifest"
    dialect = dialect_from_path(path)
    if dialect is None:
        hints = [hint.dialect for hint in EDITOR_HINTS if covers(hint, parts)]
        dialect = hints[0] if hints else classify(path, text, [], None)
    return dialect.value if dialect else None


@pytest.mark.parametrize("version", sorted(NVIMS))
def test_neovim_kind_reads_the_table_as_the_core_does(tmp_path: Path, version: str) -> None:
    nvim = NVIMS[version]
    if nvim is None or not nvim.is_file():
        pytest.fail(f"Neovim {version} is missing: run ./scripts/setup", pytrace=False)
    cases = [(f"/home/u/{rel}", text) for rel, text, _ in CASES]
    cases += [(f"/home/u/{rel}", text) for rel, text in [*SETTINGS_CASES, *MANIFEST_CASES]]
    cases += [("C:\\work\\.claude\\agents\\reviewer.md", PLAIN), ("", PLAIN)]
    out = tmp_path / "kinds.json"
    spec = {"cases": [{"path": p, "lines": t.split("\n")} for p, t in cases], "out": str(out)}
    (tmp_path / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    (tmp_path / "kind.lua").write_text(KIND_LUA, encoding="utf-8")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "PLS_KIND_SPEC": str(tmp_path / "spec.json"),
    }
    plugin = ROOT / "editors" / "nvim"
    argv = [str(nvim), "--headless", "-u", "NONE", "-i", "NONE", "-n", "--cmd", f"set rtp^={plugin}"]
    argv += ["-c", f"luafile {tmp_path / 'kind.lua'}"]
    proc = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert out.is_file(), f"Neovim {version} wrote nothing (exit {proc.returncode}): {proc.stderr}"
    got = json.loads(out.read_text(encoding="utf-8"))
    expected = [editor_kind(path, text) if path else None for path, text in cases]
    labels = [f"{path} {text[:12]!r}" for path, text in cases]
    assert list(zip(labels, got, strict=True)) == list(zip(labels, expected, strict=True))
