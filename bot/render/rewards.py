"""Answers to `/roadmap-admin reward set | remove | list`: which role a stage gives.

Roles appear as `<@&id>` mentions, which Discord shows as names; the bot's replies are sent with
no allowed mentions and the list is an embed, so none of them pings the role.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from itertools import groupby

from bot.records import StageReward
from bot.render import limits
from bot.render.parts import capped_size
from bot.render.payload import NEUTRAL_COLOUR, Embed, Message
from bot.render.text import no_pings, one_line, role_mention
from bot.roadmap.catalog import Catalog
from bot.roadmap.model import Roadmap, Stage

SET_HINT = "`/roadmap-admin reward set <stage> <role>` gives a role for finishing a stage."


def stage_label(roadmap: Roadmap, stage: Stage) -> str:
    """`**2. Understand web development fundamentals**`"""
    number = (roadmap.stage_position(stage.id) or 0) + 1
    return f"**{number}. {one_line(no_pings(stage.title))}**"


def _roadmap_name(roadmap: Roadmap, catalog: Catalog) -> str:
    # One roadmap on offer: naming it in every answer is noise.
    return f" of {one_line(no_pings(roadmap.title))}" if len(catalog) > 1 else ""


def reward_set_message(
    catalog: Catalog, roadmap: Roadmap, stage: Stage, role_id: int, *, replaced: int | None
) -> Message:
    before = f" (instead of {role_mention(replaced)})" if replaced and replaced != role_id else ""
    return Message(
        content=f"Members who finish {stage_label(roadmap, stage)}{_roadmap_name(roadmap, catalog)}"
        f" from now on get {role_mention(role_id)}{before}."
    )


def reward_removed_message(
    catalog: Catalog, roadmap: Roadmap, stage: Stage, *, removed: bool
) -> Message:
    where = f"{stage_label(roadmap, stage)}{_roadmap_name(roadmap, catalog)}"
    if not removed:
        return Message(content=f"No role was given for {where}; nothing changed.")
    return Message(content=f"Finishing {where} no longer gives a role. Members who got it keep it.")


def _reward_line(reward: StageReward, roadmap: Roadmap | None, role_exists: bool) -> str:
    stage = roadmap.stage(reward.stage_id) if roadmap else None
    where = (
        stage_label(roadmap, stage)
        if roadmap and stage
        else f"`{reward.stage_id}` (no longer in the content)"
    )
    role = (
        role_mention(reward.role_id)
        if role_exists
        else f"a deleted role (`{reward.role_id}`): set another one"
    )
    return f"{where} → {role}"


def _position(reward: StageReward, catalog: Catalog) -> tuple[int, int, str]:
    roadmap = catalog.get(reward.roadmap_id)
    roadmap_at = catalog.ids.index(reward.roadmap_id) if roadmap else len(catalog)
    stage_at = roadmap.stage_position(reward.stage_id) if roadmap else None
    return (roadmap_at, stage_at if stage_at is not None else 10**6, reward.stage_id)


#: How a stage's role is earned (the rule of bot/services/completion.py), under the list.
COMPLETION_RULE = (
    "Members get the role when they complete the stage: every topic done (a skipped topic "
    "counts only once its check is passed; of a choice group, the topics they pick). "
    "Roles already given are kept."
)


def reward_list_message(
    rewards: Sequence[StageReward], catalog: Catalog, live_role_ids: Collection[int]
) -> Message:
    """Every stage reward of a server, in roadmap order, grouped by roadmap when several."""
    frame = Embed(title="Stage rewards", colour=NEUTRAL_COLOUR)
    if not rewards:
        return Message(
            embeds=(replace(frame, description=f"No stage gives a role yet. {SET_HINT}"),)
        )
    ordered = sorted(rewards, key=lambda reward: _position(reward, catalog))
    lines: list[str] = []
    for roadmap_id, group in groupby(ordered, key=lambda reward: reward.roadmap_id):
        roadmap = catalog.get(roadmap_id)
        if len(catalog) > 1 or roadmap is None:
            title = one_line(no_pings(roadmap.title)) if roadmap else f"`{roadmap_id}`"
            lines.append(f"__{title}__")
        lines.extend(
            _reward_line(reward, roadmap, reward.role_id in live_role_ids) for reward in group
        )
    frame = replace(frame, footer=COMPLETION_RULE)
    room = min(limits.EMBED_DESCRIPTION_MAX, limits.EMBED_TOTAL_MAX - capped_size(frame))
    description = limits.fit_lines(lines, room, lambda n: f"… and {n} more")
    return limits.fit_message(Message(embeds=(replace(frame, description=description),)))
