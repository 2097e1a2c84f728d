"""The progress card and the answer to marking a topic."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.records import ProgressRow
from bot.render import limits
from bot.render.progress_card import mark_reply, pressed_note, progress_card, where_line
from bot.roadmap.model import Roadmap, Stage, Topic
from bot.services.progress import MarkResult, ProgressSummary
from bot.services.standing import standing
from bot.services.streaks import Streak

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _roadmap(stages: int = 3, topics: int = 4, title: str = "Python backend") -> Roadmap:
    return Roadmap(
        "python-backend",
        title,
        "summary",
        tuple(
            Stage(
                f"s{s}",
                f"Stage {s} title",
                "summary",
                tuple(Topic(f"t{s}-{t}", f"Topic {s}.{t}", "summary") for t in range(topics)),
            )
            for s in range(stages)
        ),
    )


def _rows(statuses: dict[str, str]) -> list[ProgressRow]:
    return [ProgressRow(topic, status, NOW, NOW, NOW) for topic, status in statuses.items()]


def test_progress_card_has_a_bar_per_stage_totals_and_streaks() -> None:
    roadmap = _roadmap()
    current = standing(roadmap, _rows({"t0-0": "done", "t0-1": "done", "t0-2": "skipped"}))
    summary = ProgressSummary(42, current, Streak(3, 5, date(2026, 3, 2)))
    card = progress_card(summary, viewer_id=42)
    embed = card.embed
    assert embed is not None and embed.title == "Your progress · Python backend"
    text = embed.description or ""
    assert "<@42>" in text
    assert "2 of 12 topics done · 16%" in text
    assert "🔥 Streak: 3 days · longest 5" in text
    assert "`█████░░░░░` **1. Stage 0 title** · 2/4 done, 1 skipped" in text
    assert "`░░░░░░░░░░` **3. Stage 2 title** · 0/4 done" in text
    assert progress_card(summary, viewer_id=7).embed.title == "Progress · Python backend"


def test_progress_card_of_a_huge_roadmap_stays_within_limits() -> None:
    roadmap = _roadmap(stages=200, topics=2, title="T" * 400)
    summary = ProgressSummary(1, standing(roadmap, []), Streak(0, 0, None))
    card = progress_card(summary, viewer_id=1)
    assert limits.fits(card)
    assert "more stages" in (card.embed.description or "")
    assert "No streak yet" in (card.embed.description or "")


def test_mark_reply_says_what_changed_and_what_comes_next() -> None:
    roadmap = _roadmap(stages=2, topics=1)
    before = standing(roadmap, [])
    after = standing(roadmap, _rows({"t0-0": "done"}))
    result = MarkResult(
        topic=roadmap.topics[0],
        stage=roadmap.stages[0],
        status="done",
        previous_status=None,
        changed=True,
        completed_stage=roadmap.stages[0],
        finished_roadmap=False,
        streak=Streak(1, 1, date(2026, 3, 2)),
        standing=after,
    )
    text = mark_reply(result).embed.description or ""
    assert "**Topic 0.0** is now done ✅." in text
    assert "Stage 2/2 · 1 of 2 topics · 50%" in text
    assert "🔥 Streak: 1 day · longest 1" in text
    assert "You finished the stage **Stage 0 title**" in text
    assert "Next up: **Topic 1.0**" in text
    assert pressed_note(result) == "✅ **Topic 0.0** done. 🎉 Stage **Stage 0 title** finished!"
    assert where_line(before) == "Stage 1/2 · 0 of 2 topics · 0%"


def test_mark_reply_for_a_reset_and_for_the_last_topic() -> None:
    roadmap = _roadmap(stages=1, topics=1)
    done = standing(roadmap, _rows({"t0-0": "done"}))
    reset = MarkResult(
        roadmap.topics[0],
        roadmap.stages[0],
        None,
        None,
        False,
        None,
        False,
        Streak(0, 0, None),
        standing(roadmap, []),
    )
    assert "was not started; nothing to reset" in (mark_reply(reset).embed.description or "")
    last = MarkResult(
        roadmap.topics[0],
        roadmap.stages[0],
        "done",
        "in_progress",
        True,
        roadmap.stages[0],
        True,
        Streak(2, 2, date(2026, 3, 2)),
        done,
    )
    text = mark_reply(last).embed.description or ""
    assert "you finished the whole roadmap" in text
    assert "Stage 1/1 · 1 of 1 topics · 100%" in text


def test_only_skipped_topics_left_is_not_a_finished_roadmap() -> None:
    """No topic left is "finished" only when every stage is complete by the one rule: a skipped
    topic counts once its check is passed, so the card says how many still wait for it."""
    roadmap = _roadmap(stages=2, topics=2)
    statuses = {"t0-0": "done", "t0-1": "skipped", "t1-0": "skipped", "t1-1": "skipped"}
    skipped = standing(roadmap, _rows(statuses))
    assert skipped.finished  # no topic is left to do
    card = progress_card(ProgressSummary(42, skipped, Streak(0, 0, None)), viewer_id=42)
    footer = card.embed.footer or ""
    assert "finished" not in footer
    assert "No topic is left, but 3 skipped topics still wait for their check" in footer
    assert "/roadmap check <topic>" in footer
    last = MarkResult(
        roadmap.topics[3], roadmap.stages[1], "skipped", None, True, None, True, None, skipped
    )
    text = mark_reply(last).embed.description or ""
    assert "finished the whole roadmap" not in text
    assert "No topic is left, but 3 skipped topics still wait for their check" in text
    assert "`/roadmap check <topic>`" in text

    # Their checks passed: complete, so finished.
    checked = [
        ProgressRow(topic, status, NOW, NOW, NOW, NOW if status == "skipped" else None)
        for topic, status in statuses.items()
    ]
    complete = standing(roadmap, checked)
    card = progress_card(ProgressSummary(42, complete, Streak(0, 0, None)), viewer_id=42)
    assert card.embed.footer == "Roadmap finished 🎉"
    last = MarkResult(
        roadmap.topics[3], roadmap.stages[1], "skipped", None, True, None, True, None, complete
    )
    assert "you finished the whole roadmap" in (mark_reply(last).embed.description or "")
