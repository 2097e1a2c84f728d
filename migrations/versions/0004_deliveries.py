"""One delivery ledger: `deliveries` replaces `daily_posts` and `reminder_deliveries`.

Every scheduled send (the daily post, the personal reminder, the weekly leaderboard post) is one
row keyed (kind, guild_id, subject_id, period): the subject is the server for a daily post and
the member for a reminder, the period the local date. Every row of the two old ledgers is copied
over, then they are dropped. The downgrade copies the daily and reminder rows back (weekly rows
have nowhere to go and are dropped with the table).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
DELIVERY = "status IN ('sending', 'sent', 'failed', 'missed', 'unknown')"
KINDS = "kind IN ('daily', 'reminder', 'weekly')"
NO_ROWID = {"sqlite_with_rowid": False}
SENDING = "status = 'sending'"

LEDGER = "claimed_at, attempts, first_attempt_at, finished_at, message_id, error"
DAILY = (
    "status, channel_id, roadmap_id, topic_id, topic_position, ping_role_id, scheduled_for, "
    + LEDGER
)
REMINDER = "status, topic_id, " + LEDGER


def _ledger_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("claimed_at", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("first_attempt_at", sa.Text),
        sa.Column("finished_at", sa.Text),
        sa.Column("message_id", ID),
        sa.Column("error", sa.Text),
    ]


def _partial_index(name: str, table: str, columns: list[str]) -> None:
    condition = sa.text(SENDING)
    op.create_index(name, table, columns, sqlite_where=condition, postgresql_where=condition)


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("kind", sa.Text, sa.CheckConstraint(KINDS), nullable=False),
        sa.Column("guild_id", ID, nullable=False),
        sa.Column("subject_id", ID, nullable=False),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("status", sa.Text, sa.CheckConstraint(DELIVERY), nullable=False),
        sa.Column("channel_id", ID),
        sa.Column("roadmap_id", sa.Text),
        sa.Column("topic_id", sa.Text),
        sa.Column("topic_position", sa.Integer),
        sa.Column("ping_role_id", ID),
        sa.Column("scheduled_for", sa.Text),
        *_ledger_columns(),
        sa.PrimaryKeyConstraint("kind", "guild_id", "subject_id", "period"),
        **NO_ROWID,
    )
    _partial_index("deliveries_unfinished", "deliveries", ["kind", "claimed_at"])
    op.execute(
        f"INSERT INTO deliveries (kind, guild_id, subject_id, period, {DAILY}) "
        f"SELECT 'daily', guild_id, guild_id, local_date, {DAILY} FROM daily_posts"
    )
    op.execute(
        f"INSERT INTO deliveries (kind, guild_id, subject_id, period, {REMINDER}) "
        f"SELECT 'reminder', guild_id, user_id, local_date, {REMINDER} FROM reminder_deliveries"
    )
    op.drop_index("daily_posts_unfinished", table_name="daily_posts")
    op.drop_table("daily_posts")
    op.drop_index("reminder_deliveries_unfinished", table_name="reminder_deliveries")
    op.drop_table("reminder_deliveries")


def downgrade() -> None:
    op.create_table(
        "daily_posts",
        sa.Column("guild_id", ID, nullable=False),
        sa.Column("local_date", sa.Text, nullable=False),
        sa.Column("status", sa.Text, sa.CheckConstraint(DELIVERY), nullable=False),
        sa.Column("channel_id", ID),
        sa.Column("roadmap_id", sa.Text),
        sa.Column("topic_id", sa.Text),
        sa.Column("topic_position", sa.Integer),
        sa.Column("ping_role_id", ID),
        sa.Column("scheduled_for", sa.Text),
        *_ledger_columns(),
        sa.PrimaryKeyConstraint("guild_id", "local_date"),
        **NO_ROWID,
    )
    _partial_index("daily_posts_unfinished", "daily_posts", ["claimed_at"])
    op.create_table(
        "reminder_deliveries",
        sa.Column("guild_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("local_date", sa.Text, nullable=False),
        sa.Column("status", sa.Text, sa.CheckConstraint(DELIVERY), nullable=False),
        sa.Column("topic_id", sa.Text),
        *_ledger_columns(),
        sa.PrimaryKeyConstraint("guild_id", "user_id", "local_date"),
        **NO_ROWID,
    )
    _partial_index("reminder_deliveries_unfinished", "reminder_deliveries", ["claimed_at"])
    op.execute(
        f"INSERT INTO daily_posts (guild_id, local_date, {DAILY}) "
        f"SELECT guild_id, period, {DAILY} FROM deliveries WHERE kind = 'daily'"
    )
    op.execute(
        f"INSERT INTO reminder_deliveries (guild_id, user_id, local_date, {REMINDER}) "
        f"SELECT guild_id, subject_id, period, {REMINDER} FROM deliveries WHERE kind = 'reminder'"
    )
    op.drop_index("deliveries_unfinished", table_name="deliveries")
    op.drop_table("deliveries")
