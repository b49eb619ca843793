"""`[dialects]`: globs of prompt paths mapped to a dialect, for collections laid out any other way."""

from __future__ import annotations

from pathlib import Path

from promptls.router.prompts.detect import classify
from promptls.router.prompts.dialects import Dialect
from promptls.router.settings import Layer, SettingsLoader, load_settings


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_dialect_name_promptls_does_not_know_is_reported_at_its_line_and_left_out() -> None:
    text = '[dialects]\n"library/agents/**/*.md" = "claude-agent"\n"library/x/*.md" = "claude-agnet"\n'
    file = load_settings("/p/promptls.toml", text, Layer.PROJECT)
    assert [(p.code, p.span.line, p.span.column) for p in file.problems] == [("PLS303", 3, 20)]
    assert "must be one of claude-agent, claude-command" in file.problems[0].message
    assert "not 'claude-agnet'" in file.problems[0].message
    assert file.view.dialect_globs == (("library/agents/**/*.md", Dialect.CLAUDE_AGENT),)


def test_a_dialect_must_be_a_string_and_its_glob_is_checked_as_one() -> None:
    text = '[dialects]\n"a/*.md" = 3\n"b/[z-a].md" = "generic"\n'
    file = load_settings("/p/promptls.toml", text, Layer.PROJECT)
    assert [p.code for p in file.problems] == ["PLS303", "PLS303"]
    assert "must be a string, not 3" in file.problems[0].message
    assert "[z-a]" in file.problems[1].message  # a glob that matches nothing: a warning, still applied
    assert file.view.dialect_globs == (("b/[z-a].md", Dialect.GENERIC),)


def test_the_layers_combine_glob_by_glob_and_the_most_specific_glob_comes_first(tmp_path: Path) -> None:
    write(tmp_path / "proj" / "promptls.local.toml", '[dialects]\n"library/**" = "claude-command"\n')
    write(
        tmp_path / "proj" / "promptls.toml",
        '[dialects]\n"library/**" = "generic"\n"library/agents/*.md" = "claude-agent"\n',
    )
    write(tmp_path / "home" / "config.toml", '[dialects]\n"*.md" = "copilot-prompt"\n')
    loader = SettingsLoader(user_config=str(tmp_path / "home" / "config.toml"))
    settings = loader.for_prompt(str(tmp_path / "proj" / "p.md"))
    view = settings.view
    assert view.dialect_globs == (
        ("library/agents/*.md", Dialect.CLAUDE_AGENT),
        ("library/**", Dialect.CLAUDE_COMMAND),  # the local file's, the nearest layer naming it
        ("*.md", Dialect.COPILOT_PROMPT),
    )
    assert view.dialects["library/**"].source.path.endswith("promptls.local.toml")

    def dialect(rel: str) -> Dialect | None:
        path = str(tmp_path / "proj" / rel)
        return classify(path, "# no frontmatter\n", [], settings.root, dialects=view.dialect_globs)

    assert dialect("library/agents/reviewer.md") is Dialect.CLAUDE_AGENT
    assert dialect("library/commands/ship.md") is Dialect.CLAUDE_COMMAND
    assert dialect("notes/readme.md") is Dialect.COPILOT_PROMPT  # the user's glob, anchored here too
