"""The layering rules (README, "Architecture"), checked on the import graph of our own code.

Every .py file of every first-party package (each top-level folder with an __init__.py, except tests/, which imports
whatever it tests) is parsed with `ast`; every import in it counts, wherever it is written: at the top, inside a
function or a class, under `if TYPE_CHECKING:` (a type-only import is still a dependency, and hiding one there is
the usual way to paper over a circle), and the string forms Django uses (`include("app.urls")`, `import_module("...")`,
`import_string("...")`). Relative imports are resolved against the importing module's package, and `from a import b`
points at the module a.b when there is one, at a otherwise.

Migrations are included in every rule. They are loaded by Django's migration loader, not imported by our code, so they
can close a circle only if some module imported a migration, which would itself be worth failing on; and a migration
that reached a services module would run today's rules against yesterday's tables.

The rules:
- the catalogue (courses) never imports enrollment; only its admin does, for the cohort page's enrollments and its
  waitlist and capacity actions, which go through enrollment's services;
- apps never import the project package, elite (elite may import the apps: its urls do);
- no models module (`*/models.py`, `*/models/*`) nor migration reaches a services module, directly or through others;
- nothing outside demo imports demo;
- courses and enrollment never import the capabilities built on them (clinical);
- no import circles between our modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


def find_root() -> Path:
    """The project's folder (the one with manage.py), wherever under tests/ this file lives."""
    return next(folder for folder in Path(__file__).resolve().parents if (folder / "manage.py").exists())


ROOT = find_root()
PROJECT = "elite"
CATALOGUE = "courses"
DEMO = "demo"
NOT_CHECKED = {"tests"}  # tests import what they test, the demo's helpers included
STRING_IMPORTS = {"include", "import_module", "import_string"}

# Modules of the catalogue that may import enrollment, and why.
CATALOGUE_MAY_IMPORT_ENROLLMENT = {
    # The cohort page shows the cohort's enrollments (read-only) and runs the waitlist and capacity steps, which are
    # enrollment's services. Moving that part of the cohort admin into enrollment/admin.py would lift this.
    "courses.admin": {"enrollment.models", "enrollment.services"},
    # The public pages show seats left, which the enrollments hold: the views annotate them with
    # enrollment.models.with_seat_counts (the catalogue's models know nothing of enrollments).
    "courses.views": {"enrollment.models"},
}

# Known violations being removed elsewhere, as (importer, imported). Each entry must still occur (see
# test_known_violations_are_still_there), so the list cannot outlive the fix.
KNOWN_VIOLATIONS: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str  # a first-party module
    path: Path
    line: int
    statement: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.importer} imports {self.imported} ({self.statement})"


@dataclass(repr=False)
class Graph:
    modules: dict[str, Path]
    imports: list[Import]

    def __repr__(self) -> str:  # pytest prints the fixture with a failure: keep that readable
        return f"<Graph of {len(self.modules)} modules, {len(self.imports)} imports>"

    def edges(self, *, without: set[tuple[str, str]] = frozenset()) -> dict[str, list[Import]]:
        edges: dict[str, list[Import]] = {name: [] for name in self.modules}
        for imp in self.imports:
            if (imp.importer, imp.imported) not in without:
                edges[imp.importer].append(imp)
        return edges


def first_party_packages(root: Path) -> list[str]:
    return sorted(
        folder.name
        for folder in root.iterdir()
        if folder.is_dir() and (folder / "__init__.py").exists() and folder.name not in NOT_CHECKED
    )


def module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def build_graph(root: Path) -> Graph:
    packages = first_party_packages(root)
    modules = {module_name(root, path): path for package in packages for path in sorted((root / package).rglob("*.py"))}
    imports: dict[Import, None] = {}  # ordered, and `from a.models import X, Y` is one import of a.models
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        for line, target, statement in imported_names(tree, name, is_package=path.name == "__init__.py"):
            resolved = resolve(target, modules, packages)
            if resolved is not None:
                imports[Import(name, resolved, path.relative_to(root), line, statement)] = None
    return Graph(modules, list(imports))


