"""`/roadmap next` and its Done / Skip / Show example buttons, end to end."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.roadmap.catalog import Catalog
from bot.roadmap.loader import load_directory
from bot.roadmap.model import Roadmap
from bot.services.content import ContentHolder
from tests.e2e.conftest import Launch
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld


def _without_topic(catalog: Catalog, topic_id: str) -> Catalog:
    """The shipped content with one topic removed, as a content edit would leave it."""
    roadmap = catalog.default
    stages = tuple(
        replace(stage, topics=tuple(t for t in stage.topics if t.id != topic_id))
        for stage in roadmap.stages
    )
    return Catalog([Roadmap(roadmap.id, roadmap.title, roadmap.summary, stages)])


def _labels(result) -> list[str]:
    return [button["label"] for button in result.message.buttons()]


#: A roadmap that uses the teaching keys: practice, minutes, self-checks, typed resources, two
#: examples on one topic, a checkpoint, and a stage whose member picks one of three frameworks.
TEACHING_ROADMAP = """\
id: teaching
title: Teaching roadmap
summary: A small roadmap that uses every teaching key.
stages:
  - id: basics
    title: Basics
    summary: The language first.
    checkpoint:
      title: A tiny calculator
      task: Build a command-line calculator with tests.
    topics:
      - id: functions
        title: Functions
        summary: Functions package a piece of logic under a name.
        minutes: 45
        practice: Write a function that adds two numbers, then a test for it.
        examples:
          - title: Define and call
            code: |
              def add(a, b):
                  return a + b


              print(add(1, 2))
            output: |
              3
          - title: Run it from the command line
            language: bash
            code: python add.py
            runs: false
            why: needs the file add.py on disk
        check:
          questions:
{questions}
        resources:
          - title: Defining functions
            url: https://docs.python.org/3/tutorial/controlflow.html#defining-functions
            kind: tutorial
          - title: The def statement
            url: https://docs.python.org/3/reference/compound_stmts.html#def
            kind: docs
      - id: testing
        title: Testing
        summary: Tests check that code does what it should.
        minutes: 60
        example:
          title: A first test
          code: |
            def test_add():
                assert 1 + 2 == 3
        resources:
          - title: pytest
            url: https://docs.pytest.org/
  - id: web
    title: Web framework
    summary: Pick one framework and learn it well.
    choices:
      - title: Pick one framework
        topics: [django, flask, fastapi]
    topics:
{frameworks}
  - id: data
    title: Databases
    summary: Storing data.
    topics:
      - id: sql
        title: SQL
        summary: Tables, rows and queries.
        resources:
          - title: SQLite
            url: https://sqlite.org/lang.html
"""

QUESTION = """\
            - question: {text}
              answers:
                - text: It returns a value
                  right: true
                  why: That is right.
                - text: It prints a value
                  why: It is not so.
"""

FRAMEWORK = """\
      - id: {id}
        title: {title}
        summary: {title} is a Python web framework.
        minutes: {minutes}
        resources:
          - title: {title} docs
            url: https://example.com/{id}
            kind: docs
