"""WAL checkpoints off the writer's path: a thread of their own copies the write-ahead log back
into the database file.

SQLite checkpoints by itself inside the commit that takes the log past `wal_autocheckpoint`
pages (1,000 by default). That commit then writes every page the log holds into the file and
syncs it, on the one writer thread, while every member's write waits: under a burst of marks a
commit took ~11 ms, most of it checkpoints, and marks per second were bounded by it
(tests/bench/bench_store.py). Here the writer's automatic checkpoint is pushed far out
(`FALLBACK_PAGES`, so a stalled checkpointer still cannot let the log grow without bound), and
this thread runs `PRAGMA wal_checkpoint(PASSIVE)` every `INTERVAL_S`: PASSIVE never waits for
the writer or a reader, it copies what no open snapshot still needs, and the next write starts
the log from its beginning again once everything was copied. `journal_size_limit` truncates the
log file back after such a restart, so a burst does not leave a large file behind.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

#: Seconds between checkpoints: at thousands of marks per second the log grows by a few
#: thousand pages in that time, which one checkpoint copies in a few milliseconds.
INTERVAL_S = 0.5
#: The writer still checkpoints by itself past this many log pages (~40 MiB at 4 KiB pages).
FALLBACK_PAGES = 10_000
#: Bytes the log file is truncated to after a restart of the log (SQLite's journal_size_limit).
LOG_SIZE_LIMIT = 16 * 2**20

#: Set on the writer's connection.
WRITER_PRAGMAS = (
    f"PRAGMA wal_autocheckpoint = {FALLBACK_PAGES:d}",
    f"PRAGMA journal_size_limit = {LOG_SIZE_LIMIT:d}",
)


class Checkpointer:
    """`start()` opens its connection (never creating the file) and starts the thread; `stop()`
    ends it. Failures are logged and retried at the next interval: a missed checkpoint only
    lets the log grow until the writer's fallback checkpoint."""

    def __init__(self, path: Path, interval_s: float = INTERVAL_S) -> None:
        self._path = path
        self._interval_s = interval_s
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"sqlite-checkpoints:{path.name}", daemon=True
        )
        self._conn: sqlite3.Connection | None = None
        self.checkpoints = 0  # completed runs, for tests and benchmarks
        self.last: tuple[int, int, int] | None = None  # the last run's answer

    async def start(self) -> None:
        # mode=rw: a file that vanished is not created again (the writer reports it gone).
        uri = f"{self._path.resolve().as_uri()}?mode=rw"
        self._conn = await asyncio.to_thread(
            sqlite3.connect, uri, uri=True, isolation_level=None, check_same_thread=False
        )
        self._conn.execute("PRAGMA busy_timeout = 1000")
        self._thread.start()

    async def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            await asyncio.to_thread(self._thread.join)
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def run_once(self) -> tuple[int, int, int]:
        """One PASSIVE checkpoint: (busy, pages in the log, pages copied), SQLite's answer."""
        assert self._conn is not None
        busy, logged, copied = self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.checkpoints += 1
        self.last = (int(busy), int(logged), int(copied))
        return self.last

    def _run(self) -> None:
        failures = 0
        while not self._stopping.wait(self._interval_s):
            try:
                self.run_once()
                failures = 0
            except sqlite3.Error as exc:
                failures += 1
                if failures == 1 or failures % 120 == 0:  # once, then about once a minute
                    log.warning(
                        "WAL checkpoint of %s failed (%d in a row): %s", self._path, failures, exc
                    )
