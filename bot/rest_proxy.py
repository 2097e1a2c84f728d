"""discord.py behind a shared REST rate-limit proxy (deploy/proxy, DISCORD_API_BASE).

Two things discord.py does not do by itself there:

- Interaction answers go past the proxy. Interaction callbacks and their webhook followups are
  not under the token's global limit, and a member waits on them; queued in the proxy behind a
  fan-out of daily posts they would arrive seconds late (or after Discord's 3 s deadline).
  `route_base` makes discord.py's `Route.BASE` depend on the route's path.
- A 429 the proxy itself answers (a proxy run with rejectOnRateLimit, or another proxy) carries
  Retry-After but not Discord's JSON body nor its `Via` header, so discord.py takes it for a
  Cloudflare ban and raises HTTPException at once. `retry_proxy_rate_limits` waits and retries.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord.http import Route

log = logging.getLogger(__name__)

#: Discord's own REST root: where interaction answers go when the rest goes through a proxy.
DISCORD_API = "https://discord.com/api/v10"
#: Paths Discord keeps out of the global limit (interaction callbacks; followups and edits of
#: an interaction's messages are webhook calls with the interaction's token).
DIRECT_PATHS = ("/interactions/", "/webhooks/")
#: How often one request is retried after a proxy's own 429, and the longest wait honoured.
PROXY_RETRIES = 5
LONGEST_WAIT = 60.0


class RouteBase:
    """A `Route.BASE` that depends on the route: `Route.__init__` reads `self.BASE` after it
    has set `self.path`, so an instance sees its own base; the class (`Route.BASE`) sees the
    proxied one, as code reading it expects."""

    def __init__(self, proxied: str, direct: str) -> None:
        self.proxied = proxied
        self.direct = direct

    def __get__(self, route: Route | None, owner: type | None = None) -> str:
        if route is not None and route.path.startswith(DIRECT_PATHS):
            return self.direct
        return self.proxied


def route_base(proxied: str, direct: str | None) -> None:
    """Send discord.py's REST to `proxied`, interaction answers to `direct` (Discord when None)."""
    # Assigned with setattr: Route.BASE is declared a str, and a descriptor stands in for one.
    setattr(Route, "BASE", RouteBase(proxied, direct or DISCORD_API))  # noqa: B010


def _retry_after(response: Any) -> float | None:
    headers = getattr(response, "headers", None)
    raw = headers.get("Retry-After") if headers is not None else None
    try:
        return min(LONGEST_WAIT, max(0.0, float(raw))) if raw is not None else None
    except ValueError:
        return None


def retry_proxy_rate_limits(http: discord.http.HTTPClient) -> None:
    """Wrap `http.request`: a 429 with Retry-After that discord.py gave up on is waited out
    and sent again, up to PROXY_RETRIES times. Discord's own 429s never reach here (discord.py
    retries those itself)."""
    send: Callable[..., Awaitable[Any]] = http.request

    async def request(route: Route, **kwargs: Any) -> Any:
        for attempt in range(PROXY_RETRIES + 1):
            try:
                return await send(route, **kwargs)
            except discord.HTTPException as exc:
                wait = _retry_after(exc.response) if exc.status == 429 else None
                if wait is None or attempt == PROXY_RETRIES:
                    raise
            log.warning(
                "the REST proxy answered 429 to %s %s; retrying in %.2f s",
                route.method,
                route.path,
                wait,
            )
            await asyncio.sleep(wait)
            # discord.py rewinds files only from its own second try on: rewind for ours.
            for file in kwargs.get("files") or ():
                file.reset(seek=True)
        raise AssertionError("unreachable")

    setattr(http, "request", request)  # noqa: B010
