"""The content the bot is serving right now, and reloading it from the content folder.

Everything that needs roadmaps reads `holder.catalog` at the moment it needs it (never keeps
its own reference across awaits), so a reload replaces the content for every reader at once.

`accept_content` is the one rule for whether a content folder may be served: the start-up,
every reload, `python -m bot check` and `python -m bot preview` all go through it, so they accept
and refuse the same folders with the same problems.

`ContentReloader.reload()` accepts the folder in a worker thread (the event loop keeps answering
members meanwhile), swaps the new catalog in only when it is accepted, and otherwise keeps
serving the old one and logs every problem as `file:line:col: path: message`. Each reload,
applied or not, comes back as a ReloadOutcome whose lines are the report.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bot.roadmap.catalog import Catalog
from bot.roadmap.diff import ContentDiff, diff_catalogs
from bot.roadmap.loader import ContentDirectoryError, LoadResult, load_directory, plural
from bot.roadmap.problems import Problem
from bot.store.database import Database
from bot.store.orphans import OrphanedProgressRepository

log = logging.getLogger(__name__)

#: Checks of content that validated, from the layers above (Discord's size limits belong to
#: bot/render, which the services may not import): the problems they find, errors refuse it.
Audit = Callable[[LoadResult], list[Problem]]


@dataclass(frozen=True, slots=True)
class ContentAcceptance:
    """Whether a content folder may be served, and every problem found in it, in file order.

    Keeps no parse trees: only the catalog (None when refused) and what to report."""

    directory: Path
    catalog: Catalog | None
    problems: tuple[Problem, ...]  # errors and warnings, sorted by file, line and column
    counts: str  # what the folder holds, like `1 roadmap, 6 stages, 20 topics, 5 examples`

    @property
    def accepted(self) -> bool:
        return self.catalog is not None

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if not p.is_error)

    def summary_line(self) -> str:
        """`1 roadmap, 6 stages, 20 topics, 5 examples: OK (1 warning)`, or the error count."""
        errors, warnings = len(self.errors), len(self.warnings)
        if errors:
            verdict = plural(errors, "error")
            if warnings:
                verdict += ", " + plural(warnings, "warning")
        else:
            verdict = "OK" + (f" ({plural(warnings, 'warning')})" if warnings else "")
        return f"{self.counts}: {verdict}"


def accept_content(directory: Path, *, audit: Audit) -> ContentAcceptance:
    """Load and validate every roadmap file in `directory`, run `audit` over what validated, and
    accept the content only when neither found an error.

    `audit` is required so that no caller can skip it (bot.render.audit.accept_for_discord
    passes Discord's size audit). Raises ContentDirectoryError when the folder is unusable."""
    result = load_directory(directory)
    problems = [*result.problems, *audit(result)]
    problems.sort(key=Problem.sort_key)
    refused = result.catalog is None or any(problem.is_error for problem in problems)
    acceptance = ContentAcceptance(
        result.directory,
        None if refused else result.catalog,
        tuple(problems),
        result.counts_text(),
    )
    # Free the YAML node trees file by file (in the caller's thread: a reload's worker), so
    # that no single free of them holds the GIL for long.
    files = list(result.files)
    del result
    while files:
        files.pop()
    return acceptance


#: The one thread every reload loads on. Loading on whichever thread of the default pool is
#: free touched a new glibc malloc arena per thread, which keeps its memory: the RSS stepped up
#: at each reload (the soak's 0.57 MB/min); one thread reuses one arena (flat).
_LOADER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="content-load")


