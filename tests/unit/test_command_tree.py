"""The meta test: the whole command tree, built offline, obeys Discord's rules and is tested.

Discord refuses a sync that breaks any of these rules, so a mistake here would only show once
the bot talks to Discord; walking the tree catches it at once. Every command must also be run
through the emulator by some test that runs: the command of an `emulator.slash(...)` call in a
test function (not skipped, not xfail) or in a function of its module that a test calls.
"""

from __future__ import annotations

import ast
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from discord import app_commands

from bot.app import EXTENSIONS, StudyBot, command_tree_digest
from bot.cogs.topic_card import TopicButton
from bot.config import Settings
from bot.render.custom_ids import TopicPress
from bot.roadmap.catalog import Catalog
from bot.roadmap.model import Roadmap, Stage, Topic
from bot.services.content import ContentHolder
from bot.store.database import Database

TESTS = Path(__file__).resolve().parents[1]
NAME = re.compile(r"^[-_a-z0-9]{1,32}$")  # lowercase: Discord refuses upper case in slash names
#: Option names: lowercase words joined by underscores (no hyphens, no doubled or edge ones).
SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
MAX_CHILDREN = 25
MAX_DESCRIPTION = 100
MAX_COMMAND_CHARACTERS = 4000  # names, descriptions and choice values of one top-level command


def _catalog() -> Catalog:
    topic = Topic("t", "T", "summary")
    return Catalog([Roadmap("r", "R", "summary", (Stage("s", "S", "summary", (topic,)),))])


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[StudyBot]:
    database = await Database.open(tmp_path / "bot.sqlite3")
    study_bot = StudyBot(Settings(), database, ContentHolder(_catalog()))
    try:
        await study_bot.install_commands()
        yield study_bot
    finally:
        await study_bot.close()


def _walk(bot: StudyBot) -> Iterator[app_commands.Command | app_commands.Group]:
    for top in bot.tree.get_commands():
        yield top
        if isinstance(top, app_commands.Group):
            yield from top.walk_commands()


#: The emulator's method through which a test runs a slash command, in process or remote:
#: `emulator.slash(guild, member, "roadmap next", ...)`; the command is its third argument.
SLASH_METHOD = "slash"
COMMAND_ARGUMENT = 2
#: The emulator's own tests drive its sample bot, not this one.
NOT_THIS_BOT = TESTS / "emulator"
SKIPPING_MARKS = ("skip", "skipif", "xfail")


def _skipped(decorators: list[ast.expr]) -> bool:
    return any(
        isinstance(node, ast.Attribute) and node.attr in SKIPPING_MARKS
        for decorator in decorators
        for node in ast.walk(decorator)
    )


def _module_skipped(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets)
        and _skipped([node.value])
        for node in tree.body
    )


Function = ast.FunctionDef | ast.AsyncFunctionDef


def _functions(tree: ast.Module) -> dict[str, Function]:
    """The module's functions and its test classes' methods, by name."""
    found: dict[str, Function] = {}
    for node in tree.body:
        if isinstance(node, Function):
            found[node.name] = node
        elif (
            isinstance(node, ast.ClassDef)
            and node.name.startswith("Test")
            and not _skipped(node.decorator_list)
        ):
            found |= {f.name: f for f in node.body if isinstance(f, Function)}
    return found


def _run_by_tests(tree: ast.Module) -> list[Function]:
    """The test functions pytest runs (not marked skip or xfail) and every function of the
    module they call, directly or through one another."""
    if _module_skipped(tree):
        return []
    functions = _functions(tree)
    pending = [
        f
        for name, f in functions.items()
        if name.startswith("test_") and not _skipped(f.decorator_list)
    ]
    reached: dict[str, Function] = {}
    while pending:
        function = pending.pop()
        if function.name in reached:
            continue
        reached[function.name] = function
        for node in ast.walk(function):
            if isinstance(node, ast.Name) and node.id in functions and node.id not in reached:
                pending.append(functions[node.id])
    return list(reached.values())


def _slash_commands(function: Function) -> Iterator[str]:
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == SLASH_METHOD
            and len(node.args) > COMMAND_ARGUMENT
        ):
            command = node.args[COMMAND_ARGUMENT]
            if isinstance(command, ast.Constant) and isinstance(command.value, str):
                yield command.value


def _invoked_commands(tests: Path = TESTS) -> set[str]:
    """The commands some test runs through the emulator: named as the command of an
    `emulator.slash(...)` call in a test function that runs (not skipped, not xfail), or in a
    function of its module it calls. A command named only in a list, a comment, an assertion,
    a helper no test calls or a skipped test does not count as tested."""
    this = Path(__file__).resolve()
    invoked: set[str] = set()
    for path in sorted(tests.rglob("test_*.py")):
        if path.resolve() == this or path.is_relative_to(NOT_THIS_BOT):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in _run_by_tests(tree):
            invoked.update(_slash_commands(function))
    return invoked


def _characters(payload: dict[str, Any]) -> int:
    total = len(payload.get("name", "")) + len(payload.get("description", ""))
    for option in payload.get("options", []):
        total += _characters(option)
        total += sum(len(str(choice["value"])) for choice in option.get("choices", []))
    return total


