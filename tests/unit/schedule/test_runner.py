"""The tick runner: the real APScheduler job with a short interval runs every registered tick."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.schedule.runner import TickRunner


async def wait_until(predicate, what: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(500):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def test_every_tick_runs_at_once_and_again_and_a_failing_one_does_not_stop_the_rest() -> None:
    runner = TickRunner(0.02)
    calls: list[str] = []

    async def posts() -> None:
        calls.append("posts")

    async def broken() -> None:
        raise RuntimeError("boom")

    runner.add_tick("posts", posts)
    runner.add_tick("broken", broken)
    await runner.start()
    try:
        await wait_until(lambda: calls.count("posts") >= 3, "three ticks")
    finally:
        await runner.stop()
    stopped_at = len(calls)
    await asyncio.sleep(0.1)
    assert len(calls) == stopped_at  # nothing runs after stop


async def test_ticks_never_overlap_and_stop_cancels_a_long_tick_after_its_grace() -> None:
    runner = TickRunner(0.01, stop_grace=0.05)
    running = 0
    most = 0
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def slow() -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        finally:
            running -= 1

    runner.add_tick("slow", slow)
    await runner.start()
    await asyncio.wait_for(started.wait(), 5)
    await asyncio.sleep(0.1)  # ten intervals pass while the first tick still runs
    await asyncio.wait_for(runner.stop(), 5)
    assert most == 1 and cancelled.is_set()


def test_names_are_unique_and_the_interval_positive() -> None:
    runner = TickRunner(1)
    runner.add_tick("posts", asyncio.sleep)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="already registered"):
        runner.add_tick("posts", asyncio.sleep)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positive"):
        TickRunner(0)


async def test_ticks_run_at_once_then_on_whole_multiples_of_the_interval() -> None:
    # Posts fall due on whole minutes: a 30 s tick on :00 and :30 sends them when they are due.
    runner = TickRunner(30)
    ran: list[float] = []

    async def record() -> None:
        ran.append(time.time())

    runner.add_tick("record", record)
    started = time.time()
    await runner.start()
    try:
        await wait_until(lambda: ran, "the first run")
        after = runner.next_interval_run
        assert after is not None
        assert after.timestamp() % 30 == 0
        assert started <= after.timestamp() <= started + 30
    finally:
        await runner.stop()
    assert runner.next_interval_run is None