def imported_names(tree: ast.AST, module: str, *, is_package: bool) -> Iterator[tuple[int, str, str]]:
    """(line, dotted name, statement) for every import anywhere in the module, relative ones made absolute."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, ast.unparse(node)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                if node.level - 1 >= len(parts):
                    continue  # beyond the top-level package: Python refuses it, so it imports nothing
                base = parts[: len(parts) - (node.level - 1)]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            for alias in node.names:
                # `from a import b` imports the module a.b when there is one; resolve() falls back to a.
                yield node.lineno, f"{source}.{alias.name}" if alias.name != "*" else source, ast.unparse(node)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) in STRING_IMPORTS
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value, ast.unparse(node)


def resolve(dotted: str, modules: dict[str, Path], packages: list[str]) -> str | None:
    """The first-party module that `dotted` names or lies in (the longest prefix that is a module), None otherwise."""
    parts = dotted.split(".")
    if parts[0] not in packages:
        return None
    # The top-level package is a module itself, so there is always an answer.
    return next(".".join(parts[:end]) for end in range(len(parts), 0, -1) if ".".join(parts[:end]) in modules)


# --- the rules ---------------------------------------------------------------------------------------------------


def catalogue_imports_of_enrollment(graph: Graph) -> list[Import]:
    return [
        imp
        for imp in graph.imports
        if within(imp.importer, CATALOGUE)
        and within(imp.imported, "enrollment")
        and imp.imported not in CATALOGUE_MAY_IMPORT_ENROLLMENT.get(imp.importer, set())
    ]


# The capabilities built on the enrollment app (clinical experience, and later skills and payments): the core they
# build on never imports them; they reach it through registration hooks (the roster's notes, the outbox's senders).
CAPABILITIES = ("clinical", "payments", "skills")


def core_imports_of_capabilities(graph: Graph) -> list[Import]:
    return [
        imp
        for imp in graph.imports
        if (within(imp.importer, CATALOGUE) or within(imp.importer, "enrollment"))
        and any(within(imp.imported, app) for app in CAPABILITIES)
    ]


def app_imports_of_the_project(graph: Graph) -> list[Import]:
    return [imp for imp in graph.imports if not within(imp.importer, PROJECT) and within(imp.imported, PROJECT)]


def is_model_layer(name: str) -> bool:
    parts = name.split(".")
    return "models" in parts[1:] or "migrations" in parts[1:]


def is_services(name: str) -> bool:
    return "services" in name.split(".")[1:]


def model_paths_to_services(graph: Graph, *, without: set[tuple[str, str]] = frozenset()) -> list[str]:
    """Each models module or migration that reaches a services module, with the chain of imports that gets there."""
    edges = graph.edges(without=without)
    found = []
    for start in sorted(name for name in graph.modules if is_model_layer(name)):
        # Breadth-first, so the chain reported is a shortest one.
        came_by: dict[str, Import | None] = {start: None}
        queue = [start]
        while queue:
            here = queue.pop(0)
            if is_services(here):
                chain = []
                while came_by[here] is not None:
                    chain.append(str(came_by[here]))
                    here = came_by[here].importer
                found.append(f"{start} reaches services:\n    " + "\n    ".join(reversed(chain)))
                break
            for imp in edges.get(here, []):
                if imp.imported not in came_by:
                    came_by[imp.imported] = imp
                    queue.append(imp.imported)
    return found


def imports_of_demo(graph: Graph) -> list[Import]:
    return [imp for imp in graph.imports if within(imp.imported, DEMO) and not within(imp.importer, DEMO)]


def import_cycles(graph: Graph, *, without: set[tuple[str, str]] = frozenset()) -> list[str]:
    """One cycle per strongly connected group of modules, as a path `a -> b -> a` with the import of each step."""
    edges = graph.edges(without=without)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def connect(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for imp in edges.get(node, []):
            if imp.imported not in index:
                connect(imp.imported)
                low[node] = min(low[node], low[imp.imported])
            elif imp.imported in on_stack:
                low[node] = min(low[node], index[imp.imported])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1 or any(imp.imported == node for imp in edges.get(node, [])):
                groups.append(group)

    for node in sorted(edges):
        if node not in index:
            connect(node)

    cycles = []
    for group in groups:
        start = min(group)
        # The shortest way from start back to itself inside the group.
        came_by: dict[str, Import] = {}
        queue = [start]
        while queue:
            here = queue.pop(0)
            steps = [imp for imp in edges[here] if imp.imported in group]
            closing = next((imp for imp in steps if imp.imported == start), None)
            if closing is not None:
                chain = [closing]
                while here != start:
                    chain.append(came_by[here])
                    here = came_by[here].importer
                chain.reverse()
                path = " -> ".join([start, *(imp.imported for imp in chain)])
                cycles.append(path + "\n    " + "\n    ".join(str(imp) for imp in chain))
                break
            for imp in steps:
                if imp.imported not in came_by and imp.imported != start:
                    came_by[imp.imported] = imp
                    queue.append(imp.imported)
    return sorted(cycles)


def known(imports: list[Import]) -> list[Import]:
    return [imp for imp in imports if (imp.importer, imp.imported) not in KNOWN_VIOLATIONS]


def report(found: list) -> str:
    return "\n" + "\n".join(str(item) for item in found)


# --- our code ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph() -> Graph:
    return build_graph(ROOT)


def test_the_graph_covers_every_installed_app_of_ours(graph):
    from django.apps import apps

    ours = {config.name for config in apps.get_app_configs() if Path(config.path).parent == ROOT}
    assert ours <= set(first_party_packages(ROOT)), ours
    assert {PROJECT, CATALOGUE, "enrollment", DEMO, *CAPABILITIES} <= ours
    assert len(graph.imports) > 40  # it read the code, not an empty folder


def test_the_catalogue_never_imports_enrollment(graph):
    found = known(catalogue_imports_of_enrollment(graph))
    assert not found, "courses is the lower layer; seat counts and enrollments live in enrollment:" + report(found)


def test_the_core_never_imports_the_capabilities_built_on_it(graph):
    found = core_imports_of_capabilities(graph)
    why = "courses and enrollment are the core; clinical builds on them and registers its hooks (apps.ready):"
    assert not found, why + report(found)


def test_apps_never_import_the_project_package(graph):
    found = app_imports_of_the_project(graph)
    why = f"apps must not import the project package {PROJECT}; move what they share into the lowest app that uses it:"
    assert not found, why + report(found)


def test_models_never_reach_services(graph):
    found = model_paths_to_services(graph, without=KNOWN_VIOLATIONS)
    assert not found, "data flows view -> service -> model; a model must not call a service:" + report(found)


def test_nothing_imports_the_demo(graph):
    found = imports_of_demo(graph)
    assert not found, f"{DEMO} is the top layer; nothing may depend on the demo school:" + report(found)


def test_no_import_cycles(graph):
    found = import_cycles(graph, without=KNOWN_VIOLATIONS)
    assert not found, "import circles between our modules:" + report(found)


def test_known_violations_are_still_there(graph):
    """When one is fixed, delete its KNOWN_VIOLATIONS entry, so that it cannot come back unnoticed."""
    present = {(imp.importer, imp.imported) for imp in graph.imports}
    assert present >= KNOWN_VIOLATIONS, f"fixed, remove from KNOWN_VIOLATIONS: {KNOWN_VIOLATIONS - present}"
    # And each is one that a rule would report without the allowance.
    reported = catalogue_imports_of_enrollment(graph) + app_imports_of_the_project(graph) + imports_of_demo(graph)
    assert {(imp.importer, imp.imported) for imp in reported} >= KNOWN_VIOLATIONS


# --- the checker itself ------------------------------------------------------------------------------------------


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_checker_finds_planted_violations(tmp_path):
    write(
        tmp_path,
        {
            "manage.py": "",
            "elite/__init__.py": "",
            "elite/settings.py": "",
            "elite/urls.py": "from django.urls import include\nurlpatterns = [include('shop.urls')]\n",
            "shop/__init__.py": "",
            # models -> services, inside a function and through a relative import; and so a circle.
            "shop/models.py": "def total():\n    from .services import price\n    return price()\n",
            "shop/services.py": "from shop.models import total\nfrom shop import tax\n",
            "shop/tax.py": "from . import services\n",  # a second, longer way round
            "shop/urls.py": "import elite.settings\n",
            "shop/views.py": "from elite import settings\n",
            "shop/migrations/__init__.py": "",
            "shop/migrations/0001_initial.py": "import shop.services\n",
            "shop/templatetags/__init__.py": "",
            "shop/templatetags/tags.py": "from ...demo.management import helpers\n",  # beyond the top: ignored
            "shop/admin.py": "from importlib import import_module\nimport_module('demo.fixtures')\n",
            "courses/__init__.py": "",
            "courses/models.py": "if TYPE_CHECKING:\n    from enrollment import models\n",  # type-only counts too
            "enrollment/__init__.py": "",
            "enrollment/models.py": "import courses.models\n",
            "demo/__init__.py": "",
            "demo/fixtures.py": "from shop.models import total, Order\nfrom . import more\n",
            "demo/more.py": "",
            "tests/__init__.py": "",
            "tests/test_demo.py": "import demo.fixtures\n",  # tests are not checked
        },
    )
    graph = build_graph(tmp_path)

    assert [(imp.importer, imp.imported, imp.line) for imp in app_imports_of_the_project(graph)] == [
        ("shop.urls", "elite.settings", 1),
        ("shop.views", "elite.settings", 1),
    ]

    # One import statement naming several things is one import; `from . import more` is the module demo.more.
    assert [imp.imported for imp in graph.imports if imp.importer == "demo.fixtures"] == ["shop.models", "demo.more"]

    assert [(imp.importer, imp.imported) for imp in imports_of_demo(graph)] == [("shop.admin", "demo.fixtures")]

    assert [(imp.importer, imp.imported) for imp in catalogue_imports_of_enrollment(graph)] == [
        ("courses.models", "enrollment.models")
    ]

    reached = model_paths_to_services(graph)
    assert [entry.splitlines()[0] for entry in reached] == [
        "shop.migrations.0001_initial reaches services:",
        "shop.models reaches services:",
    ]
    assert "shop/models.py:2: shop.models imports shop.services (from .services import price)" in reached[1]

    cycles = import_cycles(graph)
    assert [cycle.splitlines()[0] for cycle in cycles] == [
        "courses.models -> enrollment.models -> courses.models",
        "shop.models -> shop.services -> shop.models",
    ]
    assert "shop/services.py:1: shop.services imports shop.models (from shop.models import total)" in cycles[1]
    # Taking an import out of the graph takes its circle with it.
    assert len(import_cycles(graph, without={("courses.models", "enrollment.models")})) == 1


def test_the_checker_passes_a_clean_project(tmp_path):
    write(
        tmp_path,
        {
            "manage.py": "",
            "elite/__init__.py": "",
            "elite/urls.py": "from shop import views\n",
            "shop/__init__.py": "",
            "shop/models.py": "from django.db import models\n",
            "shop/services.py": "from .models import models\n",
            "shop/views.py": "from shop import services\n",
            "demo/__init__.py": "",
            "demo/seed.py": "from shop.services import *\n",
        },
    )
    graph = build_graph(tmp_path)

    assert {(imp.importer, imp.imported) for imp in graph.imports} == {
        ("elite.urls", "shop.views"),
        ("shop.services", "shop.models"),
        ("shop.views", "shop.services"),
        ("demo.seed", "shop.services"),
    }
    assert app_imports_of_the_project(graph) == []
    assert imports_of_demo(graph) == []
    assert model_paths_to_services(graph) == []
    assert import_cycles(graph) == []
