"""Watches the content folder and asks for a reload once edits have settled.

A cheap poll rather than OS notifications: every `POLL_SECONDS` the names, sizes, modification
times and inodes of the roadmap files are listed (in a worker thread, so a slow disk never
stalls the event loop). A change is acted on only when the next poll sees the folder unchanged,
so an editor that writes a file in several steps, or a `git pull` touching many files, causes
one reload of the finished state rather than one per step.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

log = logging.getLogger(__name__)

#: Seconds between two looks at the folder (tests shorten it).
POLL_SECONDS = 1.0

#: File name -> (size, modification time in ns, inode): a rename-over changes the inode even
#: when size and time happen to match.
Snapshot = dict[str, tuple[int, int, int]]


def content_snapshot(directory: Path) -> Snapshot | None:
    """The roadmap files of `directory` as they are now; None when it cannot be read."""
    files: Snapshot = {}
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                # The loader reads *.yaml and warns about *.yml; hidden names are editors' swap
                # and lock files, which change on every keystroke.
                if entry.name.startswith(".") or not entry.name.endswith((".yaml", ".yml")):
                    continue
                try:
                    info = entry.stat()
                except FileNotFoundError:  # deleted between listing and stat
                    continue
                files[entry.name] = (info.st_size, info.st_mtime_ns, info.st_ino)
    except OSError:
        return None
    return files


class ContentWatcher:
    """Calls `on_change()` after the roadmap files in `directory` changed and then settled."""

    def __init__(
        self,
        directory: Path,
        on_change: Callable[[], Awaitable[object]],
        *,
        interval: float | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.interval = POLL_SECONDS if interval is None else interval
        self._on_change = on_change
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Take the current state as the baseline and start polling."""
        if self.running:
            return
        baseline = await asyncio.to_thread(content_snapshot, self.directory)
        self._task = asyncio.create_task(self._watch(baseline), name="content-watcher")
        log.info("watching %s for content changes every %g s", self.directory, self.interval)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _watch(self, seen: Snapshot | None) -> None:
        settling = False
        while True:
            await asyncio.sleep(self.interval)
            current = await asyncio.to_thread(content_snapshot, self.directory)
            if current != seen:
                seen, settling = current, True
                continue  # still being written, perhaps: look again before acting
            if settling:
                settling = False
                try:
                    await self._on_change()
                except Exception:
                    # The watcher must outlive one failed reload, or edits stop being noticed.
                    log.exception("reloading content after a file change failed")
