"""What `pip install .` puts on sys.path: one import package, `promptls`, and nothing top-level named
`router` or `adapters` (AdapterHub's distribution installs an `adapters` package: installing promptls
beside it must break neither).

The wheel is built once from the checkout (the same build `pip install .`, pipx and uv run), installed
into a folder of its own, and run from there with no access to the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {"promptls": "promptls", "router": "promptls.router", "adapters": "promptls.adapters"}


def repository_modules() -> set[str]:
    """Every module of the three layers, by its installed name."""
    modules = set()
    for folder, package in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            modules.add(".".join((package, *parts)))
    return modules


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The built wheel, installed with `pip install --target` (no dependencies: they are the
    interpreter's own site-packages, put on the path without their `.pth` hooks below)."""
    work = tmp_path_factory.mktemp("install")
    # Built from a copy of what the build reads: setuptools keeps a build/ folder in the source tree,
    # and a stale one would ship modules the checkout no longer has.
    source = work / "source"
    for name in ("pyproject.toml", "README.md"):
        source.mkdir(exist_ok=True)
        shutil.copy(ROOT / name, source / name)
    for folder in FOLDERS:
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    wheels = work / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("promptls-*.whl")
    target = work / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    with zipfile.ZipFile(wheel) as archive:
        (target / "wheel-files.json").write_text(json.dumps(archive.namelist()))
    return target


def run_installed(target: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Python with the installed copy first on the path and the dependencies after it; `-S` keeps the
    checkout's editable-install hook (a `.pth` file in site-packages) out, so nothing is found there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = os.pathsep.join([str(target), sysconfig.get_paths()["purelib"]])
    return subprocess.run(
        [sys.executable, "-S", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_distribution_installs_one_top_level_package(installed):
    files = json.loads((installed / "wheel-files.json").read_text())
    top = {name.split("/")[0] for name in files}
    assert {t for t in top if not t.endswith(".dist-info")} == {"promptls"}
    assert not (installed / "router").exists()
    assert not (installed / "adapters").exists()


def test_every_module_of_the_checkout_is_installed(installed):
    files = json.loads((installed / "wheel-files.json").read_text())
    shipped = {name.removesuffix(".py").replace("/", ".") for name in files if name.endswith(".py")}
    assert repository_modules() - shipped == set(), "add the missing packages to pyproject.toml"
    assert "promptls/router/models/data/catalog.json" in files


def test_the_installed_copy_runs_without_the_checkout(installed, tmp_path):
    names = sorted(m.removesuffix(".__init__") for m in repository_modules() if "__main__" not in m)
    script = (
        "import importlib, json, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.__file__ for m in sys.modules.values() "
        "if m.__name__.startswith('promptls') and getattr(m, '__file__', None)})))\n"
    )
    proc = run_installed(installed, tmp_path, "-c", script)
    assert proc.returncode == 0, proc.stderr
    assert all(path.startswith(str(installed)) for path in json.loads(proc.stdout))

    for bare in ("router", "adapters"):
        proc = run_installed(installed, tmp_path, "-c", f"import {bare}")
        assert f"No module named '{bare}'" in proc.stderr

    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "draft.md").write_text("---\nmodel: openai/gpt-4o-mini\ntemprature: 0.2\n---\nHi\n")
    proc = run_installed(installed, tmp_path, "-m", "promptls", "check", "--output-format", "json", ".")
    findings = json.loads(proc.stdout)
    assert [(f["path"], f["code"]) for f in findings] == [("prompts/draft.md", "PLS110")]
