"""Choice groups in where a member stands: percent, the next topic (and the pick when it is due)
and stage completion all count a group as the topics it asks the member to pick."""

from __future__ import annotations

from bot.records import ProgressRow
from bot.roadmap.model import ChoiceGroup, Roadmap, Stage, Topic
from bot.services.standing import (
    percent,
    roadmap_finished,
    stage_finished,
    stage_progress,
    standing,
    study_minutes,
)

STAMP = "2026-03-04T12:00:00.000000Z"


def row(topic_id: str, status: str) -> ProgressRow:
    return ProgressRow(topic_id, status, STAMP, STAMP, STAMP if status == "done" else None)


def rows(**statuses: str) -> list[ProgressRow]:
    return [row(topic_id, status) for topic_id, status in statuses.items()]


def topic(topic_id: str, minutes: int | None = None) -> Topic:
    return Topic(topic_id, topic_id.title(), f"About {topic_id}.", minutes=minutes)


def roadmap(pick: int = 1) -> Roadmap:
    """intro, then pick `pick` of django / flask / fastapi, then a databases stage."""
    web = Stage(
        "web",
        "Web",
        "A framework.",
        (topic("intro"), topic("django"), topic("flask"), topic("fastapi")),
        choices=(ChoiceGroup("Pick a framework", pick, ("django", "flask", "fastapi")),),
    )
    data = Stage("data", "Data", "Databases.", (topic("sql"), topic("orms")))
    return Roadmap("rm", "Roadmap", "For tests.", (web, data))


def test_a_group_counts_as_its_pick_in_the_totals():
    member = standing(roadmap(), ())
    assert (member.stages[0].total, member.stages[1].total, member.total) == (2, 2, 4)
    assert member.next_topic.id == "intro" and member.next_choice is None


def test_the_pick_is_due_after_the_topics_before_the_group():
    member = standing(roadmap(), rows(intro="done"))
    choice = member.next_choice
    assert choice is not None
    assert [t.id for t in choice.topics] == ["django", "flask", "fastapi"]
    assert choice.left == 1 and choice.group.title == "Pick a framework"
    assert member.next_topic.id == "django"  # the first to choose from, for who needs a topic
    assert member.next_stage.stage.id == "web"


def test_a_topic_in_progress_is_the_pick_and_comes_next():
    member = standing(roadmap(), rows(intro="done", fastapi="in_progress"))
    assert member.next_topic.id == "fastapi" and member.next_choice is None
    assert member.stages[0].in_progress == 1


def test_picking_fastapi_and_doing_it_is_100_percent_of_the_stage_and_next_moves_on():
    member = standing(roadmap(), rows(intro="done", fastapi="done"))
    web = member.stages[0]
    assert (web.done, web.total, web.finished) == (2, 2, True)
    assert percent(web.done, web.total) == 100
    assert member.next_topic.id == "sql" and member.next_stage.stage.id == "data"
    assert member.next_choice is None
    everything = standing(roadmap(), rows(intro="done", fastapi="done", sql="done", orms="done"))
    assert everything.finished and everything.percent == 100


def test_doing_more_than_the_pick_never_goes_past_100():
    member = standing(roadmap(), rows(intro="done", django="done", flask="done", fastapi="done"))
    assert (member.stages[0].done, member.stages[0].total) == (2, 2)
    assert member.done == 2 and member.percent == 50


def test_skipping_one_topic_of_the_group_leaves_the_choice_to_the_others():
    member = standing(roadmap(), rows(intro="done", django="skipped"))
    assert [t.id for t in member.next_choice.topics] == ["flask", "fastapi"]
    assert member.stages[0].skipped == 0  # not a pick: a topic the member passed over


def test_when_one_topic_is_left_it_is_next_with_no_question():
    member = standing(roadmap(), rows(intro="done", django="skipped", flask="skipped"))
    assert member.next_topic.id == "fastapi" and member.next_choice is None


def test_skipping_the_whole_group_passes_the_stage_as_skipped():
    statuses = {"intro": "done", "django": "skipped", "flask": "skipped", "fastapi": "skipped"}
    web = roadmap().stages[0]
    progress = stage_progress(web, statuses)
    assert (progress.done, progress.skipped, progress.total) == (1, 1, 2)
    assert stage_finished(web, statuses)


def test_a_pick_of_two_asks_again_after_the_first():
    member = standing(roadmap(pick=2), rows(intro="done", flask="done"))
    choice = member.next_choice
    assert choice is not None and choice.left == 1
    assert [t.id for t in choice.topics] == ["django", "fastapi"]
    assert (member.stages[0].done, member.stages[0].total) == (2, 3)
    done = standing(roadmap(pick=2), rows(intro="done", flask="done", django="done"))
    assert done.stages[0].finished and done.next_topic.id == "sql"


def test_stage_and_roadmap_completion_follow_the_pick():
    rm = roadmap()
    web, data = rm.stages
    assert not stage_finished(web, {"intro": "done"})
    assert stage_finished(web, {"intro": "done", "flask": "done"})
    assert not roadmap_finished(rm, {"intro": "done", "flask": "done"})
    assert roadmap_finished(rm, {"intro": "done", "flask": "done", "sql": "done", "orms": "done"})
    assert stage_finished(data, {"sql": "skipped", "orms": "done"})


def test_a_stage_without_groups_counts_as_before():
    member = standing(roadmap(), rows(intro="done", sql="skipped", orms="in_progress"))
    data = member.stages[1]
    assert (data.done, data.skipped, data.in_progress, data.total) == (0, 1, 1, 2)


def test_study_minutes_count_a_group_as_its_pick_of_average_length():
    web = Stage(
        "web",
        "Web",
        "A framework.",
        (topic("intro", 30), topic("django", 240), topic("flask", 180), topic("fastapi", 180)),
        choices=(ChoiceGroup("Pick a framework", 1, ("django", "flask", "fastapi")),),
    )
    assert study_minutes(web) == 30 + 200
    assert web.minutes == 630  # the plain sum stays the content's own
