"""Next topic, marking, stage completion, `replaces`, ids that left the content, stage views."""

import asyncio
from dataclasses import replace

import pytest

from bot.errors import InvalidStatus, ProgressHidden, UnknownStage, UnknownTopic
from bot.roadmap.model import ChoiceGroup, Roadmap
from bot.services.members import MemberService
from bot.services.progress import StudyService
from bot.store.database import Database
from bot.store.progress import ProgressRepository
from tests.unit.services.conftest import ALICE, BOB, GUILD, OTHER_GUILD
from tests.unit.services.roadmaps import make_roadmap


async def test_new_member_starts_at_the_first_topic(study: StudyService, roadmap: Roadmap) -> None:
    nxt = await study.next_topic(GUILD, ALICE, roadmap)
    assert nxt.topic is not None and nxt.topic.id == "setup"
    assert nxt.stage is not None and nxt.stage.id == "basics"
    assert nxt.status is None
    s = nxt.standing
    assert (s.next_stage.number, s.stage_count, s.done, s.total, s.percent) == (1, 3, 0, 6, 0)


async def test_done_and_skipped_move_on_but_only_done_counts(
    study: StudyService, roadmap: Roadmap
) -> None:
    first = await study.mark(GUILD, ALICE, roadmap, "setup", "done")
    assert (first.status, first.previous_status, first.changed) == ("done", None, True)
    assert first.standing.next_topic.id == "syntax"
    assert (first.standing.done, first.standing.total, first.standing.percent) == (1, 6, 16)

    assert first.streak is not None and first.streak.current == 1

    second = await study.mark(GUILD, ALICE, roadmap, "syntax", "skipped")
    assert second.streak is None  # only a mark as done reads the completion days
    assert second.standing.next_topic.id == "functions"
    assert second.standing.done == 1
    nxt = await study.next_topic(GUILD, ALICE, roadmap)
    assert nxt.topic.id == "functions"


async def test_next_topic_is_the_first_not_passed_in_roadmap_order(
    study: StudyService, roadmap: Roadmap
) -> None:
    await study.mark(GUILD, ALICE, roadmap, "http", "done")
    await study.mark(GUILD, ALICE, roadmap, "syntax", "done")
    nxt = await study.next_topic(GUILD, ALICE, roadmap)
    assert nxt.topic.id == "setup"
    await study.mark(GUILD, ALICE, roadmap, "setup", "in_progress")
    assert (await study.next_topic(GUILD, ALICE, roadmap)).status == "in_progress"


async def test_stage_completion_is_reported_once(study: StudyService, roadmap: Roadmap) -> None:
    await study.mark(GUILD, ALICE, roadmap, "setup", "done")
    middle = await study.mark(GUILD, ALICE, roadmap, "syntax", "done")
    assert middle.completed_stage is None
    # A skipped topic (without a passed check) does not count toward the stage's completion:
    # the member moves on, but the stage is not complete and earns no reward.
    skipped = await study.mark(GUILD, ALICE, roadmap, "functions", "skipped")
    assert skipped.completed_stage is None
    assert skipped.standing.next_stage.number == 2
    assert not skipped.standing.stage_complete(skipped.stage)
    last = await study.mark(GUILD, ALICE, roadmap, "functions", "done")
    assert last.changed and last.completed_stage is not None
    assert last.completed_stage.id == "basics"
    same = await study.mark(GUILD, ALICE, roadmap, "functions", "done")
    assert not same.changed and same.completed_stage is None


async def test_finishing_the_roadmap(study: StudyService, roadmap: Roadmap) -> None:
    results = [await study.mark(GUILD, ALICE, roadmap, t.id, "done") for t in roadmap.topics]
    assert [r.finished_roadmap for r in results] == [False] * 5 + [True]
    assert results[-1].completed_stage.id == "deploy"
    nxt = await study.next_topic(GUILD, ALICE, roadmap)
    assert nxt.topic is None and nxt.standing.finished and nxt.standing.percent == 100


async def test_reset_forgets_the_status(study: StudyService, roadmap: Roadmap) -> None:
    await study.mark(GUILD, ALICE, roadmap, "setup", "done")
    result = await study.reset(GUILD, ALICE, roadmap, "setup")
    assert (result.status, result.previous_status, result.changed) == (None, "done", True)
    assert (await study.next_topic(GUILD, ALICE, roadmap)).topic.id == "setup"
    assert (await study.reset(GUILD, ALICE, roadmap, "setup")).changed is False


