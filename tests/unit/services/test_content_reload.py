"""Reloading content from files: swapped only when valid, reported, serialized, and watched."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.render.audit import accept_for_discord
from bot.roadmap.catalog import Catalog
from bot.roadmap.loader import load_directory
from bot.services.content import ContentHolder, ContentReloader
from bot.services.content_watch import ContentWatcher, content_snapshot
from bot.services.progress import StudyService
from bot.store.database import Database
from tests.content_files import write_roadmap
from tests.unit.services.conftest import ALICE, BOB, GUILD

STAGES = {"basics": ["syntax", "functions", "files"], "web": ["http", "rest"]}


def load(folder: Path) -> Catalog:
    result = load_directory(folder)
    assert result.catalog is not None, [str(p) for p in result.problems]
    return result.catalog


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    write_roadmap(folder, "backend", STAGES)
    return folder


@pytest.fixture
def holder(folder: Path) -> ContentHolder:
    return ContentHolder(load(folder))


@pytest.fixture
def reloader(holder: ContentHolder, folder: Path, db: Database) -> ContentReloader:
    return ContentReloader(holder, folder, db, accept=accept_for_discord)


async def test_a_valid_edit_is_served_and_reported(
    folder: Path, holder: ContentHolder, reloader: ContentReloader, caplog: pytest.LogCaptureFixture
) -> None:
    write_roadmap(
        folder,
        "backend",
        {
            "basics": ["setup", "syntax", {"id": "functions", "title": "Functions and scope"}],
            "web": ["http", "rest"],
        },
    )
    with caplog.at_level(logging.INFO, logger="bot.services.content"):
        outcome = await reloader.reload("SIGHUP")

    assert outcome.applied
    assert [t.id for t in holder.catalog.get("backend").topics] == [
        "setup",
        "syntax",
        "functions",
        "http",
        "rest",
    ]
    assert outcome.headline == (
        "Content reloaded (SIGHUP): 1 roadmap, 2 stages, 5 topics, 0 examples; "
        "1 topic added, 1 topic removed, 1 topic retitled."
    )
    assert outcome.lines() == [
        'backend: topic added: setup "Setup" (stage basics)',
        'backend: topic removed: files "Files" (progress on it is kept)',
        'backend: topic retitled: functions "Functions" -> "Functions and scope"',
        "No member has progress on ids that no longer exist "
        "(kept; it counts again if the id comes back).",
    ]
    logged = [record.getMessage() for record in caplog.records]
    assert logged[0].startswith("Content reloaded (SIGHUP): 1 roadmap")
    assert logged[1:] == outcome.lines()


async def test_a_broken_file_keeps_the_old_content_and_logs_where(
    folder: Path, holder: ContentHolder, reloader: ContentReloader, caplog: pytest.LogCaptureFixture
) -> None:
    before = holder.catalog
    path = folder / "backend.yaml"
    text = path.read_text()
    path.write_text(text.replace("id: functions", "id: syntax"))  # a duplicate id
    line = text.splitlines().index("      - id: functions") + 1

    with caplog.at_level(logging.INFO, logger="bot.services.content"):
        outcome = await reloader.reload("file change")

    assert not outcome.applied
    assert holder.catalog is before
    assert outcome.headline == (
        "Content not reloaded (file change): 1 error; still serving the previous content."
    )
    expected = f"{path}:{line}:13: stages[0].topics[1].id: duplicate id 'syntax'"
    assert [line.split(" (first")[0] for line in outcome.lines()] == [expected]
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors[0] == outcome.headline
    assert errors[1].startswith(expected)


async def test_a_missing_folder_is_refused_with_a_reason(
    tmp_path: Path, holder: ContentHolder, db: Database
) -> None:
    before = holder.catalog
    reloader = ContentReloader(holder, tmp_path / "nowhere", db, accept=accept_for_discord)
    outcome = await reloader.reload("SIGHUP")
    assert not outcome.applied and holder.catalog is before
    assert outcome.lines() == [
        f"{tmp_path / 'nowhere'}: content folder '{tmp_path / 'nowhere'}' does not exist"
    ]


async def test_progress_on_removed_ids_is_counted_and_counts_again_when_they_return(
    folder: Path, holder: ContentHolder, reloader: ContentReloader, study: StudyService
) -> None:
    for member in (ALICE, BOB):
        await study.mark(GUILD, member, holder.catalog.get("backend"), "files", "done")
    await study.mark(GUILD, ALICE, holder.catalog.get("backend"), "rest", "done")

    write_roadmap(folder, "backend", {"basics": ["syntax", "functions"], "web": ["http"]})
    removed = await reloader.reload("SIGHUP")
    assert removed.orphaned_members == 2
    assert removed.lines()[-1].startswith("2 members have progress on ids that no longer exist")
    standing = await study.standing(GUILD, ALICE, holder.catalog.get("backend"))
    assert (standing.done, standing.total) == (0, 3)

    write_roadmap(folder, "backend", STAGES)
    back = await reloader.reload("SIGHUP")
    assert back.orphaned_members == 0
    standing = await study.standing(GUILD, ALICE, holder.catalog.get("backend"))
    assert (standing.done, standing.total) == (2, 5)


async def test_two_reloads_at_once_run_one_after_the_other(
    folder: Path, reloader: ContentReloader
) -> None:
    write_roadmap(folder, "backend", {**STAGES, "deploy": ["docker"]})
    first, second = await asyncio.gather(reloader.reload("SIGHUP"), reloader.reload("file change"))
    # Had they overlapped, both would have compared the files with the old content.
    assert first.diff is not None and first.diff.summary() == "1 stage added, 1 topic added"
    assert second.diff is not None and second.diff.empty


def test_the_snapshot_sees_roadmap_files_only(folder: Path) -> None:
    (folder / ".backend.yaml.swp").write_text("editor state")
    (folder / "schema.json").write_text("{}")
    (folder / "notes.yml").write_text("id: notes")
    snapshot = content_snapshot(folder)
    assert snapshot is not None and sorted(snapshot) == ["backend.yaml", "notes.yml"]
    assert content_snapshot(folder / "missing") is None


async def test_the_watcher_reloads_after_an_edit_and_stops(
    folder: Path, holder: ContentHolder, reloader: ContentReloader
) -> None:
    reloaded: asyncio.Queue[bool] = asyncio.Queue()

    async def on_change() -> None:
        outcome = await reloader.reload("file change")
        reloaded.put_nowait(outcome.applied)

    watcher = ContentWatcher(folder, on_change, interval=0.01)
    await watcher.start()
    try:
        write_roadmap(folder, "backend", {"basics": ["setup", *STAGES["basics"]]})
        assert await asyncio.wait_for(reloaded.get(), timeout=10)
        assert holder.catalog.get("backend").topics[0].id == "setup"
    finally:
        await watcher.stop()
    assert not watcher.running


async def test_the_watcher_survives_a_failing_reload(folder: Path) -> None:
    calls: asyncio.Queue[int] = asyncio.Queue()
    count = 0

    async def flaky() -> None:
        nonlocal count
        count += 1
        calls.put_nowait(count)
        if count == 1:
            raise RuntimeError("the first reload fails")

    watcher = ContentWatcher(folder, flaky, interval=0.01)
    await watcher.start()
    try:
        (folder / "extra.yaml").write_text("# first edit\n")
        assert await asyncio.wait_for(calls.get(), timeout=10) == 1
        (folder / "extra.yaml").write_text("# second edit, longer\n")
        assert await asyncio.wait_for(calls.get(), timeout=10) == 2  # still watching
    finally:
        await watcher.stop()
