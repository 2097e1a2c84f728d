"""Shared helpers for the roadmap tests: fixture folders and problems as the user reads them."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.roadmap.loader import LoadResult, load_directory

FIXTURES = Path(__file__).parent / "fixtures"
BROKEN = sorted((FIXTURES / "broken").glob("*.yaml"))
VALID = FIXTURES / "valid" / "mini.yaml"


def load_copies(tmp_path: Path, *files: Path, names: tuple[str, ...] = ()) -> LoadResult:
    """Copy fixtures into a fresh content folder (optionally renamed) and load it."""
    for index, file in enumerate(files):
        shutil.copy(file, tmp_path / (names[index] if names else file.name))
    return load_directory(tmp_path)


def problem_lines(result: LoadResult, folder: Path) -> list[str]:
    """Each problem as `check` prints it, without the folder prefix."""
    return [str(problem).removeprefix(f"{folder}/") for problem in result.problems]


def expected_lines(fixture: Path) -> list[str]:
    """The `# expect: LINE:COL: path: message` comments at the end of a fixture (a problem of
    the whole file has no LINE:COL)."""
    marker = "# expect: "
    texts = [
        line.removeprefix(marker)
        for line in fixture.read_text().splitlines()
        if line.startswith(marker)
    ]
    return [
        f"{fixture.name}:{text}" if text[:1].isdigit() else f"{fixture.name}: {text}"
        for text in texts
    ]
