"""The shipped default roadmap: its shape, its ids, what every topic teaches with, and the stage
examples' habits. tests/content runs every example; the two stage examples checked here behave
as their comments say."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.roadmap.loader import load_directory

CONTENT = Path(__file__).resolve().parents[2] / "content"
ROADMAP_FILE = CONTENT / "python-backend.yaml"
ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")

EXPECTED_TOPICS = {
    "basics": [
        "dev-environment",
        "git",
        "syntax-and-data-types",
        "control-flow",
        "functions",
        "file-handling",
        "error-handling",
        "classes",
        "decorators",
        "testing",
    ],
    "web-fundamentals": ["http", "rest-apis", "json-and-xml"],
    "web-framework": ["django", "flask", "fastapi"],
    "databases": ["sql", "nosql", "orms", "schema-migrations"],
    "advanced": [
        "authentication",
        "web-security",
        "asynchronous-programming",
        "caching",
        "background-jobs",
        "containerization",
        "deployment",
        "continuous-integration",
        "cloud-platforms",
    ],
    "next-steps": ["build-a-project", "open-source", "stay-updated"],
}
# The seed's twenty topics: members' progress is stored under these ids, so none may go.
SEED_TOPICS = [
    "syntax-and-data-types",
    "functions",
    "file-handling",
    "error-handling",
    "http",
    "rest-apis",
    "json-and-xml",
    "django",
    "flask",
    "fastapi",
    "sql",
    "nosql",
    "orms",
    "authentication",
    "asynchronous-programming",
    "containerization",
    "cloud-platforms",
    "build-a-project",
    "open-source",
    "stay-updated",
]


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return yaml.safe_load(ROADMAP_FILE.read_text(encoding="utf-8"))


def examples(document: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Every stage example in the file, by the id of the stage that holds it."""
    return {stage["id"]: stage["example"] for stage in document["stages"] if "example" in stage}


def test_the_file_references_the_schema_on_its_first_line():
    first_line = ROADMAP_FILE.read_text(encoding="utf-8").splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=schema.json"


def test_six_stages_of_thirty_two_topics_keeping_the_seed_order(document):
    assert document["id"] == "python-backend"
    topics = {s["id"]: [t["id"] for t in s["topics"]] for s in document["stages"]}
    assert topics == EXPECTED_TOPICS
    assert sum(len(ids) for ids in topics.values()) == 32
    in_order = [topic for ids in topics.values() for topic in ids if topic in SEED_TOPICS]
    assert in_order == SEED_TOPICS  # every seed topic kept, in the seed's order


def test_ids_are_lowercase_kebab_short_and_unique(document):
    ids = [document["id"]]
    for stage in document["stages"]:
        ids.append(stage["id"])
        ids.extend(topic["id"] for topic in stage["topics"])
    assert all(ID.fullmatch(item) and len(item) <= 32 for item in ids), ids
    assert len(set(ids[1:])) == len(ids) - 1


def test_every_topic_explains_itself_and_points_to_official_docs(document):
    for stage in document["stages"]:
        assert stage["title"] and stage["summary"]
        for topic in stage["topics"]:
            sentences = re.findall(r"[.!?](?:\s|$)", topic["summary"])
            assert 2 <= len(sentences) <= 5, (topic["id"], len(sentences))
            assert topic["resources"], topic["id"]
            for resource in topic["resources"]:
                assert resource["title"]
                assert resource["url"].startswith("https://"), resource
                assert resource.get("kind") in {"docs", "tutorial", "video", "article", "book"}
            assert resource_urls(topic).isdisjoint(other_urls(document, topic)), topic["id"]


def resource_urls(topic: dict[str, Any]) -> set[str]:
    return {resource["url"] for resource in topic["resources"]}


def other_urls(document: dict[str, Any], this: dict[str, Any]) -> set[str]:
    return {
        resource["url"]
        for stage in document["stages"]
        for topic in stage["topics"]
        if topic is not this
        for resource in topic["resources"]
    }


def test_every_topic_teaches_with_its_own_example_a_task_and_questions(document):
    for stage in document["stages"]:
        assert stage["checkpoint"]["title"] and stage["checkpoint"]["task"], stage["id"]
        for topic in stage["topics"]:
            assert "example" not in topic and 1 <= len(topic["examples"]) <= 2, topic["id"]
            assert 2 <= len(re.findall(r"[.!?](?:\s|$)", topic["practice"])) <= 4, topic["id"]
            assert 0 < topic["minutes"] <= 600
            questions = topic["check"]["questions"]
            assert 2 <= len(questions) <= 4, topic["id"]
            for question in questions:
                assert sum(bool(answer.get("right")) for answer in question["answers"]) == 1
                assert all(len(answer["text"]) <= 80 for answer in question["answers"])
                assert all(answer["why"] for answer in question["answers"])


