"""Load every roadmap of a content folder: all problems of all files, and a Catalog when valid.

Pure and synchronous (the bot runs it in a worker thread on reload). Reads `*.yaml` only, in
file-name order; hidden files (editors' lock and swap files) are skipped and `*.yml` files are
named in a warning, since a file that is silently ignored would puzzle its author.

Problems reach the owner's reload reply and the log, so a file must not leak through them: a
symbolic link that leads out of the folder (to /etc/shadow, to the bot's .env) is refused
without being read, and a file that is not roadmap YAML at all (none of a roadmap's keys at
its top) gets one problem with a short, escaped excerpt instead of one per line it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.roadmap.catalog import Catalog
from bot.roadmap.problems import Problem, Severity
from bot.roadmap.validator import ROADMAP_KEYS, FileResult, validate_source
from bot.roadmap.yaml_source import MappingNode, Node, ScalarNode, read_source

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
            refusal = _link_refusal(directory, name)
            if refusal is not None:
                problems.append(refusal)
                continue
            files.append(
                _unless_foreign(
                    validate_source(read_source(directory / name, str(directory / name)))
                )
            )
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


#: How much of a file that is not roadmap YAML a problem quotes.
FOREIGN_EXCERPT_CHARS = 16


def _link_refusal(directory: Path, name: str) -> Problem | None:
    """A problem for a symbolic link that leads out of the content folder (or nowhere); the
    target is never opened, so nothing of it can reach a message."""
    path = directory / name
    if not path.is_symlink():
        return None
    try:
        target = path.resolve(strict=True)
        inside = target.is_relative_to(directory.resolve(strict=True))
    except (OSError, RuntimeError):  # dangling, a loop, unreadable
        return Problem(str(path), None, None, "", "refused: a symbolic link that leads nowhere")
    if inside:
        return None
    message = (
        "refused: a symbolic link to a file outside the content folder; "
        "put the roadmap file itself in the folder"
    )
    return Problem(str(path), None, None, "", message)


def _unless_foreign(result: FileResult) -> FileResult:
    """`result`, or, for a file that is not roadmap YAML, the same with its problems replaced
    by one naming the file and quoting a short escaped excerpt of its first line."""
    source = result.source
    if source.root is None or not _is_foreign(source.root):
        return result
    line, column = source.root.line, source.root.column
    text = source.line(line - 1)[column - 1 :]
    excerpt = ascii(text[:FOREIGN_EXCERPT_CHARS])[1:-1].replace("`", "'")
    if len(text) > FOREIGN_EXCERPT_CHARS:
        excerpt += "…"
    message = (
        "not a roadmap file: its top level has none of the keys "
        f"{', '.join(ROADMAP_KEYS)} (it starts with `{excerpt}`)"
    )
    result.problems = [Problem(source.file, line, column, "", message)]
    result.roadmap = result.usable = None
    return result


def _is_foreign(root: Node) -> bool:
    """Text (a scalar), or a mapping without any key of a roadmap. (A file that is no YAML at
    all, or a list, gets a problem that quotes nothing of it.)"""
    if isinstance(root, ScalarNode):
        return True
    if not isinstance(root, MappingNode):
        return False
    keys = {key.value for key, _ in root.value if isinstance(key, ScalarNode)}
    return not keys & ROADMAP_KEYS.keys()
