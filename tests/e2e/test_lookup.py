"""One lookup with suggestions: a typo gets the same answer in Discord and from
`python -m bot preview` (bot.roadmap.catalog is the one engine behind both)."""

from __future__ import annotations

import pytest

from bot.cli.preview import run_preview
from bot.roadmap.catalog import Catalog
from tests.e2e.conftest import CONTENT_DIR, Launch
from tests.e2e.test_account import two_roadmaps  # noqa: F401 (a fixture)
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld

#: Typos that two engines answered differently before there was one ("fast" also drew
#: "flask" from a second, fuzzier matcher), and plain ones.
TOPIC_TYPOS = ("fast", "flsk", "djnago", "handling", "zzzzzz")
STAGE_TYPOS = ("databse", "web", "framework")


def _preview_error(capsys: pytest.CaptureFixture[str], what: str, value: str) -> tuple[int, str]:
    code = run_preview(what, [value], roadmap_id=None, content_dir=CONTENT_DIR)
    return code, capsys.readouterr().err.splitlines()[0]


def _as_terminal(reply: str) -> str:
    """Discord's wording as the command line prints it (quotes for code spans)."""
    return reply.replace("`", "'")


async def test_a_typo_gets_the_same_suggestions_in_discord_and_preview(
    emulator: Emulator,
    sample: StandardWorld,
    launch: Launch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await launch()
    for typo in TOPIC_TYPOS:
        reply = await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=typo)
        code, printed = _preview_error(capsys, "topic", typo)
        assert code == 1
        assert reply.content.startswith(f"Unknown topic `{typo}`."), reply.content
        assert printed == _as_terminal(reply.content), typo
    fast = await emulator.slash(sample.guild, sample.alice, "roadmap skip", topic="fast")
    assert fast.content == "Unknown topic `fast`. Did you mean `fastapi`?"

    for typo in STAGE_TYPOS:
        reply = await emulator.slash(sample.guild, sample.alice, "roadmap stage", stage=typo)
        code, printed = _preview_error(capsys, "stage", typo)
        assert code == 1
        assert reply.content.startswith(f"Unknown stage `{typo}`."), reply.content
        assert printed == _as_terminal(reply.content), typo


async def test_a_roadmap_typo_gets_the_same_suggestions_in_discord_and_preview(
    emulator: Emulator,
    sample: StandardWorld,
    launch: Launch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await launch()
    for typo in ("pyton-backend", "backend", "rust"):
        reply = await emulator.slash(sample.guild, sample.alice, "roadmap follow", roadmap=typo)
        assert reply.content.startswith(f"Unknown roadmap `{typo}`."), reply.content
        code = run_preview("next", [], roadmap_id=typo, content_dir=CONTENT_DIR)
        assert code == 1
        assert capsys.readouterr().err.splitlines()[0] == _as_terminal(reply.content), typo
        if typo == "pyton-backend":
            assert reply.content.endswith("Did you mean `python-backend`?"), reply.content


async def test_a_stage_number_finds_that_stage_in_discord_and_preview(
    emulator: Emulator,
    sample: StandardWorld,
    launch: Launch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await launch()
    reply = await emulator.slash(sample.guild, sample.alice, "roadmap stage", stage="3")
    assert reply.embed["title"].startswith("Stage 3/6 · ")
    code = run_preview("stage", ["3"], roadmap_id=None, content_dir=CONTENT_DIR, raw=True)
    out = capsys.readouterr().out
    assert code == 0
    assert f"title: {reply.embed['title']}" in out.splitlines()


async def test_a_topic_of_another_roadmap_says_which_one_and_how_to_follow_it(
    emulator: Emulator,
    sample: StandardWorld,
    launch: Launch,
    two_roadmaps: Catalog,  # noqa: F811 (the fixture imported above)
) -> None:
    await launch(catalog=two_roadmaps)
    where = "`cargo` is in **Rust basics**: `/roadmap follow roadmap:rust-basics`"
    for command in ("roadmap done", "roadmap skip", "roadmap reset"):
        reply = await emulator.slash(sample.guild, sample.alice, command, topic="cargo")
        assert reply.ephemeral
        assert reply.content == where, command
    for command in ("roadmap check", "roadmap topic"):
        reply = await emulator.slash(sample.guild, sample.alice, command, topic="cargo")
        assert reply.content == where, command
    example = await emulator.slash(
        sample.guild, sample.alice, "roadmap example", stage="basics", topic="cargo"
    )
    assert example.content == where
    # A typo in neither roadmap keeps its suggestions; nothing was marked.
    typo = await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="fast")
    assert typo.content == "Unknown topic `fast`. Did you mean `fastapi`?"
    progress = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert "0/" in progress.text()

    # Once followed, the command the answer gave works.
    await emulator.slash(sample.guild, sample.alice, "roadmap follow", roadmap="rust-basics")
    done = await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="cargo")
    assert "Cargo" in done.text()
    back = await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="flask")
    assert back.content.startswith("`flask` is in **")
    assert "`/roadmap follow roadmap:python-backend`" in back.content