class ContentHolder:
    """Holds the current Catalog; `replace` swaps it atomically (a single attribute store)."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    @property
    def catalog(self) -> Catalog:
        return self._catalog

    def replace(self, catalog: Catalog) -> Catalog:
        """Serve `catalog` from now on; returns the one it replaced."""
        previous, self._catalog = self._catalog, catalog
        return previous


@dataclass(frozen=True)
class ReloadOutcome:
    """What one reload did. `applied` is False when the old content is still being served."""

    trigger: str  # why it ran: "file change", "SIGHUP", "/roadmap-owner reload by 123"
    applied: bool
    problems: tuple[Problem, ...]  # errors (when refused) and warnings
    seconds: float  # from the start of loading until the swap (or the refusal)
    counts: str = ""  # what is served now when applied: `1 roadmap, 6 stages, ...`
    diff: ContentDiff | None = None
    orphaned_members: int | None = None  # None when it could not be counted

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if not p.is_error)

    @property
    def headline(self) -> str:
        if not self.applied:
            return (
                f"Content not reloaded ({self.trigger}): {plural(len(self.errors), 'error')}; "
                "still serving the previous content."
            )
        changes = self.diff.summary() if self.diff is not None else "no changes"
        return f"Content reloaded ({self.trigger}): {self.counts}; {changes}."

    @property
    def orphans_line(self) -> str | None:
        if self.orphaned_members is None:
            return None
        return (
            f"{_members(self.orphaned_members)} progress on ids that no longer exist "
            "(kept; it counts again if the id comes back)."
        )

    def lines(self) -> list[str]:
        """The details under the headline: problems, then changes, then the orphans count."""
        lines = [str(problem) for problem in (*self.errors, *self.warnings)]
        if self.applied:
            lines += self.diff.lines() if self.diff is not None else []
            if self.orphans_line:
                lines.append(self.orphans_line)
        return lines


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No automatic garbage collection while a reload builds its objects.

    Loading allocates a few hundred thousand objects that live until the load ends; the cyclic
    collector would promote them and then run a full collection over the whole heap, holding
    the GIL (so stalling the event loop) for tens to hundreds of milliseconds. Everything the
    load leaves behind is freed by reference counting instead; afterwards collection resumes
    and only ever sees the new catalog as young objects.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _members(count: int) -> str:
    if count == 0:
        return "No member has"
    return "1 member has" if count == 1 else f"{count} members have"


class ContentReloader:
    """Reloads `directory` into `holder`, one reload at a time, when `accept` accepts it."""

    def __init__(
        self,
        holder: ContentHolder,
        directory: Path,
        database: Database,
        *,
        accept: Callable[[Path], ContentAcceptance],
    ) -> None:
        self.holder = holder
        # The bot's acceptance rule with the layers above's audit in it (bot/wiring.py passes
        # bot.render.audit.accept_for_discord, as the start-up, check and preview use).
        self._accept_folder = accept
        self.directory = Path(directory)
        self._orphans = OrphanedProgressRepository(database)
        # Two triggers at once (a save and a SIGHUP) must not interleave their swaps.
        self._lock = asyncio.Lock()

    async def reload(self, trigger: str) -> ReloadOutcome:
        """Load, validate and, when everything is valid, serve the folder's content."""
        async with self._lock:
            started = time.perf_counter()
            previous = self.holder.catalog
            try:
                accepted, diff = await asyncio.get_running_loop().run_in_executor(
                    _LOADER, self._accept, previous
                )
            except ContentDirectoryError as exc:
                problem = Problem(str(self.directory), None, None, "", str(exc))
                outcome = ReloadOutcome(trigger, False, (problem,), time.perf_counter() - started)
                return self._refused(outcome)
            if accepted.catalog is None:
                seconds = time.perf_counter() - started
                return self._refused(ReloadOutcome(trigger, False, accepted.problems, seconds))
            self.holder.replace(accepted.catalog)
            seconds = time.perf_counter() - started
            orphaned = await self._count_orphans(accepted.catalog)
            outcome = ReloadOutcome(
                trigger,
                True,
                accepted.problems,
                seconds,
                counts=accepted.counts,
                diff=diff,
                orphaned_members=orphaned,
            )
            log.info("%s (in %.2f s)", outcome.headline, seconds)
            for line in outcome.lines():
                log.info("%s", line)
            return outcome

    def _accept(self, previous: Catalog) -> tuple[ContentAcceptance, ContentDiff | None]:
        # Runs in a worker thread: parsing, validating, auditing and comparing are all CPU work.
        with _collector_paused():
            accepted = self._accept_folder(self.directory)
            catalog = accepted.catalog
            return accepted, diff_catalogs(previous, catalog) if catalog is not None else None

    def _refused(self, outcome: ReloadOutcome) -> ReloadOutcome:
        log.error("%s", outcome.headline)
        for problem in outcome.errors:
            log.error("%s", problem)
        for problem in outcome.warnings:
            log.warning("%s", problem)
        return outcome

    async def _count_orphans(self, catalog: Catalog) -> int | None:
        known = {r.id: [*(t.id for t in r.topics), *r.replaces_map] for r in catalog.roadmaps}
        try:
            return await self._orphans.count_members(known)
        except Exception:
            # The content is already swapped in; a failed count must not make it look refused.
            log.exception("could not count progress on ids that left the content")
            return None
