"""Summary tables for whole-server answers (the leaderboards and the moderators' stats).

- `summary_topics` / `summary_contents`: the content the summaries count by, per roadmap (each
  stored topic id -> its live id and stage position) and that mapping's fingerprint.
- `summary_builds`: which fingerprint a server's summary rows of a roadmap were built against.
- `member_scores`: per member and roadmap, live topics done and the furthest stage reached.
- `member_counts` / `period_counts`: how many members have each score and stage (and were
  active in a period), kept by triggers on `member_scores` and `period_scores`; the triggers
  skip rows written while `summary_building` holds a row (a build, which counts in bulk).
- `period_heads` / `period_scores`: per kept period (a week or month in the server's zone), each
  member's live topics completed and completions logged since its start.

The tables start empty: what they hold depends on the content (which ids count, and for which
stage), which the database does not know. bot/store/summaries.py builds a server's rows from
its progress and completions in the background, in short writes (at the bot's start, when an
answer finds them not built, and again after the content moved its topics); until then answers
come from the full queries, so an upgraded database answers correctly at once; the writes then
keep the rows up to date.

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


#: The histograms the triggers keep: counted table -> (counts table, its key columns taken from
#: the counted row, and per metric (name, value expression, condition on the row)).
COUNTED = {
    "member_scores": (
        "member_counts",
        ("guild_id", "roadmap_id"),
        (("done", "{row}.done", "TRUE"), ("stage", "{row}.furthest", "{row}.furthest IS NOT NULL")),
    ),
    "period_scores": (
        "period_counts",
        ("head_id", "guild_id"),
        (("done", "{row}.done", "TRUE"), ("active", "1", "{row}.logged > 0")),
    ),
}
#: The key columns that identify a counts row besides (metric, value).
COUNTS_KEY = {"member_counts": ("guild_id", "roadmap_id"), "period_counts": ("head_id",)}


def _add(counts: str, keys: tuple[str, ...], metric: tuple[str, str, str], row: str) -> str:
    name, value, condition = (part.format(row=row) for part in metric)
    columns = ", ".join((*keys, "metric", "value", "members"))
    values = ", ".join((*(f"{row}.{key}" for key in keys), f"'{name}'", value, "1"))
    conflict = ", ".join((*COUNTS_KEY[counts], "metric", "value"))
    return (
        f"INSERT INTO {counts} ({columns}) SELECT {values} WHERE {condition}"
        f" ON CONFLICT ({conflict}) DO UPDATE SET members = {counts}.members + 1;"
    )


def _remove(counts: str, metric: tuple[str, str, str], row: str) -> str:
    name, value, condition = (part.format(row=row) for part in metric)
    match = " AND ".join(f"{key} = {row}.{key}" for key in COUNTS_KEY[counts])
    return (
        f"UPDATE {counts} SET members = members - 1"
        f" WHERE {match} AND metric = '{name}' AND value = {value} AND {condition};"
    )


#: A build of a server's summaries (bot/store/summaries.py) writes a row into
#: `summary_building` for the length of its transaction (no other transaction sees it) and
#: counts in bulk afterwards: the triggers skip its hundred thousand rows one by one.
UNLESS_BUILDING = "WHEN NOT EXISTS (SELECT 1 FROM summary_building)"


def _sqlite_triggers(table: str) -> list[str]:
    counts, keys, metrics = COUNTED[table]
    add = " ".join(_add(counts, keys, metric, "NEW") for metric in metrics)
    remove = " ".join(_remove(counts, metric, "OLD") for metric in metrics)
    return [
        f"CREATE TRIGGER {table}_counted_insert AFTER INSERT ON {table} {UNLESS_BUILDING}"
        f" BEGIN {add} END",
        f"CREATE TRIGGER {table}_counted_delete AFTER DELETE ON {table} {UNLESS_BUILDING}"
        f" BEGIN {remove} END",
        f"CREATE TRIGGER {table}_counted_update AFTER UPDATE ON {table} {UNLESS_BUILDING}"
        f" BEGIN {remove} {add} END",
    ]


def _postgres_triggers(table: str) -> list[str]:
    counts, keys, metrics = COUNTED[table]
    changes = []
    for metric in metrics:
        # The value a row counts under, NULL when it is not counted (its condition is false).
        old_value, new_value = (
            f"(CASE WHEN {metric[2]} THEN {metric[1]} END)".format(row=row)
            for row in ("OLD", "NEW")
        )
        remove, add = _remove(counts, metric, "OLD"), _add(counts, keys, metric, "NEW")
        # Two changes of one value in opposite directions lock the two counts rows in one
        # order (the lower value first), so concurrent marks never deadlock on them.
        changes.append(
            f"IF TG_OP = 'INSERT' THEN {add} ELSIF TG_OP = 'DELETE' THEN {remove}"
            f" ELSIF {old_value} IS NOT DISTINCT FROM {new_value} THEN NULL;"
            f" ELSIF {old_value} < {new_value} THEN {remove} {add} ELSE {add} {remove} END IF;"
        )
    body = " ".join(changes)
    return [
        f"CREATE FUNCTION {table}_counted() RETURNS trigger LANGUAGE plpgsql AS $$"
        f" BEGIN IF EXISTS (SELECT 1 FROM summary_building) THEN RETURN NULL; END IF;"
        f" {body} RETURN NULL; END $$",
        f"CREATE TRIGGER {table}_counted AFTER INSERT OR UPDATE OR DELETE ON {table}"
        f" FOR EACH ROW EXECUTE FUNCTION {table}_counted()",
    ]


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
    for counts, key in (("member_counts", ("guild_id", "roadmap_id")), ("period_counts", ())):
        op.create_table(
            counts,
            *(
                [
                    sa.Column("guild_id", ID, nullable=False),
                    sa.Column("roadmap_id", sa.Text, nullable=False),
                ]
                if key
                else [
                    sa.Column("head_id", sa.Integer, nullable=False),
                    sa.Column("guild_id", ID, nullable=False),
                ]
            ),
            sa.Column(
                "metric",
                sa.Text,
                sa.CheckConstraint("metric IN ('done', 'stage', 'active')"),
                nullable=False,
            ),
            sa.Column("value", sa.Integer, nullable=False),
            sa.Column("members", sa.Integer, nullable=False),
            sa.PrimaryKeyConstraint(*(key or ("head_id",)), "metric", "value"),
            sqlite_with_rowid=False,
        )
    op.create_table("summary_building", sa.Column("started_at", sa.Text, nullable=False))
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in COUNTED:
        for statement in _postgres_triggers(table) if postgres else _sqlite_triggers(table):
            op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in COUNTED:
        if postgres:
            op.execute(f"DROP TRIGGER {table}_counted ON {table}")
            op.execute(f"DROP FUNCTION {table}_counted()")
        else:
            for change in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER {table}_counted_{change}")
    op.drop_table("summary_building")
    op.drop_table("period_counts")
    op.drop_table("member_counts")
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
