"""Three indexes that every mark paid for and no hot read uses, dropped.

A mark on a server of 100,000 members dirties a dozen random B-tree pages (each read, changed,
written to the log at commit and copied back by the checkpoint), and the SQLite writer's marks
per second follow that count. These three cost pages on the hot path:

- `progress_by_roadmap_status` (guild, roadmap, status, user, topic): the status is in the key,
  so every change of a status moved an entry from one page to another (two random pages a
  mark). It served the from-scratch all-time leaderboard only, which the summary tables
  (0007) replaced; that query now reads the server's progress by its primary key, which also
  starts with the server (about 1.2 s instead of 1.0 s at 100,000 members, and only while a
  server's summary rows are being built).
- `review_cards_due` (guild, user, roadmap, due): every read of due cards is one member's in one
  roadmap, which the primary key (guild, user, roadmap, topic) already finds; a member has at
  most one card a topic, so filtering them by `due` costs nothing. Each new card (each first
  Done) wrote a second random page for it.
- `member_scores_by_stage` (guild, roadmap, furthest): read by nothing; the stats funnel
  counts from `member_counts`.

Measured on a copy of the 100,000-member benchmark database, the writer thread's CPU a mark
fell from 488-505 us to 427-442 us and its system time (the page writes) by 40%.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("progress_by_roadmap_status", table_name="progress")
    op.drop_index("review_cards_due", table_name="review_cards")
    op.drop_index("member_scores_by_stage", table_name="member_scores")


def downgrade() -> None:
    op.create_index(
        "member_scores_by_stage", "member_scores", ["guild_id", "roadmap_id", "furthest"]
    )
    op.create_index(
        "review_cards_due", "review_cards", ["guild_id", "user_id", "roadmap_id", "due"]
    )
    op.create_index(
        "progress_by_roadmap_status",
        "progress",
        ["guild_id", "roadmap_id", "status", "user_id", "topic_id"],
    )
