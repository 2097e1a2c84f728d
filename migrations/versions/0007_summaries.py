"""Summary tables for whole-server answers (the leaderboards and the moderators' stats).

- `summary_topics` / `summary_contents`: the content the summaries count by, per roadmap (each
  stored topic id -> its live id and stage position) and that mapping's fingerprint.
- `summary_builds`: which fingerprint a server's summary rows of a roadmap were built against.
- `member_scores`: per member and roadmap, live topics done and the furthest stage reached.
- `period_heads` / `period_scores`: per kept period (a week or month in the server's zone), each
  member's live topics completed and completions logged since its start.

The tables start empty: what they hold depends on the content (which ids count, and for which
stage), which the database does not know. bot/store/summaries.py builds a server's rows from
its progress and completions the first time a whole-server answer is asked for it (and again
after the content moved its topics), inside that answer's call, so an upgraded database answers
correctly at once; the writes then keep the rows up to date.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "summary_topics",
        sa.Column("roadmap_id", sa.Text, nullable=False),
        sa.Column("topic_id", sa.Text, nullable=False),
        sa.Column("live_id", sa.Text, nullable=False),
        sa.Column("stage", sa.Integer),
        sa.PrimaryKeyConstraint("roadmap_id", "topic_id"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "summary_contents",
        sa.Column("roadmap_id", sa.Text, primary_key=True),
        sa.Column("fingerprint", sa.Text, nullable=False),
    )
    op.create_table(
        "summary_builds",
        sa.Column("guild_id", ID, nullable=False),
        sa.Column("roadmap_id", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "roadmap_id"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "member_scores",
        sa.Column("guild_id", ID, nullable=False),
        sa.Column("roadmap_id", sa.Text, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("done", sa.Integer, nullable=False),
        sa.Column("furthest", sa.Integer),
        sa.PrimaryKeyConstraint("guild_id", "roadmap_id", "user_id"),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "member_scores_by_done",
        "member_scores",
        ["guild_id", "roadmap_id", sa.text("done DESC"), "user_id"],
    )
    op.create_index(
        "member_scores_by_stage", "member_scores", ["guild_id", "roadmap_id", "furthest"]
    )
    op.create_table(
        "period_heads",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("guild_id", ID, nullable=False),
        sa.Column("roadmap_id", sa.Text, nullable=False),
        sa.Column(
            "period",
            sa.Text,
            sa.CheckConstraint("period IN ('week', 'month')"),
            nullable=False,
        ),
        sa.Column("starts_on", sa.Text, nullable=False),
        sa.Column("since", sa.Text, nullable=False),
    )
    op.create_index(
        "period_heads_by_period",
        "period_heads",
        ["guild_id", "roadmap_id", "period", "starts_on"],
        unique=True,
    )
    op.create_table(
        "period_scores",
        sa.Column("head_id", sa.Integer, nullable=False),
        sa.Column("guild_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("done", sa.Integer, nullable=False),
        sa.Column("logged", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("head_id", "user_id"),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "period_scores_by_done",
        "period_scores",
        ["head_id", sa.text("done DESC"), "user_id"],
    )


def downgrade() -> None:
    op.drop_index("period_scores_by_done", table_name="period_scores")
    op.drop_table("period_scores")
    op.drop_index("period_heads_by_period", table_name="period_heads")
    op.drop_table("period_heads")
    op.drop_index("member_scores_by_stage", table_name="member_scores")
    op.drop_index("member_scores_by_done", table_name="member_scores")
    op.drop_table("member_scores")
    op.drop_table("summary_builds")
    op.drop_table("summary_contents")
    op.drop_table("summary_topics")
