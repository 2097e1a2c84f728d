"""The words messages say a status with: a topic's, a weekly post's."""

from datetime import UTC, datetime, time

from bot.records import DONE, IN_PROGRESS, SKIPPED, STATUSES, WeeklySchedule
from bot.render.moderation import weekly_status_message
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


def test_the_weekly_status_names_each_last_post_in_words() -> None:
    schedule = WeeklySchedule(
        1, 2, 0, time(18, 0), "UTC", True, None, "2026-W12", datetime(2026, 3, 16, 18, tzinfo=UTC)
    )
    last = [("2026-W11", "sent"), ("2026-W10", "failed"), ("2026-W09", "unknown")]
    text = weekly_status_message(schedule, last).content or ""
    assert "Last posts: `2026-W11` posted, `2026-W10` refused, `2026-W09` unknown" in text
