"""The shipped default roadmap: its shape, its ids, and examples that compile (and run, when they
need nothing outside the standard library)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.roadmap.loader import load_directory

CONTENT = Path(__file__).resolve().parents[2] / "content"
ROADMAP_FILE = CONTENT / "python-backend.yaml"
ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")

EXPECTED_TOPICS = {
    "basics": ["syntax-and-data-types", "functions", "file-handling", "error-handling"],
    "web-fundamentals": ["http", "rest-apis", "json-and-xml"],
    "web-framework": ["django", "flask", "fastapi"],
    "databases": ["sql", "nosql", "orms"],
    "advanced": [
        "authentication",
        "asynchronous-programming",
        "containerization",
        "cloud-platforms",
    ],
    "next-steps": ["build-a-project", "open-source", "stay-updated"],
}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return yaml.safe_load(ROADMAP_FILE.read_text(encoding="utf-8"))


def examples(document: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Every example in the file, by the id of the stage or topic that holds it."""
    found = {}
    for stage in document["stages"]:
        if "example" in stage:
            found[stage["id"]] = stage["example"]
        for topic in stage["topics"]:
            if "example" in topic:
                found[topic["id"]] = topic["example"]
    return found


def test_the_file_references_the_schema_on_its_first_line():
    first_line = ROADMAP_FILE.read_text(encoding="utf-8").splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=schema.json"


def test_six_stages_of_twenty_topics_in_the_seed_order(document):
    assert document["id"] == "python-backend"
    topics = {s["id"]: [t["id"] for t in s["topics"]] for s in document["stages"]}
    assert topics == EXPECTED_TOPICS
    assert sum(len(ids) for ids in topics.values()) == 20


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


def test_five_examples_on_the_first_five_stages_and_none_on_the_conclusion(document):
    found = examples(document)
    assert sorted(found) == sorted(list(EXPECTED_TOPICS)[:5])
    assert all(item.get("language", "python") == "python" for item in found.values())


def test_every_example_compiles(document):
    for owner, item in examples(document).items():
        compile(item["code"], f"<{owner} example>", "exec")


def test_examples_use_todays_apis(document):
    found = examples(document)
    assert 'encoding="utf-8"' in found["basics"]["code"]
    assert "timeout=" in found["web-fundamentals"]["code"]
    assert "raise_for_status()" in found["web-fundamentals"]["code"]
    assert "@app.get(" in found["web-framework"]["code"]
    sqlalchemy = found["databases"]["code"]
    assert "declarative_base" not in sqlalchemy and "sessionmaker" not in sqlalchemy
    for name in ("DeclarativeBase", "Mapped[", "mapped_column(", "with Session(", "select("):
        assert name in sqlalchemy
    assert "asyncio.gather(" in found["advanced"]["code"]


def run_example(code: str) -> None:
    exec(compile(code, "<example>", "exec"), {"__name__": "__main__"})


def test_the_file_reading_example_runs(document, tmp_path, monkeypatch, capsys):
    code = examples(document)["basics"]["code"]
    monkeypatch.chdir(tmp_path)
    run_example(code)
    assert capsys.readouterr().out == "File not found!\n"

    (tmp_path / "notes.txt").write_text("Grüße aus der Datei\n", encoding="utf-8")
    run_example(code)
    assert capsys.readouterr().out == "Grüße aus der Datei\n\n"


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
    assert len(roadmap.topics) == 20
