"""The stage-completion rule: done counts, skipped counts once its check is passed, a choice
group counts the member's pick."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from bot.records import DONE, IN_PROGRESS, SKIPPED
from bot.roadmap.model import ChoiceGroup, Roadmap, Stage
from bot.services.completion import (
    completed_stages,
    counts,
    roadmap_completion,
    stage_complete,
    stage_completion,
)
from tests.unit.services.roadmaps import make_roadmap


@pytest.fixture
def roadmap() -> Roadmap:
    """Basics (three topics) and web (http, then a pick-one of three frameworks)."""
    plain = make_roadmap(
        {
            "basics": ["setup", "syntax", "functions"],
            "web": ["http", "django", "flask", "fastapi"],
        }
    )
    web = replace(
        plain.stages[1],
        choices=(ChoiceGroup("Pick one framework", 1, ("django", "flask", "fastapi")),),
    )
    return Roadmap(plain.id, plain.title, plain.summary, (plain.stages[0], web))


def basics(roadmap: Roadmap) -> Stage:
    return roadmap.stages[0]


def web(roadmap: Roadmap) -> Stage:
    return roadmap.stages[1]


@pytest.mark.parametrize(
    ("status", "checked", "expected"),
    [
        (DONE, False, True),
        (DONE, True, True),
        (SKIPPED, False, False),
        (SKIPPED, True, True),
        (IN_PROGRESS, False, False),
        (IN_PROGRESS, True, False),
        (None, False, False),
        (None, True, False),  # reset clears the check with the status
    ],
)
def test_what_counts(status: str | None, checked: bool, expected: bool) -> None:
    assert counts(status, checked) is expected


def test_done_topics_complete_a_stage(roadmap: Roadmap) -> None:
    statuses = {"setup": DONE, "syntax": DONE, "functions": DONE}
    result = stage_completion(basics(roadmap), statuses, set())
    assert result.complete
    assert (result.counted, result.required, result.missing, result.unchecked) == (3, 3, (), ())


def test_skipping_every_topic_no_longer_completes_a_stage(roadmap: Roadmap) -> None:
    statuses = {"setup": SKIPPED, "syntax": SKIPPED, "functions": SKIPPED}
    result = stage_completion(basics(roadmap), statuses, set())
    assert not result.complete
    assert result.counted == 0
    assert [t.id for t in result.unchecked] == ["setup", "syntax", "functions"]
    assert [t.id for t in result.missing] == ["setup", "syntax", "functions"]
    # Each passed check counts its topic; all three complete it.
    partly = stage_completion(basics(roadmap), statuses, {"setup", "functions"})
    assert (partly.counted, [t.id for t in partly.unchecked]) == (2, ["syntax"])
    assert stage_completion(basics(roadmap), statuses, {"setup", "syntax", "functions"}).complete


def test_a_mix_of_done_and_checked_skips(roadmap: Roadmap) -> None:
    statuses = {"setup": DONE, "syntax": SKIPPED, "functions": IN_PROGRESS}
    result = stage_completion(basics(roadmap), statuses, {"syntax"})
    assert not result.complete
    assert [t.id for t in result.missing] == ["functions"]
    assert result.unchecked == ()
    statuses["functions"] = DONE
    assert stage_completion(basics(roadmap), statuses, {"syntax"}).complete


def test_a_choice_group_counts_the_members_pick(roadmap: Roadmap) -> None:
    stage = web(roadmap)
    picked_flask = stage_completion(stage, {"http": DONE, "flask": DONE}, set())
    assert picked_flask.complete
    assert (picked_flask.counted, picked_flask.required) == (2, 2)
    assert picked_flask.open_choices == ()
    # The topics not picked are never required, whatever their status.
    others = {"http": DONE, "fastapi": DONE, "django": SKIPPED, "flask": IN_PROGRESS}
    assert stage_completion(stage, others, set()).complete
    # Two picks where one is asked for still count as one.
    both = stage_completion(stage, {"http": DONE, "flask": DONE, "django": DONE}, set())
    assert (both.counted, both.required) == (2, 2)


def test_a_choice_group_short_of_its_pick_says_what_is_left(roadmap: Roadmap) -> None:
    stage = web(roadmap)
    result = stage_completion(stage, {"http": DONE, "django": SKIPPED}, set())
    assert not result.complete and result.missing == ()
    (choice,) = result.open_choices
    assert choice.group.title == "Pick one framework"
    assert ([t.id for t in choice.topics], choice.left) == (["django", "flask", "fastapi"], 1)
    assert [t.id for t in result.unchecked] == ["django"]
    # The skipped pick counts once its check is passed.
    assert stage_completion(stage, {"http": DONE, "django": SKIPPED}, {"django"}).complete
    # Every framework skipped and none checked: the group is open (the stage earns nothing).
    skipped_all = {"http": DONE, "django": SKIPPED, "flask": SKIPPED, "fastapi": SKIPPED}
    assert not stage_completion(stage, skipped_all, set()).complete


def test_a_group_picking_two() -> None:
    plain = make_roadmap({"s": ["a", "b", "c", "d"]})
    stage = replace(plain.stages[0], choices=(ChoiceGroup("Two of three", 2, ("b", "c", "d")),))
    one = stage_completion(stage, {"a": DONE, "b": DONE}, set())
    assert (one.counted, one.required, one.open_choices[0].left) == (2, 3, 1)
    assert [t.id for t in one.open_choices[0].topics] == ["c", "d"]
    assert stage_completion(stage, {"a": DONE, "b": DONE, "d": SKIPPED}, {"d"}).complete


def test_completed_stages_in_roadmap_order(roadmap: Roadmap) -> None:
    statuses = {"setup": DONE, "syntax": SKIPPED, "functions": DONE, "http": DONE, "flask": DONE}
    assert [s.id for s in completed_stages(roadmap, statuses, set())] == ["web"]
    assert [s.id for s in completed_stages(roadmap, statuses, {"syntax"})] == ["basics", "web"]
    assert [c.stage.id for c in roadmap_completion(roadmap, statuses, set())] == ["basics", "web"]
    assert completed_stages(roadmap, {}, set()) == ()


def test_the_quick_answer_agrees_with_the_whole_rule(roadmap: Roadmap) -> None:
    # `stage_complete` (asked twice a mark) against `stage_completion(...).complete` for every
    # status and check of every topic of a plain stage and of a stage with a choice group.
    for stage in roadmap.stages:
        ids = [topic.id for topic in stage.topics]
        for statuses in itertools.product((None, DONE, SKIPPED, IN_PROGRESS), repeat=len(ids)):
            given = {i: status for i, status in zip(ids, statuses, strict=True) if status}
            for checks in itertools.product((False, True), repeat=len(ids)):
                checked = {i for i, check in zip(ids, checks, strict=True) if check}
                expected = stage_completion(stage, given, checked).complete
                assert stage_complete(stage, given, checked) is expected, (given, checked)
