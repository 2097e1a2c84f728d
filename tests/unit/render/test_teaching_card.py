"""What the cards show of the teaching keys: practice, time, self-check count, checkpoint,
resource kinds, examples inline or behind Show example, and the choice group's pick."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.records import ProgressRow
from bot.render import limits
from bot.render.example import example_reply, more_examples_reply
from bot.render.parts import duration
from bot.render.stage import LEGEND, stage_overview
from bot.render.topic import (
    DONE_BUTTON,
    EXAMPLE_BUTTON,
    SKIP_BUTTON,
    choice_card_buttons,
    ends_stage,
    standing_card,
    topic_card,
    topic_card_buttons,
)
from bot.roadmap.loader import load_directory
from bot.roadmap.model import (
    Answer,
    Checkpoint,
    ChoiceGroup,
    Question,
    Resource,
    Roadmap,
    SelfCheck,
    Stage,
    Topic,
)
from bot.services.standing import roadmap_study_minutes, standing, study_minutes
from tests.unit.render.builders import (
    discord_verdict,
    example,
    make_roadmap,
    make_stage,
    make_topic,
)

CONTENT = Path(__file__).resolve().parents[3] / "content"
STAMP = "2026-03-04T12:00:00.000000Z"
CODE_BLOCK = re.compile(r"```[a-z]*\n(.*?)\n```", re.DOTALL)


def card(topic: Topic, stage: Stage, **numbers: int):
    values = {"stage_number": 1, "stage_count": 1, "done": 0, "total": 3} | numbers
    return topic_card(topic, stage, **values)


def questions(count: int) -> SelfCheck:
    answers = (Answer("Yes", True, "Right."), Answer("No", False, "Not so."))
    return SelfCheck(tuple(Question(f"Question {i}?", answers) for i in range(count)))


def test_the_card_shows_practice_time_self_checks_and_resource_kinds():
    topic = make_topic(
        practice="Write a function that greets someone, then test it.",
        minutes=90,
        check=questions(3),
        resources=(
            Resource("The tutorial", "https://docs.python.org/3/tutorial/", kind="tutorial"),
            Resource("A talk", "https://example.com/talk", kind="video"),
            Resource("No kind", "https://example.com/plain"),
        ),
    )
    embed = card(topic, make_stage(topics=(topic, make_topic("later")))).embed
    assert [f.name for f in embed.fields] == ["Practice", "Resources"]
    assert embed.fields[0].value == "Write a function that greets someone, then test it."
    assert embed.fields[1].value.splitlines() == [
        "• [The tutorial](https://docs.python.org/3/tutorial/) · tutorial",
        "• [A talk](https://example.com/talk) · video",
        "• [No kind](https://example.com/plain)",
    ]
    assert embed.footer == (
        "About 1 h 30 min · 3 self-check questions\nStage 1/1 · 0 of 3 topics · 0%"
    )


def test_time_reads_as_people_say_it():
    assert [duration(m) for m in (5, 45, 60, 90, 240, 599, 600, 3285)] == [
        "5 min",
        "45 min",
        "1 h",
        "1 h 30 min",
        "4 h",
        "9 h 59 min",
        "10 h",
        "55 h",
    ]


def framework_stage() -> Stage:
    """Setup, then a pick of one of three frameworks that ends the stage, with a checkpoint."""
    topics = (
        make_topic("setup", title="Setup", minutes=30),
        make_topic("django", title="Django", minutes=240, summary="Batteries. More text."),
        make_topic("flask", title="Flask", minutes=180, summary="Small core! And more."),
        make_topic("fastapi", title="FastAPI", minutes=180, summary="Typed APIs? Yes."),
    )
    return make_stage(
        "web",
        title="A web framework",
        topics=topics,
        choices=(ChoiceGroup("Pick one framework", 1, ("django", "flask", "fastapi")),),
        checkpoint=Checkpoint("A small JSON API", "Build a to-do API and test it."),
    )


def test_the_checkpoint_is_on_the_stage_s_last_step_only():
    stage = framework_stage()
    setup, django, flask, fastapi = stage.topics
    assert [ends_stage(t, stage) for t in stage.topics] == [False, True, True, True]
    for topic in (django, flask, fastapi):  # whichever is picked is the member's last topic
        fields = {f.name: f.value for f in card(topic, stage).embed.fields}
        assert fields["Checkpoint project: A small JSON API"] == "Build a to-do API and test it."
    assert not any(f.name.startswith("Checkpoint") for f in card(setup, stage).embed.fields)
    plain = make_stage(checkpoint=Checkpoint("Project", "Do it."))
    assert [ends_stage(t, plain) for t in plain.topics] == [False, True]


def test_a_short_example_is_shown_once_inline_and_no_button_offers_it_again():
    topic = make_topic(example=example("print('hi')", title="Say hi"))
    stage = make_stage(topics=(topic,))
    assert "```python\nprint('hi')\n```" in card(topic, stage).embed.description
    assert topic_card_buttons(topic, stage) == (DONE_BUTTON, SKIP_BUTTON)
    assert more_examples_reply(topic, stage, stage_number=1, stage_count=1) is None


def test_a_second_example_is_named_on_the_card_and_only_it_is_behind_the_button():
    first = example("print('first')", title="First")
    second = example("echo second", title="Second", language="bash")
    topic = make_topic(examples=(first, second))
    stage = make_stage(topics=(topic,))
    embed = card(topic, stage).embed
    assert "print('first')" in embed.description and "echo second" not in embed.description
    fields = {f.name: f.value for f in embed.fields}
    assert fields["More examples"] == "• Second (1 line)\n**Show example** shows it."
    assert topic_card_buttons(topic, stage)[-1] == EXAMPLE_BUTTON
    reply = more_examples_reply(topic, stage, stage_number=1, stage_count=1)
    assert [e.title for e in reply.embeds] == ["Example: Second"]
    assert "print('first')" not in reply.embed.description
    # `/roadmap example` still shows every example of the topic.
    everything = example_reply(stage, topic, stage_number=1, stage_count=1)
    assert [e.title for e in everything.embeds] == ["Example: First", "Example: Second"]


def test_many_long_examples_in_one_reply_stay_within_discord_s_total():
    examples = tuple(example("x = 1\n" * 500, title=f"Part {i}") for i in range(6))
    topic = make_topic(examples=examples)
    stage = make_stage(topics=(topic,))
    reply = example_reply(stage, topic, stage_number=1, stage_count=1)
    assert limits.overflows(reply) == [] and discord_verdict(reply) is None
    assert len(reply.embeds) == 6 and reply.files  # what does not fit travels as files
    assert len({file.filename for file in reply.files}) == len(reply.files)


@pytest.fixture(scope="module")
def default_roadmap() -> Roadmap:
    result = load_directory(CONTENT)
    assert result.catalog is not None
    return result.catalog.default


def _codes(message) -> list[str]:
    found = []
    for embed in message.embeds:
        found += CODE_BLOCK.findall(embed.description or "")
    found += [file.data.decode().rstrip("\n") for file in message.files]
    # An example reply attaches each example it shows too (the copy for phones): once a message.
    return list(dict.fromkeys(found))


def test_no_card_of_the_default_roadmap_shows_the_same_code_twice(default_roadmap):
    for stage in default_roadmap.stages:
        for topic in stage.topics:
            shown = card(topic, stage, stage_count=6, total=30)
            assert limits.overflows(shown) == [] and discord_verdict(shown) is None, topic.id
            assert shown.files == ()
            more = more_examples_reply(topic, stage, stage_number=1, stage_count=6)
            has_button = EXAMPLE_BUTTON in topic_card_buttons(topic, stage)
            assert has_button == (more is not None), topic.id
            on_card = _codes(shown)
            behind = _codes(more) if more is not None else []
            assert not set(on_card) & set(behind), topic.id
            # Between them they show every example of the topic, each once, and never the
            # stage's example, which the stage overview points to.
            wanted = [e.code.rstrip("\n") for e in topic.examples]
            assert sorted(on_card + behind) == sorted(wanted), topic.id
            assert topic.examples[0].code.rstrip("\n") in on_card, topic.id  # short: inline
            if stage.example is not None:
                assert stage.example.code.rstrip("\n") not in on_card + behind, topic.id


def test_the_choice_card_offers_each_topic_of_the_group():
    stage = framework_stage()
    roadmap = make_roadmap(stage)
    member = standing(roadmap, ())
    # Nothing done: setup is next; past it, the pick is due.
    assert member.next_topic.id == "setup" and member.next_choice is None
    picked = standing(roadmap, [ProgressRow("setup", "done", STAMP, STAMP, STAMP)])
    choice = picked.next_choice
    assert choice is not None and choice.left == 1
    message = standing_card(picked)
    embed = message.embed
    assert embed.title == "Pick one framework"
    assert embed.author == "Stage 1/1 · A web framework"
    assert embed.description.startswith(
        "Pick 1 of these 3 topics to study next: the others stay optional"
    )
    assert "**Django** · about 4 h\nBatteries." in embed.description
    assert "**Flask** · about 3 h\nSmall core!" in embed.description
    assert embed.footer == "Stage 1/1 · 1 of 2 topics · 50%"
    assert choice_card_buttons(choice) == (
        ("pick", "Django", "django"),
        ("pick", "Flask", "flask"),
        ("pick", "FastAPI", "fastapi"),
    )
    assert limits.overflows(message) == [] and discord_verdict(message) is None


def test_the_stage_overview_shows_the_group_times_checkpoint_and_counts_the_pick():
    stage = framework_stage()
    statuses = {"setup": "done", "fastapi": "done"}
    embed = stage_overview(
        stage, stage_number=3, stage_count=6, statuses=statuses, roadmap_minutes=3300
    ).embed
    assert embed.description.split("\n\n")[1].splitlines() == [
        "✅ Setup · 30 min",
        "**Pick one framework** (1 of 3):",
        "\u2003⬜ Django · 4 h",
        "\u2003⬜ Flask · 3 h",
        "\u2003✅ FastAPI · 3 h",
    ]
    assert embed.fields[0].name == "Checkpoint project: A small JSON API"
    # The group counts as one topic (its pick), of about the group's average length.
    assert study_minutes(stage) == 30 + 200
    assert embed.footer == (
        f"2 of 2 done\nAbout 3 h 50 min for this stage · about 55 h for the whole roadmap\n{LEGEND}"
    )


def test_the_default_roadmap_sums_its_time(default_roadmap):
    stages = {stage.id: study_minutes(stage) for stage in default_roadmap.stages}
    web = default_roadmap.stage("web-framework")
    assert stages["web-framework"] < web.minutes  # one framework, not all three
    assert roadmap_study_minutes(default_roadmap) == sum(stages.values())