"""


def teaching_catalog(folder: Path) -> Catalog:
    questions = "".join(QUESTION.format(text=f"Question {n}?") for n in (1, 2))
    frameworks = "".join(
        FRAMEWORK.format(id=framework_id, title=title, minutes=minutes)
        for framework_id, title, minutes in (
            ("django", "Django", 240),
            ("flask", "Flask", 180),
            ("fastapi", "FastAPI", 180),
        )
    )
    (folder / "teaching.yaml").write_text(
        TEACHING_ROADMAP.format(questions=questions, frameworks=frameworks), encoding="utf-8"
    )
    loaded = load_directory(folder)
    assert loaded.ok and loaded.catalog is not None, [str(p) for p in loaded.problems]
    return loaded.catalog


async def test_the_card_shows_practice_minutes_self_checks_and_resource_kinds(
    emulator: Emulator, sample: StandardWorld, launch: Launch, tmp_path: Path
) -> None:
    await launch(catalog=teaching_catalog(tmp_path))
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    fields = {field["name"]: field["value"] for field in card.embed["fields"]}
    assert fields["Practice"] == "Write a function that adds two numbers, then a test for it."
    assert fields["More examples"].startswith("• Run it from the command line (1 line)")
    assert fields["Resources"].splitlines()[0].endswith(" · tutorial")
    assert fields["Resources"].splitlines()[1].endswith(" · docs")
    # Three topics to do: two, and one framework of three.
    assert card.embed["footer"]["text"] == (
        "About 45 min · 2 self-check questions\nStage 1/3 · 0 of 4 topics · 0%"
    )
    assert _labels(card) == ["Done", "Skip", "Show example", "Save to DMs"]

    await emulator.click(card, "Done", sample.alice)
    testing = card.message.embeds[0]
    assert testing["title"] == "Testing"
    assert "def test_add():" in testing["description"]  # short: on the card
    names = [field["name"] for field in testing["fields"]]
    assert names == ["Checkpoint project: A tiny calculator", "Resources"]  # the stage's last
    # No Show example (nothing more to show), Check yourself for the topic just done, and
    # Undo for the press.
    labels = [b["label"] for b in card.message.buttons()]
    assert labels == ["Done", "Skip", "Save to DMs", "Check yourself", "Undo"]


async def test_picking_fastapi_of_the_framework_group_completes_the_stage_and_moves_on(
    emulator: Emulator, sample: StandardWorld, launch: Launch, tmp_path: Path
) -> None:
    await launch(catalog=teaching_catalog(tmp_path))
    for topic in ("functions", "testing"):
        await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topic)

    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert card.embed["title"] == "Pick one framework"
    assert "**FastAPI** · about 3 h" in card.embed["description"]
    assert _labels(card) == ["Django", "Flask", "FastAPI"]
    # Asking is not picking: nothing is in progress yet.
    overview = await emulator.slash(sample.guild, sample.alice, "roadmap stage", stage="web")
    assert "🔸" not in overview.embed["description"]

    await emulator.click(card, "FastAPI", sample.alice)
    picked = card.message.embeds[0]
    assert picked["title"] == "FastAPI"
    assert picked["footer"]["text"] == "About 3 h\nStage 2/3 · 2 of 4 topics · 50%"
    assert [b["label"] for b in card.message.buttons()] == ["Done", "Skip", "Save to DMs"]

    done = await emulator.click(card, "Done", sample.alice)
    assert "🎉 Stage **Web framework** finished!" in done.message.content
    following = card.message.embeds[0]
    assert following["title"] == "SQL"
    assert following["footer"]["text"] == "Stage 3/3 · 3 of 4 topics · 75%"

    overview = await emulator.slash(sample.guild, sample.alice, "roadmap stage", stage="web")
    assert overview.embed["footer"]["text"].startswith("1 of 1 done\n")
    assert "\u2003✅ FastAPI" in overview.embed["description"]
    progress = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert "3 of 4 topics done · 75%" in progress.embed["description"]
    again = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert again.embed["title"] == "SQL"  # the frameworks not picked never come back


async def test_next_shows_the_first_topic_privately_with_its_buttons(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    result = await emulator.slash(sample.guild, sample.alice, "roadmap next")

    assert result.ephemeral
    embed = result.embed
    assert embed["title"] == "Syntax and data types"
    assert embed["author"]["name"] == "Stage 1/6 · Learn the basics of Python"
    assert embed["footer"]["text"] == "Stage 1/6 · 0 of 20 topics · 0%"
    assert "```python" in embed["description"]  # the stage's example, highlighted
    assert "Resources" in [field["name"] for field in embed["fields"]]
    # The one example is on the card already: no button offers the same code again.
    assert _labels(result) == ["Done", "Skip", "Save to DMs"]
    for button in result.message.buttons():
        assert len(button["custom_id"]) <= 100
        if button["label"] != "Save to DMs":  # anyone who sees a card may save a copy
            assert str(sample.alice.id) in button["custom_id"]


async def test_public_next_is_visible_to_the_channel(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    result = await emulator.slash(sample.guild, sample.alice, "roadmap next", public=True)
    assert not result.ephemeral
    assert result.embed["title"] == "Syntax and data types"
    assert result.message in emulator.messages(sample.general)


async def test_done_and_skip_record_and_show_the_following_topic_in_place(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")

    pressed = await emulator.click(card, "Done", sample.alice)
    assert pressed.message is card.message  # the same message, edited
    assert card.message.embeds[0]["title"] == "Functions"
    assert card.message.embeds[0]["footer"]["text"] == "Stage 1/6 · 1 of 20 topics · 5%"
    assert card.message.content.startswith("✅ **Syntax and data types** done.")

    await emulator.click(card, "Skip", sample.alice)
    assert card.message.embeds[0]["title"] == "File handling"
    assert "⏭️ **Functions** skipped." in card.message.content

    overview = await emulator.slash(sample.guild, sample.alice, "roadmap stage", stage="basics")
    lines = overview.embed["description"]
    assert "✅ Syntax and data types" in lines
    assert "⏭️ Functions" in lines
    assert "🔸 File handling" in lines  # shown by the card, so in progress
    assert "⬜ Error handling" in lines


async def test_finishing_a_stage_says_so_and_the_last_topic_shows_the_finished_card(
    emulator: Emulator, sample: StandardWorld, launch: Launch, shipped_catalog: Catalog
) -> None:
    await launch()
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    for _ in range(4):
        await emulator.click(card, "Done", sample.alice)
    assert "🎉 Stage **Learn the basics of Python** finished!" in card.message.content
    assert card.message.embeds[0]["title"] == "HTTP and HTTPS"

    for _ in range(len(shipped_catalog.default.topics) - 4):
        await emulator.click(card, "Skip", sample.alice)
    # No topic is left, but skipped topics count only once checked: not "finished".
    assert card.message.embeds[0]["title"] == "No topic left to study"
    assert [b["label"] for b in card.message.buttons()] == ["Undo"]  # of the last Skip only

    again = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert again.embed["title"] == "No topic left to study"
    assert "4 done, 16 skipped" in again.embed["description"]
    assert "16 skipped topics still wait for their check" in again.embed["description"]
    assert "finished" not in again.text()

    # Every one of them done: the roadmap is finished.
    for topic in shipped_catalog.default.topics[4:]:
        await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topic.id)
    done = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert done.embed["title"] == "You finished the roadmap 🎉"
    assert "20 done, 0 skipped" in done.embed["description"]


async def test_show_example_answers_only_the_presser_with_what_the_card_does_not_show(
    emulator: Emulator, sample: StandardWorld, launch: Launch, tmp_path: Path
) -> None:
    await launch(catalog=teaching_catalog(tmp_path))
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next", public=True)
    assert "def add(a, b):" in card.embed["description"]  # the first example, inline
    shown = await emulator.click(card, "Show example", sample.alice)
    assert shown.ephemeral
    assert shown.message is not card.message
    assert shown.embed["title"] == "Example: Run it from the command line"
    assert shown.embed["description"] == "```bash\npython add.py\n```"
    assert "def add" not in shown.text()  # never the same code twice
    assert card.message.edits == []  # the card itself is untouched


async def test_another_member_pressing_is_refused_politely_and_changes_nothing(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    await emulator.slash(sample.guild, sample.bob, "roadmap done", topic="syntax-and-data-types")
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next", public=True)
    refused = await emulator.click(card, "Done", sample.bob)
    # Bob is offered his own card (his next topic, with his own buttons), only to him.
    assert refused.ephemeral
    assert refused.content.startswith("That card belongs to another member; here is your own")
    assert refused.embed["title"] == "Functions"
    assert card.message.embeds[0]["title"] == "Syntax and data types"
    assert refused.message is not None
    his_done = await emulator.click(refused.message, "Done", sample.bob)
    assert his_done.message is not None
    assert his_done.message.embeds[0]["title"] == "File handling"  # his card moved on
    await emulator.slash(sample.guild, sample.bob, "roadmap reset", topic="functions")
    await emulator.slash(sample.guild, sample.bob, "roadmap reset", topic="syntax-and-data-types")

    mine = await emulator.slash(sample.guild, sample.bob, "roadmap next")
    assert mine.embed["footer"]["text"] == "Stage 1/6 · 0 of 20 topics · 0%"
    alices = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert "0 of 20 topics done" in alices.embed["description"]


async def test_buttons_keep_working_after_a_restart_on_the_same_database(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    await emulator.click(card, "Done", sample.alice)
    await bot.close()

    await launch()
    await emulator.click(card, "Done", sample.alice)
    assert card.message.embeds[0]["title"] == "File handling"
    assert card.message.embeds[0]["footer"]["text"] == "Stage 1/6 · 2 of 20 topics · 10%"
    refused = await emulator.click(card, "Skip", sample.bob)
    assert refused.content.startswith("That card belongs to another member")
    assert refused.embed["title"] == "Syntax and data types"  # Bob's own first topic


async def test_a_button_for_a_topic_that_left_the_content_answers_clearly(
    emulator: Emulator, sample: StandardWorld, launch: Launch, shipped_catalog: Catalog
) -> None:
    bot = await launch()
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    await emulator.click(card, "Done", sample.alice)  # now on "Functions"
    await bot.close()

    await launch(content=ContentHolder(_without_topic(shipped_catalog, "functions")))
    gone = await emulator.click(card, "Done", sample.alice)
    assert gone.ephemeral
    assert "no longer in the roadmap" in gone.content
    fresh = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert fresh.embed["title"] == "File handling"
    assert fresh.embed["footer"]["text"] == "Stage 1/6 · 1 of 19 topics · 5%"


async def test_next_after_restart_continues_where_the_member_was(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    for topic in ("syntax-and-data-types", "functions", "file-handling"):
        await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topic)
    await bot.close()

    await launch()
    result = await emulator.slash(sample.guild, sample.alice, "roadmap next")
    assert result.embed["title"] == "Error handling"
    assert result.embed["footer"]["text"] == "Stage 1/6 · 3 of 20 topics · 15%"
    progress = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert "3 of 20 topics done · 15%" in progress.embed["description"]
