"""Services over a real database: a small roadmap, a manual clock and the services under test."""

from datetime import UTC, datetime

import pytest

from bot.roadmap.model import Roadmap
from bot.services.clock import ManualClock
from bot.services.leaderboard import LeaderboardService
from bot.services.members import MemberService
from bot.services.progress import StudyService
from bot.services.servers import ServerService
from bot.store.database import Database
from tests.store.fixtures import db
from tests.unit.services.roadmaps import make_roadmap

GUILD = 111_111_111_111_111_111
OTHER_GUILD = 222_222_222_222_222_222
ALICE = 900_000_000_000_000_001
BOB = 900_000_000_000_000_002
CAROL = 900_000_000_000_000_003

__all__ = ["db"]


@pytest.fixture
def roadmap() -> Roadmap:
    """Three stages, six topics; `functions` took over the progress of the old id `defs`."""
    return make_roadmap(
        {
            "basics": ["setup", "syntax", "functions"],
            "web": ["http", "flask"],
            "deploy": ["docker"],
        },
        roadmap_id="python",
        replaces={"functions": ["defs"]},
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2024, 5, 15, 12, 0, tzinfo=UTC))  # a Wednesday


@pytest.fixture
def study(db: Database, clock: ManualClock) -> StudyService:
    return StudyService(db, clock)


@pytest.fixture
def members(db: Database, clock: ManualClock) -> MemberService:
    return MemberService(db, clock)


@pytest.fixture
def servers(db: Database, clock: ManualClock) -> ServerService:
    return ServerService(db, clock)


@pytest.fixture
def boards(db: Database, clock: ManualClock) -> LeaderboardService:
    return LeaderboardService(db, clock)
