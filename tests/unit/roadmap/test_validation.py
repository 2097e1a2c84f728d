"""Every validation rule of SPEC section 3 against a fixture that breaks it, message by message.

Each fixture in fixtures/broken/ ends with `# expect:` comments: exactly the lines `check`
must print for it, in order.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.roadmap.loader import ContentDirectoryError, load_directory
from tests.unit.roadmap.helpers import BROKEN, VALID, expected_lines, load_copies, problem_lines


@pytest.mark.parametrize("fixture", BROKEN, ids=[f.stem for f in BROKEN])
def test_each_broken_fixture_reports_exactly_its_problems(tmp_path: Path, fixture: Path) -> None:
    expected = expected_lines(fixture)
    assert expected, f"{fixture.name} has no `# expect:` lines"

    result = load_copies(tmp_path, fixture)

    assert problem_lines(result, tmp_path) == expected
    has_errors = any(not line.split(": ", 2)[-1].startswith("warning: ") for line in expected)
    assert result.ok is not has_errors
    assert (result.catalog is None) is has_errors


def test_warnings_alone_keep_the_content_usable(tmp_path: Path) -> None:
    result = load_copies(tmp_path, *(f for f in BROKEN if f.name == "warnings.yaml"))

    assert result.ok and result.error_count == 0 and result.warning_count == 8
    roadmap = result.catalog.require("odd-but-usable")
    assert [t.id for t in roadmap.topics] == ["syntax", "more-syntax", "regex"]
    # The duplicate old id is kept once in the map: progress on it counts for `syntax`.
    assert roadmap.resolve("old-syntax") == "syntax"


def test_valid_roadmap_builds_the_model_in_file_order(tmp_path: Path) -> None:
    result = load_copies(tmp_path, VALID)

    assert result.problems == []
    assert result.counts_text() == "1 roadmap, 2 stages, 4 topics, 2 examples"
    roadmap = result.catalog.require("mini")
    assert roadmap.title == "Mini backend"
    assert [s.id for s in roadmap.stages] == ["basics", "web"]
    assert [t.id for t in roadmap.topics] == ["syntax", "functions", "http", "rest-apis"]
    functions = roadmap.topic("functions")
    assert functions.replaces == ("defining-functions", "old-functions")
    assert functions.details == "Default arguments are evaluated once."
    assert functions.resources[0].url.endswith("#defining-functions")
    stage_example = roadmap.stages[0].example
    assert stage_example.language == "python"
    # Block code keeps its own indentation, without the YAML block's.
    assert stage_example.code.splitlines()[:2] == ["def read_file(file_name):", "    try:"]
    assert roadmap.topic("http").example.code.endswith("print(response.json())")


def test_roadmap_ids_are_unique_across_files(tmp_path: Path) -> None:
    result = load_copies(tmp_path, VALID, VALID, names=("a.yaml", "b.yaml"))

    assert problem_lines(result, tmp_path) == [
        f"b.yaml:2:5: id: duplicate roadmap id 'mini' (first in {tmp_path}/a.yaml:2)"
    ]
    assert result.catalog is None


def test_problems_of_every_file_are_reported_together(tmp_path: Path) -> None:
    broken = [f for f in BROKEN if f.name in ("duplicate_id.yaml", "bad_urls.yaml")]
    result = load_copies(tmp_path, *broken, VALID)

    files = {line.split(":", 1)[0] for line in problem_lines(result, tmp_path)}
    assert files == {"bad_urls.yaml", "duplicate_id.yaml"}
    assert result.error_count == 6
    assert result.counts_text() == "3 roadmaps, 4 stages, 8 topics, 2 examples"


def test_only_yaml_files_are_read(tmp_path: Path) -> None:
    (tmp_path / "schema.json").write_text("{}")
    (tmp_path / "notes.txt").write_text("not content")
    (tmp_path / ".#mini.yaml").write_text("an editor's lock file: : :")
    (tmp_path / "old.yml").write_text("id: old")

    result = load_copies(tmp_path, VALID)

    assert problem_lines(result, tmp_path) == [
        "old.yml: warning: ignored: content files must end in .yaml"
    ]
    assert result.ok


def test_a_folder_without_roadmaps_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "schema.json").write_text("{}")

    result = load_directory(tmp_path)

    assert [str(p) for p in result.problems] == [
        f"{tmp_path}: no roadmap files (*.yaml) in this folder"
    ]
    assert result.catalog is None


def test_a_missing_folder_raises_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ContentDirectoryError, match="does not exist"):
        load_directory(tmp_path / "nowhere")
    (tmp_path / "file").write_text("")
    with pytest.raises(ContentDirectoryError, match="is not a folder"):
        load_directory(tmp_path / "file")


def test_locate_points_at_the_content_behind_a_path(tmp_path: Path) -> None:
    result = load_copies(tmp_path, VALID)

    assert result.locate("mini", "stages[1].topics[0].example.code") == (
        f"{tmp_path}/mini.yaml",
        44,
        17,
    )
    assert result.locate("mini", "stages[0].title")[1:] == (7, 12)
    # A path deeper than the document stops at the deepest part that exists.
    assert result.locate("mini", "stages[1].topics[9].title")[1:] == (38, 7)
    assert result.locate("other", "title") == (str(tmp_path), None, None)
