"""Time zones as people type them (India, IST, New York) resolve to IANA names, both in the
autocomplete (which shows the IANA name an alias submits) and when the command is sent."""

from __future__ import annotations

from tests.e2e.conftest import Launch
from tests.emulator.server import Emulator
from tests.emulator.world import StandardWorld


async def test_aliases_resolve_in_autocomplete_and_on_submit(
    emulator: Emulator, sample: StandardWorld, launch: Launch
) -> None:
    await launch()
    ist = await emulator.autocomplete(
        sample.guild, sample.alice, "roadmap settings", "timezone", "IST"
    )
    assert ist[:3] == [
        {"name": "IST → Asia/Kolkata (India)", "value": "Asia/Kolkata"},
        {"name": "IST (Ireland) → Europe/Dublin", "value": "Europe/Dublin"},
        {"name": "IST (Israel) → Asia/Jerusalem", "value": "Asia/Jerusalem"},
    ]
    city = await emulator.autocomplete(
        sample.guild, sample.alice, "roadmap remind set", "timezone", "new york"
    )
    assert city[0] == {"name": "America/New_York", "value": "America/New_York"}

    typed = await emulator.slash(sample.guild, sample.alice, "roadmap settings", timezone="India")
    assert "Time zone: `Asia/Kolkata`" in typed.content
    again = await emulator.slash(sample.guild, sample.alice, "roadmap settings", timezone="cet")
    assert "Time zone: `Europe/Berlin`" in again.content
    refused = await emulator.slash(
        sample.guild, sample.alice, "roadmap settings", timezone="Mars/Olympus"
    )
    assert refused.ephemeral and "is not a time zone" in refused.content
