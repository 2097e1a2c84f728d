"""The stage overview of `/roadmap stage`: each topic with the member's status mark and time,
the stage's choice groups, its checkpoint project, and the time the stage and roadmap take."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from bot.render import parts
from bot.render.limits import fitted
from bot.render.payload import TOPIC_COLOUR, Embed, Field, Message
from bot.render.text import no_pings, one_line
from bot.render.topic import checkpoint_field, stage_label
from bot.roadmap.model import ChoiceGroup, Stage, Topic
from bot.services.standing import stage_progress, study_minutes

# Statuses as the progress store names them; anything else (or none) is "not started".
DONE = "done"
SKIPPED = "skipped"
IN_PROGRESS = "in_progress"

STATUS_MARKS = {DONE: "✅", IN_PROGRESS: "🔸", SKIPPED: "⏭️"}
NOT_STARTED_MARK = "⬜"
LEGEND = "✅ done · 🔸 in progress · ⏭️ skipped · ⬜ not started"
# Topics of a choice group sit under the group's line, indented by this.
GROUP_INDENT = "\u2003"


def status_mark(status: str | None) -> str:
    return STATUS_MARKS.get(status or "", NOT_STARTED_MARK)


CHECKED_MARK = "☑️"  # beside the status: the topic's self-check was passed


def _topic_line(topic: Topic, status: str | None, checked: bool = False) -> str:
    line = f"{status_mark(status)} {one_line(no_pings(topic.title))}"
    if checked:
        line += f" {CHECKED_MARK}"
    return f"{line} · {parts.duration(topic.minutes)}" if topic.minutes else line


def _group_line(group: ChoiceGroup, size: int) -> str:
    return f"**{one_line(no_pings(group.title))}** ({group.pick} of {size}):"


def topic_lines(
    stage: Stage, statuses: Mapping[str, str], checked: Collection[str] = ()
) -> list[str]:
    """One line per topic in stage order; a choice group's topics under the group's line;
    ☑️ after a topic whose check was passed (`checked`)."""
    group_of = {topic_id: group for group in stage.choices for topic_id in group.topic_ids}
    seen: set[int] = set()
    lines = []
    for topic in stage.topics:
        group = group_of.get(topic.id)
        line = _topic_line(topic, statuses.get(topic.id), topic.id in checked)
        if group is None:
            lines.append(line)
            continue
        if id(group) not in seen:
            seen.add(id(group))
            size = sum(item.id in group.topic_ids for item in stage.topics)
            lines.append(_group_line(group, size))
        lines.append(GROUP_INDENT + line)
    return lines


def time_line(stage: Stage, roadmap_minutes: int | None) -> str | None:
    """`About 4 h for this stage · about 55 h for the whole roadmap` (None without estimates)."""
    minutes = study_minutes(stage)
    bits = []
    if minutes:
        bits.append(f"About {parts.duration(minutes)} for this stage")
    if roadmap_minutes:
        whole = f"about {parts.duration(roadmap_minutes)} for the whole roadmap"
        bits.append(whole if bits else whole.capitalize())
    return " · ".join(bits) or None


def stage_overview_draft(
    stage: Stage,
    *,
    stage_number: int,
    stage_count: int,
    statuses: Mapping[str, str],
    roadmap_minutes: int | None = None,
    checked: Collection[str] = (),
) -> Message:
    """A stage's summary and its topics, each marked done / in progress / skipped / not started,
    with the stage's choice groups, checkpoint project and time estimates.

    `statuses` maps topic id -> status (`done`, `skipped`, `in_progress`); a missing id is
    not started. The counts follow the choice groups (a group counts as its pick).
    `roadmap_minutes`, when given, is the whole roadmap's estimate.
    """
    summary = no_pings(stage.summary.strip())
    listing = "\n".join(topic_lines(stage, statuses, checked))
    description = "\n\n".join(part for part in (summary, listing) if part)
    progress = stage_progress(stage, statuses, stage_number)
    counts = f"{progress.done} of {progress.total} done" + (
        f", {progress.skipped} skipped" if progress.skipped else ""
    )
    fields: list[Field] = []
    checkpoint = checkpoint_field(stage)
    if checkpoint is not None:
        fields.append(checkpoint)
    if stage.example is not None:
        hint = f"`/roadmap example {stage.id}` shows this stage's example code."
        fields.append(Field("Example", hint))
    time = time_line(stage, roadmap_minutes)
    footer = "\n".join(part for part in (counts, time, LEGEND) if part)
    embed = Embed(
        title=stage_label(stage, stage_number, stage_count),
        description=description,
        fields=tuple(fields),
        footer=footer,
        colour=TOPIC_COLOUR,
    )
    return Message(embeds=(embed,))


stage_overview = fitted(stage_overview_draft)
