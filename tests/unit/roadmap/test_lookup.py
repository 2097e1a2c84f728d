"""What members type -> topics, stages and roadmaps, or errors with useful suggestions, through
the one lookup in bot.roadmap.catalog (the services, the cogs and preview all use it)."""

import pytest

from bot.errors import UnknownRoadmap, UnknownStage, UnknownTopic
from bot.roadmap.catalog import Catalog, require_roadmap_id, require_stage, require_topic
from bot.roadmap.model import Roadmap
from tests.unit.services.roadmaps import make_roadmap


@pytest.fixture
def roadmap() -> Roadmap:
    return make_roadmap(
        {
            "basics": ["setup", "syntax", "functions"],
            "web": ["http", "flask"],
            "deploy": ["docker"],
        },
        roadmap_id="python",
        replaces={"functions": ["defs"]},
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [("flask", "flask"), (" FLASK ", "flask"), ("defs", "functions"), ("Topic http", "http")],
)
def test_require_topic(roadmap: Roadmap, text: str, expected: str) -> None:
    assert require_topic(roadmap, text).id == expected


@pytest.mark.parametrize(
    ("text", "suggestions"),
    [("fl", ("flask",)), ("dokcer", ("docker",)), ("zzz", ()), ("", ()), ("  ", ())],
)
def test_unknown_topic_suggests(roadmap: Roadmap, text: str, suggestions: tuple) -> None:
    with pytest.raises(UnknownTopic) as err:
        require_topic(roadmap, text)
    assert err.value.suggestions == suggestions
    if suggestions:
        assert f"Did you mean `{suggestions[0]}`?" in err.value.message


def test_require_stage_by_id_number_or_title(roadmap: Roadmap) -> None:
    assert require_stage(roadmap, "web").id == "web"
    assert require_stage(roadmap, "3").id == "deploy"
    assert require_stage(roadmap, "stage BASICS").id == "basics"
    for bad in ("0", "4", "-1"):
        with pytest.raises(UnknownStage):
            require_stage(roadmap, bad)
    with pytest.raises(UnknownStage) as err:
        require_stage(roadmap, "deplyo")
    assert err.value.suggestions == ("deploy",)


def test_require_roadmap_id() -> None:
    available = [("python", "Python backend"), ("go", "Go services")]
    assert require_roadmap_id("Go services", available) == "go"
    assert require_roadmap_id("go SERVICES", available) == "go"
    assert require_roadmap_id("PYTHON", available) == "python"
    with pytest.raises(UnknownRoadmap) as err:
        require_roadmap_id("pyhton", available)
    assert err.value.suggestions == ("python",)


def test_the_catalog_and_the_functions_suggest_the_same(roadmap: Roadmap) -> None:
    catalog = Catalog([roadmap, make_roadmap({"s": ["t"]}, roadmap_id="go")])
    for typo in ("fl", "fla", "dokcer", "htp", "setp", "zzz", "e"):
        with pytest.raises(UnknownTopic) as by_catalog:
            catalog.require_topic("python", typo)
        with pytest.raises(UnknownTopic) as by_function:
            require_topic(roadmap, typo)
        assert by_catalog.value.suggestions == by_function.value.suggestions, typo
        # Autocomplete ranks by the same index: the suggestions are its first three.
        found = [t.id for t in catalog.search_topics("python", typo, 3)]
        assert list(by_function.value.suggestions) == found, typo
    pairs = [(r.id, r.title) for r in catalog]
    for typo in ("pyton", "g", "rust"):
        with pytest.raises(UnknownRoadmap) as by_catalog:
            catalog.require(typo)
        with pytest.raises(UnknownRoadmap) as by_function:
            require_roadmap_id(typo, pairs)
        assert by_catalog.value.suggestions == by_function.value.suggestions, typo
