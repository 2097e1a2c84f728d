"""Answers to `/roadmap remind off`: on, already off, and off because Discord refused the DM."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.records import Delivery
from bot.render.reminders import reminder_off_message


def refused(error: str | None) -> Delivery:
    return Delivery(
        kind="reminder", guild_id=1, subject_id=2, period="2026-03-04", status="failed",
        topic_id="t", claimed_at=datetime(2026, 3, 4, 12, 30, tzinfo=UTC), attempts=1,
        first_attempt_at=None, message_id=None, error=error,
    )  # fmt: skip


def test_turning_it_off_confirms_it() -> None:
    assert "is off" in (reminder_off_message(True).content or "")


def test_with_none_it_says_so_and_how_to_start_one() -> None:
    text = reminder_off_message(False).content or ""
    assert "no daily reminder" in text and "/roadmap remind set" in text


def test_a_reminder_turned_off_by_closed_dms_says_when_and_why() -> None:
    text = reminder_off_message(False, refused("I could not send you a DM (50007)")).content
    assert text is not None
    assert "turned off on 2026-03-04" in text and "I could not send you a DM (50007)" in text
    assert "/roadmap remind set" in text


def test_the_stored_reason_cannot_ping_or_break_the_layout() -> None:
    text = reminder_off_message(False, refused("@everyone\nrefused")).content or ""
    assert "@everyone" not in text and "\nrefused" not in text
    assert "Discord refused the DM" in (reminder_off_message(False, refused(None)).content or "")


def test_a_reason_recorded_with_discords_code_is_shown_in_words_only() -> None:
    recorded = refused("I could not send you a DM (privacy settings) (Discord answered 50007)")
    text = reminder_off_message(False, recorded).content or ""
    assert "50007" not in text and "Discord answered" not in text
    assert "I could not send you a DM (privacy settings)." in text
