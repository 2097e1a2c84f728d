"""An index of the roadmaps members follow, per server, for the summaries built ahead.

The background upkeep of the summary tables (bot/services/summary_builds.py) builds ahead the
rows of every server worth keeping ready, so that no leaderboard or stats answer waits for the
queries over every row. A server whose members follow a roadmap (`followed_roadmap`) but that
has no daily or weekly post is one of them. Its (server, roadmap) pairs are read by skipping
through this index (bot/store/summaries.py, `_kept_servers`): a few searches a pair, not a
read of every follower. Partial (only followers), so the settings of members who follow
nothing add no entry, and a mark never writes `member_settings`.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    condition = sa.text("followed_roadmap IS NOT NULL")
    op.create_index(
        "member_settings_followed",
        "member_settings",
        ["guild_id", "followed_roadmap"],
        sqlite_where=condition,
        postgresql_where=condition,
    )


def downgrade() -> None:
    op.drop_index("member_settings_followed", table_name="member_settings")
