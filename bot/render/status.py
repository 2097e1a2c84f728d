"""A topic's progress status in words, as every message says it (the card, the answer to a
mark, the undo note)."""

from __future__ import annotations

from bot.records import DONE, IN_PROGRESS, SKIPPED

_WORDS = {DONE: "done", SKIPPED: "skipped", IN_PROGRESS: "in progress"}
_MARKS = {DONE: " ✅", SKIPPED: " ⏭️"}


def status_words(status: str | None) -> str:
    """`done`, `skipped`, `in progress`, or `not started` (no status)."""
    return _WORDS.get(status or "", "not started")


def marked_status(status: str | None) -> str:
    """The words with the status's mark: `done ✅`, `skipped ⏭️`, `in progress`, `not started`."""
    return status_words(status) + _MARKS.get(status or "", "")
