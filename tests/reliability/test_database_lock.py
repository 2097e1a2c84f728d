"""Another process holds the database's write lock for a while (a backup tool, an operator's
sqlite3 shell): reads go on, writes wait and then land, nothing acknowledged is lost."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from pathlib import Path

import pytest

from tests.e2e.conftest import Launch
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld

#: Shorter than Discord's 3 s for a first answer: a mark waits this long and still answers.
HOLD_SECONDS = 1.5


class ExclusiveLock:
    """A second connection holding `BEGIN EXCLUSIVE` (with a write, as a real tool would) in a
    thread until released."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.taken = threading.Event()
        self.release = threading.Event()
        self.released = threading.Event()
        self.thread = threading.Thread(target=self._hold, name="exclusive-lock")

    def _hold(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=10)
        try:
            conn.execute("BEGIN EXCLUSIVE")
            conn.execute("CREATE TABLE IF NOT EXISTS operator_notes (note TEXT)")
            self.taken.set()
            self.release.wait(30)
            conn.execute("COMMIT")
        finally:
            conn.close()
            self.released.set()

    async def __aenter__(self) -> ExclusiveLock:
        self.thread.start()
        await asyncio.to_thread(self.taken.wait, 10)
        assert self.taken.is_set()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.release.set()
        await asyncio.to_thread(self.thread.join, 10)


async def test_writes_wait_for_a_locked_database_and_reads_go_on(
    emulator: Emulator, sample: StandardWorld, launch: Launch, database_path: Path
) -> None:
    await launch()
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")

    async with ExclusiveLock(database_path) as lock:
        asyncio.get_running_loop().call_later(HOLD_SECONDS, lock.release.set)
        marking = asyncio.ensure_future(
            emulator.slash(sample.guild, sample.alice, "roadmap done", topic="http")
        )
        pressing = asyncio.ensure_future(emulator.click(card, "Done", sample.alice))
        # Reads do not wait for the writer: bob is answered while the lock is still held.
        read = await emulator.slash(sample.guild, sample.bob, "roadmap progress")
        assert "0 of 20 topics done" in read.embed["description"]
        assert not lock.released.is_set()
        marked, pressed = await asyncio.gather(marking, pressing)
        assert lock.released.is_set()

    assert "**HTTP and HTTPS** is now done" in marked.text()
    assert "**Syntax and data types** done." in pressed.content
    progress = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert "2 of 20 topics done" in progress.embed["description"]
    after = await emulator.slash(sample.guild, sample.bob, "roadmap done", topic="sql")
    assert "**SQL** is now done" in after.text()
    assert not marked.refused and not pressed.refused


#: Longer than Discord's 3 s for a first answer: without a deferral every write here would fail.
LONG_HOLD_SECONDS = 5.0


async def test_writes_behind_a_long_lock_are_deferred_in_time_then_answered(
    emulator: Emulator, sample: StandardWorld, launch: Launch, database_path: Path
) -> None:
    await launch()
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    members = [sample.guild.add_member(f"learner{n}") for n in range(4)]
    shown = sample.guild.add_member("shows-everyone")

    async with ExclusiveLock(database_path) as lock:
        asyncio.get_running_loop().call_later(LONG_HOLD_SECONDS, lock.release.set)
        writes = [
            emulator.slash(sample.guild, sample.alice, "roadmap done", topic="http", within=15),
            emulator.click(card, "Done", sample.alice, within=15),
            # A new member's first topic records "in progress": a write too.
            *(
                emulator.slash(sample.guild, member, "roadmap next", within=15)
                for member in members
            ),
            emulator.slash(sample.guild, shown, "roadmap next", public=True, within=15),
        ]
        marked, pressed, *firsts, public = await asyncio.gather(*writes)
        assert lock.released.is_set()

    # Each got its first response (a deferral) in time: Discord refused none of them...
    for result in (marked, pressed, *firsts, public):
        assert result.deferred, result
        assert not result.refused, result.refused
    # ...and then the outcome, as the member sees it.
    assert "**HTTP and HTTPS** is now done" in marked.text()
    assert pressed.type == 6  # a deferred update: the card itself is edited
    assert "**Syntax and data types** done." in pressed.content
    for first in firsts:
        assert first.ephemeral and "Stage 1/6" in first.text()
    assert not public.ephemeral and "Stage 1/6" in public.text()  # deferred in public too
    progress = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert not progress.deferred  # nothing waits now: answered at once
    assert "2 of 20 topics done" in progress.embed["description"]


