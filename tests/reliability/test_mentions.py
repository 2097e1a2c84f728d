"""Nothing the bot sends can ping: mentions in content and in every free-text option.

Asserted on what Discord would act on: the `allowed_mentions` of every message body the
emulator received (callbacks, followups, edits, posts) and who each stored message pinged.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bot.roadmap.catalog import Catalog
from bot.roadmap.loader import load_directory
from bot.roadmap.model import Example, Resource, Roadmap, Stage, Topic
from tests.content_files import write_roadmap
from tests.e2e.conftest import Launch
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld
from tests.reliability.audit import assert_nothing_pings, message_bodies
from tests.reliability.walker import Leaf, Targets, fit, leaf_commands, run_every_command


def hostile(sample: StandardWorld) -> str:
    """Every kind of mention Discord parses, aimed at real roles and members of the world."""
    return (
        f"@everyone @here <@&{sample.moderator_role.id}> <@{sample.bob.id}> "
        f"<@!{sample.alice.id}> <@&{sample.guild.id}>"
    )


def allowed_roles(body: dict[str, Any]) -> list[str]:
    return (body.get("allowed_mentions") or {}).get("roles") or []


def mention_catalog(sample: StandardWorld) -> Catalog:
    """Mentions in every text field, as if the validator had let them through: the renderers
    and allowed_mentions must hold on their own."""
    ping = hostile(sample)
    example = Example(title=f"Example {ping}", code=f"print('{ping}')\n")

    def topic(topic_id: str) -> Topic:
        return Topic(
            id=topic_id,
            title=f"{topic_id} {ping}",
            summary=f"Summary {ping}",
            details=f"Details {ping}",
            # Two examples: the card shows the first, Show example the second.
            examples=(example, Example(title=f"More {ping}", code=f"# {ping}\n")),
            resources=(Resource(f"Read {ping}", "https://example.com/read"),),
        )

    stages = tuple(
        Stage(
            id=f"stage-{n}",
            title=f"Stage {n} {ping}",
            summary=f"About {ping}",
            topics=(topic(f"topic-{n}-a"), topic(f"topic-{n}-b")),
            example=example,
        )
        for n in (1, 2)
    )
    return Catalog([Roadmap(id="pings", title=f"Pings {ping}", summary=ping, stages=stages)])


async def test_free_text_in_every_option_of_every_command_pings_nobody(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    text = hostile(sample)
    targets = Targets(sample.bob, sample.general, sample.member_role)

    def free_text(leaf: Leaf, option: dict[str, Any]) -> str:
        return fit(text, option)

    leaves = [leaf for leaf in leaf_commands(emulator, sample.guild.id) if leaf.strings()]
    assert len(leaves) >= 8, [leaf.path for leaf in leaves]
    # The moderator can run everything; a member runs the member commands.
    answered = await run_every_command(
        emulator, sample.mod, targets, free_text, select=Leaf.strings
    )
    answered |= await run_every_command(
        emulator,
        sample.alice,
        targets,
        free_text,
        select=lambda leaf: bool(leaf.strings()) and leaf.top == "roadmap",
    )
    for path, result in answered.items():
        # Hostile free text gets a clear refusal, to the member alone, that quotes what they
        # typed only inside a code span (where Discord shows a mention as typed, never as one).
        reply = result.text()
        assert result.ephemeral, f"/{path}: {reply}"
        assert "Something went wrong" not in reply, f"/{path}: {reply}"
        outside_code = re.sub(r"`[^`]*`", "", reply)
        typed = ["@everyone @here", *text.split()[2:]]  # ("Mention @everyone" is a permission)
        for mention in typed:
            assert mention not in outside_code, f"/{path}: {reply}"
    quoted = f"`{text[:40]}"  # the value as typed, cut (with …) to fit the reply
    for path, wanted in {
        "roadmap done": f"Unknown topic {quoted}",
        "roadmap skip": "Give a `topic` to skip, or a `stage`",  # both given: one is asked
        "roadmap reset": f"Unknown topic {quoted}",
        "roadmap stage": f"Unknown stage {quoted}",
        "roadmap example": f"Unknown stage {quoted}",
        "roadmap follow": f"Unknown roadmap {quoted}",
        "roadmap remind set": quoted,
        "roadmap settings": quoted,
        "roadmap-admin roadmap": f"Unknown roadmap {quoted}",
        "roadmap-admin stats": f"Unknown roadmap {quoted}",
        "roadmap-admin reward set": f"Unknown roadmap {quoted}",
        "roadmap-admin reward remove": f"Unknown roadmap {quoted}",
    }.items():
        assert answered[path].text().startswith(wanted), (path, answered[path].text())
    assert "is not a time: use 24-hour `HH:MM`" in answered["roadmap remind set"].text()
    assert "is not a time zone" in answered["roadmap settings"].text()
    for leaf in leaves:  # autocomplete sees the same text while it is being typed
        for option in leaf.strings():
            if option.get("autocomplete"):
                await emulator.autocomplete(
                    sample.guild, sample.mod, leaf.path, option["name"], fit(text, option)
                )
    assert assert_nothing_pings(emulator) >= len(answered)


async def test_mentions_in_every_content_field_ping_nobody_but_the_daily_role(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch(catalog=mention_catalog(sample))
    ping_role = sample.guild.add_role("Daily", mentionable=True)
    targets = Targets(sample.bob, sample.general, ping_role)
    typed = {"time": "23:59", "timezone": "UTC"}

    # Every command, with real stage and topic ids from autocomplete, as the moderator...
    results = await run_every_command(
        emulator,
        sample.mod,
        targets,
        lambda leaf, option: typed.get(option["name"], "stage-1"),
        autocomplete_first=True,
    )
    assert "Stage 1/2" in results["roadmap next"].text()
    # ...a daily post of that content (daily set ran in the walk, after post-now)...
    posted = await emulator.slash(sample.guild, sample.mod, "roadmap-admin daily post-now")
    assert "Today's topic is posted" in posted.text(), posted.text()
    [post] = [m for m in emulator.messages(sample.general) if m.embeds]
    assert post.pinged_role_ids == [ping_role.id]
    # ...then a member's card, its buttons, and progress shown in the channel.
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next", public=True)
    await emulator.click(card, "Show example", sample.alice)
    done = await emulator.click(card, "Done", sample.alice)
    assert "topic-1-b" in done.text()
    await emulator.slash(sample.guild, sample.alice, "roadmap progress", public=True)
    await emulator.slash(sample.guild, sample.bob, "roadmap progress", member=sample.alice)
    board = await emulator.slash(sample.guild, sample.alice, "roadmap leaderboard")
    assert f"<@{sample.alice.id}>" in board.text()  # shown as a mention, rendered as a name

    assert assert_nothing_pings(emulator, allowed_roles=[ping_role.id]) > len(results)
    # The role may be pinged by the daily post only.
    pinging = [route for route, body in message_bodies(emulator) if allowed_roles(body)]
    assert pinging == ["POST /channels/{channel_id}/messages"]


async def test_mentions_in_example_code_load_and_ping_nobody(
    emulator: Emulator, sample: StandardWorld, launch: Launch, tmp_path: Path
) -> None:
    # Code is the one place the validator lets "@everyone" through (a decorator, an e-mail).
    code = f"# {hostile(sample)}\n@everyone\ndef f():\n    return '<@&{sample.member_role.id}>'\n"
    folder = tmp_path / "content"
    write_roadmap(folder, "code", {"basics": [{"id": "decorators", "code": code}]})
    loaded = load_directory(folder)
    assert loaded.ok and loaded.catalog is not None, [str(p) for p in loaded.problems]
    await launch(catalog=loaded.catalog)

    example = await emulator.slash(
        sample.guild, sample.alice, "roadmap example", stage="basics", topic="decorators"
    )
    # Short code comes inline, in a code block, and as its file, exactly as written.
    assert example.message is not None
    assert example.message.files == {"decorators.py": code.encode()}
    assert "```py\n# @everyone" in example.text() or "```python\n# @everyone" in example.text()
    assert "\n@everyone\ndef f():\n    return '<@&" in example.text()
    card = await emulator.slash(sample.guild, sample.alice, "roadmap next", public=True)
    assert "@everyone" in card.embed["description"]  # short code is on the card itself
    assert_nothing_pings(emulator)
