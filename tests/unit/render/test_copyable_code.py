"""Copied code carries no zero-width characters: code holding three backticks is never shown as
a block (which needs a zero-width space to stay closed) but attached as its file."""

from __future__ import annotations

from bot.render.example import example_reply, more_examples_reply
from bot.render.topic import topic_card, topic_card_buttons
from tests.unit.render.builders import example, make_stage, make_topic

FENCED = 'README = """\n```sh\npip install thing\n```\n"""\nprint(README)'
ZERO_WIDTH = "\u200b"


def test_a_card_leaves_fenced_code_behind_show_example_which_attaches_it_exactly() -> None:
    topic = make_topic(examples=(example(FENCED, title="Docs in code"),))
    stage = make_stage(topics=(topic,))
    card = topic_card(topic, stage, stage_number=1, stage_count=1, done=0, total=1)
    assert card.embed is not None and ZERO_WIDTH not in (card.embed.description or "")
    assert "pip install thing" not in (card.embed.description or "")
    assert any(label == "Show example" for _, label in topic_card_buttons(topic, stage))
    more = more_examples_reply(topic, stage, stage_number=1, stage_count=1)
    assert more is not None
    assert all(ZERO_WIDTH not in (embed.description or "") for embed in more.embeds)
    assert [file.data for file in more.files] == [FENCED.encode() + b"\n"]


def test_plain_code_stays_inline_on_the_card_and_is_attached_by_example() -> None:
    topic = make_topic(examples=(example("print('hi')", title="Hi"),))
    stage = make_stage(topics=(topic,))
    card = topic_card(topic, stage, stage_number=1, stage_count=1, done=0, total=1)
    assert "print('hi')" in (card.embed.description or "")
    reply = example_reply(stage, topic, stage_number=1, stage_count=1)
    assert reply is not None and reply.files[0].data == b"print('hi')\n"
