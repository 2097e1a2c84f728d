"""The study loop: a topic's passed self-check, spaced-review cards, and a setting to turn
reviews off.

- `progress.checked_at`: when the member passed the topic's check (NULL: not passed). It sits
  beside the status, so a reset (which deletes the row) clears both.
- `review_cards`: one FSRS card per member, server, roadmap and topic (the columns of
  `bot.services.review.CardState`; `due` is the member's local day `YYYY-MM-DD`,
  `last_review` fixed-width UTC text), with an index for "due on or before a day" per member.
- `member_settings.reviews_enabled` (default on).

Every existing row is kept: the new columns are added, not the tables rebuilt.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STATES = "state IN ('learning', 'review', 'relearning')"


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN on both databases: a batch rebuild of these tables on
    # SQLite would drop their unnamed CHECK constraints, and the rows need no copying.
    op.add_column("progress", sa.Column("checked_at", sa.Text))
    op.add_column(
        "member_settings",
        sa.Column("reviews_enabled", sa.Integer, nullable=False, server_default=sa.text("1")),
    )
    op.create_table(
        "review_cards",
        sa.Column("guild_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("roadmap_id", sa.Text, nullable=False),
        sa.Column("topic_id", sa.Text, nullable=False),
        sa.Column("due", sa.Text, nullable=False),
        sa.Column("stability", sa.Float, nullable=False),
        sa.Column("difficulty", sa.Float, nullable=False),
        sa.Column("state", sa.Text, sa.CheckConstraint(STATES), nullable=False),
        sa.Column("step", sa.Integer),
        sa.Column("last_review", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "user_id", "roadmap_id", "topic_id"),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "review_cards_due", "review_cards", ["guild_id", "user_id", "roadmap_id", "due"]
    )


def downgrade() -> None:
    op.drop_index("review_cards_due", table_name="review_cards")
    op.drop_table("review_cards")
    # ALTER TABLE DROP COLUMN (SQLite 3.35 and later) keeps the tables' other constraints.
    op.drop_column("member_settings", "reviews_enabled")
    op.drop_column("progress", "checked_at")
