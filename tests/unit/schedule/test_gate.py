"""The REST gate: no window on the server's side ever holds more than the limit, however
requests bunch up on the way; and the aiohttp trace puts every REST request through it."""

from __future__ import annotations

import asyncio
import random
import time

import aiohttp
import pytest
import yarl
from aiohttp import web

from bot.schedule.pacer import RestGate, counts_towards_global_limit, rest_trace
from tests.unit.schedule.windows import max_in_window


async def bunched_requests(gate: RestGate | None, count: int, seed: int) -> list[float]:
    """`count` requests started at once; the 'server' counts each at a random moment between
    its start and its answer (0-20 ms each way). Returns the server's counting times."""
    rng = random.Random(seed)
    counted: list[float] = []

    async def request() -> None:
        ticket = await gate.enter() if gate is not None else None
        await asyncio.sleep(rng.uniform(0, 0.02))
        counted.append(time.monotonic())
        await asyncio.sleep(rng.uniform(0, 0.02))
        if gate is not None and ticket is not None:
            gate.leave(ticket)

    await asyncio.gather(*(request() for _ in range(count)))
    return counted


async def test_bunched_requests_never_exceed_the_limit_in_any_window() -> None:
    ungated = await bunched_requests(None, 40, seed=1)
    assert max_in_window(ungated, 0.2) > 5  # the same traffic without the gate breaks it

    gate = RestGate(5, 0.2)
    counted = await bunched_requests(gate, 40, seed=1)
    assert len(counted) == 40
    assert max_in_window(counted, 0.2) <= 5
    assert gate.held > 0 and gate.in_flight == 0


async def test_a_slot_comes_back_one_window_after_the_answer() -> None:
    gate = RestGate(2, 0.1)
    first, second = await gate.enter(), await gate.enter()
    third = asyncio.create_task(gate.enter())
    await asyncio.sleep(0.05)
    assert not third.done()  # both slots are in flight: wait for an answer
    gate.leave(first)
    answered = time.monotonic()
    await asyncio.sleep(0.02)
    assert not third.done()  # the answer still counts for a whole window
    gate.leave(await third)
    assert time.monotonic() - answered >= 0.1 - 0.005  # (the loop's clock granularity)
    gate.leave(second)


async def test_waiting_requests_pass_in_the_order_they_came() -> None:
    gate = RestGate(1, 0.02)
    order: list[int] = []

    async def request(number: int) -> None:
        ticket = await gate.enter()
        order.append(number)
        gate.leave(ticket)

    tasks = []
    for number in range(8):
        tasks.append(asyncio.create_task(request(number)))
        await asyncio.sleep(0)  # each one reaches the gate before the next is made
    await asyncio.gather(*tasks)
    assert order == list(range(8))


async def test_a_cancelled_wait_takes_no_slot() -> None:
    gate = RestGate(1, 0.05)
    ticket = await gate.enter()
    waiting = asyncio.create_task(gate.enter())
    await asyncio.sleep(0.01)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert gate.in_flight == 1
    gate.leave(ticket)
    gate.leave(ticket)  # a second leave for the same ticket changes nothing
    assert gate.in_flight == 0


async def test_a_request_never_answered_stops_counting_after_a_while() -> None:
    gate = RestGate(1, 0.05, stale_after=0.05)
    await gate.enter()  # its answer never comes (a lost trace event)
    passed = await asyncio.wait_for(gate.enter(), timeout=5)
    gate.leave(passed)
    assert gate.in_flight == 0


def test_which_requests_count_towards_the_global_limit() -> None:
    api = "https://discord.com/api/v10"
    assert counts_towards_global_limit(yarl.URL(f"{api}/channels/1/messages"))
    assert counts_towards_global_limit(yarl.URL(f"{api}/channels/1/webhooks"))  # creating one
    assert not counts_towards_global_limit(yarl.URL(f"{api}/interactions/1/tok/callback"))
    assert not counts_towards_global_limit(yarl.URL(f"{api}/webhooks/1/tok/messages/@original"))
    assert not counts_towards_global_limit(yarl.URL("wss://gateway.discord.gg/?v=10"))


def test_refuses_a_nonsense_gate() -> None:
    with pytest.raises(ValueError):
        RestGate(0)
    with pytest.raises(ValueError):
        RestGate(5, 0)


async def test_the_trace_gates_every_rest_request_of_a_session() -> None:
    """A real HTTP server on 127.0.0.1 that answers slowly and at uneven speeds."""
    counted: list[float] = []
    rng = random.Random(7)

    async def message(request: web.Request) -> web.Response:
        await asyncio.sleep(rng.uniform(0, 0.02))
        counted.append(time.monotonic())
        await asyncio.sleep(rng.uniform(0, 0.02))
        return web.json_response({"id": "1"})

    async def callback(request: web.Request) -> web.Response:
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/api/v10/channels/{channel}/messages", message)
    app.router.add_post("/api/v10/interactions/{id}/{token}/callback", callback)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    base = f"http://127.0.0.1:{port}/api/v10"
    gate = RestGate(4, 0.2)
    try:
        async with aiohttp.ClientSession(trace_configs=[rest_trace(gate)]) as session:

            async def post(path: str) -> int:
                async with session.post(f"{base}{path}") as response:
                    return response.status

            statuses = await asyncio.gather(
                *(post(f"/channels/{n}/messages") for n in range(20)),
                *(post(f"/interactions/{n}/token/callback") for n in range(20)),
            )
            assert statuses.count(200) == 20 and statuses.count(204) == 20
            assert max_in_window(counted, 0.2) <= 4
            assert gate.in_flight == 0

            # A request that fails before any answer gives its slot back as well.
            with pytest.raises(aiohttp.ClientError):
                await session.post("http://127.0.0.1:1/api/v10/channels/1/messages")
            assert gate.in_flight == 0
    finally:
        await runner.cleanup()
