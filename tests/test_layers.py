"""The layers stay honest: `router` pulls in no front end, SDK, keyring or database; `adapters` never
imports `promptls`."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN = (
    "pygls",
    "lsprotocol",
    "keyring",
    "sqlite3",
    "openai",
    "anthropic",
    "google.genai",
    "ollama",
    "httpx",
    "click",
    "tiktoken",
    "adapters",
    "promptls",
)


def router_modules() -> list[str]:
    modules = []
    for path in sorted((ROOT / "router").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules.append(".".join(parts))
    return modules


def test_router_modules_are_found():
    modules = router_modules()
    assert {"router", "router.frontmatter", "router.resolve", "router.settings.files"} <= set(modules)


def test_importing_all_of_router_pulls_in_no_front_end_sdk_or_database():
    script = (
        "import importlib, json, sys\n"
        f"for name in {router_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    loaded = json.loads(proc.stdout)
    assert set(router_modules()) <= set(loaded)
    bad = sorted(name for name in loaded if any(name == f or name.startswith(f + ".") for f in FORBIDDEN))
    assert bad == [], f"router imports {bad}"


def imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_adapters_never_import_promptls():
    files = sorted((ROOT / "adapters").rglob("*.py"))
    assert files, "adapters/ has no modules"
    offenders = {
        str(path.relative_to(ROOT)): sorted(n for n in imported_names(path) if n.split(".")[0] == "promptls")
        for path in files
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_router_never_imports_the_layers_above():
    offenders = {}
    for path in sorted((ROOT / "router").rglob("*.py")):
        above = sorted(n for n in imported_names(path) if n.split(".")[0] in ("adapters", "promptls"))
        if above:
            offenders[str(path.relative_to(ROOT))] = above
    assert offenders == {}


def test_imported_names_sees_lazy_imports(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from promptls.cli import main\n    import promptls.workspace\n")
    assert imported_names(sample) == {"promptls.cli", "promptls.workspace"}
