"""Whatever the content holds, every rendered message fits Discord and pings no one.

Each kind of oversized content goes through every renderer; the result must pass our own check
and the emulator's (which answers as Discord does), and carry no live mention outside the
configured role ping.
"""

import re
from datetime import date

import pytest

from bot.render import limits
from bot.render.daily import daily_post
from bot.render.example import example_reply, more_examples_reply
from bot.render.help import help_message
from bot.render.stage import stage_overview
from bot.render.topic import finished_card, standing_card, topic_card
from bot.roadmap.model import Answer, Checkpoint, ChoiceGroup, Question, Resource, SelfCheck
from bot.services.standing import standing
from tests.unit.render.builders import (
    discord_verdict,
    example,
    make_roadmap,
    make_stage,
    make_topic,
)

LIVE_MENTION = re.compile(r"@everyone|@here|<@[!&]?\d+>", re.IGNORECASE)
MENTIONS = "@everyone @here <@123456789> <@!42> <@&777> "
ANSWERS = (Answer("Yes", True, "Right."), Answer("No", False, "Wrong."))
HUGE_CODE = "".join(f"line_{i} = '{'x' * 40}'  # ```\n" for i in range(4000))  # ~200 KB

CONTENT = {
    "huge title": {"title": "Title " * 200},
    "huge summary": {"summary": "A sentence that goes on. " * 1000},
    "huge details": {"details": "More words here. " * 1000, "summary": "S " * 2000},
    "no spaces at all": {"summary": "x" * 10_000, "title": "y" * 1000},
    "emoji everywhere": {"summary": "🎉" * 5000, "title": "🐍" * 300},
    "30 resources": {
        "resources": tuple(
            Resource(f"Resource {i} " * 20, f"https://example.com/{i}/" + "p" * 100)
            for i in range(30)
        )
    },
    "200 KB code": {"example": example(HUGE_CODE, title="Huge " * 100)},
    "code with backticks": {"example": example('s = """```\n````\n"""\nt = "`"')},
    "mentions in text": {
        "title": MENTIONS,
        "summary": MENTIONS * 3,
        "details": MENTIONS,
        "resources": (Resource(MENTIONS, "https://example.com"),),
        "example": example("x = 1", title=MENTIONS),
    },
    "huge practice, minutes and self-checks": {
        "practice": "Practise this. " * 500,
        "minutes": 600,
        "check": SelfCheck(tuple(Question(MENTIONS * 10, ANSWERS) for _ in range(4))),
    },
    "ten long examples": {
        "examples": tuple(example(HUGE_CODE[:5000], title=f"Part {i} " * 30) for i in range(10))
    },
    "everything at once": {
        "title": MENTIONS * 20,
        "summary": "Summary words. " * 500,
        "details": "Details words. " * 500,
        "resources": tuple(Resource("R " * 200, "https://e.com/" + "q" * 500) for _ in range(30)),
        "example": example(HUGE_CODE, title="E " * 300),
        "practice": MENTIONS * 100,
        "minutes": 45,
    },
}


def messages(kind: str):
    topic = make_topic(**CONTENT[kind])
    other = make_topic("other", title=topic.title, summary=topic.summary, minutes=topic.minutes)
    # The topic ends its stage in a choice group, so its card carries the checkpoint too.
    stage = make_stage(
        title=topic.title,
        summary=topic.summary,
        topics=(topic, other),
        example=topic.example,
        choices=(ChoiceGroup(topic.title, 1, (topic.id, other.id)),),
        checkpoint=Checkpoint(topic.title, topic.practice or topic.summary),
    )
    yield "topic card", topic_card(topic, stage, stage_number=1, stage_count=1, done=0, total=1)
    shown = more_examples_reply(topic, stage, stage_number=1, stage_count=1)
    if shown is not None:
        yield "show example", shown
    member = standing(make_roadmap(stage), ())
    assert member.next_choice is not None
    yield "choice card", standing_card(member)
    yield (
        "stage overview",
        stage_overview(
            stage,
            stage_number=1,
            stage_count=1,
            statuses={topic.id: "in_progress"},
            roadmap_minutes=10**6,
        ),
    )
    yield (
        "daily post",
        daily_post(
            topic,
            stage,
            local_date=date(2026, 1, 1),
            stage_number=1,
            stage_count=1,
            topic_number=1,
            topic_count=1,
            ping_role_id=123,
        ),
    )
    if topic.examples:
        yield "example", example_reply(stage, topic, stage_number=1, stage_count=1)
    yield "finished", finished_card(topic.title, stage_count=1, done=1, skipped=0, total=1)
    yield "help", help_message([(topic.title, topic.summary)] * 40)


def visible_text(message) -> str:
    """Every embed text outside code blocks (where Discord shows no mentions anyway)."""
    parts = []
    for embed in message.embeds:
        description = re.sub(r"```.*?```", "", embed.description or "", flags=re.DOTALL)
        parts += [embed.title or "", embed.author or "", embed.footer or "", description]
        parts += [text for item in embed.fields for text in (item.name, item.value)]
    return "\n".join(parts)


@pytest.mark.parametrize("kind", list(CONTENT))
def test_every_message_fits_and_pings_no_one(kind):
    for name, message in messages(kind):
        assert message is not None, name
        assert limits.overflows(message) == [], (kind, name)
        assert discord_verdict(message) is None, (kind, name)
        assert message.content in (None, "<@&123>"), (kind, name)
        assert not LIVE_MENTION.search(visible_text(message)), (kind, name)
        for embed in message.embeds:
            description = embed.description or ""
            assert description.count("```") % 2 == 0, (kind, name)  # no code block left open


def test_huge_code_travels_whole_in_the_attachment_of_show_example():
    topic = make_topic(example=example(HUGE_CODE))
    stage = make_stage(topics=(topic,))
    card = topic_card(topic, stage, stage_number=1, stage_count=1, done=0, total=1)
    assert card.files == ()  # the card names it; Show example brings it
    message = more_examples_reply(topic, stage, stage_number=1, stage_count=1)
    assert len(HUGE_CODE) > 200_000
    assert message.files[0].data.decode() == HUGE_CODE
