"""audit_roadmap: every message the content produces, checked before fitting, traced to the YAML."""

from bot.render.audit import audit_roadmap
from bot.roadmap.model import Checkpoint, ChoiceGroup, Resource
from tests.unit.render.builders import example, make_roadmap, make_stage, make_topic


def test_ordinary_content_has_no_findings():
    stage = make_stage(example=example())
    assert audit_roadmap(make_roadmap(stage)) == []


def test_a_huge_summary_is_traced_to_the_summary():
    big = make_topic("flask", summary="Flask is small. " * 300)  # 4799 once stripped
    roadmap = make_roadmap(make_stage(), make_stage("web", topics=(make_topic(), big)))
    findings = audit_roadmap(roadmap)
    assert (
        "stages[1].topics[1].summary",
        "topic card description is 4799 characters; Discord allows 4096",
    ) in findings
    assert (
        "stages[1].topics[1].summary",
        "daily post description is 4799 characters; Discord allows 4096",
    ) in findings


def test_long_details_are_blamed_when_they_are_the_longer_part():
    topic = make_topic(details="More. " * 800)
    findings = audit_roadmap(make_roadmap(make_stage(topics=(topic,))))
    assert {path for path, _ in findings} >= {"stages[0].topics[0].details"}


def test_a_long_title_and_too_many_resources():
    topic = make_topic(
        title="T" * 300,
        resources=tuple(Resource(f"Resource {i}", f"https://example.com/{i}") for i in range(30)),
    )
    findings = audit_roadmap(make_roadmap(make_stage(topics=(topic,))))
    assert (
        "stages[0].topics[0].title",
        "topic card title is 300 characters; Discord allows 256",
    ) in findings
    resources = [text for path, text in findings if path == "stages[0].topics[0].resources"]
    assert [text.split(" is ")[0] for text in resources] == [
        "topic card 'Resources' field",
        "daily post 'Resources' field",
    ]
    assert all(text.endswith("; Discord allows 1024") for text in resources)


def test_a_stage_with_a_long_title_is_blamed_in_the_overview_and_the_cards():
    stage = make_stage(title="S" * 300)
    findings = audit_roadmap(make_roadmap(stage))
    assert (
        "stages[0].title",
        "stage overview title is 312 characters; Discord allows 256",
    ) in findings
    assert (
        "stages[0].title",
        "topic card author is 312 characters; Discord allows 256",
    ) in findings


def test_long_example_code_is_not_a_finding_because_it_becomes_a_file():
    topic = make_topic(example=example("x = 1\n" * 40_000))
    assert audit_roadmap(make_roadmap(make_stage(topics=(topic,)))) == []


def test_a_long_example_title_is_traced_to_it():
    topic = make_topic(example=example(title="E" * 300))
    findings = audit_roadmap(make_roadmap(make_stage(topics=(topic,))))
    assert (
        "stages[0].topics[0].example.title",
        "example message title is 309 characters; Discord allows 256",
    ) in findings


def test_a_long_practice_task_and_checkpoint_are_traced_to_their_keys():
    last = make_topic("last", title="Last", practice="Practise. " * 120)
    other = make_topic("other", title="Other")
    stage = make_stage(
        topics=(make_topic("first", title="First"), other, last),
        checkpoint=Checkpoint("Project", "Build it. " * 120),
        choices=(ChoiceGroup("Pick one", 1, ("other", "last")),),
    )
    findings = audit_roadmap(make_roadmap(stage))
    assert (
        "stages[0].topics[2].practice",
        "topic card 'Practice' field is 1199 characters; Discord allows 1024",
    ) in findings
    checkpoint = {text.split(" 'Checkpoint")[0] for path, text in findings if path.endswith("task")}
    assert checkpoint == {"stage overview", "topic card"}  # both group topics end the stage


def test_the_choice_card_is_audited():
    long_title = make_topic("b", title="B", summary="Word " * 1000 + ".")
    stage = make_stage(
        topics=(make_topic("a", title="A"), long_title),
        choices=(ChoiceGroup("P" * 300, 1, ("a", "b")),),
    )
    findings = audit_roadmap(make_roadmap(stage))
    assert (
        "stages[0].choices[0].title",
        "choice card title is 300 characters; Discord allows 256",
    ) in findings
    assert "stages[0].choices[0].topics" in {path for path, _ in findings}  # its description
