"""The shape of the house, held by tests: who may import what, packages that say what
they hold, modules small enough to read."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "engine"
# What web/, tasks/ and cli/ may take from the engine: the facade and its errors.
ENGINE_FACE = {"engine.facade", "engine.errors"}
MAX_LINES = 500
MAX_TOP_MODULES = 12


def python_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.py") if "alembic/versions" not in p.as_posix()]


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("layer", ["web", "tasks", "cli"])
def test_outer_layers_use_only_the_facade(layer: str) -> None:
    wrong = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in python_files(ROOT / layer)
        for module in imported_modules(path)
        if module.startswith("engine") and module not in ENGINE_FACE
    }
    assert not wrong, sorted(wrong)


def test_engine_knows_nothing_of_flask_or_celery() -> None:
    wrong = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in python_files(ENGINE)
        for module in imported_modules(path)
        if module.split(".")[0] in {"flask", "flask_babel", "celery", "kombu", "web", "tasks"}
    }
    assert not wrong, sorted(wrong)


def test_every_engine_package_says_what_lives_there() -> None:
    silent = [
        str(init.parent.relative_to(ROOT))
        for init in ENGINE.rglob("__init__.py")
        if "alembic" not in init.as_posix()
        and ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) is None
    ]
    assert not silent, silent


def test_engine_modules_are_few_at_the_top_and_short() -> None:
    top = sorted(p.name for p in ENGINE.glob("*.py"))
    assert len(top) <= MAX_TOP_MODULES, top
    long = {
        str(p.relative_to(ROOT)): n
        for p in python_files(ENGINE)
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, long


def test_every_module_says_what_it_holds() -> None:
    silent = [
        str(p.relative_to(ROOT))
        for folder in ("engine", "web", "tasks", "cli")
        for p in python_files(ROOT / folder)
        if p.stat().st_size and ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) is None
    ]
    assert not silent, silent
