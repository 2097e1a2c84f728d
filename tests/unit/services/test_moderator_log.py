"""The moderators' log lines: content errors counted per roadmap by file, a content version
that names the same broken files the same way, and reminder lines that name members without
growing past Discord's limit."""

from __future__ import annotations

from pathlib import Path

from bot.roadmap.loader import load_directory
from bot.roadmap.problems import Problem
from bot.services.moderator_log import (
    LINE_MAX,
    content_line,
    content_version,
    errors_by_roadmap,
    reminder_off_line,
)


def _problem(file: str, message: str = "duplicate key", severity: str = "error") -> Problem:
    return Problem(file, 3, 1, "stages[0]", message, severity)  # type: ignore[arg-type]


FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "roadmap"


def test_errors_are_counted_per_served_roadmap_and_warnings_ignored() -> None:
    shipped_catalog = load_directory(FIXTURE).catalog
    assert shipped_catalog is not None
    roadmap_id = shipped_catalog.default_id
    problems = [
        _problem(f"/srv/content/{roadmap_id}.yaml"),
        _problem(f"/srv/content/{roadmap_id}.yaml", "another"),
        _problem(f"/srv/content/{roadmap_id}.yaml", "just a warning", "warning"),
        _problem("/srv/content/new-one.yaml"),
    ]
    assert errors_by_roadmap(problems, shipped_catalog) == ({roadmap_id: 2}, 1)


def test_the_content_version_follows_the_errors_not_their_order() -> None:
    first, second = _problem("a.yaml", "one"), _problem("b.yaml", "two")
    assert content_version([first, second]) == content_version([second, first])
    assert content_version([first]) != content_version([first, second])
    warning = _problem("c.yaml", "warned", "warning")
    assert content_version([first, warning]) == content_version([first])


def test_lines_carry_no_paths_and_stay_within_discords_limit() -> None:
    line = content_line("Backend", 3)
    assert "3 errors" in line and ".yaml" not in line
    one = reminder_off_line([1])
    assert one.startswith("🔕 I turned off <@1>'s daily reminder")
    many = reminder_off_line(list(range(1, 500)))
    assert "and 459 more" in many and len(many) <= LINE_MAX
