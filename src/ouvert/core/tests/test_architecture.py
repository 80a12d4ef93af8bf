"""The import graph of ``src/ouvert`` keeps the layering of DESIGN.md ("Dependencies run one way").

Every module under ``src/ouvert`` is parsed (``ast``; nothing is imported), except tests,
which exercise the whole project. Each ``import`` and ``from ... import`` (top-level or inside
a function) is an edge from one module to another; the project's own modules (``settings``,
``urls``, ``wsgi``, ``cli``, ``config``) are outside the layering and ignored. Imports by
name (``import_module("...")``, registries' discovery) are not edges: they are how upper
layers plug in.

Each module belongs to a component, placed on a level:

=====  ==========================================================================================
level  components
=====  ==========================================================================================
0      ``core``: configuration, errors, bilingual fields, tasks, registries
1      ``accounts`` (and ``organisations``, if organisations become an app of their own)
2      what every domain plugs into: the toolkits its adapters use, ``api.v1`` (the native
       API's registry, HTTP, paging, schema, validation, shared shapes) and ``web.ui`` (web's
       error translation, template tags, context processors, the form base); and the shared services a
       domain registers its types with, ``moderation`` and ``notifications``
3      domains: ``catalog``, ``datastore``, ``participation``, ``transparency``,
       ``federation``
4      sites over every domain: ``api`` (the CKAN-compatible Action API) and ``web`` (the
       home page and the site's URLs)
=====  ==========================================================================================

The rules:

1. a module imports nothing from a component on a higher level (core and accounts import no
   domain; no domain imports the CKAN API or the site);
2. there is no cycle between components;
3. no component imports another domain's adapters (``views``, ``api``, ``forms``, ``urls``,
   ``templatetags``): a domain shows something on another's page by registering a panel.

``ALLOWED`` lists today's exceptions, each with the reason and the work that removes it. It
only shrinks: a new violation fails ``test_the_import_graph_keeps_the_layering``, and an entry
that no longer matches any import fails ``test_every_allowed_exception_still_exists`` (delete
it then).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import ouvert

ROOT = Path(ouvert.__file__).parent

#: Component → level (see the table above).
LAYERS = {
    "core": 0,
    "accounts": 1,
    "organisations": 1,
    "api.v1": 2,
    "web.ui": 2,
    "catalog": 3,
    "datastore": 3,
    "participation": 3,
    "moderation": 2,
    "notifications": 2,
    "transparency": 3,
    "federation": 3,
    "api": 4,
    "web": 4,
}
DOMAIN_LEVEL = 3
#: Modules of the ``web`` app that are its shared UI (level 2); its other modules are the site.
WEB_UI = ("errors", "templatetags", "context_processors", "forms", "apps")
ADAPTERS = ("views", "api", "forms", "urls", "templatetags")

#: Today's exceptions: (importing module, imported module) → why, and what removes it.
ALLOWED: dict[tuple[str, str], str] = {}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    """Every module of the package but tests, by dotted name."""
    return {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))
            if "tests" not in path.relative_to(ROOT).parts[:-1]}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The ``ouvert`` modules that module ``name`` imports (a name imported from a module
    counts as that module, a submodule imported from a package as the submodule)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            targets = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in known else source
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:  # ``import a.b.c`` of a name: its module
                target = target.rpartition(".")[0]
            if target.startswith("ouvert.") and target != name:
                found.add(target)
    return found


def component(module: str) -> str | None:
    """The component a module belongs to; None for the project's own modules."""
    parts = module.split(".")
    if len(parts) < 3 and not (len(parts) == 2 and parts[1] in LAYERS):
        return None  # ouvert, ouvert.settings, ouvert.urls, ouvert.wsgi...
    app = parts[1]
    if app == "api" and len(parts) > 2 and parts[2] == "v1":
        return "api.v1"
    if app == "web" and len(parts) > 2 and parts[2] in WEB_UI:
        return "web.ui"
    if app not in LAYERS:
        raise AssertionError(f"{module}: app {app!r} has no place in LAYERS; add it to the table")
    return app


def _edges() -> set[tuple[str, str]]:
    modules = _modules()
    known = set(modules)
    return {(name, target) for name, path in modules.items()
            for target in _imports(name, path, known)
            if component(name) is not None and component(target) is not None}


def _app(module: str) -> str:
    return module.split(".")[1]


def violations(edges) -> dict[tuple[str, str], list[str]]:
    """Edges breaking rules 1 and 3, with the rules they break."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for source, target in edges:
        here, there = component(source), component(target)
        if here == there:
            continue
        if LAYERS[there] > LAYERS[here]:
            found[(source, target)].append(f"{here} (level {LAYERS[here]}) imports {there} "
                                           f"(level {LAYERS[there]})")
        adapter = target.split(".")[2] if target.count(".") >= 2 else ""
        if (LAYERS[there] == DOMAIN_LEVEL and _app(target) != _app(source) and adapter in ADAPTERS):
            found[(source, target)].append(f"imports {_app(target)}'s adapter {adapter!r}")
    return dict(found)


def cycles(edges) -> list[list[str]]:
    """Strongly connected groups of more than one component (Tarjan's algorithm)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target in edges:
        if component(source) != component(target):
            graph[component(source)].add(component(target))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for following in sorted(graph[node]):
            if following not in index:
                visit(following)
                low[node] = min(low[node], low[following])
            elif following in stack:
                low[node] = min(low[node], index[following])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_the_import_graph_keeps_the_layering():
    edges = _edges() - set(ALLOWED)
    found = violations(edges)
    assert not found, "imports against the layering (see this module's docstring):\n" + "\n".join(
        f"  {source} -> {target}: {'; '.join(why)}" for (source, target), why in sorted(found.items()))
    assert not cycles(edges), f"cycles between components: {cycles(edges)}"


def test_every_allowed_exception_still_exists():
    edges = _edges()
    stale = sorted(pair for pair in ALLOWED if pair not in edges)
    assert not stale, f"these imports are gone: delete them from ALLOWED: {stale}"
    harmless = sorted(pair for pair in ALLOWED if not violations({pair}))
    assert not harmless, f"these imports break no rule: delete them from ALLOWED: {harmless}"


def test_the_checks_see_a_new_violation():
    """The rules catch what they are meant to: the checker is not vacuous."""
    assert violations({("ouvert.core.models", "ouvert.catalog.models")})
    assert violations({("ouvert.accounts.models", "ouvert.participation.services")})
    assert violations({("ouvert.catalog.services", "ouvert.api.views")})
    assert violations({("ouvert.datastore.views", "ouvert.participation.views")})
    assert violations({("ouvert.participation.services", "ouvert.catalog.api.serializers")})
    assert not violations({("ouvert.participation.api", "ouvert.api.v1.registry"),
                           ("ouvert.datastore.services", "ouvert.catalog.services"),
                           ("ouvert.api.actions.datastore", "ouvert.datastore.services")})
    assert cycles({("ouvert.catalog.services", "ouvert.datastore.services"),
                   ("ouvert.datastore.models", "ouvert.catalog.models")}) == [["catalog", "datastore"]]
    modules = _modules()
    path = modules["ouvert.catalog.api.resources"]
    assert "ouvert.catalog.api.datasets" in _imports("ouvert.catalog.api.resources", path, set(modules))


def test_production_code_never_imports_the_test_helpers():
    """Test helpers live in ``tests/support``, outside the package: production code never
    imports them, and no module of the package is one."""
    imports = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            modules = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level
                       else [])
            imports += [(name, module) for module in modules if module.split(".")[0] == "tests"]
    assert not imports
    assert not [name for name in _modules() if name.endswith(".testing")]