async def test_mark_open_sets_in_progress_once_and_never_undoes_done(
    study: StudyService, roadmap: Roadmap, db: Database
) -> None:
    shown = await study.next_topic(GUILD, ALICE, roadmap, mark_open=True)
    assert shown.topic.id == "setup" and shown.status == "in_progress"
    await study.mark(GUILD, ALICE, roadmap, "setup", "done")
    shown = await study.next_topic(GUILD, ALICE, roadmap, mark_open=True)
    assert shown.topic.id == "syntax"
    rows = {r.topic_id: r.status for r in await ProgressRepository(db).rows(GUILD, ALICE, "python")}
    assert rows == {"setup": "done", "syntax": "in_progress"}


async def test_progress_on_a_replaced_id_counts_for_its_successor(
    study: StudyService, roadmap: Roadmap
) -> None:
    before_rename = make_roadmap({"basics": ["setup", "syntax", "defs"]}, roadmap_id="python")
    for topic in ("setup", "syntax", "defs"):
        await study.mark(GUILD, ALICE, before_rename, topic, "done")
    # Content now calls `defs` `functions`: the member is past the whole first stage.
    nxt = await study.next_topic(GUILD, ALICE, roadmap)
    assert nxt.topic.id == "http"
    assert nxt.standing.done == 3
    # The old id is accepted and means its successor.
    result = await study.mark(GUILD, ALICE, roadmap, "defs", "skipped")
    assert result.topic.id == "functions"
    assert (result.previous_status, result.status) == ("done", "skipped")
    reset = await study.reset(GUILD, ALICE, roadmap, "functions")
    assert reset.status is None
    assert (await study.next_topic(GUILD, ALICE, roadmap)).topic.id == "functions"


async def test_ids_that_left_the_content_are_kept_and_ignored(
    study: StudyService, roadmap: Roadmap, db: Database
) -> None:
    older = make_roadmap({"basics": ["setup", "retired-topic"]}, roadmap_id="python")
    await study.mark(GUILD, ALICE, older, "retired-topic", "done")
    standing = await study.standing(GUILD, ALICE, roadmap)
    assert standing.done == 0 and standing.next_topic.id == "setup"
    stored = await ProgressRepository(db).rows(GUILD, ALICE, "python")
    assert [r.topic_id for r in stored] == ["retired-topic"]
    await study.mark(GUILD, ALICE, roadmap, "setup", "done")
    stored = await ProgressRepository(db).rows(GUILD, ALICE, "python")
    assert sorted(r.topic_id for r in stored) == ["retired-topic", "setup"]


async def test_progress_is_per_server_and_per_member(study: StudyService, roadmap: Roadmap) -> None:
    await study.mark(GUILD, ALICE, roadmap, "setup", "done")
    assert (await study.next_topic(OTHER_GUILD, ALICE, roadmap)).topic.id == "setup"
    assert (await study.next_topic(GUILD, BOB, roadmap)).topic.id == "setup"


async def test_bad_values_raise_clear_errors(study: StudyService, roadmap: Roadmap) -> None:
    with pytest.raises(UnknownTopic) as err:
        await study.mark(GUILD, ALICE, roadmap, "flsk", "done")
    assert err.value.suggestions == ("flask",)
    assert "Unknown topic `flsk`" in err.value.message
    with pytest.raises(InvalidStatus, match="finished"):
        await study.mark(GUILD, ALICE, roadmap, "flask", "finished")
    with pytest.raises(UnknownStage) as stage_err:
        await study.stage_view(GUILD, ALICE, roadmap, "deploi")
    assert stage_err.value.suggestions == ("deploy",)
    assert (await study.standing(GUILD, ALICE, roadmap)).done == 0


async def test_topics_can_be_named_by_title(study: StudyService, roadmap: Roadmap) -> None:
    result = await study.mark(GUILD, ALICE, roadmap, "topic FLASK", "done")
    assert result.topic.id == "flask"


