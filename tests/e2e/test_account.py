"""`/roadmap settings | roadmaps | follow | export | forget-me | help` and
`/roadmap-admin roadmap`, end to end."""

from __future__ import annotations

import json

import pytest

from bot.roadmap.catalog import Catalog
from bot.roadmap.model import Roadmap, Stage, Topic
from tests.e2e.conftest import Launch
from tests.emulator.commands import CommandNotAvailable
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld


@pytest.fixture
def two_roadmaps(shipped_catalog: Catalog) -> Catalog:
    rust = Roadmap(
        "rust-basics",
        "Rust basics",
        "Ownership, borrowing and cargo.",
        (
            Stage(
                "first-steps",
                "First steps",
                "Get going.",
                (
                    Topic("cargo", "Cargo", "The build tool."),
                    Topic("ownership", "Ownership", "Who frees what."),
                ),
            ),
        ),
    )
    return Catalog([*shipped_catalog.roadmaps, rust])


async def test_settings_show_validate_and_save_time_zone_and_privacy(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    shown = await emulator.slash(sample.guild, sample.alice, "roadmap settings")
    assert shown.ephemeral
    assert "Time zone: not set: UTC applies" in shown.content
    assert "Progress: visible" in shown.content

    bad = await emulator.slash(
        sample.guild, sample.alice, "roadmap settings", timezone="Mars/Olympus"
    )
    assert bad.ephemeral
    assert bad.content.startswith("`Mars/Olympus` is not a time zone")

    saved = await emulator.slash(
        sample.guild,
        sample.alice,
        "roadmap settings",
        {"timezone": "Europe/Berlin", "hide_progress": True},
    )
    assert saved.content.startswith("Your settings are saved.")
    assert "Time zone: `Europe/Berlin`" in saved.content
    assert "Progress: hidden" in saved.content

    cleared = await emulator.slash(
        sample.guild, sample.alice, "roadmap settings", timezone="default"
    )
    assert "Time zone: not set" in cleared.content
    assert "Progress: hidden" in cleared.content  # what was not given stays as it was


async def test_time_zone_autocomplete(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    empty = await emulator.autocomplete(sample.guild, sample.alice, "roadmap settings", "timezone")
    assert {"name": "UTC", "value": "UTC"} in empty
    typed = await emulator.autocomplete(
        sample.guild, sample.alice, "roadmap settings", "timezone", "berl"
    )
    assert typed == [{"name": "Europe/Berlin", "value": "Europe/Berlin"}]
    many = await emulator.autocomplete(
        sample.guild, sample.alice, "roadmap settings", "timezone", "america/"
    )
    assert len(many) == 25


async def test_roadmaps_and_follow_switch_what_next_shows_and_keep_progress(
    emulator: Emulator, sample: StandardWorld, launch: Launch, two_roadmaps: Catalog
) -> None:
    await launch(catalog=two_roadmaps)
    await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="http")

    listed = await emulator.slash(sample.guild, sample.alice, "roadmap roadmaps")
    text = listed.embed["description"]
    assert "**Python backend developer** (`python-backend`) · 6 stages, 20 topics" in text
    assert "*you study this one, server default*" in text
    assert "**Rust basics** (`rust-basics`) · 1 stages, 2 topics" in text

    choices = await emulator.autocomplete(
        sample.guild, sample.alice, "roadmap follow", "roadmap", "rus"
    )
    assert choices == [{"name": "Rust basics", "value": "rust-basics"}]

    unknown = await emulator.slash(sample.guild, sample.alice, "roadmap follow", roadmap="rsut")
    assert unknown.content.startswith("Unknown roadmap `rsut`.")

    followed = await emulator.slash(
        sample.guild, sample.alice, "roadmap follow", roadmap="rust-basics"
    )
    assert followed.content.startswith("**Rust basics** is now your roadmap in this server.")
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert card.embed["title"] == "Cargo"
    assert card.embed["footer"]["text"] == "Stage 1/1 · 0 of 2 topics · 0%"
    assert "rust-basics" in card.message.buttons()[0]["custom_id"]
    bob = await emulator.slash(sample.guild, sample.bob, "roadmap next")
    assert bob.embed["title"] == "Syntax and data types"  # bob still follows the default

    back = await emulator.slash(sample.guild, sample.alice, "roadmap follow", roadmap="default")
    assert back.content.startswith(
        "You now follow the server's roadmap, **Python backend developer**"
    )
    assert "is now the server's roadmap" not in back.content  # the member did not change it
    progress = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert "1 of 20 topics done" in progress.embed["description"]


async def test_server_default_roadmap_needs_manage_server(
    emulator: Emulator, sample: StandardWorld, launch: Launch, two_roadmaps: Catalog
) -> None:
    await launch(catalog=two_roadmaps)
    before = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert before.embed["title"] == "Syntax and data types"
    with pytest.raises(CommandNotAvailable):  # Discord hides it from members without the right
        await emulator.slash(
            sample.guild, sample.alice, "roadmap-admin roadmap", roadmap="rust-basics"
        )
    # A server admin may open the command to everyone in the server's integration settings;
    # the bot still checks Manage Server itself.
    emulator.commands.find(None, "roadmap-admin").payload["default_member_permissions"] = None
    refused = await emulator.slash(
        sample.guild, sample.alice, "roadmap-admin roadmap", roadmap="rust-basics"
    )
    assert refused.ephemeral
    assert refused.content == "You need the Manage Server permission for this."

    set_ = await emulator.slash(sample.guild, sample.mod, "roadmap-admin roadmap", roadmap="rust")
    assert set_.content.startswith("Unknown roadmap `rust`. Did you mean `rust-basics`?")
    set_ = await emulator.slash(
        sample.guild, sample.mod, "roadmap-admin roadmap", roadmap="rust-basics"
    )
    assert set_.ephemeral
    assert set_.content.startswith("**Rust basics** is now this server's roadmap")

    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert card.embed["title"] == "Cargo"
    listed = await emulator.slash(sample.guild, sample.alice, "roadmap roadmaps")
    assert (
        "(`rust-basics`) · 1 stages, 2 topics · *you study this one, server default*"
        in (listed.embed["description"])
    )


async def test_export_is_a_json_file_of_the_members_own_data_only(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="http")
    await emulator.slash(sample.guild, sample.bob, "roadmap done", topic="sql")
    result = await emulator.slash(sample.guild, sample.alice, "roadmap export")
    assert result.ephemeral
    assert [a["filename"] for a in result.message.attachments] == ["study-companion-export.json"]
    document = json.loads(result.message.files["study-companion-export.json"])
    assert document["user_id"] == str(sample.alice.id)
    assert document["guild_id"] == str(sample.guild.id)
    dumped = json.dumps(document)
    assert '"http"' in dumped
    assert '"sql"' not in dumped and str(sample.bob.id) not in dumped


async def test_forget_me_asks_first_and_then_deletes_everything(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="http")
    await emulator.slash(sample.guild, sample.bob, "roadmap done", topic="http")

    question = await emulator.slash(sample.guild, sample.alice, "roadmap forget-me")
    assert question.ephemeral
    assert "cannot be undone" in question.content
    kept = await emulator.click(question, "Keep it", sample.alice)
    assert kept.message.content == "Nothing was deleted; your progress is still here."
    still = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert "1 of 20 topics done" in still.embed["description"]

    question = await emulator.slash(sample.guild, sample.alice, "roadmap forget-me")
    other = await emulator.click(question, "Delete my data", sample.bob)
    assert "run `/roadmap forget-me` yourself" in other.content
    deleted = await emulator.click(question, "Delete my data", sample.alice)
    assert deleted.message.content.startswith("Done: everything the bot stored about you")
    assert deleted.message.buttons() == []

    gone = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert "0 of 20 topics done" in gone.embed["description"]
    bobs = await emulator.slash(sample.guild, sample.bob, "roadmap progress")
    assert "1 of 20 topics done" in bobs.embed["description"]


async def test_help_lists_every_member_command_in_one_message(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    result = await emulator.slash(sample.guild, sample.alice, "roadmap help")
    assert result.ephemeral
    text = result.embed["description"]
    for command in bot.command_groups.member.walk_commands():
        if not command.name.startswith("remind"):  # a group: its subcommands are listed
            assert f"/{command.qualified_name}" in text
    assert "`/roadmap example <stage> [topic] [public]`" in text
    assert "`/roadmap settings [timezone] [hide_progress] [reviews]`" in text
    assert "`/roadmap check [topic]`" in text and "`/roadmap review`" in text
