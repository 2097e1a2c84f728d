"""The teaching keys (issue 16) as the model holds them: examples, practice, check, minutes,
choice groups, checkpoints and typed resources."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.roadmap.model import Example, Roadmap, Stage, Topic
from tests.unit.roadmap.helpers import FIXTURES, VALID, load_copies

TEACHING = FIXTURES / "valid" / "teaching.yaml"


def test_every_new_key_loads_into_the_model(tmp_path: Path) -> None:
    result = load_copies(tmp_path, TEACHING)

    assert result.problems == []
    assert result.counts_text() == "1 roadmap, 1 stage, 3 topics, 9 examples"
    roadmap = result.catalog.require("teaching")
    stage = roadmap.stage("web-framework")
    (group,) = stage.choices
    assert (group.title, group.pick, group.topic_ids) == (
        "Pick one framework",
        1,
        ("django", "flask", "fastapi"),
    )
    assert stage.checkpoint.title == "A small JSON API"
    assert stage.checkpoint.task == "Build an API with two endpoints and test both."
    flask = roadmap.topic("flask")
    assert flask.practice.startswith("Write a Flask app")
    first, second = flask.examples
    assert first.requires == ("flask",) and first.output == "__main__\n" and first.runs
    assert (second.language, second.runs, second.why) == ("bash", False, "starts a server")
    assert flask.check.pass_count == 1
    question = flask.check.questions[0]
    assert question.question == "What does app.test_client() give you?"
    assert [(a.text, a.right) for a in question.answers] == [
        ("A client that calls the app without a server", True),
        ("A browser", False),
    ]
    assert question.answers[1].why == "No browser is involved."
    assert [r.kind for r in flask.resources] == ["tutorial"]
    assert roadmap.topic("fastapi").resources[0].kind is None
    assert roadmap.topic("fastapi").check is None and roadmap.topic("fastapi").minutes is None


def test_one_example_is_normalised_into_examples(tmp_path: Path) -> None:
    roadmap = load_copies(tmp_path, TEACHING).catalog.require("teaching")

    django = roadmap.topic("django")
    assert len(django.examples) == 1
    assert django.example is django.examples[0]
    assert django.example.title == "A view"
    # A topic with several examples shows its first where the cards show one.
    assert roadmap.topic("flask").example.title == "A JSON endpoint"


def test_a_topic_built_in_code_takes_one_example_or_several_never_both() -> None:
    one = Example("One", "print(1)")
    assert Topic("t", "T", "s", example=one).examples == (one,)
    assert Topic("t", "T", "s", examples=(one, one)).example is one
    assert Topic("t", "T", "s").example is None and Topic("t", "T", "s").examples == ()
    with pytest.raises(ValueError, match="not both"):
        Topic("t", "T", "s", example=one, examples=(one,))


def test_the_check_passes_with_every_question_right_by_default(tmp_path: Path) -> None:
    text = TEACHING.read_text().replace("          pass: 1\n", "")
    (tmp_path / "teaching.yaml").write_text(text)

    result = load_copies(tmp_path)

    assert result.catalog.require("teaching").topic("flask").check.pass_count == 2


def test_minutes_sum_over_stages_and_the_roadmap() -> None:
    def topic(topic_id: str, minutes: int | None) -> Topic:
        return Topic(topic_id, topic_id, "s", minutes=minutes)

    first = Stage("one", "One", "s", (topic("a", 30), topic("b", None), topic("c", 15)))
    second = Stage("two", "Two", "s", (topic("d", 600),))
    roadmap = Roadmap("r", "R", "s", (first, second))

    assert (first.minutes, second.minutes, roadmap.minutes) == (45, 600, 645)


def test_minutes_from_the_file(tmp_path: Path) -> None:
    roadmap = load_copies(tmp_path, TEACHING).catalog.require("teaching")

    assert [t.minutes for t in roadmap.topics] == [60, 45, None]
    assert roadmap.stages[0].minutes == 105 and roadmap.minutes == 105


def test_files_without_the_new_keys_stay_valid(tmp_path: Path) -> None:
    result = load_copies(tmp_path, VALID)

    roadmap = result.catalog.require("mini")
    assert result.problems == []
    assert roadmap.minutes == 0
    assert all(s.choices == () and s.checkpoint is None for s in roadmap.stages)
    assert all(t.check is None and t.practice is None for t in roadmap.topics)
    assert roadmap.topic("http").examples == (roadmap.topic("http").example,)
