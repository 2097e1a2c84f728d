"""The REST pacer spaces requests under the global limit, with a simulated clock."""

from __future__ import annotations

import asyncio

import pytest

from bot.schedule.pacer import RestPacer
from tests.unit.schedule.windows import max_in_window


class FakeTime:
    """A monotonic clock that moves only when a paced caller sleeps."""

    def __init__(self) -> None:
        self.now = 100.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def test_a_burst_of_requests_is_spread_at_the_rate() -> None:
    clock = FakeTime()
    pacer = RestPacer(47, monotonic=clock.monotonic, sleep=clock.sleep)
    sent: list[float] = []
    for _ in range(470):
        delay = pacer.reserve()
        sent.append(clock.now + delay)
    assert max_in_window(sent) <= 48  # never more than the rate in any one-second window
    assert sent[-1] - sent[0] == pytest.approx(469 / 47)  # and no slower than the rate
    assert pacer.granted == 470


async def test_burst_allows_back_to_back_after_idle_only() -> None:
    clock = FakeTime()
    pacer = RestPacer(10, burst=3, monotonic=clock.monotonic, sleep=clock.sleep)
    assert [pacer.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert pacer.reserve() == pytest.approx(0.1)
    clock.now += 60  # idle: the burst is available again, but not more than it
    assert [pacer.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert pacer.reserve() > 0


async def test_concurrent_callers_with_the_real_loop_keep_the_rate() -> None:
    pacer = RestPacer(200)
    loop = asyncio.get_running_loop()
    stamps: list[float] = []

    async def request() -> None:
        await pacer.acquire()
        stamps.append(loop.time())

    await asyncio.gather(*(request() for _ in range(40)))
    # 40 requests at 200/s span at least 39 intervals (the loop may only be later, never earlier).
    assert max(stamps) - min(stamps) >= 39 / 200 - 0.01
    assert pacer.backlog <= 1 / 200  # only the slot after the last one is reserved


def test_refuses_nonsense_rates() -> None:
    with pytest.raises(ValueError):
        RestPacer(0)
    with pytest.raises(ValueError):
        RestPacer(10, burst=0)
