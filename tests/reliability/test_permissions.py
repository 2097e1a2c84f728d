"""Who may do what: moderator commands need Manage Server even when Discord would let anyone
run them, owner commands answer only the bot's owners, and no server sees another's data."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from tests.e2e.conftest import Launch
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld
from tests.reliability.walker import Leaf, Targets, leaf_commands, run_every_command

ADMIN, OWNER = "roadmap-admin", "roadmap-owner"
#: Values a moderator would type, so that a refusal is about the permission and nothing else.
TYPED = {"time": "09:00", "timezone": "Europe/Berlin"}
NEED_MANAGE_SERVER = "You need the Manage Server permission for this."


def typed(leaf: Leaf, option: dict[str, Any]) -> str:
    return TYPED.get(option["name"], "basics")


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, read beside the running bot (WAL lets readers in)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        names = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        return {
            name: sorted(conn.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            for (name,) in names
        }


async def test_every_moderator_command_is_refused_without_manage_server_even_if_opened(
    emulator: Emulator, sample: StandardWorld, launch: Launch, database_path: Path
) -> None:
    await launch()
    admin = [leaf for leaf in leaf_commands(emulator) if leaf.top == ADMIN]
    assert len(admin) >= 1
    # A server admin opened /roadmap-admin to everyone in the server's integration settings,
    # so Discord now sends it for any member: the bot is the only guard left.
    emulator.commands.find(None, ADMIN).payload["default_member_permissions"] = None
    sample.general.set_permissions(sample.alice, allow=["manage_messages", "manage_channels"])
    before = dump(database_path)

    targets = Targets(sample.bob, sample.general, sample.member_role)
    refused = await run_every_command(
        emulator, sample.alice, targets, typed, select=lambda leaf: leaf.top == ADMIN
    )

    assert sorted(refused) == sorted(leaf.path for leaf in admin)
    for path, result in refused.items():
        assert result.ephemeral and result.content == NEED_MANAGE_SERVER, (path, result)
    assert dump(database_path) == before
    assert emulator.messages(sample.general) == emulator.messages(sample.announcements) == []


async def test_owner_commands_answer_only_the_configured_owners(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch(dev_guild_id=sample.guild.id, owner_ids=frozenset({sample.alice.id}))
    owner_leaves = [leaf for leaf in leaf_commands(emulator, sample.guild.id) if leaf.top == OWNER]
    assert owner_leaves
    assert OWNER not in emulator.commands.names(None)  # never offered to other servers
    server_owner = sample.guild.members[sample.guild.owner_id]  # holds every permission
    targets = Targets(sample.bob, sample.general, sample.member_role)
    for member in (server_owner, sample.mod, sample.bob):
        answers = await run_every_command(
            emulator, member, targets, typed, select=lambda leaf: leaf.top == OWNER
        )
        for path, result in answers.items():
            assert result.ephemeral and "Only the bot's owners" in result.content, (path, member)
    allowed = await run_every_command(
        emulator, sample.alice, targets, typed, select=lambda leaf: leaf.top == OWNER
    )
    assert all("Only the bot's owners" not in r.text() for r in allowed.values())


async def test_no_command_shows_one_servers_data_in_another(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    # A second server the bot is in; alice is a member of both, bob and mod of the first only.
    other = sample.world.add_guild("Other Hall")
    lobby = other.add_text_channel("lobby")
    carol = other.add_member("carol")
    helper_role = other.add_role("Helpers", permissions=["manage_guild"])
    alice_there = other.add_existing_user(sample.alice.user, roles=[helper_role])
    await launch()

    for member in (sample.alice, sample.bob, sample.mod):
        for topic in ("http", "sql", "flask"):
            await emulator.slash(sample.guild, member, "roadmap done", topic=topic)
    await emulator.slash(sample.guild, sample.alice, "roadmap settings", timezone="Asia/Tokyo")

    # Everything alice and carol can run in the other server, with real ids from autocomplete.
    answers: dict[str, str] = {}
    for member in (alice_there, carol):
        targets = Targets(carol if member is alice_there else alice_there, lobby, helper_role)
        results = await run_every_command(
            emulator,
            member,
            targets,
            typed,
            autocomplete_first=True,
            select=lambda leaf, admin=member is alice_there: leaf.top == "roadmap" or admin,
        )
        for path, result in results.items():
            files = result.message.files.values() if result.message else ()
            answers[f"{member.user.name} /{path}"] = result.text() + "".join(
                data.decode(errors="replace") for data in files
            )
    first_server_only = [str(sample.bob.id), str(sample.mod.id), str(sample.guild.id)]
    for label, text in answers.items():
        for secret in [*first_server_only, "Asia/Tokyo", "3 of 20"]:
            assert secret not in text, f"{label} shows {secret!r} from the first server"
    assert any("/roadmap export" in label for label in answers)  # her file was looked at too
    home = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert "3 of 20 topics done" in home.embed["description"]
