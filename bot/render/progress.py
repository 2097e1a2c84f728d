"""Progress pictures in text: bars for `/roadmap progress` and the moderators' stats funnel.

The progress card and the leaderboard are rendered here once the member commands need them.
"""

from __future__ import annotations

import math

FULL = "█"
EMPTY = "░"


def bar(fraction: float, width: int = 10) -> str:
    """A bar of `width` cells for `fraction` in [0, 1] (clamped; NaN counts as 0).

    Cells are rounded down, so a bar is full only at 1 and shows one cell as soon as the
    fraction reaches one cell's worth.
    """
    if width <= 0:
        return ""
    if math.isnan(fraction):
        fraction = 0.0
    fraction = min(1.0, max(0.0, fraction))
    # The epsilon keeps 0.7 * 10 (6.999...) from losing a cell to floating point.
    filled = width if fraction >= 1.0 else min(width - 1, math.floor(fraction * width + 1e-9))
    return FULL * filled + EMPTY * (width - filled)
