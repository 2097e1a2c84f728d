"""`python -m tests.e2e.cluster_bot`: `python -m bot` for tests/e2e/test_cluster.py.

- CLUSTER_TEST_TICK_SECONDS: the scheduler's tick, 30 s in production (the in-process e2e tests
  pass `tick_interval` to StudyBot instead), so a fan-out seeded in the database starts within
  a second of it in every process.
- CLUSTER_TEST_NO_NONCES=1: every message is sent WITHOUT its nonce, for the control run that
  shows the deterministic nonces are what keep a take-over's resend from doubling a post.
- CLUSTER_TEST_START_WHEN=PATH: the bot starts once PATH exists, its imports already done (a
  spare that must not take a slot before the slots' own processes do, started beside them
  rather than after them: on a loaded machine the imports alone take seconds).

Test-only: the bot itself has neither setting.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import discord.http

from bot.__main__ import main
from bot.schedule.runner import TickRunner


def tick_every(seconds: float) -> None:
    """Every TickRunner runs its job every `seconds`, whatever StudyBot asks for."""
    original = TickRunner.__init__

    def init(self: TickRunner, interval: float = seconds, **options: Any) -> None:
        original(self, seconds, **options)

    TickRunner.__init__ = init  # type: ignore[method-assign]


def send_without_nonces() -> None:
    """Drop `nonce` and `enforce_nonce` from every JSON body discord.py sends."""
    original = discord.http.HTTPClient.request

    async def request(
        self: discord.http.HTTPClient, route: discord.http.Route, **kwargs: Any
    ) -> Any:
        payload = kwargs.get("json")
        if isinstance(payload, dict):
            payload.pop("nonce", None)
            payload.pop("enforce_nonce", None)
        return await original(self, route, **kwargs)

    discord.http.HTTPClient.request = request  # type: ignore[method-assign]


def wait_for(path: str) -> None:
    while not os.path.exists(path):
        time.sleep(0.02)


if __name__ == "__main__":
    if gate := os.environ.get("CLUSTER_TEST_START_WHEN"):
        wait_for(gate)
    if tick := os.environ.get("CLUSTER_TEST_TICK_SECONDS"):
        tick_every(float(tick))
    if os.environ.get("CLUSTER_TEST_NO_NONCES") == "1":
        send_without_nonces()
    sys.exit(main())
