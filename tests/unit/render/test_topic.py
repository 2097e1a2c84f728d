"""The topic card of /roadmap next and the finished card, as a member sees them."""

from bot.render import limits
from bot.render.example import more_examples_reply
from bot.render.topic import (
    DONE_BUTTON,
    EXAMPLE_BUTTON,
    SKIP_BUTTON,
    finished_card,
    standing_line,
    topic_card,
    topic_card_buttons,
)
from bot.roadmap.model import Resource
from bot.services.standing import percent
from tests.unit.render.builders import example, make_stage, make_topic


def card(topic, stage, **numbers):
    values = {"stage_number": 2, "stage_count": 6, "done": 7, "total": 20} | numbers
    return topic_card(topic, stage, **values)


def test_standing_line_matches_the_spec_example():
    assert standing_line(2, 6, 7, 20) == "Stage 2/6 · 7 of 20 topics · 35%"
    assert percent(19, 20) == 95 and percent(20, 20) == 100 and percent(0, 0) == 0
    assert percent(199, 200) == 99  # never rounds up to 100 before everything is done


def test_the_card_shows_stage_title_explanation_resources_and_standing():
    topic = make_topic(details="Read the tutorial chapter first.")
    message = card(topic, make_stage(title="Learn the basics"))
    embed = message.embed
    assert embed.author == "Stage 2/6 · Learn the basics"
    assert embed.title == "Functions"
    assert embed.description == (
        "Functions package a piece of logic under a name.\n\nRead the tutorial chapter first."
    )
    assert [f.name for f in embed.fields] == ["Resources"]
    assert embed.fields[0].value == "• [Defining functions](https://docs.python.org/3/tutorial/)"
    assert embed.footer == "Stage 2/6 · 7 of 20 topics · 35%"
    assert message.content is None and message.files == ()


def test_a_short_example_is_shown_inline_as_python():
    topic = make_topic(example=example("print('hi')", title="Say hi"))
    embed = card(topic, make_stage()).embed
    assert embed.description.endswith("**Example: Say hi**\n```python\nprint('hi')\n```")


def test_without_its_own_example_the_topic_shows_its_stages():
    stage = make_stage(example=example("x = 1", title="Stage code"))
    embed = card(stage.topics[1], stage).embed
    assert "**Example: Stage code**\n```python\nx = 1\n```" in embed.description


def test_a_long_example_waits_behind_show_example_and_travels_as_a_file():
    code = "\n".join(f"value_{i} = {i}" for i in range(2000))
    topic = make_topic(example=example(code, title="Big"))
    stage = make_stage(topics=(topic,))
    message = card(topic, stage)
    assert message.files == ()  # the card never carries code it cannot show
    assert "```" not in message.embed.description
    example_field = message.embed.fields[0]
    assert example_field.name == "Example"
    assert example_field.value == "• Big (2000 lines)\n**Show example** shows it."
    assert topic_card_buttons(topic, stage) == (DONE_BUTTON, SKIP_BUTTON, EXAMPLE_BUTTON)
    reply = more_examples_reply(topic, stage, stage_number=2, stage_count=6)
    assert reply.files[0].filename == "functions.py"
    assert reply.files[0].data == (code + "\n").encode()
    assert limits.fits(message) and limits.fits(reply)


def test_a_long_stage_example_travels_as_a_file_named_after_the_stage():
    stage = make_stage("web", example=example("y = 2\n" * 2000))
    reply = more_examples_reply(stage.topics[0], stage, stage_number=1, stage_count=1)
    assert reply.files[0].filename == "web.py"
    assert card(stage.topics[0], stage).files == ()


def test_thirty_resources_are_cut_on_whole_lines():
    resources = tuple(Resource(f"Resource {i}", f"https://example.com/{i}") for i in range(30))
    field = card(make_topic(resources=resources), make_stage()).embed.fields[0]
    assert limits.measure(field.value) <= limits.FIELD_VALUE_MAX
    lines = field.value.splitlines()
    assert lines[0] == "• [Resource 0](https://example.com/0)"
    assert lines[-1].endswith("…")
    assert all(line.startswith("• [Resource ") for line in lines)


def test_the_finished_card_congratulates_and_counts():
    embed = finished_card("Python backend", stage_count=6, done=18, skipped=2, total=20).embed
    assert embed.title == "You finished the roadmap 🎉"
    assert "**Python backend** is behind you: 18 done, 2 skipped." in embed.description
    assert "/roadmap reset <topic>" in embed.description
    assert embed.footer == "Stage 6/6 · 18 of 20 topics · 90%"


def test_no_topic_left_with_skipped_topics_unchecked_is_not_finished():
    waiting = "No topic is left, but 2 skipped topics still wait for their check: ..."
    card = finished_card("R", stage_count=6, done=18, skipped=2, total=20, waiting=waiting)
    embed = card.embed
    assert embed.title == "No topic left to study" and "well done" not in embed.description
    assert f"{waiting}." in embed.description
    assert "/roadmap reset <topic>" in embed.description


def test_the_finished_card_without_skips_has_no_reset_hint():
    embed = finished_card("R", stage_count=1, done=3, skipped=0, total=3).embed
    assert "reset" not in embed.description
