"""The database file itself goes wrong under the running bot: removed (`rm -rf` of its folder),
replaced by another file, read-only at start, read-only or full for a while.

Removed or replaced: the bot notices before it confirms a write, tells the member the change was
not saved, logs it loudly and exits 1 (a supervisor sees it). Read-only at start: exit 2 naming
the path. Read-only or full for a while: writes are refused with the reason meanwhile, and
succeed again once the cause is gone, without a restart.

The process tests run `python -m bot` against the standalone emulator; as root, file modes stop
nothing, so the processes that must meet a read-only file run without the DAC override.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import Launch
from tests.emulator.remote import standalone_emulator
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld
from tests.process import bot_environment, start_bot, wait_connected

REPO = Path(__file__).resolve().parents[2]
GONE = (
    "Your change was not saved: the database file is gone. Nothing changed; please try again "
    "in a minute."
)

FULL = "Your change was not saved: the server's disk is full. Nothing changed"


def without_write_override() -> tuple[str, ...]:
    """A prefix that runs a process without root's power to write any file whatever its mode
    (a plain user's process needs none)."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed to run a root process without DAC override"
    return (setpriv, "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search", "--")


def remove_folder(database: Path) -> None:
    shutil.rmtree(database.parent)


def replace_file(database: Path) -> None:
    """Another SQLite file (an old backup, say) moved into the database's place."""
    other = database.with_name("other.sqlite3")
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    os.replace(other, database)


@pytest.mark.parametrize("damage", [remove_folder, replace_file], ids=["removed", "replaced"])
async def test_a_database_file_gone_while_running_is_refused_logged_and_exits_1(
    tmp_path: Path, damage: object
) -> None:
    log = tmp_path / "bot.log"
    async with standalone_emulator() as remote:
        env = bot_environment(remote, tmp_path)
        database = Path(env["DATABASE_PATH"])
        bot = await start_bot(env, log)
        try:
            await wait_connected(remote)
            saved = await remote.slash("Study Hall", "alice", "roadmap done", {"topic": "http"})
            assert "**HTTP and HTTPS** is now done" in saved["text"]
            assert callable(damage)
            damage(database)
            refused = await remote.slash("Study Hall", "alice", "roadmap done", {"topic": "sql"})
            assert refused["text"] == GONE
            # No supervisor would notice a bot that answers "not saved" forever: it exits 1.
            assert await asyncio.wait_for(bot.wait(), 20) == 1
        finally:
            if bot.returncode is None:
                bot.send_signal(signal.SIGKILL)
                await bot.wait()
    text = log.read_text()
    assert f"[CRITICAL] bot.store.writer: the database file {database} " in text
    assert "stopping: the database file is gone (exit code 1)" in text
    assert "Traceback" not in text


@pytest.mark.parametrize("read_only", ["", "-shm"], ids=["database", "its -shm file"])
def test_a_read_only_database_at_start_exits_2_with_the_path(
    tmp_path: Path, read_only: str
) -> None:
    database = tmp_path / "data" / "bot.sqlite3"
    database.parent.mkdir()
    with sqlite3.connect(database) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    shm = database.with_name("bot.sqlite3-shm")
    shm.write_bytes(b"")  # what a crashed WAL-mode process leaves beside the file
    database.with_name("bot.sqlite3" + read_only).chmod(0o444)
    result = subprocess.run(
        [*without_write_override(), sys.executable, "-m", "bot"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(REPO),
            "DISCORD_TOKEN": "x.y.z",
            "DISCORD_API_BASE": "http://127.0.0.1:9/api/v10",  # never reached
            "CONTENT_DIR": str(REPO / "tests" / "fixtures" / "roadmap"),
            "DATABASE_PATH": str(database),
        },
    )
    output = (result.stderr + result.stdout).strip()
    assert result.returncode == 2, output
    which = f"{shm.name}: " if read_only else ""
    assert output == (
        f"Configuration error: DATABASE_PATH {database} cannot be written: "
        f"{which}Permission denied."
    )


#: Opens the database read-only (its mode), writes, waits for a line on stdin (the test makes
#: the files writable meanwhile), writes again; prints each outcome.
WRITE_TWICE = """
import asyncio, sys
from pathlib import Path
from sqlalchemy import text
from bot.errors import NotSaved
from bot.store.database import Database

def note(conn):
    conn.execute(text("INSERT INTO meta (key, value) VALUES ('note', 'x') "
                      "ON CONFLICT (key) DO UPDATE SET value = value || 'x'"))

async def main():
    db = await Database.open(Path(sys.argv[1]))
    for _ in range(2):
        try:
            await db.write(note)
            print("saved", flush=True)
        except NotSaved as exc:
            print("not saved:", exc.reason, flush=True)
        await asyncio.to_thread(sys.stdin.readline)
    await db.close()

asyncio.run(main())
"""


async def test_a_read_only_database_accepts_writes_again_once_writable_without_a_restart(
    tmp_path: Path,
) -> None:
    from bot.store.database import Database

    folder = tmp_path / "data"
    folder.mkdir()
    database = folder / "bot.sqlite3"
    await (await Database.open(database)).close()  # migrated, then closed
    database.chmod(0o444)
    process = await asyncio.create_subprocess_exec(
        *without_write_override(),
        sys.executable,
        "-c",
        WRITE_TWICE,
        str(database),
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        first = await asyncio.wait_for(process.stdout.readline(), 60)
        assert first.decode().strip() == "not saved: the database is read-only"
        for path in folder.iterdir():  # the operator fixes the modes (-wal and -shm too)
            path.chmod(0o644)
        process.stdin.write(b"\n")
        second = await asyncio.wait_for(process.stdout.readline(), 30)
        assert second.decode().strip() == "saved"
        process.stdin.write(b"\n")
        await process.stdin.drain()
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'note'").fetchone() == ("x",)
    conn.close()


async def test_a_full_disk_is_answered_not_saved_and_writes_recover_when_space_returns(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    pages = await bot.database.fetchone("PRAGMA page_count")
    assert pages is not None
    # The disk is full from now on: the file may not grow by a page.
    await bot.database.write_sqlite(lambda c: c.execute(f"PRAGMA max_page_count = {pages[0]}"))
    members = [sample.guild.add_member(f"filler{n}") for n in range(200)]
    answers = []
    for start in range(0, len(members), 20):  # 20 at a time: many share each commit
        answers += await asyncio.gather(
            *(
                emulator.slash(sample.guild, m, "roadmap done", topic="http")
                for m in members[start : start + 20]
            )
        )
    full = [m for m, a in zip(members, answers, strict=True) if "disk is full" in a.text()]
    assert full  # the tables needed a page more: refused with the reason, not an error code
    for answer in answers:
        text = answer.text()
        assert "is now done" in text or text.startswith(FULL), text
    await bot.database.write_sqlite(lambda c: c.execute("PRAGMA max_page_count = 1073741823"))
    pressed = await emulator.click(card, "Done", sample.alice)
    assert "** done." in pressed.content
    for member in full[:20]:
        again = await emulator.slash(sample.guild, member, "roadmap done", topic="http")
        assert "**HTTP and HTTPS** is now done" in again.text()
    progress = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert "1 of 20 topics done" in progress.embed["description"]
