"""The Catalog: lookups that accept what a member types, and autocomplete ranking."""

from __future__ import annotations

import pytest

from bot.errors import UnknownRoadmap, UnknownStage, UnknownTopic
from bot.roadmap.catalog import Catalog
from bot.roadmap.model import Roadmap, Stage, Topic


def topic(topic_id: str, title: str, replaces: tuple[str, ...] = ()) -> Topic:
    return Topic(topic_id, title, f"About {title}.", replaces=replaces)


def backend() -> Roadmap:
    return Roadmap(
        "python-backend",
        "Python backend developer",
        "Backend.",
        (
            Stage(
                "basics",
                "Learn the Basics of Python",
                "Basics.",
                (
                    topic("syntax", "Syntax and Data Types"),
                    topic("functions", "Functions", replaces=("defining-functions",)),
                    topic("file-handling", "File Handling"),
                    topic("error-handling", "Error Handling"),
                ),
            ),
            Stage(
                "web",
                "Web Development Fundamentals",
                "Web.",
                (
                    topic("http", "HTTP/S Protocols"),
                    topic("rest-apis", "RESTful APIs"),
                    topic("json-xml", "JSON and XML"),
                ),
            ),
            Stage(
                "frameworks",
                "Learn a Python Web Framework",
                "Frameworks.",
                (
                    topic("django", "Django"),
                    topic("flask", "Flask", replaces=("flask-basics", "microframeworks")),
                    topic("fastapi", "FastAPI"),
                ),
            ),
        ),
    )


def other(roadmap_id: str = "data-science", title: str = "Data science") -> Roadmap:
    return Roadmap(
        roadmap_id,
        title,
        "Data.",
        (Stage("numpy-stage", "NumPy", "Arrays.", (topic("numpy", "NumPy arrays"),)),),
    )


@pytest.fixture
def catalog() -> Catalog:
    return Catalog([other(), backend()])


def ids(items) -> list[str]:
    return [item.id for item in items]


def test_roadmaps_keep_their_order_and_python_backend_is_the_default(catalog) -> None:
    assert ids(catalog.roadmaps) == ["data-science", "python-backend"]
    assert catalog.default_id == "python-backend"
    assert catalog.default.title == "Python backend developer"
    assert Catalog([other("b"), other("a")]).default_id == "b"
    assert catalog.get("nope") is None
    assert len(catalog) == 2


def test_a_catalog_refuses_nothing_or_the_same_id_twice() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Catalog([])
    with pytest.raises(ValueError, match="unique"):
        Catalog([other(), other()])


def test_require_roadmap_by_id_or_title_else_suggests(catalog) -> None:
    assert catalog.require("python-backend").id == "python-backend"
    assert catalog.require(" Data Science ").id == "data-science"
    with pytest.raises(UnknownRoadmap) as raised:
        catalog.require("python")
    assert raised.value.message == "Unknown roadmap `python`. Did you mean `python-backend`?"


def test_require_topic_accepts_ids_old_ids_and_titles(catalog) -> None:
    roadmap = catalog.require("python-backend")
    assert catalog.require_topic(roadmap, "flask").id == "flask"
    assert catalog.require_topic("python-backend", "flask-basics").id == "flask"
    assert catalog.require_topic(roadmap, "MICROFRAMEWORKS").id == "flask"
    assert catalog.require_topic(roadmap, "restful apis").id == "rest-apis"
    assert catalog.require_topic(roadmap, "  Error Handling ").id == "error-handling"


def test_an_unknown_topic_comes_with_up_to_three_suggestions(catalog) -> None:
    with pytest.raises(UnknownTopic) as raised:
        catalog.require_topic("python-backend", "handling")
    assert raised.value.suggestions == ("file-handling", "error-handling")
    with pytest.raises(UnknownTopic) as raised:
        catalog.require_topic("python-backend", "flsk")
    assert raised.value.message == "Unknown topic `flsk`. Did you mean `flask`?"
    with pytest.raises(UnknownTopic) as raised:
        catalog.require_topic("python-backend", "a")
    assert len(raised.value.suggestions) == 3
    with pytest.raises(UnknownTopic) as raised:
        catalog.require_topic("python-backend", "zzzz")
    assert raised.value.message == "Unknown topic `zzzz`."


def test_topics_are_looked_up_in_the_named_roadmap_only(catalog) -> None:
    with pytest.raises(UnknownTopic):
        catalog.require_topic("data-science", "flask")
    with pytest.raises(UnknownRoadmap):
        catalog.require_topic("gone", "flask")
    # An object from an older catalog resolves against this one.
    stale = Roadmap("python-backend", "Old", "Old.", (Stage("s", "S", "S.", (topic("x", "X"),)),))
    assert catalog.require_topic(stale, "flask").id == "flask"


def test_require_stage_by_id_or_title_else_suggests(catalog) -> None:
    assert catalog.require_stage("python-backend", "web").id == "web"
    assert catalog.require_stage("python-backend", "WEB").id == "web"
    title = "learn a python web framework"
    assert catalog.require_stage("python-backend", title).id == "frameworks"
    with pytest.raises(UnknownStage) as raised:
        catalog.require_stage("python-backend", "framework")
    assert raised.value.message == "Unknown stage `framework`. Did you mean `frameworks`?"


def test_an_empty_query_lists_topics_in_roadmap_order(catalog) -> None:
    assert ids(catalog.search_topics("python-backend", "")) == ids(backend().topics)
    assert ids(catalog.search_topics("python-backend", "  ", limit=2)) == ["syntax", "functions"]


def test_search_ranks_exact_then_word_prefix_then_substring(catalog) -> None:
    # "api" starts the word "apis" of rest-apis, and is only inside "fastapi".
    assert ids(catalog.search_topics("python-backend", "api")) == ["rest-apis", "fastapi"]
    assert ids(catalog.search_topics("python-backend", "fla")) == ["flask"]
    assert ids(catalog.search_topics("python-backend", "Flask")) == ["flask"]
    # Every word of the query starts some word of the topic, in any order.
    assert ids(catalog.search_topics("python-backend", "handl err")) == ["error-handling"]
    assert ids(catalog.search_topics("python-backend", "json")) == ["json-xml"]
    # Exact title or id first, even when later in the roadmap.
    assert ids(catalog.search_topics("python-backend", "functions"))[0] == "functions"


def test_search_falls_back_to_letters_in_order_and_close_spellings(catalog) -> None:
    assert ids(catalog.search_topics("python-backend", "fstpi")) == ["fastapi"]
    assert ids(catalog.search_topics("python-backend", "djnago")) == ["django"]
    assert catalog.search_topics("python-backend", "qqqq") == []


def test_search_honours_the_limit_and_unknown_roadmaps(catalog) -> None:
    assert len(catalog.search_topics("python-backend", "e", limit=3)) == 3
    assert catalog.search_topics("missing", "flask") == []
    assert catalog.search_stages("missing", "web") == []


def test_search_stages_and_roadmaps(catalog) -> None:
    assert ids(catalog.search_stages("python-backend", "web")) == ["web", "frameworks"]
    assert ids(catalog.search_stages("python-backend", "")) == ["basics", "web", "frameworks"]
    assert ids(catalog.search_roadmaps("data")) == ["data-science"]
    assert ids(catalog.search_roadmaps("py")) == ["python-backend"]
    assert ids(catalog.search_roadmaps("")) == ["data-science", "python-backend"]


def test_repeated_queries_return_equal_independent_lists(catalog) -> None:
    first = catalog.search_topics("python-backend", "fla")
    first.clear()
    assert ids(catalog.search_topics("python-backend", "fla")) == ["flask"]
