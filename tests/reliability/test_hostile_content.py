"""Hostile content files (alias bombs, huge files, binary garbage, `!!python` tags, deep
nesting, a FIFO) are refused in bounded time and memory by `python -m bot check` and by the
running bot's reload, which keeps serving the content it had."""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from bot.roadmap.loader import load_directory
from bot.services import content_watch
from bot.services.content import ContentHolder
from tests.content_files import write_roadmap
from tests.e2e.conftest import Launch
from tests.emulator.remote import PROJECT_ROOT
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld
from tests.reliability.audit import message_bodies
from tests.unit.roadmap.test_hostile_input import billion_laughs

#: Bounds for the checking process: an alias bomb expanded would need gigabytes and minutes.
CHECK_MEMORY = 512 * 1024 * 1024
CHECK_CPU_SECONDS = 60
HOSTILE = ("bomb.yaml", "huge.yaml", "image.yaml", "evil.yaml", "deep.yaml", "pipe.yaml")


def write_hostile_files(folder: Path, marker: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bomb.yaml").write_text(billion_laughs())
    (folder / "huge.yaml").write_bytes(b"id: huge\nsummary: " + b"x" * (2 * 1024 * 1024) + b"\n")
    (folder / "image.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(4096))
    (folder / "evil.yaml").write_text(
        f'id: evil\ntitle: !!python/object/apply:os.system ["touch {marker}"]\n'
    )
    (folder / "deep.yaml").write_text("[" * 200_000 + "]" * 200_000)
    os.mkfifo(folder / "pipe.yaml")  # opening it to read would block forever


async def run_check(folder: Path, cwd: Path, **options: Any) -> tuple[int | None, bytes, bytes]:
    """`python -m bot check <folder>` as an operator runs it, from `cwd` with the project on
    the path: its exit code, stdout and stderr (`options`: more for create_subprocess_exec)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "check",
        str(folder),
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        **options,
    )
    out, err = await process.communicate()
    return process.returncode, out, err


def _limits() -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_DATA, (CHECK_MEMORY, CHECK_MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (CHECK_CPU_SECONDS, CHECK_CPU_SECONDS))


async def test_check_refuses_every_hostile_file_within_its_memory_and_cpu_limits(
    tmp_path: Path,
) -> None:
    folder, marker = tmp_path / "content", tmp_path / "owned"
    write_roadmap(folder, "fine", {"basics": ["syntax"]})
    write_hostile_files(folder, marker)

    returncode, out, err = await run_check(folder, tmp_path, preexec_fn=_limits)

    # Killed by a limit it would be -SIGKILL/-SIGXCPU or a MemoryError traceback on stderr.
    assert returncode == 1, (returncode, err.decode()[-2000:])
    assert err == b""
    lines = out.decode().splitlines()
    for name in HOSTILE:
        assert any(line.startswith(f"{folder / name}") for line in lines), (name, lines)
    assert not any(line.startswith(str(folder / "fine.yaml")) for line in lines)
    assert lines[-1].endswith(" errors")  # the summary line
    assert not marker.exists()


async def test_the_running_bot_refuses_hostile_files_and_keeps_serving(
    emulator: Emulator,
    sample: StandardWorld,
    launch: Launch,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(content_watch, "POLL_SECONDS", 3600.0)  # reload on request only
    folder, marker = tmp_path / "content", tmp_path / "owned"
    write_roadmap(folder, "fine", {"basics": ["syntax", "functions"]})
    loaded = load_directory(folder)
    assert loaded.catalog is not None
    holder = ContentHolder(loaded.catalog)
    owner = sample.guild.add_existing_user(sample.world.owner)
    await launch(content=holder, content_dir=folder, dev_guild_id=sample.guild.id)
    await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="syntax")

    write_hostile_files(folder, marker)
    tracemalloc.start()
    try:
        answer = await emulator.slash(sample.guild, owner, "roadmap-owner reload", within=60)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert answer.embed["title"] == "Content not reloaded"
    report = answer.text() + "".join(f.decode() for f in answer.message.files.values())
    for name in HOSTILE:
        assert name in report, (name, report[:3000])
    assert peak < 64 * 1024 * 1024  # the bomb was refused before it was expanded
    assert not marker.exists()
    # Members are still served the content that was valid, with their progress.
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert card.embed["title"] == "Functions"
    assert holder.catalog.get("evil") is None and holder.catalog.get("fine") is not None
    assert all("Traceback" not in repr(body) for _, body in message_bodies(emulator))


#: What must never reach a message or the log: the parts of secret files past a short excerpt.
SECRETS = ("LINKEDHASH", "LINKEDTOKEN", "COPIEDHASH", "COPIEDTOKEN", "daemon", "PRIVATE KEY-----\n")


def write_secret_files(folder: Path, outside: Path) -> dict[str, str]:
    """Symbolic links out of the folder (to a shadow file, to the bot's .env), a link that
    leads nowhere, and copies of such files put in the folder itself; returns, by file name,
    the start of the problem each must get."""
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "shadow").write_text("root:$6$LINKEDHASH:19000:0:99999:7:::\ndaemon:*:1:0:::\n")
    (outside / ".env").write_text("DISCORD_TOKEN=MTIz.LINKEDTOKEN.xyz\nOTHER=1\n")
    (folder / "shadow.yaml").symlink_to(outside / "shadow")
    (folder / "env.yaml").symlink_to(Path("..") / outside.name / ".env")  # relative, too
    (folder / "dangling.yaml").symlink_to(outside / "nothing-here")
    (folder / "copied-shadow.yaml").write_text(
        "root:$6$saltsalt$COPIEDHASH:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"
    )
    (folder / "copied-env.yaml").write_text("DISCORD_TOKEN=MT.COPIEDTOKEN\n")
    (folder / "key.yaml").write_text(
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE\n"
        "-----END OPENSSH PRIVATE KEY-----\n"
    )
    inside = (
        "a symbolic link to a file outside the content folder; "
        "put the roadmap file itself in the folder"
    )
    foreign = "not a roadmap file: its top level has none of the keys id, title, summary, stages"
    return {
        "shadow.yaml": f": refused: {inside}",
        "env.yaml": f": refused: {inside}",
        "dangling.yaml": ": refused: a symbolic link that leads nowhere",
        "copied-shadow.yaml": f":1:1: {foreign} (it starts with `root:$6$saltsalt…`)",
        "copied-env.yaml": f":1:1: {foreign} (it starts with `DISCORD_TOKEN=MT…`)",
        "key.yaml": f":1:1: {foreign} (it starts with `-----BEGIN OPENS…`)",
    }


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, (secret, text[:3000])


async def test_check_refuses_links_out_of_the_folder_and_quotes_only_a_short_excerpt(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "content"
    write_roadmap(folder, "fine", {"basics": ["syntax"]})
    (folder / "alias.yaml").symlink_to("fine.yaml")  # a link inside the folder is fine
    expected = write_secret_files(folder, tmp_path / "etc")

    returncode, out, err = await run_check(folder, tmp_path)
    output = out.decode() + err.decode()
    assert returncode == 1, output
    lines = output.splitlines()
    for name, problem in expected.items():
        assert [line for line in lines if line.startswith(f"{folder / name}:")] == [
            f"{folder / name}{problem}"
        ], (name, lines)
    assert_no_secret(output)


async def test_the_running_bot_refuses_links_out_of_the_folder_in_the_reply_and_the_log(
    emulator: Emulator,
    sample: StandardWorld,
    launch: Launch,
    tmp_path: Path,
    *,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(content_watch, "POLL_SECONDS", 3600.0)  # reload on request only
    folder = tmp_path / "content"
    write_roadmap(folder, "fine", {"basics": ["syntax", "functions"]})
    loaded = load_directory(folder)
    assert loaded.catalog is not None
    owner = sample.guild.add_existing_user(sample.world.owner)
    await launch(
        content=ContentHolder(loaded.catalog), content_dir=folder, dev_guild_id=sample.guild.id
    )
    expected = write_secret_files(folder, tmp_path / "etc")

    with caplog.at_level(logging.DEBUG):
        answer = await emulator.slash(sample.guild, owner, "roadmap-owner reload", within=60)

    assert answer.embed["title"] == "Content not reloaded"
    report = answer.text() + "".join(f.decode() for f in answer.message.files.values())
    for name in expected:
        assert name in report, (name, report[:3000])
    assert_no_secret(report)
    assert_no_secret(caplog.text)
    assert all("LINKED" not in repr(body) for _, body in message_bodies(emulator))
