"""One rule accepts content: the start-up, a reload, `check` and `preview` refuse the same folder
with the same `file:line:col` problems, Discord's size audit included in every one of them."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest

from bot.cli.check import run_check
from bot.cli.preview import run_preview
from bot.cli.run import load_content
from bot.config import Settings
from bot.render.audit import accept_for_discord
from bot.roadmap.loader import LoadResult, load_directory
from bot.roadmap.problems import Problem
from bot.schedule.pacer import RestPacer
from bot.services.clock import SystemClock
from bot.services.content import ContentHolder, accept_content
from bot.store.database import Database
from bot.wiring import build_wiring
from tests.content_files import write_roadmap

LONG_TITLE = " ".join(["A title far longer than a Discord embed title may be"] * 6)  # > 256


def _write_valid(folder: Path) -> Path:
    return write_roadmap(
        folder,
        "backend",
        {"basics": ["syntax", "functions"], "web": ["http", "rest"]},
    )


def _break(path: Path) -> list[str]:
    """Two problems no single check finds both of: a duplicate id (the validator's) and a
    title that fits YAML but not a Discord embed (the size audit's). Returns them as
    `file:line:col: path: message` lines."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    duplicate_line = lines.index("      - id: rest") + 1
    title_line = lines.index("      - id: functions") + 2
    text = text.replace("id: rest", "id: http").replace(
        'title: "Functions"', f'title: "{LONG_TITLE}"'
    )
    path.write_text(text, encoding="utf-8")
    title = f"{path}:{title_line}:16: stages[0].topics[1].title"
    size = f"is {len(LONG_TITLE)} characters; Discord allows 256"
    return [
        f"{title}: topic card title {size}",
        f"{title}: daily post title {size}",
        f"{path}:{duplicate_line}:13: stages[1].topics[1].id: duplicate id 'http' (first at line "
        f"{lines.index('      - id: http') + 1})",
    ]


def _problem_lines(text: str, folder: Path) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(str(folder))]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "content"


async def test_start_reload_check_and_preview_refuse_the_same_problems(
    folder: Path, db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write_valid(folder)
    served = load_directory(folder).catalog
    assert served is not None
    expected = _break(path)
    capsys.readouterr()

    assert load_content(Settings(content_dir=folder)) is None
    at_start = _problem_lines(capsys.readouterr().err, folder)

    holder = ContentHolder(served)
    wiring = build_wiring(
        discord.Client(intents=discord.Intents.none()),
        settings=Settings(content_dir=folder),
        database=db,
        content=holder,
        clock=SystemClock(),
        pacer=RestPacer(),
    )
    outcome = await wiring.reloader.reload("test")
    assert not outcome.applied and holder.catalog is served
    on_reload = [str(problem) for problem in outcome.errors]

    assert run_check(folder) == 1
    checked = capsys.readouterr().out
    by_check = _problem_lines(checked, folder)
    assert checked.splitlines()[-1] == "1 roadmap, 2 stages, 4 topics, 0 examples: 3 errors"

    assert run_preview("next", [], roadmap_id=None, content_dir=folder) == 1
    by_preview = _problem_lines(capsys.readouterr().err, folder)

    assert on_reload == expected
    assert at_start == on_reload
    assert by_check == on_reload
    assert by_preview == on_reload


def test_a_folder_is_accepted_with_its_warnings_and_refused_on_an_audit_error(
    folder: Path,
) -> None:
    _write_valid(folder)
    (folder / "notes.yml").write_text("id: notes\n", encoding="utf-8")
    accepted = accept_for_discord(folder)
    assert accepted.accepted and accepted.catalog is not None
    assert [str(p) for p in accepted.warnings] == [
        f"{folder / 'notes.yml'}: warning: ignored: content files must end in .yaml"
    ]
    assert accepted.summary_line() == "1 roadmap, 2 stages, 4 topics, 0 examples: OK (1 warning)"

    # The audit is what the caller gives: any error from it refuses content the loader accepts.
    def audit(_result: LoadResult) -> list[Problem]:
        return [Problem(str(folder / "backend.yaml"), 2, 1, "id", "too big")]

    refused = accept_content(folder, audit=audit)
    assert not refused.accepted and refused.catalog is None
    assert [str(p) for p in refused.errors] == [f"{folder / 'backend.yaml'}:2:1: id: too big"]
    assert refused.summary_line() == "1 roadmap, 2 stages, 4 topics, 0 examples: 1 error, 1 warning"
