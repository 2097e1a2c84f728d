"""The stage overview, the example reply and the daily post."""

from datetime import date

import pytest

from bot.render import limits
from bot.render.daily import (
    THREAD_NAME_MAX,
    daily_footer,
    daily_post,
    daily_post_date,
    daily_post_for,
    thread_name,
)
from bot.render.example import example_message, example_reply
from bot.render.stage import LEGEND, stage_overview
from tests.unit.render.builders import (
    SAMPLE_CODE,
    example,
    make_roadmap,
    make_stage,
    make_topic,
)


def test_the_stage_overview_marks_each_topic_with_the_members_status():
    stage = make_stage(
        topics=tuple(make_topic(t, title=t.title()) for t in ("one", "two", "three", "four"))
    )
    statuses = {"one": "done", "two": "in_progress", "three": "skipped"}
    embed = stage_overview(stage, stage_number=1, stage_count=6, statuses=statuses).embed
    assert embed.title == "Stage 1/6 · Learn the basics"
    assert embed.description == (
        "The language itself, before any framework.\n\n✅ One\n🔸 Two\n⏭️ Three\n⬜ Four"
    )
    assert embed.footer == f"1 of 4 done, 1 skipped\n{LEGEND}"
    assert embed.fields == ()


def test_a_stage_with_an_example_points_to_the_example_command():
    stage = make_stage("web", example=example())
    embed = stage_overview(stage, stage_number=2, stage_count=6, statuses={}).embed
    assert embed.fields[0].value == "`/roadmap example web` shows this stage's example code."


def test_a_stage_with_hundreds_of_topics_still_fits():
    topics = tuple(make_topic(f"t{i}", title=f"Topic number {i}") for i in range(400))
    message = stage_overview(make_stage(topics=topics), stage_number=1, stage_count=1, statuses={})
    assert limits.fits(message)
    assert message.embed.description.splitlines()[2] == "⬜ Topic number 0"


def test_the_example_message_is_a_highlighted_block_and_the_file_to_copy():
    message = example_message(example(), heading="Stage 1/6 · Basics", stem="basics")
    assert message.embed.title == "Example: Greeting"
    assert message.embed.author == "Stage 1/6 · Basics"
    assert message.embed.description == f"```python\n{SAMPLE_CODE}\n```"
    # A phone cannot copy from an embed: the same code, exactly, as a file.
    assert [(f.filename, f.data) for f in message.files] == [
        ("basics.py", SAMPLE_CODE.encode() + b"\n")
    ]


def test_code_with_three_backticks_is_attached_not_shown_with_a_zero_width_space():
    code = 'doc = """\n```python\nx = 1\n```\n"""'
    message = example_message(example(code), heading="h", stem="fenced")
    assert "\u200b" not in message.embed.description
    assert "attached as `fenced.py`" in message.embed.description
    assert message.files[0].data == code.encode() + b"\n"


def test_a_200_kb_example_is_attached_instead():
    code = "print('x' * 80)  # padding the example to a large size\n" * 4000
    message = example_message(example(code), heading="h", stem="big")
    assert message.files[0].filename == "big.py"
    assert message.files[0].data == code.encode()
    assert message.embed.description == (
        "The code is too long for a message, so it is attached as `big.py` (4000 lines)."
    )


def test_a_sql_example_is_attached_with_its_own_extension():
    message = example_message(example("SELECT 1;\n" * 1000, language="sql"), heading="h", stem="q")
    assert message.files[0].filename == "q.sql"


def test_example_reply_prefers_the_topics_own_example_then_the_stages():
    own = make_topic("orms", title="ORMs", example=example("a = 1", title="Own"))
    plain = make_topic("sql", title="SQL")
    stage = make_stage("databases", topics=(plain, own), example=example("b = 2", title="Stage"))
    mine = example_reply(stage, own, stage_number=4, stage_count=6).embed
    assert (mine.title, mine.author) == ("Example: Own", "Stage 4/6 · Learn the basics · ORMs")
    fallback = example_reply(stage, plain, stage_number=4, stage_count=6).embed
    assert fallback.title == "Example: Stage"
    assert example_reply(stage, stage_number=4, stage_count=6).embed.title == "Example: Stage"
    assert example_reply(make_stage(), stage_number=1, stage_count=1) is None


def test_the_daily_footer_round_trips_the_local_date():
    footer = daily_footer(date(2026, 11, 23), 3, 20)
    assert footer == "Topic of the day · 2026-11-23 · 3 of 20"
    assert daily_post_date(footer) == date(2026, 11, 23)
    assert daily_post_date("Topic of the day · 2026-02-30 · 1 of 2") is None
    assert daily_post_date("Stage 1/6 · 0 of 20 topics") is None
    assert daily_post_date(None) is None


def post(topic, stage, **overrides):
    values = {
        "local_date": date(2026, 11, 23),
        "stage_number": 1,
        "stage_count": 6,
        "topic_number": 2,
        "topic_count": 20,
    } | overrides
    return daily_post(topic, stage, **values)


def test_the_daily_post_shows_topic_resources_hint_and_dated_footer():
    stage = make_stage()
    message = post(stage.topics[1], stage)
    embed = message.embed
    assert message.content is None
    assert embed.title == "Functions"
    assert embed.author == "Stage 1/6 · Learn the basics"
    assert [f.name for f in embed.fields] == ["Resources", "Your turn"]
    assert "`/roadmap next`" in embed.fields[1].value
    assert daily_post_date(embed.footer) == date(2026, 11, 23)


def test_the_configured_role_is_the_only_mention_and_sits_in_the_content():
    stage = make_stage(topics=(make_topic(summary="Hey @everyone, see <@&1>."),))
    message = post(stage.topics[0], stage, ping_role_id=987654321)
    assert message.content == "<@&987654321>"
    assert "@everyone" not in message.embed.description
    assert "<@&1>" not in message.embed.description


def test_a_stage_example_appears_in_the_daily_post_of_the_stages_first_topic_only():
    stage = make_stage(example=example("z = 26", title="Stage code"))
    first, second = stage.topics
    assert "```python\nz = 26\n```" in post(first, stage).embed.description
    assert "```" not in post(second, stage).embed.description
    own = make_topic("own", example=example("o = 1"))
    assert "```python\no = 1\n```" in post(own, make_stage(topics=(first, own))).embed.description


def test_daily_post_for_looks_up_the_stage_and_numbers_in_the_roadmap():
    web = make_stage("web", title="Web", topics=(make_topic("http", title="HTTP"),))
    roadmap = make_roadmap(make_stage(), web)
    embed = daily_post_for(roadmap, web.topics[0], local_date=date(2026, 3, 1)).embed
    assert embed.author == "Stage 2/2 · Web"
    assert embed.footer == "Topic of the day · 2026-03-01 · 3 of 3"
    with pytest.raises(ValueError, match="not in roadmap"):
        daily_post_for(roadmap, make_topic("elsewhere"), local_date=date(2026, 3, 1))


def test_the_discussion_threads_name_is_the_topic_title_on_one_line_within_100_characters():
    assert thread_name("Functions") == "Functions"
    assert thread_name("  Lists\nand   tuples ") == "Lists and tuples"
    long = thread_name("word " * 40)
    assert len(long) == THREAD_NAME_MAX and long.endswith("…")
    assert thread_name("   ") == "Topic of the day"
