"""What members type -> topics, stages and roadmaps, or errors with useful suggestions."""

import pytest

from bot.errors import UnknownRoadmap, UnknownStage, UnknownTopic
from bot.roadmap.model import Roadmap
from bot.services.lookup import check_roadmap_id, find_stage, find_topic


@pytest.mark.parametrize(
    ("text", "expected"),
    [("flask", "flask"), (" FLASK ", "flask"), ("defs", "functions"), ("Topic http", "http")],
)
def test_find_topic(roadmap: Roadmap, text: str, expected: str) -> None:
    assert find_topic(roadmap, text).id == expected


@pytest.mark.parametrize(
    ("text", "suggestions"),
    [("fl", ("flask",)), ("dokcer", ("docker",)), ("zzz", ()), ("", ())],
)
def test_unknown_topic_suggests(roadmap: Roadmap, text: str, suggestions: tuple) -> None:
    with pytest.raises(UnknownTopic) as err:
        find_topic(roadmap, text)
    assert err.value.suggestions == suggestions
    if suggestions:
        assert f"Did you mean `{suggestions[0]}`?" in err.value.message


def test_find_stage_by_id_number_or_title(roadmap: Roadmap) -> None:
    assert find_stage(roadmap, "web").id == "web"
    assert find_stage(roadmap, "3").id == "deploy"
    assert find_stage(roadmap, "stage BASICS").id == "basics"
    for bad in ("0", "4", "-1"):
        with pytest.raises(UnknownStage):
            find_stage(roadmap, bad)


def test_check_roadmap_id() -> None:
    catalog = [("python", "Python backend"), ("go", "Go services")]
    assert check_roadmap_id("Go services", catalog) == "go"
    assert check_roadmap_id("PYTHON", catalog) == "python"
    with pytest.raises(UnknownRoadmap) as err:
        check_roadmap_id("pyhton", catalog)
    assert err.value.suggestions == ("python",)
