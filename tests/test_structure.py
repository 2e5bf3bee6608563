"""The structure drawn from the imports: engine at the bottom, screening above it, library on top; every view asks
screening/access.py and filters no owner itself."""
import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VIEWS = [*sorted((ROOT / "screening").glob("views*.py")), ROOT / "library" / "views.py"]


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def python_files(folder: str) -> list[Path]:
    return [p for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts]


@pytest.mark.parametrize("path", python_files("screening"), ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_in_screening_imports_the_library(path):
    assert not [m for m in imported_modules(path) if m == "library" or m.startswith("library.")]


@pytest.mark.parametrize("path", python_files("screening/engine"), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_engine_imports_only_itself_from_the_project(path):
    upward = [m for m in imported_modules(path) if m.split(".")[0] in ("screening", "library", "project", "django")
              and not m.startswith("screening.engine")]
    assert not upward


@pytest.mark.parametrize("path", VIEWS, ids=lambda p: str(p.relative_to(ROOT)))
def test_views_leave_access_to_the_access_module(path):
    source = path.read_text(encoding="utf-8")
    assert not re.search(r"\.(filter|exclude|get)\([^)]*\b(owner|user)(_id)?=", source)
    assert "PermissionDenied" not in source and "is_clinician(" not in source
    assert not re.search(r"get_object_or_404\((Screening|Revision|QuizAttempt)\b", source)
