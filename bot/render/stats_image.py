"""The `/roadmap-admin stats` chart: the stage funnel as a PNG beside the stats text.

Pure like progress_image (whose palette and drawing helpers it shares): plain values in, PNG
bytes out, drawn off the event loop by the cog. One bar per stage, filled to the share of the
members who started the roadmap that reached the stage, the same percent the text prints.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.render.progress_image import (
    BACKGROUND,
    GREEN,
    MARGIN,
    MUTED,
    PANEL,
    STAGE_COLOURS,
    TEXT,
    TRACK_WIDTH,
    WIDTH,
    Canvas,
    fill_width,
    fit,
    text_width,
)
from bot.services.leaderboard import ServerStats
from bot.services.standing import percent

FILENAME = "stats.png"
BAR_HEIGHT = 18
HEADER_HEIGHT = 150
ROW_HEIGHT = 62
FOOTER_HEIGHT = 24


@dataclass(frozen=True, slots=True)
class FunnelBar:
    number: int
    title: str
    members: int


@dataclass(frozen=True, slots=True)
class StatsPicture:
    roadmap_title: str
    started: int
    active_this_week: int
    stages: tuple[FunnelBar, ...]

    def share(self, bar: FunnelBar) -> int:
        """The percent of started members that reached `bar`'s stage (as the text says)."""
        return percent(bar.members, self.started)


def stats_picture(stats: ServerStats, *, roadmap_title: str) -> StatsPicture:
    """The chart's values from the stats service's answer."""
    stages = tuple(
        FunnelBar(reach.number, reach.stage.title, reach.members) for reach in stats.reached
    )
    return StatsPicture(roadmap_title, stats.started, stats.active_this_week, stages)


def chart_height(stage_count: int) -> int:
    """The chart's height in px for `stage_count` stages (the width is always WIDTH)."""
    return HEADER_HEIGHT + ROW_HEIGHT * stage_count + FOOTER_HEIGHT + MARGIN


def funnel_bar_box(index: int) -> tuple[int, int, int, int]:
    """Where the bar of the `index`-th stage (0-based) is drawn (left, top, right, bottom)."""
    top = HEADER_HEIGHT + ROW_HEIGHT * index + 32
    return (MARGIN, top, MARGIN + TRACK_WIDTH, top + BAR_HEIGHT)


def _members(count: int) -> str:
    return f"{count} member" if count == 1 else f"{count} members"


def draw_stats_chart(picture: StatsPicture) -> bytes:
    """The funnel chart as PNG bytes: WIDTH x chart_height(len(stages)) px."""
    height = chart_height(len(picture.stages))
    canvas = Canvas(WIDTH, height, BACKGROUND)
    canvas.rounded((12, 12, WIDTH - 13, height - 13), 18, PANEL)
    started = str(picture.started)
    canvas.text((WIDTH - MARGIN, 30), started, 52, TEXT, anchor="ra")
    canvas.text((WIDTH - MARGIN, 90), "started", 16, MUTED, anchor="ra")
    room = TRACK_WIDTH - max(text_width(started, 52), text_width("started", 16)) - 24
    canvas.text((MARGIN, 30), fit("Reached each stage", 32, room), 32, TEXT)
    canvas.text((MARGIN, 72), fit(picture.roadmap_title, 18, room), 18, MUTED)
    active = percent(picture.active_this_week, picture.started)
    canvas.chip(MARGIN, 100, f"{picture.active_this_week} active this week · {active}%", GREEN)

    for index, stage in enumerate(picture.stages):
        box = funnel_bar_box(index)
        left, top, right, _ = box
        share = picture.share(stage)
        counts = f"{_members(stage.members)} · {share}%"
        canvas.text((right, top - 25), counts, 16, MUTED, anchor="ra")
        title_room = TRACK_WIDTH - text_width(counts, 16) - 20
        canvas.text(
            (left, top - 26), fit(f"{stage.number}. {stage.title}", 18, title_room), 18, TEXT
        )
        colour = STAGE_COLOURS[(stage.number - 1) % len(STAGE_COLOURS)]
        canvas.bar(box, [(fill_width(TRACK_WIDTH, share), colour)])
    footer = "Reached: got to that stage or further. Active: finished a topic since Monday."
    canvas.text((MARGIN, height - MARGIN - 12), footer, 14, MUTED)
    return canvas.png()
