"""Every payload the emulator emits parses through discord.py's constructors and has the fields
Discord's OpenAPI description requires; the checker itself catches what is missing."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp
import discord
import pytest
from discord.app_commands import AppCommand

from tests.emulator.checks import FormErrors
from tests.emulator.commands import CommandRegistry
from tests.emulator.faults import rate_limit_answer
from tests.emulator.messages import build_message_payload
from tests.emulator.openapi import OpenAPIChecker
from tests.emulator.payloads import (
    application_payload,
    channel_payload,
    guild_create_payload,
    guild_payload,
    me_payload,
    member_payload,
    role_payload,
    user_payload,
)
from tests.emulator.trim_openapi import (
    KNOWN_ABSENT,
    NAMED_OPERATIONS,
    NAMED_SCHEMAS,
    served_routes,
)

TESTS = Path(__file__).resolve().parents[1]
REGENERATE = "regenerate it: python -m tests.emulator.trim_openapi PATH/TO/openapi.json"


@pytest.fixture
def checker() -> OpenAPIChecker:
    return OpenAPIChecker.shared()


@pytest.fixture
async def state():
    client = discord.Client(intents=discord.Intents.all())  # caches every member
    yield client._connection
    await client.close()


def test_the_checker_reports_missing_fields_and_wrong_types(checker):
    problems = checker.check_named("UserResponse", {"id": 5, "username": "x"})
    assert "$.id: expected string, got int" in problems
    assert "$: missing required field 'discriminator'" in problems
    assert checker.check_operation("create_message", {"content": 7}) == [
        "request $.content: expected string/null, got int"
    ]


def test_world_objects_match_the_openapi_schemas(checker, sample):
    world, guild = sample.world, sample.guild
    cases = [
        ("UserResponse", user_payload(sample.alice.user)),
        ("UserPIIResponse", me_payload(world)),
        ("GuildRoleResponse", role_payload(guild.bot_role)),
        ("GuildMemberResponse", member_payload(sample.mod)),
        ("GuildResponse", guild_payload(guild)),
        ("GuildChannelResponse", channel_payload(sample.general)),
        ("GuildChannelResponse", channel_payload(sample.lounge)),
        ("GuildChannelResponse", channel_payload(sample.announcements)),
        ("PrivateChannelResponse", channel_payload(world.dm_channel(sample.bob.user))),
        ("PrivateApplicationResponse", application_payload(world)),
        ("RatelimitedResponse", rate_limit_answer(0.5, is_global=False)[0]),
        ("ErrorResponse", FormErrors().body()),
    ]
    for name, payload in cases:
        assert checker.check_named(name, payload) == [], name


async def test_payloads_parse_through_discord_py(checker, sample, state):
    world = sample.world
    state.user = discord.ClientUser(state=state, data=me_payload(world))
    guild = discord.Guild(
        data=guild_create_payload(sample.guild, include_all_members=True), state=state
    )
    assert {m.name for m in guild.members} >= {"alice", "bob", "mod", "Study Companion"}
    assert guild.me.top_role.position == 50
    assert guild.get_channel(sample.lounge.id).type is discord.ChannelType.voice
    info = discord.AppInfo(state, application_payload(world))
    assert info.id == world.application_id and info.owner.name == "app-owner"
    body = {
        "content": "hi",
        "embeds": [{"title": "t"}],
        "components": [
            {
                "type": 1,
                "components": [{"type": 2, "style": 1, "label": "Done", "custom_id": "x:done"}],
            }
        ],
    }
    payload = build_message_payload(
        world,
        message_id=world.ids.next(),
        channel=sample.general,
        author=world.bot,
        body=body,
        files={"a.py": b"1"},
        base_url="http://127.0.0.1:1",
    )
    assert checker.check_named("MessageResponse", payload) == []
    message = discord.Message(
        state=state, channel=guild.get_channel(sample.general.id), data=payload
    )
    assert message.attachments[0].filename == "a.py" and message.embeds[0].title == "t"
    assert message.components[0].children[0].custom_id == "x:done"
    registry = CommandRegistry(world)
    [command] = registry.overwrite(None, [{"name": "study", "description": "d", "options": []}])
    response = command.response(world.application_id)
    assert checker.check_named("ApplicationCommandResponse", response) == []
    assert AppCommand(data=response, state=state).name == "study"


async def test_the_fixture_records_requests_that_break_the_schema(emulator, sample):
    headers = {"Authorization": f"Bot {sample.world.token}"}
    async with aiohttp.ClientSession() as session:
        url = f"{emulator.api_base}/channels/{sample.general.id}/messages"
        async with session.post(url, json={"content": 7}, headers=headers) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "application/json"
    assert emulator.schema_problems == [
        f"POST /channels/{sample.general.id}/messages -> 200: "
        "request $.content: expected string/null, got int"
    ]
    emulator.schema_problems.clear()  # seen; the fixture would fail the test otherwise


def test_every_served_route_is_in_the_trimmed_description(checker):
    routes = served_routes()
    missing = [
        f"{method} {template}"
        for method, template in routes
        if checker.operation(method, template) is None and (method, template) not in KNOWN_ABSENT
    ]
    assert missing == [], f"discord_openapi.json lacks {missing}; {REGENERATE}"
    stale = [route for route in KNOWN_ABSENT if route not in routes or checker.operation(*route)]
    assert stale == [], f"KNOWN_ABSENT lists routes no longer absent or served: {stale}"


def test_every_name_tests_check_is_kept_by_the_trim_script(checker):
    used: dict[str, set[str]] = {"check_named": set(), "check_operation": set()}
    for source in TESTS.rglob("*.py"):
        for call, name in re.findall(r'(check_named|check_operation)\("(\w+)"', source.read_text()):
            used[call].add(name)
    assert used["check_named"] <= set(NAMED_SCHEMAS), "add it to NAMED_SCHEMAS and regenerate"
    assert used["check_operation"] <= set(NAMED_OPERATIONS), "add it to NAMED_OPERATIONS"
    assert set(NAMED_SCHEMAS) <= checker.schemas.keys(), REGENERATE
    for operation_id in NAMED_OPERATIONS:
        checker.operation_by_id(operation_id)
