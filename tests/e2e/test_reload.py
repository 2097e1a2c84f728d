"""Content hot reload, end to end: the real bot follows edited files without losing progress."""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path
from typing import cast

import pytest

from bot.app import StudyBot
from bot.cogs.content_reload import OWNER_GROUP, ContentReload
from bot.render.topic import rendered_cards
from bot.roadmap.catalog import Catalog
from bot.roadmap.loader import load_directory
from bot.services import content_watch
from bot.services.content import ContentHolder, ReloadOutcome
from bot.wiring import CONTENT_RELOADED
from tests.content_files import write_roadmap
from tests.e2e.conftest import Launch
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld

STAGES = {
    "basics": ["syntax", "functions", "files"],
    "web": ["http", {"id": "rest", "title": "REST APIs"}],
}


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A content folder with one roadmap, watched every few milliseconds."""
    monkeypatch.setattr(content_watch, "POLL_SECONDS", 0.02)
    folder = tmp_path / "content"
    write_roadmap(folder, "backend", STAGES, title="Backend")
    return folder


def loaded(folder: Path) -> Catalog:
    result = load_directory(folder)
    assert result.catalog is not None, [str(p) for p in result.problems]
    return result.catalog


async def start(launch: Launch, folder: Path, sample: StandardWorld, **options) -> StudyBot:
    return await launch(
        content=ContentHolder(loaded(folder)),
        content_dir=folder,
        dev_guild_id=sample.guild.id,
        **options,
    )


def reloads(bot: StudyBot) -> ContentReload:
    # load_extension executes the module afresh, so its class is not the one imported here.
    cog = bot.get_cog(ContentReload.__name__)
    assert cog is not None
    return cast(ContentReload, cog)


async def next_reload(bot: StudyBot) -> ReloadOutcome:
    return await bot.wait_for(CONTENT_RELOADED, timeout=10)


async def next_title(emulator: Emulator, sample: StandardWorld) -> str:
    result = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    return result.embed["title"]


async def test_an_edited_file_changes_next_and_autocomplete_while_the_bot_runs(
    emulator: Emulator, sample: StandardWorld, launch: Launch, folder: Path
) -> None:
    bot = await start(launch, folder, sample)
    assert await next_title(emulator, sample) == "Syntax"
    assert rendered_cards() > 0

    write_roadmap(folder, "backend", {"basics": ["setup", *STAGES["basics"]], "web": STAGES["web"]})
    outcome = await next_reload(bot)

    assert outcome.applied and outcome.trigger == "file change"
    await emulator.wait_for(  # the Study cog's listener lets the old content's cards go
        lambda: rendered_cards() == 0, what="the rendered cards to be dropped"
    )
    assert outcome.lines()[0] == 'backend: topic added: setup "Setup" (stage basics)'
    result = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert result.embed["title"] == "Setup"
    assert result.embed["footer"]["text"] == "Stage 1/2 · 0 of 6 topics · 0%"
    choices = await emulator.autocomplete(
        sample.guild, sample.alice, "roadmap done", "topic", "set"
    )
    assert {"name": "Setup", "value": "setup"} in choices


async def test_a_broken_file_keeps_the_old_content_and_logs_file_and_line(
    emulator: Emulator,
    sample: StandardWorld,
    launch: Launch,
    folder: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot = await start(launch, folder, sample)
    path = folder / "backend.yaml"
    text = path.read_text()
    title_line = text.splitlines().index("      - id: functions") + 2
    path.write_text(
        text.replace('title: "Functions"', 'title: "Functions"\n        title: "Again"')
    )

    with caplog.at_level(logging.INFO):
        outcome = await next_reload(bot)

    assert not outcome.applied
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors[0] == (
        "Content not reloaded (file change): 1 error; still serving the previous content."
    )
    expected = (
        f"{path}:{title_line + 1}:9: stages[0].topics[1].title: "
        f"duplicate key 'title' (first at line {title_line})"
    )
    assert errors[1:] == [expected]
    # Members keep getting the content that was valid.
    assert await next_title(emulator, sample) == "Syntax"
    await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="syntax")
    assert await next_title(emulator, sample) == "Functions"

    # The owner asks for a reload and reads the same error.
    owner = sample.guild.add_existing_user(sample.world.owner)
    answer = await emulator.slash(sample.guild, owner, f"{OWNER_GROUP} reload")
    assert answer.ephemeral
    assert answer.embed["title"] == "Content not reloaded"
    # The same error, with the file named as it sits in the content folder: no server path,
    # and the owner by mention rather than a raw id.
    shown = answer.embed["description"]
    assert expected.replace(f"{folder}{os.sep}", "") in shown
    assert str(folder) not in shown and f"member={owner.id}" not in shown
    assert f"reload by <@{owner.id}>" in shown


async def test_a_topic_renamed_with_replaces_keeps_its_progress(
    emulator: Emulator, sample: StandardWorld, launch: Launch, folder: Path
) -> None:
    bot = await start(launch, folder, sample)
    for topic in ("syntax", "functions"):
        await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topic)
    await reloads(bot).watcher.stop()  # so that the signal alone reloads
    renamed = {"id": "defining-functions", "title": "Defining functions", "replaces": ["functions"]}
    write_roadmap(folder, "backend", {"basics": ["syntax", renamed, "files"], "web": STAGES["web"]})

    os.kill(os.getpid(), signal.SIGHUP)
    outcome = await next_reload(bot)

    assert outcome.trigger == "SIGHUP"
    assert outcome.lines() == [
        'backend: topic carried over: functions -> defining-functions "Defining functions" '
        "(progress carried over)",
        "No member has progress on ids that no longer exist "
        "(kept; it counts again if the id comes back).",
    ]
    overview = await emulator.slash(sample.guild, sample.alice, "roadmap stage", stage="basics")
    assert "✅ Defining functions" in overview.embed["description"]
    result = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert result.embed["title"] == "Files"
    assert result.embed["footer"]["text"] == "Stage 1/2 · 2 of 5 topics · 40%"


async def test_a_finished_topic_deleted_and_brought_back(
    emulator: Emulator, sample: StandardWorld, launch: Launch, folder: Path
) -> None:
    bot = await start(launch, folder, sample)
    await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="syntax")
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")  # on "Functions"
    await emulator.click(card, "Done", sample.alice)  # now the card shows "Files"
    bob_card = await emulator.slash(sample.guild, sample.bob, "roadmap next")
    await emulator.click(bob_card, "Done", sample.bob)  # Bob is on "Functions"
    owner = sample.guild.add_existing_user(sample.world.owner)

    write_roadmap(folder, "backend", {"basics": ["syntax", "files"], "web": STAGES["web"]})
    await next_reload(bot)  # the watcher may notice first; the command then reports no change
    answer = await emulator.slash(sample.guild, owner, f"{OWNER_GROUP} reload")
    assert answer.embed["title"] == "Content reloaded"
    # Alice finished it, Bob had it open: both have progress on an id that no longer exists.
    assert "2 members have progress on ids that no longer exist" in answer.embed["description"]

    # Alice: one topic done of four; Bob's next topic moved on sensibly.
    result = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert result.embed["title"] == "Files"
    assert result.embed["footer"]["text"] == "Stage 1/2 · 1 of 4 topics · 25%"
    gone = await emulator.click(bob_card, "Done", sample.bob)
    assert gone.ephemeral and "no longer in the roadmap" in gone.content
    bob_next = await emulator.slash(sample.guild, sample.bob, "roadmap next")
    assert bob_next.embed["title"] == "Files"

    write_roadmap(folder, "backend", STAGES)
    os.kill(os.getpid(), signal.SIGHUP)
    outcome = await next_reload(bot)
    assert 'backend: topic added: functions "Functions" (stage basics)' in outcome.lines()
    assert outcome.orphaned_members == 0
    progress = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert "2 of 5 topics done · 40%" in progress.embed["description"]


async def test_reload_is_for_owners_only_and_only_in_the_dev_server(
    emulator: Emulator, sample: StandardWorld, launch: Launch, folder: Path
) -> None:
    await start(launch, folder, sample, owner_ids=frozenset({sample.mod.id}))
    assert OWNER_GROUP in emulator.commands.names(sample.guild.id)
    assert OWNER_GROUP not in emulator.commands.names(None)

    refused = await emulator.slash(sample.guild, sample.alice, f"{OWNER_GROUP} reload")
    assert refused.ephemeral and "Only the bot's owners can reload the content" in refused.content
    # With OWNER_IDS set, those users are the owners (even the application's owner is not).
    owner = sample.guild.add_existing_user(sample.world.owner)
    refused = await emulator.slash(sample.guild, owner, f"{OWNER_GROUP} reload")
    assert "Only the bot's owners" in refused.content
    allowed = await emulator.slash(sample.guild, sample.mod, f"{OWNER_GROUP} reload")
    assert allowed.embed["title"] == "Content reloaded"
    assert allowed.embed["description"].startswith(
        f"Content reloaded (/{OWNER_GROUP} reload by <@{sample.mod.id}>): 1 roadmap"
    )
