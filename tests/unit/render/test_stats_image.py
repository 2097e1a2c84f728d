"""The `/roadmap-admin stats` chart: a PNG Pillow opens, of the documented size, one bar per
stage as long as the share of started members that reached it."""

from __future__ import annotations

import pytest

from bot.render.progress_image import STAGE_COLOURS, TRACK_WIDTH, WIDTH
from bot.render.stats_image import (
    FunnelBar,
    StatsPicture,
    chart_height,
    draw_stats_chart,
    funnel_bar_box,
    stats_picture,
)
from bot.services.leaderboard import ServerStats, StageReach
from tests.unit.render.builders import make_stage
from tests.unit.render.test_progress_image import open_png, run_of


def chart(started: int, *members: int) -> StatsPicture:
    stages = tuple(FunnelBar(n, f"Stage {n}", count) for n, count in enumerate(members, 1))
    return StatsPicture("Python backend developer", started, 1, stages)


def test_the_chart_opens_and_has_the_documented_size() -> None:
    for count in (1, 6, 20):
        image = open_png(draw_stats_chart(chart(10, *range(count, 0, -1))))
        assert image.size == (WIDTH, chart_height(count)) == (800, chart_height(count))


@pytest.mark.parametrize("started", [1, 3, 7, 40, 999])
def test_each_bar_is_the_share_of_started_members(started: int) -> None:
    reached = [started, started * 2 // 3, started // 3, 1 if started > 1 else 0, 0]
    image = open_png(draw_stats_chart(chart(started, *reached)))
    for index, members in enumerate(reached):
        shown = members * 100 // started  # the percent the text prints
        measured = run_of(image, funnel_bar_box(index), STAGE_COLOURS[index])
        assert abs(measured - TRACK_WIDTH * shown / 100) <= 2, (index, members)


def test_stats_picture_from_the_service_answer() -> None:
    basics, web = make_stage("basics", title="Basics"), make_stage("web", title="Web")
    stats = ServerStats(4, 2, (StageReach(basics, 1, 4), StageReach(web, 2, 1)))
    made = stats_picture(stats, roadmap_title="Python backend developer")
    assert made == StatsPicture(
        "Python backend developer", 4, 2, (FunnelBar(1, "Basics", 4), FunnelBar(2, "Web", 1))
    )
    assert [made.share(bar) for bar in made.stages] == [100, 25]
    different = stats_picture(
        ServerStats(4, 0, stats.reached), roadmap_title="Python backend developer"
    )
    assert (
        open_png(draw_stats_chart(made)).tobytes()
        != open_png(draw_stats_chart(different)).tobytes()
    )  # the active count is drawn
