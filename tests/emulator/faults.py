"""Faults a test injects into the REST side: 429s (route and global), 5xx, any Discord error.

Rules are matched in the order added against the route template and optional path parameters;
each fires `times` times (None: until cleared). A global requests-per-second limit answers 429
past it, as Discord's global limit does. Interaction callbacks and webhooks are exempt from the
global limit, as on Discord.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.emulator.checks import error_body

EXEMPT_FROM_GLOBAL = ("/interactions/", "/webhooks/")


@dataclass
class FaultRule:
    route: str  # "METHOD /template" or "*"
    params: dict[str, str]
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    times: int | None
    delay: float = 0.0  # > 0: the request is served normally, its answer held this long

    def matches(self, route: str, params: dict[str, str]) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.route not in ("*", route):
            return False
        return all(params.get(key) == value for key, value in self.params.items())


def rate_limit_answer(
    retry_after: float, *, is_global: bool, scope: str = "user", bucket: str = "emulated"
) -> tuple[dict[str, Any], dict[str, str]]:
    """The body and headers of Discord's 429: discord.py retries only with `Via` and JSON."""
    reset = time.time() + retry_after
    headers = {
        "Via": "1.1 google",
        "Retry-After": str(max(1, math.ceil(retry_after))),
        "X-RateLimit-Scope": "global" if is_global else scope,
    }
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    else:
        headers.update(
            {
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{reset:.3f}",
                "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                "X-RateLimit-Bucket": bucket,
            }
        )
    body = {
        "message": "You are being rate limited.",
        "retry_after": retry_after,
        "global": is_global,
        "code": 0,
    }
    return body, headers


class Faults:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock  # a test's own, to place requests in the global limit's window
        self.rules: list[FaultRule] = []
        self.requests_per_second: float | None = None
        self.window = 1.0
        self._recent: deque[float] = deque()

    def clear(self) -> None:
        self.rules.clear()
        self.requests_per_second = None

    def add(
        self,
        route: str,
        status: int,
        body: dict[str, Any],
        *,
        headers: dict[str, str] | None = None,
        times: int | None = 1,
        **params: object,
    ) -> FaultRule:
        rule = FaultRule(
            route, {k: str(v) for k, v in params.items()}, status, body, headers or {}, times
        )
        self.rules.append(rule)
        return rule

    def rate_limit(
        self,
        route: str,
        *,
        retry_after: float = 0.05,
        is_global: bool = False,
        times: int | None = 1,
        **params: object,
    ) -> FaultRule:
        """429 on that route (`is_global`: the global limit) with Discord's headers and body."""
        body, headers = rate_limit_answer(retry_after, is_global=is_global)
        return self.add(route, 429, body, headers=headers, times=times, **params)

    def server_error(
        self, route: str, *, status: int = 500, times: int | None = 1, **params: object
    ) -> FaultRule:
        return self.add(
            route,
            status,
            {"message": "500: Internal Server Error", "code": 0},
            times=times,
            **params,
        )

    def error(
        self,
        route: str,
        *,
        status: int,
        code: int,
        message: str,
        times: int | None = None,
        **params: object,
    ) -> FaultRule:
        """Any Discord error, e.g. status=403, code=50013, message="Missing Permissions"."""
        return self.add(route, status, error_body(code, message), times=times, **params)

    def delay_answer(
        self, route: str, *, seconds: float, times: int | None = 1, **params: object
    ) -> FaultRule:
        """Serve the request (a message is stored) but hold the answer `seconds`: the moment a
        crash between Discord's side effect and the bot's record of it can be provoked."""
        rule = self.add(route, 200, {}, times=times, **params)
        rule.delay = seconds
        return rule

    def forbid_channel(self, channel_id: int, *, times: int | None = None) -> FaultRule:
        """403 / 50013 Missing Permissions for every request about that channel."""
        return self.error(
            "*",
            status=403,
            code=50013,
            message="Missing Permissions",
            times=times,
            channel_id=channel_id,
        )

    def global_rate_limit(self, requests_per_second: float | None, *, window: float = 1.0) -> None:
        """Answer 429 (global) past requests_per_second * window requests in any `window`
        seconds (Discord: 50 per second); None turns it off."""
        self.requests_per_second = requests_per_second
        self.window = window
        self._recent.clear()

    def take(self, route: str, params: dict[str, str]) -> FaultRule | None:
        for rule in self.rules:
            if rule.matches(route, params):
                if rule.times is not None:
                    rule.times -= 1
                return rule
        return None

    def over_global_limit(self, path: str) -> float | None:
        """Seconds to wait when this request breaks the global limit, else None (and counted)."""
        if self.requests_per_second is None or path.startswith(EXEMPT_FROM_GLOBAL):
            return None
        now = self._clock()
        while self._recent and now - self._recent[0] >= self.window:
            self._recent.popleft()
        if len(self._recent) >= self.requests_per_second * self.window:
            return max(0.001, self.window - (now - self._recent[0]))
        self._recent.append(now)
        return None