async def test_stage_view_lists_each_topic_status(study: StudyService, roadmap: Roadmap) -> None:
    await study.mark(GUILD, ALICE, roadmap, "setup", "done")
    await study.mark(GUILD, ALICE, roadmap, "syntax", "skipped")
    await study.next_topic(GUILD, ALICE, roadmap, mark_open=True)
    view = await study.stage_view(GUILD, ALICE, roadmap, "basics")
    assert [(t.topic.id, t.status) for t in view.topics] == [
        ("setup", "done"),
        ("syntax", "skipped"),
        ("functions", "in_progress"),
    ]
    assert (view.number, view.stage_count) == (1, 3)
    by_number = await study.stage_view(GUILD, ALICE, roadmap, "2")
    assert by_number.stage.id == "web"
    assert [t.status for t in by_number.topics] == [None, None]


async def test_summary_per_stage_and_privacy(
    study: StudyService, members: MemberService, roadmap: Roadmap
) -> None:
    await study.mark(GUILD, ALICE, roadmap, "setup", "done")
    await study.mark(GUILD, ALICE, roadmap, "http", "skipped")
    summary = await study.summary(GUILD, ALICE, roadmap, viewer_id=BOB)
    assert [(s.stage.id, s.done, s.skipped, s.total) for s in summary.standing.stages] == [
        ("basics", 1, 0, 3),
        ("web", 0, 1, 2),
        ("deploy", 0, 0, 1),
    ]
    assert summary.streak.current == 1
    await members.update_settings(GUILD, ALICE, hide_progress=True)
    with pytest.raises(ProgressHidden):
        await study.summary(GUILD, ALICE, roadmap, viewer_id=BOB)
    mine = await study.summary(GUILD, ALICE, roadmap, viewer_id=ALICE)
    assert mine.standing.done == 1


async def test_concurrent_marks_of_one_member_complete_a_stage_exactly_once(
    study: StudyService, roadmap: Roadmap
) -> None:
    results = await asyncio.gather(
        *(study.mark(GUILD, ALICE, roadmap, t, "done") for t in ("setup", "syntax", "functions"))
    )
    assert sum(r.completed_stage is not None for r in results) == 1


@pytest.fixture
def choice_roadmap() -> Roadmap:
    """`intro`, then one of django / flask / fastapi to pick, then a databases stage."""
    plain = make_roadmap(
        {"web": ["intro", "django", "flask", "fastapi"], "data": ["sql"]}, roadmap_id="pick"
    )
    web = replace(
        plain.stages[0],
        choices=(ChoiceGroup("Pick one framework", 1, ("django", "flask", "fastapi")),),
    )
    return replace(plain, stages=(web, plain.stages[1]))


async def test_next_asks_for_the_pick_and_marks_nothing_until_it_is_made(
    study: StudyService, choice_roadmap: Roadmap
) -> None:
    await study.mark(GUILD, ALICE, choice_roadmap, "intro", "done")
    for _ in range(2):  # showing the question twice still marks nothing in progress
        asked = await study.next_topic(GUILD, ALICE, choice_roadmap, mark_open=True)
        choice = asked.standing.next_choice
        assert choice is not None
        assert [t.id for t in choice.topics] == ["django", "flask", "fastapi"]
        assert asked.status is None and asked.standing.statuses == {"intro": "done"}
    picked = await study.pick(GUILD, ALICE, choice_roadmap, "fastapi")
    assert picked.topic.id == "fastapi" and picked.status == "in_progress"
    assert picked.standing.next_choice is None


async def test_doing_the_pick_completes_the_stage_at_100_percent_and_next_moves_on(
    study: StudyService, choice_roadmap: Roadmap
) -> None:
    await study.mark(GUILD, ALICE, choice_roadmap, "intro", "done")
    await study.pick(GUILD, ALICE, choice_roadmap, "fastapi")
    done = await study.mark(GUILD, ALICE, choice_roadmap, "fastapi", "done")
    assert done.completed_stage is not None and done.completed_stage.id == "web"
    web = done.standing.stage_progress("web")
    assert (web.done, web.total, web.finished) == (2, 2, True)
    assert (done.standing.done, done.standing.total, done.standing.percent) == (2, 3, 66)
    assert done.standing.next_topic.id == "sql"
    last = await study.mark(GUILD, ALICE, choice_roadmap, "sql", "done")
    assert last.finished_roadmap and last.standing.percent == 100
    # Another framework done later is extra: it neither completes the stage again nor counts.
    extra = await study.mark(GUILD, ALICE, choice_roadmap, "django", "done")
    assert extra.completed_stage is None and not extra.finished_roadmap
    assert extra.standing.percent == 100
