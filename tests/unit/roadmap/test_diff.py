"""The reload diff: what a content maintainer reads after editing the roadmap files."""

from __future__ import annotations

from dataclasses import replace

from bot.roadmap.catalog import Catalog
from bot.roadmap.diff import diff_catalogs
from bot.roadmap.model import Roadmap, Stage, Topic


def topic(topic_id: str, title: str | None = None, replaces: tuple[str, ...] = ()) -> Topic:
    title = title or topic_id.replace("-", " ").capitalize()
    return Topic(topic_id, title, f"About {title}.", replaces=replaces)


def stage(stage_id: str, *topics: Topic, title: str | None = None) -> Stage:
    return Stage(stage_id, title or stage_id.capitalize(), "A stage.", topics)


def roadmap(*stages: Stage, roadmap_id: str = "backend", title: str = "Backend") -> Roadmap:
    return Roadmap(roadmap_id, title, "A roadmap.", stages)


def base() -> Roadmap:
    return roadmap(
        stage("basics", topic("syntax"), topic("functions"), topic("files")),
        stage("web", topic("http"), topic("rest")),
    )


def report(old: Roadmap | list[Roadmap], new: Roadmap | list[Roadmap]) -> list[str]:
    def catalog(value: Roadmap | list[Roadmap]) -> Catalog:
        return Catalog(value if isinstance(value, list) else [value])

    return diff_catalogs(catalog(old), catalog(new)).lines()


def test_the_same_content_has_no_changes() -> None:
    diff = diff_catalogs(Catalog([base()]), Catalog([base()]))
    assert diff.empty
    assert diff.lines() == []
    assert diff.summary() == "no changes to roadmaps, stages or topics"


def test_reordering_topics_and_stages_is_not_a_change() -> None:
    shuffled = roadmap(
        stage("web", topic("rest"), topic("http")),
        stage("basics", topic("files"), topic("syntax"), topic("functions")),
    )
    assert report(base(), shuffled) == []


def test_added_removed_and_retitled_topics() -> None:
    edited = roadmap(
        stage("basics", topic("syntax"), topic("functions", "Functions and scope")),
        stage("web", topic("http"), topic("websockets", "WebSockets"), topic("rest")),
    )
    assert report(base(), edited) == [
        'backend: topic added: websockets "WebSockets" (stage web)',
        'backend: topic removed: files "Files" (progress on it is kept)',
        'backend: topic retitled: functions "Functions" -> "Functions and scope"',
    ]
    diff = diff_catalogs(Catalog([base()]), Catalog([edited]))
    assert diff.summary() == "1 topic added, 1 topic removed, 1 topic retitled"


def test_a_rename_with_replaces_is_carried_over_not_added_and_removed() -> None:
    renamed = roadmap(
        stage(
            "basics",
            topic("syntax"),
            topic("defining-functions", "Defining functions", replaces=("functions",)),
            topic("files"),
        ),
        stage("web", topic("http"), topic("rest")),
    )
    assert report(base(), renamed) == [
        'backend: topic carried over: functions -> defining-functions "Defining functions" '
        "(progress carried over)"
    ]


def test_a_merge_carries_both_old_ids_into_the_surviving_topic() -> None:
    merged = roadmap(
        stage("basics", topic("syntax"), topic("functions")),
        stage("web", topic("http-apis", "HTTP APIs", replaces=("http", "rest")), topic("files")),
    )
    assert report(base(), merged) == [
        'backend: topic carried over: http -> http-apis "HTTP APIs" (progress carried over)',
        'backend: topic carried over: rest -> http-apis "HTTP APIs" (progress carried over)',
        'backend: topic moved: files "Files" from stage basics to stage web',
    ]


def test_stages_added_removed_and_retitled() -> None:
    edited = roadmap(
        stage("basics", topic("syntax"), topic("functions"), topic("files"), title="Basics first"),
        stage("deploy", topic("http"), topic("rest"), title="Deployment"),
    )
    assert report(base(), edited) == [
        'backend: stage added: deploy "Deployment"',
        'backend: stage removed: web "Web"',
        'backend: stage retitled: basics "Basics" -> "Basics first"',
        'backend: topic moved: http "Http" from stage web to stage deploy',
        'backend: topic moved: rest "Rest" from stage web to stage deploy',
    ]


def test_roadmaps_added_removed_and_retitled() -> None:
    data = roadmap(stage("numpy", topic("arrays")), roadmap_id="data", title="Data science")
    retitled = replace(base(), title="Backend developer")
    assert report([base(), data], [retitled]) == [
        'roadmap removed: data "Data science" (progress on it is kept)',
        'backend: roadmap retitled: "Backend" -> "Backend developer"',
    ]
    assert report([base()], [base(), data]) == [
        'roadmap added: data "Data science" (1 stage, 1 topic)'
    ]


def test_a_removed_topic_brought_back_is_added_again() -> None:
    without = roadmap(
        stage("basics", topic("syntax"), topic("functions")),
        stage("web", topic("http"), topic("rest")),
    )
    assert report(base(), without) == [
        'backend: topic removed: files "Files" (progress on it is kept)'
    ]
    assert report(without, base()) == ['backend: topic added: files "Files" (stage basics)']


def test_dropping_or_repointing_an_old_replaces_entry_is_reported() -> None:
    with_history = roadmap(
        stage("basics", topic("syntax", replaces=("basics-101",)), topic("functions")),
    )
    dropped = roadmap(stage("basics", topic("syntax"), topic("functions")))
    repointed = roadmap(
        stage("basics", topic("syntax"), topic("functions", replaces=("basics-101",))),
    )
    assert report(with_history, dropped) == [
        "backend: carry-over ended: progress on basics-101 no longer counts for syntax"
    ]
    assert report(with_history, repointed) == [
        'backend: topic carried over: basics-101 -> functions "Functions" (progress carried over)'
    ]
    # A `replaces` entry that stays as it was is not news.
    assert report(with_history, with_history) == []


def test_summary_counts_every_kind_across_roadmaps() -> None:
    data = roadmap(stage("numpy", topic("arrays")), roadmap_id="data", title="Data science")
    edited_data = roadmap(
        stage("numpy", topic("arrays"), topic("broadcasting")), roadmap_id="data", title="Data"
    )
    edited = roadmap(
        stage("basics", topic("syntax"), topic("functions"), topic("files"), topic("modules")),
        stage("web", topic("http"), topic("rest")),
    )
    diff = diff_catalogs(Catalog([base(), data]), Catalog([edited, edited_data]))
    assert diff.summary() == "1 roadmap retitled, 2 topics added"
    assert diff.lines() == [
        'backend: topic added: modules "Modules" (stage basics)',
        'data: roadmap retitled: "Data science" -> "Data"',
        'data: topic added: broadcasting "Broadcasting" (stage numpy)',
    ]
