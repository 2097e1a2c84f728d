"""What the suite asserts over everything the emulator received: nobody pinged, few invalid
requests. Shared by the fault and security tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from tests.emulator.server import Emulator

#: Discord bans an IP after 10,000 invalid requests (401, 403, 429) in 10 minutes. A test of a
#: few seconds that comes anywhere near this fraction of it is a bot hammering a refusal.
INVALID_REQUEST_BOUND = 25

_MESSAGE_ROUTES = (
    "POST /channels/{channel_id}/messages",
    "PATCH /channels/{channel_id}/messages/{message_id}",
    "POST /webhooks/{webhook_id}/{webhook_token}",
    "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
)
_CALLBACK = "POST /interactions/{interaction_id}/{interaction_token}/callback"


def message_bodies(emulator: Emulator) -> Iterator[tuple[str, dict[str, Any]]]:
    """(route, message body) of every message the bot sent or edited, callbacks included."""
    for call in emulator.calls:
        body = call.request
        if not isinstance(body, dict):
            continue
        if call.route in _MESSAGE_ROUTES:
            yield call.route, body
        elif call.route == _CALLBACK and isinstance(body.get("data"), dict):
            yield f"{call.route} type {body.get('type')}", body["data"]


def ping_problems(body: dict[str, Any], allowed_roles: Iterable[int] = ()) -> list[str]:
    """Why this body could ping someone; [] when it cannot.

    A body with text must say `allowed_mentions` itself (without it Discord parses every
    mention in the text); embeds never ping, so a body without content needs nothing."""
    if not body.get("content"):
        return []
    allowed = body.get("allowed_mentions")
    if allowed is None:
        return ["content without allowed_mentions (Discord would parse every mention)"]
    problems = []
    if allowed.get("parse"):
        problems.append(f"allowed_mentions.parse = {allowed['parse']}")
    if allowed.get("users"):
        problems.append(f"allowed_mentions.users = {allowed['users']}")
    extra_roles = {int(r) for r in allowed.get("roles") or []} - {int(r) for r in allowed_roles}
    if extra_roles:
        problems.append(f"allowed_mentions.roles has {sorted(extra_roles)}")
    if allowed.get("replied_user"):
        problems.append("allowed_mentions.replied_user = true")
    return problems


def assert_nothing_pings(emulator: Emulator, *, allowed_roles: Iterable[int] = ()) -> int:
    """Every message body the emulator received is unable to ping anyone but `allowed_roles`,
    and no stored message pinged anyone else. Returns how many bodies were checked."""
    allowed = {int(role) for role in allowed_roles}
    checked = 0
    failures = []
    for route, body in message_bodies(emulator):
        checked += 1
        failures += [f"{route}: {problem}" for problem in ping_problems(body, allowed)]
    for message in emulator.store.by_id.values():
        if message.author.id != emulator.world.bot.id:
            continue
        if message.mention_everyone or message.pinged_user_ids:
            failures.append(f"message {message.id} pings {message.pinged_user_ids} / everyone")
        if set(message.pinged_role_ids) - allowed:
            failures.append(f"message {message.id} pings roles {message.pinged_role_ids}")
    assert not failures, "\n".join(failures)
    return checked


def assert_few_invalid_requests(emulator: Emulator, bound: int = INVALID_REQUEST_BOUND) -> None:
    """401/403/429 answers stay far below Discord's ban threshold."""
    invalid = [str(call) for call in emulator.calls if call.status in (401, 403, 429)]
    assert len(invalid) <= bound, f"{len(invalid)} invalid requests:\n" + "\n".join(invalid[-20:])
