"""Fixtures of the emulator's own tests: the sample bot running against the emulator."""

from __future__ import annotations

import pytest

from tests.emulator.sample_bot import SampleBot


@pytest.fixture
async def bot(emulator, start_bot) -> SampleBot:
    return await start_bot(SampleBot())
