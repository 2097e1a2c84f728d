"""The layers of DESIGN.md section 1, read from the code's own imports: arrows point only down,
the pure layers never import discord, and no two modules import each other in a circle."""

from __future__ import annotations

import ast
import enum
import importlib
import typing
from collections.abc import Iterator
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. bot.cogs.daily
    target: str  # what it imports, e.g. bot.store.daily
    line: int
    at_runtime: bool  # False under `if TYPE_CHECKING:` or inside a function


def _module_name(path: Path) -> str:
    parts = path.relative_to(BOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _from_module(node: ast.ImportFrom, module: str, path: Path) -> str:
    """The absolute module a `from ... import` reads: `from ..store import x` in bot.cogs.daily
    reads bot.store (a package's own `__init__` counts as its first level)."""
    if node.level == 0:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    if node.level - 1 > len(package) - 1:
        raise AssertionError(f"{module}: a relative import above bot/ ({ast.unparse(node)})")
    return ".".join([*base, *([node.module] if node.module else [])])


def _imports(path: Path, module: str | None = None) -> Iterator[Import]:
    module = module or _module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))

    def visit(node: ast.AST, at_runtime: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            runtime = at_runtime
            if (
                isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test)
            ) or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                runtime = False
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield Import(module, alias.name, child.lineno, runtime)
            elif isinstance(child, ast.ImportFrom):
                source = _from_module(child, module, path)
                yield Import(module, source, child.lineno, runtime)
                for alias in child.names:  # `from bot.store import database` names a module
                    yield Import(module, f"{source}.{alias.name}", child.lineno, runtime)
            yield from visit(child, runtime)

    yield from visit(tree, True)


ALL = [found for path in sorted(BOT.rglob("*.py")) for found in _imports(path)]
MODULES = {_module_name(path) for path in BOT.rglob("*.py")}


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _breaches(importers: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{found.module}:{found.line} imports {found.target}"
        for found in ALL
        if any(_within(found.module, p) for p in importers)
        and any(_within(found.target, f) for f in forbidden)
    ]


PURE = (
    "bot.roadmap",
    "bot.services",
    "bot.store",
    "bot.records",
    "bot.errors",
    "bot.config",
    "bot.sharding",
)
BELOW_THE_COGS = ("bot.render", "bot.schedule", *PURE)


@pytest.mark.parametrize(
    ("importers", "forbidden"),
    [
        (PURE, ("discord",)),
        (("bot.cogs",), ("bot.store", "bot.schedule", "bot.wiring", "bot.cli")),
        (("bot.render",), ("bot.store", "bot.schedule")),
        (BELOW_THE_COGS, ("bot.cogs", "bot.app", "bot.wiring", "bot.cli", "bot.__main__")),
        (("bot.store", "bot.records", "bot.errors"), ("bot.services", "bot.roadmap.catalog")),
        (("bot.roadmap",), ("bot.services", "bot.store")),
    ],
    ids=[
        "pure layers never import discord",
        "cogs import neither the store nor the schedule",
        "render imports no store",
        "nothing below the cogs imports the cogs or the process",
        "the store imports no use case",
        "the content model imports neither use cases nor the store",
    ],
)
def test_arrows_point_only_down(importers: tuple[str, ...], forbidden: tuple[str, ...]) -> None:
    assert _breaches(importers, forbidden) == []


def _store_types_inside(value: object, seen: set[object]) -> Iterator[str]:
    """The bot.store classes a type hint reaches: its own, its arguments', and the fields'
    of the dataclasses it names."""
    if value in seen:
        return
    seen.add(value)
    if isinstance(value, type):
        if _within(value.__module__, "bot.store"):
            yield f"{value.__module__}.{value.__qualname__}"
        elif is_dataclass(value) and _within(value.__module__, "bot"):
            hints = typing.get_type_hints(value)
            for field in fields(value):
                yield from _store_types_inside(hints[field.name], seen)
    for argument in typing.get_args(value):
        yield from _store_types_inside(argument, seen)


def test_render_reads_no_store_type_through_a_service() -> None:
    # Render imports no store, and what it is handed holds no store record either: the
    # services' records render reads carry only bot.records' and their own types.
    reached: set[str] = set()
    for found in ALL:
        if not _within(found.module, "bot.render") or not _within(found.target, "bot.services"):
            continue
        owner, _, name = found.target.rpartition(".")
        if owner not in MODULES:
            continue
        value = getattr(importlib.import_module(owner), name, None)
        if isinstance(value, type) and is_dataclass(value):
            reached.update(_store_types_inside(value, set()))
    assert sorted(reached) == []


