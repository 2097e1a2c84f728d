"""content/schema.json: editors validate with it, so it must agree with `check`.

It accepts every shipped roadmap and rejects each broken fixture whose rule JSON Schema can
express; fixtures marked `# schema: accepts` document the rules only `check` enforces.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator

from bot.roadmap import validator
from tests.unit.roadmap.helpers import BROKEN, FIXTURES

CONTENT = Path(__file__).parents[3] / "content"
SCHEMA = json.loads((CONTENT / "schema.json").read_text())
SHIPPED = sorted(CONTENT.glob("*.yaml"))


def schema_verdict(fixture: Path) -> str:
    first = fixture.read_text().splitlines()[0]
    assert first.startswith("# schema: "), f"{fixture.name} must say what the schema makes of it"
    return first.removeprefix("# schema: ").split(" ", 1)[0]


def schema_errors(file: Path) -> list[str]:
    document = yaml.safe_load(file.read_text())
    return [error.message for error in Draft7Validator(SCHEMA).iter_errors(document)]


JUDGED = [f for f in BROKEN if schema_verdict(f) in ("accepts", "rejects")]


def test_the_schema_is_a_valid_draft_7_schema() -> None:
    Draft7Validator.check_schema(SCHEMA)


def test_there_is_shipped_content_and_it_references_the_schema() -> None:
    assert SHIPPED, "content/ holds no roadmap"
    for file in SHIPPED:
        assert file.read_text().startswith("# yaml-language-server: $schema=schema.json\n")


@pytest.mark.parametrize(
    "file", [*SHIPPED, *sorted((FIXTURES / "valid").glob("*.yaml"))], ids=lambda f: f.name
)
def test_the_schema_accepts_valid_content(file: Path) -> None:
    assert schema_errors(file) == []


@pytest.mark.parametrize("fixture", JUDGED, ids=[f.stem for f in JUDGED])
def test_the_schema_judges_broken_fixtures_as_marked(fixture: Path) -> None:
    errors = schema_errors(fixture)
    if schema_verdict(fixture) == "rejects":
        assert errors, f"the schema accepts {fixture.name}, which check rejects"
    else:
        assert errors == []


KINDS = ["stage", "topic", "example", "resource", "check", "question", "answer", "choice"]


@pytest.mark.parametrize("kind", ["roadmap", *KINDS, "checkpoint"])
def test_schema_and_validator_know_the_same_keys(kind: str) -> None:
    keys: dict[str, bool] = getattr(validator, f"{kind.upper()}_KEYS")
    schema_node = SCHEMA if kind == "roadmap" else SCHEMA["definitions"][kind]
    assert set(schema_node["properties"]) == set(keys)
    assert set(schema_node["required"]) == {key for key, required in keys.items() if required}
    assert schema_node["additionalProperties"] is False
