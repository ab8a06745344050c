"""The installed layout: one import name, `vmspec`, over the repository's folders.

Installing vmspec must not claim `model` or `properties` in a user's environment (an
orchestrator's own `model` package is common), and every package folder must be listed in
pyproject.toml, or a non-editable install silently leaves it out."""

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _package_folders() -> set[str]:
    out = set()
    for top, name in (("model", "vmspec.model"), ("properties", "vmspec.properties")):
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / top)
            out.add(".".join((name, *rel.parts)))
    return out


def test_every_package_folder_is_installed():
    assert set(PYPROJECT["tool"]["setuptools"]["packages"]) == _package_folders()


def test_only_the_vmspec_import_name_is_claimed(tmp_path):
    # A fresh interpreter away from the checkout (-I: no current directory, no PYTHONPATH) sees only
    # what the installation provides.
    probe = "import importlib.util as u; print([n for n in ('vmspec', 'model', 'properties') if u.find_spec(n)])"
    out = subprocess.run([sys.executable, "-I", "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['vmspec']", "installing vmspec must claim the import name vmspec only"


def test_entry_points_use_the_vmspec_name():
    assert PYPROJECT["project"]["scripts"]["vmspec"].startswith("vmspec.properties.")
    assert PYPROJECT["project"]["entry-points"]["pytest11"]["vmspec"].startswith("vmspec.properties.")


def test_no_module_imports_the_old_top_level_names():
    offenders = []
    for path in [*ROOT.glob("model/**/*.py"), *ROOT.glob("properties/**/*.py"), *ROOT.glob("tests/**/*.py"),
                 *ROOT.glob("bench/*.py"), *ROOT.glob("examples/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else [])
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in ("model", "properties")]
    assert not offenders