async def test_names_descriptions_and_children_follow_discords_rules(bot: StudyBot) -> None:
    tops = bot.tree.get_commands()
    assert {top.name for top in tops} == {"roadmap", "roadmap-admin"}
    assert len(tops) <= MAX_CHILDREN
    for command in _walk(bot):
        where = f"/{command.qualified_name}"
        assert NAME.match(command.name), where
        assert 1 <= len(command.description) <= MAX_DESCRIPTION, where
        assert command.description != "…", f"{where} has no description"
        if isinstance(command, app_commands.Group):
            assert 1 <= len(command.commands) <= MAX_CHILDREN, f"{where}: 1 to 25 children"
            continue
        parameters = command.parameters
        assert len(parameters) <= MAX_CHILDREN, where
        required_seen_last = True
        for parameter in parameters:
            at = f"{where} {parameter.display_name}"
            assert NAME.match(parameter.display_name), at
            # One style for options, snake_case (`hide_progress`, `ping_role`; issue 19).
            assert SNAKE_CASE.fullmatch(parameter.display_name), f"{at}: snake_case"
            assert 1 <= len(parameter.description) <= MAX_DESCRIPTION, at
            assert parameter.description != "…", f"{at} has no description"
            assert len(parameter.choices) <= MAX_CHILDREN, at
            assert not (parameter.required and not required_seen_last), f"{at}: required first"
            required_seen_last = parameter.required
    for top in tops:
        payload = top.to_dict(bot.tree)
        assert _characters(payload) <= MAX_COMMAND_CHARACTERS, top.name


async def test_every_command_is_server_only_and_has_a_cooldown(bot: StudyBot) -> None:
    for top in bot.tree.get_commands():
        assert top.guild_only
        assert top.to_dict(bot.tree)["contexts"] == [0]
    admin = bot.tree.get_command("roadmap-admin")
    assert admin is not None and admin.default_permissions is not None
    assert admin.default_permissions.manage_guild
    for command in _walk(bot):
        if isinstance(command, app_commands.Command):
            assert len(command.checks) >= 2, f"/{command.qualified_name}: server + cooldown"


async def test_every_command_is_run_by_some_test(bot: StudyBot) -> None:
    invoked = _invoked_commands()
    assert "roadmap next" in invoked  # the walker reads the tests' calls at all
    untested = [
        f"/{command.qualified_name}"
        for command in _walk(bot)
        if isinstance(command, app_commands.Command) and command.qualified_name not in invoked
    ]
    assert untested == [], f"commands no test runs: {untested}"


def test_only_commands_a_running_test_sends_through_the_emulator_count(tmp_path: Path) -> None:
    (tmp_path / "test_sample.py").write_text(
        """
import pytest

NAMED_ONLY = ["roadmap listed"]  # roadmap commented


async def _helper(emulator, guild, member):
    return await emulator.slash(guild, member, "roadmap helped")


async def _never_called(emulator, guild, member):
    return await emulator.slash(guild, member, "roadmap orphan")


async def test_runs(emulator, sample, remote):
    await emulator.slash(sample.guild, sample.alice, "roadmap direct", topic="roadmap option")
    await remote.slash("Study Hall", "alice", "roadmap remote", {"x": "roadmap value"})
    await _helper(emulator, sample.guild, sample.alice)
    assert "roadmap asserted" in emulator.log
    emulator.autocomplete(sample.guild, sample.alice, "roadmap autocompleted", "topic", "")


@pytest.mark.skip(reason="not now")
async def test_skipped(emulator, sample):
    await emulator.slash(sample.guild, sample.alice, "roadmap skipped")


@pytest.mark.xfail
async def test_expected_to_fail(emulator, sample):
    await emulator.slash(sample.guild, sample.alice, "roadmap xfailed")


class TestGrouped:
    async def test_in_a_class(self, emulator, sample):
        await emulator.slash(sample.guild, sample.alice, "roadmap in-class")
""",
        encoding="utf-8",
    )
    (tmp_path / "test_all_skipped.py").write_text(
        """
import pytest

pytestmark = pytest.mark.skip(reason="whole module")


async def test_runs_not(emulator, sample):
    await emulator.slash(sample.guild, sample.alice, "roadmap module-skipped")
""",
        encoding="utf-8",
    )
    assert _invoked_commands(tmp_path) == {
        "roadmap direct",
        "roadmap remote",
        "roadmap helped",
        "roadmap in-class",
    }


async def test_the_tree_digest_changes_only_with_the_commands(
    bot: StudyBot, tmp_path: Path
) -> None:
    database = await Database.open(tmp_path / "other.sqlite3")
    same = StudyBot(Settings(), database, ContentHolder(_catalog()))
    smaller = StudyBot(Settings(), database, ContentHolder(_catalog()), extensions=EXTENSIONS[:1])
    try:
        await same.install_commands()
        await smaller.install_commands()
        assert command_tree_digest(same.tree) == command_tree_digest(bot.tree)
        assert command_tree_digest(smaller.tree) != command_tree_digest(bot.tree)
    finally:
        await same.close()
        await smaller.close()


def test_button_ids_fit_discords_100_characters_at_the_longest() -> None:
    longest_id = "a" * 32
    button = TopicButton(TopicPress("done", 2**64 - 1, longest_id, longest_id))
    assert len(button.custom_id) <= 100
    assert TopicButton.__discord_ui_compiled_template__.fullmatch(button.custom_id)
