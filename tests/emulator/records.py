"""What the emulator saw: every REST call and its answer, unknown routes, Discord's counters."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

# Discord counts these towards its invalid-request limit (10,000 per 10 minutes bans an IP).
INVALID_STATUSES = (401, 403, 429)


@dataclass
class RestCall:
    method: str
    path: str  # as requested, below the API base ("/channels/123/messages")
    route: str  # "METHOD /template" ("POST /channels/{channel_id}/messages"), "?" when unknown
    params: dict[str, str]
    query: dict[str, str]
    status: int
    request: Any = None  # the JSON body (payload_json of a multipart request)
    files: dict[str, int] = field(default_factory=dict)  # uploaded file name -> size
    response: Any = None
    at: float = field(default_factory=time.monotonic)

    @property
    def error_code(self) -> int | None:
        return self.response.get("code") if isinstance(self.response, dict) else None

    def __str__(self) -> str:
        code = (
            f" code {self.error_code}" if self.error_code is not None and self.status >= 400 else ""
        )
        return f"{self.method} {self.path} -> {self.status}{code}"


@dataclass
class RoleChange:
    guild_id: int
    user_id: int
    role_id: int
    added: bool
    at: float = field(default_factory=time.monotonic)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[RestCall] = []
        self.unknown: list[RestCall] = []

    def add(self, call: RestCall) -> None:
        self.calls.append(call)
        if call.route == "?":
            self.unknown.append(call)

    def to(self, route: str, **params: object) -> list[RestCall]:
        """Calls to a route template ("POST /channels/{channel_id}/messages") with these params."""
        wanted = {key: str(value) for key, value in params.items()}
        return [
            call
            for call in self.calls
            if call.route == route and all(call.params.get(k) == v for k, v in wanted.items())
        ]

    @property
    def rate_limited(self) -> int:
        """How many requests were answered 429."""
        return sum(1 for call in self.calls if call.status == 429)

    @property
    def invalid(self) -> int:
        """401, 403 and 429 answers: what Discord counts towards its invalid-request ban."""
        return sum(1 for call in self.calls if call.status in INVALID_STATUSES)

    def summary(self, last: int = 15) -> str:
        return "\n".join(f"  {call}" for call in self.calls[-last:]) or "  (no REST calls)"
