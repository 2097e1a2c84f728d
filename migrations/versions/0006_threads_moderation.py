"""What the daily post's thread, the idle-only reminder and the moderators' features store.

- `daily_schedules.open_thread`: open a discussion thread on each day's post (0/1, default 0).
- `deliveries.thread_id`: the thread opened on a daily post (so a resend after a crash does not
  open a second one).
- `member_settings.reminder_only_if_idle`: skip the reminder on a local day the member already
  studied (0/1, default 0).
- `guild_settings.log_channel_id` and `announce_channel_id`: the moderators' log channel and the
  channel that celebrates stage completions (NULL: none).
- `weekly_schedules`: the optional weekly leaderboard post per server (weekday 0 = Monday, local
  `HH:MM` in a zone), planned like the daily post; its sends go through `deliveries` (kind
  `weekly`, period the ISO week).
- `reward_grants`: the stage roles the bot gave a member, so an Undo can take back the role that
  press earned (and only that one).
- `moderator_notices`: what was already reported to a server's log channel (a key such as
  `content:<version>`), so each report goes out at most once.

Every existing row is kept: columns are added with ALTER TABLE, nothing is rebuilt.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _flag(name: str) -> sa.Column[int]:
    return sa.Column(
        name,
        sa.Integer,
        sa.CheckConstraint(f"{name} IN (0, 1)"),
        nullable=False,
        server_default=sa.text("0"),
    )


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN: a batch rebuild on SQLite would drop the tables' unnamed
    # CHECK constraints, and the rows need no copying.
    op.add_column("daily_schedules", _flag("open_thread"))
    op.add_column("deliveries", sa.Column("thread_id", ID))
    op.add_column("member_settings", _flag("reminder_only_if_idle"))
    op.add_column("guild_settings", sa.Column("log_channel_id", ID))
    op.add_column("guild_settings", sa.Column("announce_channel_id", ID))
    op.create_table(
        "weekly_schedules",
        sa.Column("guild_id", ID, primary_key=True, autoincrement=False),
        sa.Column("channel_id", ID, nullable=False),
        sa.Column(
            "weekday", sa.Integer, sa.CheckConstraint("weekday BETWEEN 0 AND 6"), nullable=False
        ),
        sa.Column("local_time", sa.Text, nullable=False),
        sa.Column("time_zone", sa.Text, nullable=False),
        sa.Column(
            "enabled",
            sa.Integer,
            sa.CheckConstraint("enabled IN (0, 1)"),
            nullable=False,
            server_default=sa.text("1"),
        ),
        sa.Column("disabled_reason", sa.Text),
        sa.Column("next_period", sa.Text, nullable=False),
        sa.Column("next_fire_at", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
    )
    op.create_index(
        "weekly_schedules_due",
        "weekly_schedules",
        ["next_fire_at"],
        sqlite_where=sa.text("enabled = 1"),
        postgresql_where=sa.text("enabled = 1"),
    )
    op.create_table(
        "reward_grants",
        sa.Column("guild_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("roadmap_id", sa.Text, nullable=False),
        sa.Column("stage_id", sa.Text, nullable=False),
        sa.Column("role_id", ID, nullable=False),
        sa.Column("granted_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "user_id", "roadmap_id", "stage_id"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "moderator_notices",
        sa.Column("guild_id", ID, nullable=False),
        sa.Column("notice_key", sa.Text, nullable=False),
        sa.Column("sent_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "notice_key"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("moderator_notices")
    op.drop_table("reward_grants")
    op.drop_index("weekly_schedules_due", table_name="weekly_schedules")
    op.drop_table("weekly_schedules")
    # ALTER TABLE DROP COLUMN (SQLite 3.35 and later) keeps the tables' other constraints.
    op.drop_column("guild_settings", "announce_channel_id")
    op.drop_column("guild_settings", "log_channel_id")
    op.drop_column("member_settings", "reminder_only_if_idle")
    op.drop_column("deliveries", "thread_id")
    op.drop_column("daily_schedules", "open_thread")
