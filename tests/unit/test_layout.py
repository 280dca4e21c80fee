"""Import rules that keep the server slim and the layers apart (checked, not hoped for)."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD_ONLY = ("torch", "sentence_transformers", "transformers", "safetensors", "onnx", "ranx")
TOOLS = ("bench", "eval")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def sources(*folders: str) -> list[Path]:
    return [p for folder in folders for p in sorted((ROOT / folder).rglob("*.py"))]


def test_loading_the_server_imports_no_build_tool_or_tooling():
    code = (
        "import sys, service.app, service.engine\n"
        "from service.app import create_app\n"
        "create_app()\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    roots = {name.split(".")[0] for name in loaded}
    assert not roots & set(BUILD_ONLY + TOOLS)


@pytest.mark.parametrize(
    "path",
    [p for p in sources("service", "index", "corpus") if p.name != "cli.py"],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_the_runtime_never_imports_bench_or_eval(path):
    roots = {name.split(".")[0] for name in imported_modules(path)}
    assert not roots & set(TOOLS)


@pytest.mark.parametrize(
    "path", sources("bench", "eval", "tests"), ids=lambda p: str(p.relative_to(ROOT))
)
def test_tools_and_tests_do_not_import_the_cli(path):
    assert not any(name.startswith("service.cli") for name in imported_modules(path))


def test_runtime_dependencies_carry_no_build_tool():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {
        dep.split("[")[0].split("=")[0].split(">")[0].split("<")[0].strip().lower()
        for dep in project["dependencies"]
    }
    assert not names & {"torch", "sentence-transformers", "transformers", "onnx", "ranx"}
