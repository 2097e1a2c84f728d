"""Streaks: runs of consecutive local days with at least one completed topic."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Streak:
    current: int  # days in the run that ends today or yesterday; 0 when broken
    longest: int
    last_day: date | None  # the last local day with a completion


def compute_streak(days: Sequence[date], today: date) -> Streak:
    """The streak over `days` (distinct local dates, oldest first) as seen on `today`.

    A streak stays alive through today when the last completion was yesterday: the member
    still has the rest of today to keep it going.
    """
    if not days:
        return Streak(0, 0, None)
    longest = run = 1
    for previous, day in itertools.pairwise(days):
        run = run + 1 if day - previous == _DAY else 1
        longest = max(longest, run)
    last = days[-1]
    alive = today - _DAY <= last <= today
    # `run` ends at the last day; it is the current streak when that day is recent enough.
    return Streak(run if alive else 0, longest, last)