async def test_a_stop_during_a_burst_lets_every_press_answer_first(
    emulator: Emulator,
    sample: StandardWorld,
    launch: Launch,
    database_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot = await launch()
    members = [sample.guild.add_member(f"presser{n}") for n in range(20)]
    with caplog.at_level(logging.INFO):
        async with ExclusiveLock(database_path) as lock:
            asyncio.get_running_loop().call_later(HOLD_SECONDS, lock.release.set)
            marks = [
                asyncio.ensure_future(
                    emulator.slash(sample.guild, member, "roadmap done", topic="http", within=15)
                )
                for member in members
            ]
            # Every mark is waiting for the database when the stop (SIGTERM's path) begins.
            await emulator.wait_for(lambda: len(bot.in_flight.tasks) == len(members))
            closing = asyncio.ensure_future(bot.close())
            answers = await asyncio.gather(*marks)
            await closing
    for result in answers:
        assert "**HTTP and HTTPS** is now done" in result.text(), result
        assert not result.refused
    assert "finishing 20 interactions before stopping" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "Traceback" not in caplog.text


async def test_a_write_the_database_cannot_take_is_answered_not_saved_and_changes_nothing(
    emulator: Emulator, sample: StandardWorld, launch: Launch, database_path: Path
) -> None:
    bot = await launch()
    # The writer waits 10 s for a lock; a short wait here stands for a lock held longer.
    await bot.database.write_sqlite(lambda conn: conn.execute("PRAGMA busy_timeout = 200"))

    async with ExclusiveLock(database_path) as lock:
        asyncio.get_running_loop().call_later(HOLD_SECONDS, lock.release.set)
        refused = await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="http")

    assert refused.ephemeral
    assert refused.content == (
        "Your change was not saved: the database is busy. Nothing changed; please try again "
        "in a minute."
    )
    progress = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert "0 of 20 topics done" in progress.embed["description"]
    again = await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="http")
    assert "**HTTP and HTTPS** is now done" in again.text()


async def test_a_new_member_sees_their_first_topic_even_when_nothing_can_be_written(
    emulator: Emulator, sample: StandardWorld, launch: Launch, database_path: Path
) -> None:
    bot = await launch()
    await bot.database.write_sqlite(lambda conn: conn.execute("PRAGMA busy_timeout = 200"))
    members = [sample.guild.add_member(f"newcomer{n}") for n in range(10)]

    async with ExclusiveLock(database_path) as lock:
        asyncio.get_running_loop().call_later(HOLD_SECONDS, lock.release.set)
        cards = await asyncio.gather(
            *(emulator.slash(sample.guild, member, "roadmap next") for member in members)
        )

    for card in cards:
        assert card.embed["title"] == "Syntax and data types"
        assert not card.refused


#: Another process holds the write lock as long as the writer waits for it (10 s).
TEN_SECONDS = 10.0
NOT_SAVED = "Your change was not saved: the database is busy. Nothing changed"


async def test_twenty_writes_behind_a_ten_second_lock_each_answer_within_3_s_then_say_saved_or_not(
    emulator: Emulator, sample: StandardWorld, launch: Launch, database_path: Path
) -> None:
    await launch()
    pressers = [sample.guild.add_member(f"presser{n}") for n in range(4)]
    cards = [await emulator.slash(sample.guild, m, "roadmap next") for m in pressers]
    markers = [sample.guild.add_member(f"marker{n}") for n in range(4)]
    newcomers = [sample.guild.add_member(f"newcomer{n}") for n in range(4)]
    settlers = [sample.guild.add_member(f"settler{n}") for n in range(4)]
    exporters = [sample.guild.add_member(f"exporter{n}") for n in range(4)]
    within = TEN_SECONDS + 10

    async with ExclusiveLock(database_path) as lock:
        asyncio.get_running_loop().call_later(TEN_SECONDS, lock.release.set)
        presses = [
            emulator.click(card, "Done", member, within=within)
            for card, member in zip(cards, pressers, strict=True)
        ]
        marks = [
            emulator.slash(sample.guild, m, "roadmap done", topic="http", within=within)
            for m in markers
        ]
        firsts = [emulator.slash(sample.guild, m, "roadmap next", within=within) for m in newcomers]
        settings = [
            emulator.slash(
                sample.guild, m, "roadmap settings", timezone="Europe/Berlin", within=within
            )
            for m in settlers
        ]
        exports = [
            emulator.slash(sample.guild, m, "roadmap export", within=within) for m in exporters
        ]
        results = await asyncio.gather(*presses, *marks, *firsts, *settings, *exports)
        assert lock.released.is_set()

    assert len(results) == 20
    for result in results:
        # The first response (an answer or a deferral) within Discord's 3 s, as the emulator
        # recorded it; Discord refused nothing.
        seconds = result.first_response_seconds
        assert seconds is not None and seconds < 3.0, (result, seconds)
        assert not result.refused, result.refused
    pressed, marked, first, settled, exported = (results[n : n + 4] for n in range(0, 20, 4))
    # Then the outcome: saved, or said not to be (past the writer's wait), never silence.
    for result in pressed:
        assert "** done." in result.content or result.text().startswith(NOT_SAVED), result
    for result in marked:
        text = result.text()
        assert "**HTTP and HTTPS** is now done" in text or text.startswith(NOT_SAVED), text
    for result in first:
        assert "Stage 1/6" in result.text()  # shown whether or not "in progress" was saved
    for result in settled:
        text = result.text()
        assert text.startswith("Your settings are saved.") or text.startswith(NOT_SAVED), text
    for result in exported:
        assert result.text().startswith("Here is everything the bot stores about you"), result
    # What was said to be saved is in the database; what was not is not.
    done_members = {
        member.id
        for member, result in zip(pressers + markers, pressed + marked, strict=True)
        if not result.text().startswith(NOT_SAVED)
    }
    with sqlite3.connect(database_path) as conn:
        stored = {
            row[0]
            for row in conn.execute("SELECT DISTINCT user_id FROM progress WHERE status = 'done'")
        }
    conn.close()
    assert stored == done_members
