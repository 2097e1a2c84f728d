"""The content the bot is serving right now, and reloading it from the content folder.

Everything that needs roadmaps reads `holder.catalog` at the moment it needs it (never keeps
its own reference across awaits), so a reload replaces the content for every reader at once.

`ContentReloader.reload()` loads and validates the folder in a worker thread (the event loop
keeps answering members meanwhile), swaps the new catalog in only when all of it is valid, and
otherwise keeps serving the old one and logs every problem as `file:line:col: path: message`.
Each reload, applied or not, comes back as a ReloadOutcome whose lines are the report.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.roadmap.catalog import Catalog
from bot.roadmap.diff import ContentDiff, diff_catalogs
from bot.roadmap.loader import ContentDirectoryError, LoadResult, load_directory, plural
from bot.roadmap.problems import Problem
from bot.store.database import Database
from bot.store.orphans import OrphanedProgressRepository

log = logging.getLogger(__name__)


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


@dataclass(frozen=True, slots=True)
class _Loaded:
    """What a reload keeps of a LoadResult (not its parse trees)."""

    catalog: Catalog | None
    problems: tuple[Problem, ...]
    counts: str
    diff: ContentDiff | None


class ContentReloader:
    """Reloads `directory` into `holder`, one reload at a time."""

    def __init__(
        self,
        holder: ContentHolder,
        directory: Path,
        database: Database,
        *,
        audit: Callable[[LoadResult], list[Problem]] | None = None,
    ) -> None:
        self.holder = holder
        # Extra checks of valid content from the layers above (Discord's size limits, which
        # belong to bot/render); an error from them refuses the reload like any other.
        self._audit = audit
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
                loaded = await asyncio.to_thread(self._load, previous)
            except ContentDirectoryError as exc:
                problem = Problem(str(self.directory), None, None, "", str(exc))
                outcome = ReloadOutcome(trigger, False, (problem,), time.perf_counter() - started)
                return self._refused(outcome)
            if loaded.catalog is None:
                seconds = time.perf_counter() - started
                return self._refused(ReloadOutcome(trigger, False, loaded.problems, seconds))
            self.holder.replace(loaded.catalog)
            seconds = time.perf_counter() - started
            orphaned = await self._count_orphans(loaded.catalog)
            outcome = ReloadOutcome(
                trigger,
                True,
                loaded.problems,
                seconds,
                counts=loaded.counts,
                diff=loaded.diff,
                orphaned_members=orphaned,
            )
            log.info("%s (in %.2f s)", outcome.headline, seconds)
            for line in outcome.lines():
                log.info("%s", line)
            return outcome

    def _load(self, previous: Catalog) -> _Loaded:
        # Runs in a worker thread: parsing, validating and comparing are all CPU work.
        with _collector_paused():
            result = load_directory(self.directory)
            catalog = result.catalog
            problems = list(result.problems)
            if catalog is not None and self._audit is not None:
                found = self._audit(result)
                problems.extend(found)
                problems.sort(key=Problem.sort_key)
                if any(problem.is_error for problem in found):
                    catalog = None
            loaded = _Loaded(
                catalog,
                tuple(problems),
                result.counts_text(),
                diff_catalogs(previous, catalog) if catalog is not None else None,
            )
            # Free the YAML node trees file by file, still in this thread, so that no single
            # free of them holds the GIL for long.
            files = list(result.files)
            del result
            while files:
                files.pop()
        return loaded

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