def test_the_framework_stage_asks_for_one_of_the_three(document):
    stage = next(stage for stage in document["stages"] if stage["id"] == "web-framework")
    assert stage["choices"] == [
        {"title": "Pick one framework", "pick": 1, "topics": ["django", "flask", "fastapi"]}
    ]


def test_five_stage_examples_on_the_first_five_stages_and_none_on_the_conclusion(document):
    found = examples(document)
    assert sorted(found) == sorted(list(EXPECTED_TOPICS)[:5])
    assert all(item.get("language", "python") == "python" for item in found.values())
    # Only the one that needs the Internet is not run.
    assert [owner for owner, item in found.items() if item.get("runs") is False] == [
        "web-fundamentals"
    ]


def test_every_stage_example_compiles(document):
    for owner, item in examples(document).items():
        compile(item["code"], f"<{owner} example>", "exec")


def test_examples_use_todays_apis(document):
    found = examples(document)
    assert 'encoding="utf-8"' in found["basics"]["code"]
    assert "timeout=" in found["web-fundamentals"]["code"]
    assert "raise_for_status()" in found["web-fundamentals"]["code"]
    assert "@app.get(" in found["web-framework"]["code"]
    assert "app.run(" not in found["web-framework"]["code"]  # the test client, not a server
    sqlalchemy = found["databases"]["code"]
    assert "declarative_base" not in sqlalchemy and "sessionmaker" not in sqlalchemy
    for name in ("DeclarativeBase", "Mapped[", "mapped_column(", "with Session(", "select("):
        assert name in sqlalchemy
    assert 'create_engine("sqlite://")' in sqlalchemy  # in memory: no test.db left behind
    assert "asyncio.gather(" in found["advanced"]["code"]


def run_example(code: str) -> None:
    exec(compile(code, "<example>", "exec"), {"__name__": "__main__"})


def test_the_file_reading_example_shows_the_message_beside_the_better_way(
    document, tmp_path, monkeypatch, capsys
):
    code = examples(document)["basics"]["code"]
    monkeypatch.chdir(tmp_path)
    run_example(code)
    # The classic version's message, then the better one's None, told apart by the caller.
    assert capsys.readouterr().out == "File not found!\nNo notes yet.\n"

    (tmp_path / "notes.txt").write_text("Grüße aus der Datei\n", encoding="utf-8")
    run_example(code)
    assert capsys.readouterr().out == "Grüße aus der Datei\n\nGrüße aus der Datei\n\n"


def test_the_sqlalchemy_example_adds_one_alice_and_leaves_no_file(document, tmp_path):
    script = tmp_path.parent / f"{tmp_path.name}-example.py"
    script.write_text(examples(document)["databases"]["code"], encoding="utf-8")
    for _ in range(2):  # a second run still finds one Alice: nothing persisted
        run = subprocess.run(
            [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
        assert (run.returncode, run.stdout) == (0, "1 Alice\n"), run.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_asyncio_example_runs_its_coroutines_concurrently(document, monkeypatch, capsys):
    real_sleep = asyncio.sleep

    async def short_sleep(delay: float, result: Any = None) -> Any:
        return await real_sleep(delay / 1000, result)  # seconds become milliseconds

    monkeypatch.setattr(asyncio, "sleep", short_sleep)
    run_example(examples(document)["advanced"]["code"])
    lines = capsys.readouterr().out.splitlines()
    # All three start before any finishes: the waits overlap.
    assert lines[:3] == ["Fetching users...", "Fetching orders...", "Fetching products..."]
    assert sorted(lines[3:6]) == ["orders fetched!", "products fetched!", "users fetched!"]
    assert lines[6] == "['users data', 'orders data', 'products data']"


def test_the_loader_accepts_the_shipped_content():
    result = load_directory(CONTENT)
    assert result.ok, [str(problem) for problem in result.problems]
    assert result.problems == []  # not even a warning
    roadmap = result.catalog.require("python-backend")
    assert len(roadmap.stages) == 6
    assert len(roadmap.topics) == 32
    assert all(topic.examples and topic.check and topic.minutes for topic in roadmap.topics)
