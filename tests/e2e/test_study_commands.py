"""`/roadmap stage | example | done | skip | reset`, their autocomplete and their bad inputs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.roadmap.catalog import Catalog
from bot.roadmap.model import Example, Roadmap
from tests.e2e.conftest import Launch
from tests.e2e.test_next import teaching_catalog
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld


async def test_stage_overview_marks_each_topic_and_accepts_number_or_title(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="http")
    await emulator.slash(sample.guild, sample.alice, "roadmap skip", topic="json-and-xml")

    by_id = await emulator.slash(
        sample.guild, sample.alice, "roadmap stage", stage="web-fundamentals"
    )
    assert by_id.ephemeral
    assert by_id.embed["title"] == "Stage 2/6 · Understand web development fundamentals"
    description = by_id.embed["description"]
    assert "✅ HTTP and HTTPS" in description
    assert "⬜ RESTful APIs" in description
    assert "⏭️ JSON and XML" in description
    assert by_id.embed["footer"]["text"].startswith("1 of 3 done, 1 skipped")

    by_number = await emulator.slash(sample.guild, sample.alice, "roadmap stage", stage="2")
    by_title = await emulator.slash(
        sample.guild, sample.alice, "roadmap stage", stage="understand web development FUNDAMENTALS"
    )
    assert by_number.embed == by_id.embed == by_title.embed


async def test_unknown_stage_or_topic_gets_suggestions_not_a_traceback(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    stage = await emulator.slash(sample.guild, sample.alice, "roadmap stage", stage="databse")
    assert stage.ephemeral
    assert stage.content == "Unknown stage `databse`. Did you mean `databases`?"

    topic = await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="flsk")
    assert topic.ephemeral
    assert topic.content.startswith("Unknown topic `flsk`. Did you mean `flask`")

    nothing = await emulator.slash(sample.guild, sample.alice, "roadmap skip", topic="zzzzzz")
    assert nothing.content == "Unknown topic `zzzzzz`."
    progress = await emulator.slash(sample.guild, sample.alice, "roadmap progress")
    assert "0 of 20 topics done" in progress.embed["description"]


async def test_done_skip_and_reset_set_the_status_and_say_so(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    done = await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="functions")
    assert done.ephemeral
    text = done.embed["description"]
    assert "**Functions** is now done ✅." in text
    assert "Stage 1/6 · 1 of 20 topics · 5%" in text
    assert "🔥 Streak: 1 day · longest 1" in text
    assert "Next up: **Syntax and data types**" in text

    again = await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="Functions")
    assert "**Functions** was already done ✅." in again.embed["description"]

    skipped = await emulator.slash(sample.guild, sample.alice, "roadmap skip", topic="functions")
    assert "**Functions** is now skipped ⏭️." in skipped.embed["description"]
    assert "0 of 20 topics" in skipped.embed["description"]

    reset = await emulator.slash(sample.guild, sample.alice, "roadmap reset", topic="functions")
    assert "**Functions** is reset to not started." in reset.embed["description"]
    overview = await emulator.slash(sample.guild, sample.alice, "roadmap stage", stage="basics")
    assert "⬜ Functions" in overview.embed["description"]
    nothing = await emulator.slash(sample.guild, sample.alice, "roadmap reset", topic="functions")
    assert "was not started; nothing to reset" in nothing.embed["description"]


async def test_marking_the_last_topic_of_a_stage_announces_it(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    bot = await launch()
    finished = []

    async def on_stage_completed(event) -> None:
        finished.append((event.guild_id, event.user_id, event.roadmap_id, event.stage.id))

    bot.add_listener(on_stage_completed)
    for topic in ("django", "flask"):
        await emulator.slash(sample.guild, sample.alice, "roadmap done", topic=topic)
    # A skipped topic counts toward the stage only once its check is passed (completion.py).
    skipped = await emulator.slash(sample.guild, sample.alice, "roadmap skip", topic="fastapi")
    assert "You finished the stage" not in skipped.embed["description"]
    assert finished == []
    last = await emulator.slash(sample.guild, sample.alice, "roadmap done", topic="fastapi")
    assert "You finished the stage **Learn a Python web framework**" in last.embed["description"]
    await emulator.wait_for(lambda: finished, what="the stage_completed event")
    assert finished == [(sample.guild.id, sample.alice.id, "python-backend", "web-framework")]


async def test_example_of_a_stage_and_of_a_topic(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    stage = await emulator.slash(sample.guild, sample.alice, "roadmap example", stage="databases")
    assert stage.ephemeral
    assert stage.embed["author"]["name"] == "Stage 4/6 · Master database management"
    assert stage.embed["description"].startswith("```python\n")
    assert "select(" in stage.embed["description"]

    # A topic without its own example shows its stage's.
    topic = await emulator.slash(
        sample.guild, sample.alice, "roadmap example", stage="databases", topic="orms"
    )
    assert topic.embed["description"] == stage.embed["description"]

    none = await emulator.slash(sample.guild, sample.alice, "roadmap example", stage="next-steps")
    assert none.ephemeral
    assert none.content == "**Conclusion and next steps** has no example code."


async def test_example_of_a_topic_with_two_examples_shows_both(
    emulator: Emulator, sample: StandardWorld, launch: Launch, tmp_path: Path
) -> None:
    await launch(catalog=teaching_catalog(tmp_path))
    result = await emulator.slash(
        sample.guild, sample.alice, "roadmap example", stage="basics", topic="functions"
    )
    assert [embed["title"] for embed in result.message.embeds] == [
        "Example: Define and call",
        "Example: Run it from the command line",
    ]
    assert result.message.embeds[0]["author"]["name"] == "Stage 1/3 · Basics · Functions"
    assert result.message.embeds[1]["description"] == "```bash\npython add.py\n```"


async def test_an_example_too_long_for_a_message_comes_as_a_python_file(
    emulator: Emulator, sample: StandardWorld, launch: Launch, shipped_catalog: Catalog
) -> None:
    roadmap = shipped_catalog.default
    code = "\n".join(f"print('line {n}')  # ``` backticks are fine" for n in range(400))
    big = replace(roadmap.stages[0], example=Example("A long one", code))
    catalog = Catalog(
        [Roadmap(roadmap.id, roadmap.title, roadmap.summary, (big, *roadmap.stages[1:]))]
    )
    await launch(catalog=catalog)
    result = await emulator.slash(sample.guild, sample.alice, "roadmap example", stage="basics")
    assert [a["filename"] for a in result.message.attachments] == ["basics.py"]
    assert result.message.files["basics.py"].decode() == code + "\n"
    assert "attached as `basics.py`" in result.embed["description"]


async def test_autocomplete_filters_stages_and_topics_as_the_member_types(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    everything = await emulator.autocomplete(sample.guild, sample.alice, "roadmap stage", "stage")
    assert [choice["value"] for choice in everything][:2] == ["basics", "web-fundamentals"]
    assert everything[0]["name"] == "1. Learn the basics of Python"

    typed = await emulator.autocomplete(
        sample.guild, sample.alice, "roadmap stage", "stage", "data"
    )
    assert typed[0]["value"] == "databases"

    topics = await emulator.autocomplete(sample.guild, sample.alice, "roadmap done", "topic", "fla")
    assert topics[0] == {"name": "Flask", "value": "flask"}
    all_topics = await emulator.autocomplete(sample.guild, sample.alice, "roadmap skip", "topic")
    assert len(all_topics) == 20

    in_stage = await emulator.autocomplete(
        sample.guild, sample.alice, "roadmap example", "topic", options={"stage": "databases"}
    )
    assert [choice["value"] for choice in in_stage] == ["sql", "nosql", "orms"]


async def test_example_with_a_topic_of_another_stage_says_where_it_is(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    # `functions` (stage 1) has examples of its own: they were shown under stage 4's label.
    wrong = await emulator.slash(
        sample.guild, sample.alice, "roadmap example", stage="databases", topic="functions"
    )
    assert wrong.ephemeral
    assert not wrong.embeds
    assert wrong.content == (
        "`functions` is in stage 1, **Learn the basics of Python**: "
        "`/roadmap example stage:1 topic:functions`"
    )
    # The command it gives shows that example, under stage 1's label.
    right = await emulator.slash(
        sample.guild, sample.alice, "roadmap example", stage="1", topic="functions"
    )
    assert right.embed["author"]["name"].startswith("Stage 1/6 · ")
    unknown = await emulator.slash(
        sample.guild, sample.alice, "roadmap example", stage="databases", topic="zzzzzz"
    )
    assert unknown.content.startswith("Unknown topic `zzzzzz`.")


async def test_stage_autocomplete_finds_a_stage_by_its_number(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    for command in ("roadmap stage", "roadmap example"):
        by_number = await emulator.autocomplete(sample.guild, sample.alice, command, "stage", "3")
        assert by_number[0] == {"name": "3. Learn a Python web framework", "value": "web-framework"}
    # The number is what the option's description promises; submitting it opens that stage.
    opened = await emulator.slash(sample.guild, sample.alice, "roadmap stage", stage="3")
    assert opened.embed["title"] == "Stage 3/6 · Learn a Python web framework"
    none = await emulator.autocomplete(sample.guild, sample.alice, "roadmap stage", "stage", "9")
    assert "web-framework" not in [choice["value"] for choice in none]
