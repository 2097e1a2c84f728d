"""The stage overview of `/roadmap stage`: each topic with the member's status mark."""

from __future__ import annotations

from collections.abc import Mapping

from bot.render.limits import fitted
from bot.render.payload import TOPIC_COLOUR, Embed, Field, Message
from bot.render.text import no_pings, one_line
from bot.render.topic import stage_label
from bot.roadmap.model import Stage

# Statuses as the progress store names them; anything else (or none) is "not started".
DONE = "done"
SKIPPED = "skipped"
IN_PROGRESS = "in_progress"

STATUS_MARKS = {DONE: "✅", IN_PROGRESS: "🔸", SKIPPED: "⏭️"}
NOT_STARTED_MARK = "⬜"
LEGEND = "✅ done · 🔸 in progress · ⏭️ skipped · ⬜ not started"


def status_mark(status: str | None) -> str:
    return STATUS_MARKS.get(status or "", NOT_STARTED_MARK)


def stage_overview_draft(
    stage: Stage, *, stage_number: int, stage_count: int, statuses: Mapping[str, str]
) -> Message:
    """A stage's summary and its topics, each marked done / in progress / skipped / not started.

    `statuses` maps topic id -> status (`done`, `skipped`, `in_progress`); a missing id is
    not started.
    """
    lines = [
        f"{status_mark(statuses.get(topic.id))} {one_line(no_pings(topic.title))}"
        for topic in stage.topics
    ]
    summary = no_pings(stage.summary.strip())
    description = "\n\n".join(part for part in (summary, "\n".join(lines)) if part)
    done = sum(statuses.get(topic.id) == DONE for topic in stage.topics)
    skipped = sum(statuses.get(topic.id) == SKIPPED for topic in stage.topics)
    counts = f"{done} of {len(stage.topics)} done" + (f", {skipped} skipped" if skipped else "")
    fields: tuple[Field, ...] = ()
    if stage.example is not None:
        hint = f"`/roadmap example {stage.id}` shows this stage's example code."
        fields = (Field("Example", hint),)
    embed = Embed(
        title=stage_label(stage, stage_number, stage_count),
        description=description,
        fields=fields,
        footer=f"{counts}\n{LEGEND}",
        colour=TOPIC_COLOUR,
    )
    return Message(embeds=(embed,))


stage_overview = fitted(stage_overview_draft)
