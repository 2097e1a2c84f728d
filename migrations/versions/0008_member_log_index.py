"""An index on the completions log by member and time, for the summaries' per-mark update.

Every Done recomputes the member's rows of each kept week and month from the member's own
completions since the period began (bot/store/summaries.py). Without an index leading with
(guild_id, user_id, roadmap_id, completed_at), SQLite answered that from
`completions_by_roadmap_time`, reading the whole server's log of the period on every mark.
This one is covering for that read (topic_id included), so the update reads only the member's
few rows.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "completions_by_member_time",
        "completions",
        ["guild_id", "user_id", "roadmap_id", "completed_at", "topic_id"],
    )


def downgrade() -> None:
    op.drop_index("completions_by_member_time", table_name="completions")
