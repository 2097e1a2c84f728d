"""What a member may type for a topic or stage: one rule, in Roadmap.find_topic/find_stage."""

from bot.roadmap.model import Roadmap, Stage, Topic


def _roadmap() -> Roadmap:
    return Roadmap(
        "r",
        "R",
        "s",
        (
            Stage(
                "basics",
                "The Basics",
                "s",
                (Topic("intro", "Intro", "s"), Topic("loops", "Loops", "s", replaces=("for",))),
            ),
            Stage("web", "Web", "s", (Topic("http", "HTTP basics", "s"),)),
        ),
    )


def test_find_topic_by_id_old_id_and_title() -> None:
    roadmap = _roadmap()
    assert roadmap.find_topic("loops").id == "loops"
    assert roadmap.find_topic(" LOOPS ").id == "loops"
    assert roadmap.find_topic("for").id == "loops"
    assert roadmap.find_topic("http BASICS").id == "http"
    assert roadmap.find_topic("nothing") is None


def test_find_stage_by_id_title_and_number() -> None:
    roadmap = _roadmap()
    assert roadmap.find_stage("web").id == "web"
    assert roadmap.find_stage("the basics").id == "basics"
    assert roadmap.find_stage("2").id == "web"
    assert roadmap.find_stage("3") is None
    assert roadmap.find_stage("0") is None