def test_no_import_cycles() -> None:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for found in ALL:
        if found.at_runtime and found.target in MODULES and found.target != found.module:
            graph[found.module].add(found.target)
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def walk(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                walk(target, [*path, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            walk(name, [name])
    assert cycles == []


#: What only the wiring (and the process entry points) build: the classes of these packages.
BUILT_BY_THE_WIRING = ("bot.services", "bot.store", "bot.schedule")
#: Where they may be built: the wiring, the entry points, and the packages themselves (a service
#: keeps its own repositories over the database it is given).
BUILDERS = ("bot.wiring", "bot.cli", *BUILT_BY_THE_WIRING)
#: Classes of those packages that hold no resource and are made per use, like value records: a
#: member's pass through a check is rebuilt from a button's state on every press.
PER_USE = {"bot.services.self_check.CheckSession"}


def _is_value(cls: type) -> bool:
    """A record, an enum or an error: made wherever one is needed."""
    return is_dataclass(cls) or issubclass(cls, enum.Enum | BaseException | tuple)


def _constructions(path: Path, module: str | None = None) -> Iterator[str]:
    """`module:line name` for every call in `path` of a class of BUILT_BY_THE_WIRING, named
    through the module's imports (a Name, or an Attribute of an imported module)."""
    module = module or _module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bound: dict[str, str] = {}  # local name -> the dotted name it stands for
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                source = _from_module(node, module, path)
                bound[alias.asname or alias.name] = f"{source}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    bound[head] = head
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        head, *rest = ast.unparse(node.func).split(".")
        if head not in bound or "(" in head:
            continue
        name = ".".join([bound[head], *rest])
        if not any(_within(name, p) for p in BUILT_BY_THE_WIRING) or name in PER_USE:
            continue
        owner, _, attribute = name.rpartition(".")
        try:
            found = getattr(importlib.import_module(owner), attribute)
        except (ImportError, AttributeError):
            continue  # a module, or a function of one, not a class
        if isinstance(found, type) and not _is_value(found):
            yield f"{module}:{node.lineno} {name}"


def test_only_the_wiring_builds_services_repositories_and_the_scheduler() -> None:
    built = [
        found
        for path in sorted(BOT.rglob("*.py"))
        if not any(_within(_module_name(path), p) for p in BUILDERS)
        for found in _constructions(path)
    ]
    assert built == []


def test_ticks_are_the_wirings_registered_by_the_app() -> None:
    registering = [
        f"{_module_name(path)}:{node.lineno}"
        for path in sorted(BOT.rglob("*.py"))
        if _module_name(path) not in ("bot.app", "bot.schedule.runner")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr in ("add_tick", "remove_tick")
    ]
    assert registering == []


def test_the_construction_walker_sees_classes_and_passes_values(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text(
        "import bot.store.meta\n"
        "from bot.schedule import runner\n"
        "from bot.services.undo import UndoService as Undo\n"
        "from bot.services.self_check import Progress, StaleCheck\n"
        "from bot.services.review import Rating\n"
        "from bot.services.timezones import parse_zone\n"
        "Undo(db, study)\n"
        "runner.TickRunner(30.0)\n"
        "bot.store.meta.MetaRepository(db)\n"
        "Progress(); StaleCheck('x'); Rating(3); parse_zone('UTC')\n"
    )
    assert [found.split(" ")[1] for found in _constructions(source, "bot.cogs.sample")] == [
        "bot.services.undo.UndoService",
        "bot.schedule.runner.TickRunner",
        "bot.store.meta.MetaRepository",
    ]


def test_the_walker_sees_real_imports_and_tells_runtime_from_type_checking(
    tmp_path: Path,
) -> None:
    # The rules above would pass vacuously if the walker missed imports.
    assert _breaches(("bot.cogs",), ("bot.render",)), "cogs do import render"
    assert _breaches(("bot.store",), ("sqlite3",)), "the store does import sqlite3"
    source = tmp_path / "sample.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "import discord\n"
        "if TYPE_CHECKING:\n"
        "    from bot.app import StudyBot\n"
        "def later():\n"
        "    from bot.cogs import study\n"
    )
    found = {(i.target, i.at_runtime) for i in _imports(source, "bot.services.sample")}
    assert ("discord", True) in found
    assert ("bot.app", False) in found and ("bot.app.StudyBot", False) in found
    assert ("bot.cogs", False) in found and ("bot.cogs.study", False) in found


def test_the_walker_reads_relative_imports_as_absolute(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text("from ..store import progress\nfrom . import answers\nfrom .tree import x\n")
    found = {i.target for i in _imports(source, "bot.cogs.sample")}
    assert {"bot.store", "bot.store.progress", "bot.cogs.answers", "bot.cogs.tree.x"} <= found
    package = tmp_path / "__init__.py"
    package.write_text("from .daily import y\n")
    assert "bot.cogs.daily.y" in {i.target for i in _imports(package, "bot.cogs")}
    source.write_text("from ...... import anything\n")
    with pytest.raises(AssertionError, match="above bot/"):
        list(_imports(source, "bot.cogs.sample"))
