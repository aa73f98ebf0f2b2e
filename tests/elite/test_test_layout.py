"""The suite's own layout: tests live in the folder of the app they test, and no test module imports another (shared
helpers are fixtures in a conftest.py; tests/factories.py holds plain builders and may be imported)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
APP_FOLDERS = {"courses", "enrollment", "clinical", "payments", "skills", "backups", "elite", "browser"}


def _is_test_module(dotted: str) -> bool:
    return any(part.startswith("test_") or part == "conftest" for part in dotted.split("."))


def imported_test_modules(source: str, package: str) -> list[str]:
    """The test modules (and conftest modules) that `source`, a module of `package`, imports, however spelled."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if _is_test_module(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            if _is_test_module(module):
                found.append(module)
            else:
                found += [f"{module}.{alias.name}" for alias in node.names if _is_test_module(alias.name)]
    return found


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("from tests.test_admin_actions import sign_up", ["tests.test_admin_actions"]),
        ("from tests.enrollment.test_views import form_data", ["tests.enrollment.test_views"]),
        ("import tests.courses.test_calendar", ["tests.courses.test_calendar"]),
        ("from tests.courses import test_calendar", ["tests.courses.test_calendar"]),
        ("from .test_services import fill", ["tests.enrollment.test_services"]),
        ("from . import test_services", ["tests.enrollment.test_services"]),
        ("from ..courses.test_calendar import feed", ["tests.courses.test_calendar"]),
        ("from tests.conftest import School", ["tests.conftest"]),
        ("def helper():\n    from tests.test_x import y\n", ["tests.test_x"]),
        ("from tests.factories import make_cohort\nfrom django.test import Client", []),
        ("from django.test.utils import CaptureQueriesContext", []),
    ],
)
def test_the_import_check_catches_every_spelling(source, found):
    assert imported_test_modules(source, "tests.enrollment") == found


def test_no_test_module_imports_another():
    offenders = {}
    modules = sorted(TESTS.rglob("test_*.py"))
    assert len(modules) > 20
    for path in modules:
        package = ".".join(path.relative_to(TESTS.parent).parent.parts)
        if imported := imported_test_modules(path.read_text(), package):
            offenders[str(path.relative_to(TESTS.parent))] = imported
    assert offenders == {}


def test_tests_live_in_the_folder_of_their_app():
    misplaced = [
        str(path.relative_to(TESTS.parent))
        for path in TESTS.rglob("test_*.py")
        if path.relative_to(TESTS).parts[0] not in APP_FOLDERS
    ]
    assert misplaced == []
