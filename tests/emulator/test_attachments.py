"""Files on interaction answers, as discord.py sends them (multipart: `payload_json` and
`files[n]`): the callback, a followup and an edit of @original each store the file, serve it at
the attachment's URL and show it where an embed points at `attachment://<name>`; a file above
the interaction's upload limit is refused with 413 / 40005 and nothing is acknowledged."""

from __future__ import annotations

import json
import secrets
from typing import Any

import aiohttp

from tests.emulator.driver import ATTACHMENT_SIZE_LIMIT
from tests.emulator.interactions import InteractionState
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld

PICTURE = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def pending(emulator: Emulator, sample: StandardWorld) -> InteractionState:
    """A slash command interaction nobody answered yet."""
    state = InteractionState(
        emulator.world.ids.next(),
        f"emu-{secrets.token_urlsafe(24)}",
        2,
        "/test pictures",
        sample.general,
        sample.alice.user,
        sample.guild.id,
    )
    emulator.interactions[state.token] = state
    return state


def multipart(body: dict[str, Any], files: dict[str, bytes]) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("payload_json", json.dumps(body), content_type="application/json")
    for index, (name, data) in enumerate(files.items()):
        form.add_field(f"files[{index}]", data, filename=name, content_type="image/png")
    return form


def with_picture(name: str) -> dict[str, Any]:
    return {
        "embeds": [{"title": "Card", "image": {"url": f"attachment://{name}"}}],
        "attachments": [{"id": 0, "filename": name}],
    }


async def test_a_callback_with_a_file_shows_it_in_the_embed(
    emulator: Emulator, sample: StandardWorld
) -> None:
    state = pending(emulator, sample)
    url = f"{emulator.api_base}/interactions/{state.id}/{state.token}/callback"
    body = {"type": 4, "data": {**with_picture("card.png"), "flags": 64}}
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data=multipart(body, {"card.png": PICTURE})) as response:
            assert response.status == 204
        message = state.original
        assert message is not None and message.ephemeral
        [attachment] = message.attachments
        assert attachment["filename"] == "card.png" and attachment["size"] == len(PICTURE)
        assert attachment["content_type"] == "image/png"
        assert message.embeds[0]["image"]["url"] == attachment["url"]
        async with http.get(attachment["url"]) as served:
            assert served.status == 200 and await served.read() == PICTURE


async def test_followups_and_edits_carry_files_too(
    emulator: Emulator, sample: StandardWorld
) -> None:
    state = pending(emulator, sample)
    hook = f"{emulator.api_base}/webhooks/{emulator.world.application_id}/{state.token}"
    callback = f"{emulator.api_base}/interactions/{state.id}/{state.token}/callback"
    async with aiohttp.ClientSession() as http:
        async with http.post(callback, json={"type": 5, "data": {"flags": 64}}) as response:
            assert response.status == 204  # deferred: "thinking..."
        form = multipart(with_picture("stats.png"), {"stats.png": PICTURE})
        async with http.post(hook, params={"wait": "true"}, data=form) as response:
            assert response.status == 200
            payload = await response.json()
        assert payload["attachments"][0]["filename"] == "stats.png"
        assert payload["embeds"][0]["image"]["url"] == payload["attachments"][0]["url"]
        assert state.original is not None and not state.original.loading
        assert state.original.files["stats.png"] == PICTURE

        edit = multipart(
            {"embeds": [{"image": {"url": "attachment://new.png"}}], "attachments": [{"id": 0}]},
            {"new.png": PICTURE[::-1]},
        )
        async with http.patch(f"{hook}/messages/@original", data=edit) as response:
            assert response.status == 200
            edited = await response.json()
        assert [a["filename"] for a in edited["attachments"]] == ["new.png"]
        assert edited["embeds"][0]["image"]["url"] == edited["attachments"][0]["url"]


async def test_a_file_above_the_upload_limit_is_refused(
    emulator: Emulator, sample: StandardWorld
) -> None:
    state = pending(emulator, sample)
    url = f"{emulator.api_base}/interactions/{state.id}/{state.token}/callback"
    body = {"type": 4, "data": with_picture("big.png")}
    big = b"\0" * (ATTACHMENT_SIZE_LIMIT + 1)
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data=multipart(body, {"big.png": big})) as response:
            assert response.status == 413
            assert (await response.json())["code"] == 40005
        assert not state.acknowledged and state.original is None
        just_fits = b"\0" * ATTACHMENT_SIZE_LIMIT
        async with http.post(url, data=multipart(body, {"big.png": just_fits})) as response:
            assert response.status == 204
        hook = f"{emulator.api_base}/webhooks/{emulator.world.application_id}/{state.token}"
        async with http.post(hook, data=multipart(with_picture("x.png"), {"x.png": big})) as r:
            assert r.status == 413 and (await r.json())["code"] == 40005
    assert len(state.followups) == 0
