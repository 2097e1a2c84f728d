"""Streaks: runs of consecutive local days with at least one completed topic, and freezes.

A member earns a streak freeze for every 7 study days of a streak (at most 2 held); a missed
local day uses one instead of breaking the streak. Freezes are not stored: they are computed from
the completion days, walking them in order, because the days alone decide them. So nothing new
is written when a member studies or misses a day, `reset` and `forget-me` need no extra step,
and held and used freezes can never disagree with the history they came from. The walk is the
same on every later day (a day counts as missed only once it is over), so a freeze once used
stays used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

_DAY = timedelta(days=1)
#: Study days of a streak that earn a freeze, and the most a member holds.
FREEZE_EVERY = 7
FREEZES_MAX = 2


@dataclass(frozen=True, slots=True)
class Streak:
    current: int  # study days in the run that reaches today or yesterday; 0 when broken
    longest: int  # study days of the longest run (frozen days bridge a run, never lengthen it)
    last_day: date | None  # the last local day with a completion
    freezes_held: int = 0
    freezes_used: int = 0  # over the whole history


def compute_streak(days: Sequence[date], today: date) -> Streak:
    """The streak over `days` (distinct local dates, oldest first) as seen on `today`.

    A streak stays alive through today when the last completion was yesterday: the member
    still has the rest of today to keep it going. Each day missed before that uses a held
    freeze; a missed day with none breaks the streak.
    """
    if not days:
        return Streak(0, 0, None)
    run = longest = held = used = 0
    previous: date | None = None
    for day in days:
        if previous is not None:
            run, held, used = _bridge(run, held, used, missed=(day - previous).days - 1)
        run += 1
        longest = max(longest, run)
        if run % FREEZE_EVERY == 0:
            held = min(FREEZES_MAX, held + 1)
        previous = day
    last = days[-1]
    if last > today:
        # A completion on a later local day than today (the member moved to a zone behind):
        # as before freezes, no current streak until the days line up again.
        return Streak(0, longest, last, held, used)
    # Days after the last completion and before today are missed; today is not over yet.
    run, held, used = _bridge(run, held, used, missed=(today - last).days - 1)
    return Streak(run, longest, last, held, used)


def _bridge(run: int, held: int, used: int, missed: int) -> tuple[int, int, int]:
    """(run, held, used) after `missed` days without a completion: each uses a freeze while
    there is one; the first day without one breaks the run."""
    missed = max(0, missed)
    covered = min(missed, held)
    held, used = held - covered, used + covered
    return (0 if missed > covered else run), held, used
