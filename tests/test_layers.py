"""The layers stay honest: `router` pulls in no front end, SDK, keyring or database and has no import
circle; `adapters` never imports the front ends.

The layers live in the repository's top-level folders and install as `promptls.router` and
`promptls.adapters` (see pyproject.toml); module names below are the installed ones.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {"router": "promptls.router", "adapters": "promptls.adapters", "promptls": "promptls"}

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
    "promptls.adapters",
    "promptls.cli",
    "promptls.server",
    "promptls.ledger",
    "promptls.workspace",
    "promptls.runner",
)


def module_files(folder: str) -> dict[str, Path]:
    """Installed module name -> file, for every module in one layer's folder."""
    modules = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        parts = path.relative_to(ROOT / folder).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join((LAYERS[folder], *parts))] = path
    return modules


def router_modules() -> list[str]:
    return list(module_files("router"))


def test_router_modules_are_found():
    expected = {
        "promptls.router",
        "promptls.router.prompts.frontmatter",
        "promptls.router.resolution.resolve",
        "promptls.router.settings.files",
    }
    assert expected <= set(router_modules())


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
    """Every module an `import` names, at any depth of the file (deferred imports count too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            # `from package import module` imports the module
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_adapters_never_import_the_front_ends():
    offenders = {}
    for name, path in module_files("adapters").items():
        above = sorted(
            n for n in imported_names(path) if n.startswith("promptls.") and not n.startswith(LAYER_BELOW)
        )
        if above:
            offenders[name] = above
    assert module_files("adapters"), "adapters/ has no modules"
    assert offenders == {}


LAYER_BELOW = ("promptls.router", "promptls.adapters")


def test_router_never_imports_the_layers_above():
    offenders = {}
    for name, path in module_files("router").items():
        above = sorted(
            n
            for n in imported_names(path)
            if n.split(".")[0] in ("promptls", "router", "adapters") and not n.startswith("promptls.router")
        )
        if above:
            offenders[name] = above
    assert offenders == {}


def test_nothing_imports_the_top_level_folder_names():
    """`router` and `adapters` exist only as folders of the repository; installed, they are
    `promptls.router` and `promptls.adapters`, and an import of the bare name would find nothing."""
    offenders = {}
    for folder in LAYERS:
        for name, path in module_files(folder).items():
            bare = sorted(n for n in imported_names(path) if n.split(".")[0] in ("router", "adapters"))
            if bare:
                offenders[name] = bare
    assert offenders == {}


def router_import_graph() -> dict[str, set[str]]:
    modules = module_files("router")
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = {n for n in imported_names(path) if n in modules and n != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle, as the list of modules around it, or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_router_has_no_import_circle_top_level_or_deferred():
    cycle = find_cycle(router_import_graph())
    assert cycle is None, "import circle in router: " + " → ".join(cycle or [])


def test_find_cycle_sees_a_circle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_imported_names_sees_lazy_imports(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from promptls.cli import main\n    import promptls.workspace\n")
    assert imported_names(sample) == {"promptls.cli", "promptls.cli.main", "promptls.workspace"}


def test_no_private_name_is_imported_across_modules():
    offenders = []
    for folder in LAYERS:
        for name, path in module_files(folder).items():
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("promptls"):
                    offenders += [
                        f"{name}: {node.module}.{a.name}"
                        for a in node.names
                        if a.name.startswith("_") and not a.name.startswith("__")
                    ]
    assert offenders == []
