"""Load every roadmap of a content folder: all problems of all files, and a Catalog when valid.

Pure and synchronous (the bot runs it in a worker thread on reload). Reads `*.yaml` only, in
file-name order; hidden files (editors' lock and swap files) are skipped and `*.yml` files are
named in a warning, since a file that is silently ignored would puzzle its author.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.roadmap.catalog import Catalog
from bot.roadmap.problems import Problem, Severity
from bot.roadmap.validator import FileResult, validate_source
from bot.roadmap.yaml_source import read_source

__all__ = ["ContentDirectoryError", "LoadResult", "Problem", "load_directory"]


class ContentDirectoryError(Exception):
    """The content folder itself is missing or unreadable; the message says which and why."""


@dataclass(frozen=True)
class LoadResult:
    """Everything `check` and a reload need: problems, counts, and the catalog when valid."""

    directory: Path
    catalog: Catalog | None
    problems: list[Problem]
    files: tuple[FileResult, ...]

    @property
    def ok(self) -> bool:
        return self.catalog is not None

    @property
    def error_count(self) -> int:
        return sum(problem.is_error for problem in self.problems)

    @property
    def warning_count(self) -> int:
        return len(self.problems) - self.error_count

    @property
    def roadmap_count(self) -> int:
        return sum(1 for f in self.files if f.source.root is not None)

    @property
    def stage_count(self) -> int:
        return sum(f.stages for f in self.files)

    @property
    def topic_count(self) -> int:
        return sum(f.topics for f in self.files)

    @property
    def example_count(self) -> int:
        return sum(f.examples for f in self.files)

    def counts_text(self) -> str:
        """Like `1 roadmap, 6 stages, 20 topics, 5 examples`."""
        return ", ".join(
            plural(count, noun)
            for count, noun in (
                (self.roadmap_count, "roadmap"),
                (self.stage_count, "stage"),
                (self.topic_count, "topic"),
                (self.example_count, "example"),
            )
        )

    def locate(self, roadmap_id: str, path: str) -> tuple[str, int | None, int | None]:
        """File, line and column of a document path (the deepest part that exists)."""
        problem = self.problem_at(roadmap_id, path, "")
        return problem.file, problem.line, problem.column

    def problem_at(
        self, roadmap_id: str, path: str, message: str, severity: Severity = "error"
    ) -> Problem:
        """A Problem for a finding about a loaded roadmap, placed where `path` is written."""
        for result in self.files:
            if result.roadmap_id == roadmap_id and result.source.root is not None:
                return result.problem_at(path, message, severity)
        return Problem(str(self.directory), None, None, path, message, severity)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def load_directory(path: Path) -> LoadResult:
    """Validate every `*.yaml` in `path`; raises ContentDirectoryError if the folder is unusable."""
    directory = Path(path)
    try:
        names = sorted(entry.name for entry in directory.iterdir())
    except FileNotFoundError:
        raise ContentDirectoryError(f"content folder '{directory}' does not exist") from None
    except NotADirectoryError:
        raise ContentDirectoryError(f"'{directory}' is not a folder") from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ContentDirectoryError(f"cannot read content folder '{directory}': {reason}") from None

    problems: list[Problem] = []
    files: list[FileResult] = []
    for name in names:
        if name.startswith("."):
            continue
        if name.endswith(".yml"):
            message = "ignored: content files must end in .yaml"
            problems.append(Problem(str(directory / name), None, None, "", message, "warning"))
        elif name.endswith(".yaml"):
            files.append(validate_source(read_source(directory / name, str(directory / name))))
    if not files:
        message = "no roadmap files (*.yaml) in this folder"
        problems.append(Problem(str(directory), None, None, "", message))

    failed = _check_roadmap_ids(files)
    for result in files:
        problems.extend(result.problems)
    problems.sort(key=Problem.sort_key)
    catalog = None
    if files and not failed and not any(problem.is_error for problem in problems):
        catalog = Catalog(result.roadmap for result in files if result.roadmap is not None)
    return LoadResult(directory, catalog, problems, tuple(files))


def _check_roadmap_ids(files: list[FileResult]) -> bool:
    """Report roadmap ids used by two files; True if any was."""
    first: dict[str, str] = {}  # roadmap id -> file:line where it was first seen
    failed = False
    for result in files:
        roadmap_id, node = result.roadmap_id, result.id_node
        if roadmap_id is None or node is None:
            continue
        where = first.setdefault(roadmap_id, f"{result.source.file}:{node.line}")
        if where.startswith(result.source.file + ":"):
            continue
        result.problems.append(
            Problem(
                result.source.file,
                node.line,
                node.column,
                "id",
                f"duplicate roadmap id '{roadmap_id}' (first in {where})",
            )
        )
        result.roadmap = None
        failed = True
    return failed
