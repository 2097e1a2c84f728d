"""The `/roadmap progress` card and the answer to marking a topic, drawn with progress.bar.

Members appear as `<@id>` mentions inside embeds: Discord shows them as names and embeds never
ping. Everything goes through `limits.fit_message`, so any number of stages fits.
"""

from __future__ import annotations

from dataclasses import replace

from bot.render import limits
from bot.render.parts import capped_size
from bot.render.payload import DONE_COLOUR, NEUTRAL_COLOUR, TOPIC_COLOUR, Embed, Message
from bot.render.progress import bar
from bot.render.status import marked_status, status_words
from bot.render.study_loop import (
    CHECKED_MARK,
    reviews_due_line,
    roadmap_complete,
    waiting_checks_line,
)
from bot.render.text import no_pings, one_line
from bot.render.topic import standing_line
from bot.services.progress import MarkResult, ProgressSummary
from bot.services.standing import StageProgress, Standing
from bot.services.streaks import FREEZES_MAX, Streak


def _fraction(done: int, total: int) -> float:
    return done / total if total else 0.0


def where_line(standing: Standing) -> str:
    """`Stage 2/6 · 7 of 20 topics · 35%` (the stage of the next topic; the last when finished)."""
    number = standing.next_stage.number if standing.next_stage else standing.stage_count
    return standing_line(number, standing.stage_count, standing.done, standing.total)


def streak_line(streak: Streak) -> str:
    if streak.current == 0 and streak.longest == 0:
        return "No streak yet: finish a topic today to start one."
    days = "day" if streak.current == 1 else "days"
    line = f"🔥 Streak: {streak.current} {days} · longest {streak.longest}"
    if streak.current == 0:
        line += " · finish a topic today to start a new one"
    return line


def freeze_line(streak: Streak) -> str:
    """`🧊 Streak freezes: 1 held of 2 · 3 used`: a freeze is earned per 7-day streak and
    used up by a missed day instead of the streak."""
    return (
        f"🧊 Streak freezes: {streak.freezes_held} held of {FREEZES_MAX} · "
        f"{streak.freezes_used} used"
    )


def _stage_line(stage: StageProgress, standing: Standing) -> str:
    counts = f"{stage.done}/{stage.total} done"
    if stage.skipped:
        counts += f", {stage.skipped} skipped"
    checked = standing.checked_in(stage.stage)
    if checked:
        counts += f", {checked} checked {CHECKED_MARK}"
    title = one_line(no_pings(stage.stage.title))
    # Complete by the one rule (completion.py): a skipped topic counts once its check passed.
    mark = " ✅" if standing.stage_complete(stage.stage) else ""
    return (
        f"`{bar(_fraction(stage.done, stage.total))}` **{stage.number}. {title}** · {counts}{mark}"
    )


def progress_card(summary: ProgressSummary, *, viewer_id: int) -> Message:
    """Progress per stage with bars, totals and streaks, for the member or someone else."""
    standing = summary.standing
    roadmap_title = one_line(no_pings(standing.roadmap.title))
    whose = "Your progress" if viewer_id == summary.user_id else "Progress"
    head = [
        f"<@{summary.user_id}>",  # the title names the roadmap; once is enough
        f"`{bar(_fraction(standing.done, standing.total))}` "
        f"{standing.done} of {standing.total} topics done · {standing.percent}%",
        streak_line(summary.streak),
        freeze_line(summary.streak),
    ]
    due = reviews_due_line(summary.reviews_due) if viewer_id == summary.user_id else None
    if due is not None:
        head.append(due)
    head.append("")
    finished = roadmap_complete(standing)
    if finished:
        footer = "Roadmap finished 🎉"
    elif standing.finished and standing.total > 0:
        footer = waiting_checks_line(standing).replace("`", "")  # footers show no markdown
    else:
        footer = "Keep going with /roadmap next"
    frame = Embed(
        title=f"{whose} · {roadmap_title}",
        footer=footer,
        colour=DONE_COLOUR if finished else TOPIC_COLOUR,
    )
    room = min(limits.EMBED_DESCRIPTION_MAX, limits.EMBED_TOTAL_MAX - capped_size(frame))
    room -= limits.measure("\n".join(head)) + 1
    lines = [_stage_line(stage, standing) for stage in standing.stages]
    checked_titles = [
        one_line(no_pings(topic.title))
        for topic in standing.roadmap.topics
        if standing.is_checked(topic.id)
    ]
    if checked_titles:
        lines.append(f"{CHECKED_MARK} Checked: " + ", ".join(checked_titles))
    body = limits.fit_lines(lines, room, lambda n: f"… and {n} more stages")
    embed = replace(frame, description="\n".join([*head, body]))
    return limits.fit_message(Message(embeds=(embed,)))


def pressed_note(result: MarkResult) -> str:
    """One line above the next card after Done / Skip, saying what the press did."""
    title = one_line(no_pings(result.topic.title))
    mark = "✅" if result.status == "done" else "⏭️"
    word = "reset" if result.status is None else status_words(result.status)
    note = f"{mark} **{title}** {word}."
    if not result.changed and result.status is not None:
        # A press on an older card of a topic already marked so: say so, rather than "done".
        note = f"{mark} **{title}** was already {word}; nothing changed."
    if result.completed_stage is not None:
        note += f" 🎉 Stage **{one_line(no_pings(result.completed_stage.title))}** finished!"
    if result.streak is not None and result.streak.current > 1:
        note += f" 🔥 {result.streak.current}-day streak"
    return limits.fit_text(note, limits.CONTENT_MAX)


def mark_reply(result: MarkResult) -> Message:
    """What a member reads after `/roadmap done|skip|reset` (the buttons show the next card)."""
    title = one_line(no_pings(result.topic.title))
    if result.status is None:
        text = (
            f"**{title}** is reset to not started."
            if result.changed
            else f"**{title}** was not started; nothing to reset."
        )
    elif result.changed:
        text = f"**{title}** is now {marked_status(result.status)}."
    else:
        text = f"**{title}** was already {marked_status(result.status)}."
    lines = [text, where_line(result.standing)]
    if result.streak is not None and result.changed:
        lines.append(streak_line(result.streak))
    if result.completed_stage is not None:
        lines.append(
            f"🎉 You finished the stage **{one_line(no_pings(result.completed_stage.title))}**!"
        )
    if result.finished_roadmap and roadmap_complete(result.standing):
        lines.append("🏁 That was the last topic: you finished the whole roadmap!")
    elif result.finished_roadmap:
        lines.append(f"🏁 That was the last topic. {waiting_checks_line(result.standing)}.")
    elif result.standing.next_topic is not None:
        upcoming = one_line(no_pings(result.standing.next_topic.title))
        lines.append(f"Next up: **{upcoming}** (`/roadmap next`)")
    colour = DONE_COLOUR if result.status == "done" else NEUTRAL_COLOUR
    embed = Embed(description="\n".join(lines), colour=colour)
    return limits.fit_message(Message(embeds=(embed,)))
