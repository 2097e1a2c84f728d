"""Answers to `/roadmap remind off`: on, already off, and off because Discord refused the DM; the
DM's buttons, `remind set`'s answer and the settings' reminder line."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from bot.records import Delivery, Reminder
from bot.render.account import reminder_setting
from bot.render.payload import Message
from bot.render.reminders import (
    REVIEWS_LISTED,
    reminder_button_label,
    reminder_dm,
    reminder_dm_buttons,
    reminder_off_message,
    reminder_set_message,
)
from bot.roadmap.model import Answer, Question, SelfCheck
from tests.unit.render.builders import make_stage, make_topic


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


# --- the DM's buttons, the settings' reminder line ---------------------------------------------

QUESTION = Question(
    "Which is immutable?", (Answer("A tuple", True, "It is."), Answer("A list", False, "No."))
)


def test_the_dm_offers_check_yourself_and_review_now_only_when_there_is_something() -> None:
    topic = make_topic()
    stage = make_stage(topics=(topic,))
    plain = reminder_dm_buttons(1, 2, "python-backend", topic, stage)
    assert [reminder_button_label(b) for b in plain] == ["Done", "Skip", "Stop reminders"]
    checked = make_topic(check=SelfCheck((QUESTION,)))
    buttons = reminder_dm_buttons(
        1, 2, "python-backend", checked, make_stage(topics=(checked,)), reviews_due=3
    )
    labels = [reminder_button_label(b) for b in buttons]
    assert labels == ["Done", "Skip", "Check yourself", "Review now", "Stop reminders"]
    # Every button names the server and the member, and fits Discord's 100 characters.
    for button in buttons:
        assert button.guild_id == 1 and button.owner_id == 2
        assert len(button.custom_id) <= 100


def reminder(**overrides: object) -> Reminder:
    fields: dict[str, object] = {
        "guild_id": 1, "user_id": 2, "local_time": time(14, 0), "time_zone": "Europe/Berlin",
        "next_date": date(2026, 3, 4), "next_fire_at": datetime(2026, 3, 4, 13, 0, tzinfo=UTC),
        "dm_channel_id": None,
    }  # fmt: skip
    fields.update(overrides)
    return Reminder(**fields)  # type: ignore[arg-type]


def test_the_settings_show_the_reminder_its_next_dm_and_whether_it_is_idle_only() -> None:
    at = int(datetime(2026, 3, 4, 13, 0, tzinfo=UTC).timestamp())
    every_day = reminder_setting(reminder())
    assert every_day.startswith("• Reminder: **14:00** (Europe/Berlin), every day;")
    assert f"next DM <t:{at}:F> (<t:{at}:R>)" in every_day
    idle = reminder_setting(reminder(only_if_idle=True, time_zone=None))
    assert "(UTC), only on days you have not marked a topic done by then" in idle
    assert "`/roadmap remind set` starts" in reminder_setting(None)


def test_set_says_when_the_reminder_is_idle_only() -> None:
    assert "not on a day you already marked" in (
        reminder_set_message(reminder(only_if_idle=True)).content or ""
    )
    assert "already marked" not in (reminder_set_message(reminder()).content or "")


def test_the_dm_lists_the_first_reviews_due_and_counts_the_rest() -> None:
    card = Message(content="card")
    none = reminder_dm(card, "Pythonistas", 0, ()).content or ""
    assert none == "Your daily reminder from **Pythonistas**: here is your next topic."
    one = reminder_dm(card, "Pythonistas", 1, ("Functions",)).content or ""
    assert one.endswith(
        "\n🔁 1 review due today in the server: **Functions** (`/roadmap review` there)."
    )
    titles = ("Functions", "File handling", "HTTP @everyone", "SQL", "Git")
    many = reminder_dm(card, "Pythonistas", 5, titles).content or ""
    assert "5 reviews due today in the server: **Functions**, **File handling**, " in many
    assert f" +{5 - REVIEWS_LISTED} more (`/roadmap review` there)." in many
    assert "SQL" not in many and "@everyone" not in many  # titles cannot ping
    long = reminder_dm(card, None, 1, ("x" * 500,)).content or ""
    assert len(long) < 200 and "…" in long
