"""The words every message says a topic's status with."""

from bot.records import DONE, IN_PROGRESS, SKIPPED, STATUSES
from bot.render.status import marked_status, status_words


def test_every_status_has_its_words_and_no_status_is_not_started() -> None:
    assert [status_words(status) for status in (DONE, SKIPPED, IN_PROGRESS, None)] == [
        "done",
        "skipped",
        "in progress",
        "not started",
    ]
    assert [marked_status(status) for status in (DONE, SKIPPED, IN_PROGRESS, None)] == [
        "done ✅",
        "skipped ⏭️",
        "in progress",
        "not started",
    ]
    assert all(status_words(status) != "not started" for status in STATUSES)
