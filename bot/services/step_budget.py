"""A budget of computing per event-loop step, for the ticks' loops over a batch.

A tick plans hundreds of sends in pure Python (each member's plan, standing, reviews, claim).
Done in one go, a batch holds the event loop for tens of milliseconds and every member's
command waits behind it; `await budget.spend()` after each item lets the loop in once
`seconds` of computing ran since the last time, and costs a clock read otherwise.
"""

from __future__ import annotations

import asyncio
import time

#: Longest run of computing on the event loop before a tick's loop lets other work in.
STEP_SECONDS = 0.004


class StepBudget:
    def __init__(self, seconds: float = STEP_SECONDS) -> None:
        self._seconds = seconds
        self._since = time.perf_counter()

    async def spend(self) -> None:
        """Yield to the event loop when this step has used its budget."""
        if time.perf_counter() - self._since > self._seconds:
            await asyncio.sleep(0)
            self._since = time.perf_counter()
