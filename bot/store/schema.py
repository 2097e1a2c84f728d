"""The schema as SQLAlchemy Core metadata: what `migrations/0001_init.sql` and `0002_daily.sql`
created, for SQLite and PostgreSQL alike, with the later Alembic revisions applied (0004: one
`deliveries` ledger instead of `daily_posts` and `reminder_deliveries`).

On SQLite every column keeps the declared type the numbered SQL gave it (`INTEGER`, `TEXT`), so a
database built by those files and one built by Alembic are the same, and `INTEGER PRIMARY KEY`
stays the rowid alias. On PostgreSQL Discord ids are `BIGINT` (snowflakes need 64 bits).
Timestamps stay fixed-width UTC text (`2024-05-01T09:30:00.000000Z`) and local dates
`YYYY-MM-DD`: the repositories write and compare them as text.

The Alembic revisions in `migrations/versions/` build the schema; this module describes it (for
the schema tests, and for the repositories once they build Core statements). A revision that
changes the schema changes this module in the same commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    text,
)
from sqlalchemy.types import TypeEngine

from bot.records import DELIVERY_KINDS, STATUSES

#: A Discord snowflake: BIGINT on PostgreSQL, INTEGER (64-bit, and the rowid alias when it is
#: the primary key) on SQLite.
DiscordId: TypeEngine[int] = BigInteger().with_variant(Integer(), "sqlite")
#: A counter or position that fits in 32 bits.
Count: TypeEngine[int] = Integer()
#: The statuses of a delivery ledger row.
DELIVERY_STATUSES = ("sending", "sent", "failed", "missed", "unknown")

metadata = MetaData()


def _partial_index(name: str, *columns: Column[Any], where: str) -> Index:
    condition = text(where)
    return Index(name, *columns, sqlite_where=condition, postgresql_where=condition)


def _flag(name: str) -> Column[int]:
    """A 0/1 setting, off unless set."""
    return Column(
        name,
        Count,
        CheckConstraint(f"{name} IN (0, 1)"),
        nullable=False,
        server_default=text("0"),
    )


def _ledger_columns() -> list[Column[Any]]:
    """The columns every delivery ledger ends with: the claim, the attempts, the outcome."""
    return [
        Column("claimed_at", Text, nullable=False),
        Column("attempts", Count, nullable=False, server_default=text("0")),  # sends begun
        Column("first_attempt_at", Text),  # when Discord may first have seen the nonce
        Column("finished_at", Text),
        Column("message_id", DiscordId),
        Column("error", Text),
    ]


def _in(column: str, values: tuple[str, ...]) -> CheckConstraint:
    listed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({listed})")


progress = Table(
    "progress",
    metadata,
    Column("guild_id", DiscordId, nullable=False),
    Column("user_id", DiscordId, nullable=False),
    Column("roadmap_id", Text, nullable=False),
    Column("topic_id", Text, nullable=False),
    Column("status", Text, _in("status", STATUSES), nullable=False),
    Column("started_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    Column("completed_at", Text),
    Column("checked_at", Text),  # when the topic's self-check was passed (0005)
    PrimaryKeyConstraint("guild_id", "user_id", "roadmap_id", "topic_id"),
    sqlite_with_rowid=False,  # WITHOUT ROWID: the primary key is the row's identity
)

completions = Table(
    "completions",
    metadata,
    # The rowid alias on SQLite; an identity column on PostgreSQL.
    Column("id", DiscordId, primary_key=True, autoincrement=True),
    Column("guild_id", DiscordId, nullable=False),
    Column("user_id", DiscordId, nullable=False),
    Column("roadmap_id", Text, nullable=False),
    Column("topic_id", Text, nullable=False),
    Column("completed_at", Text, nullable=False),
    Column("local_date", Text, nullable=False),
)
Index(
    "completions_by_member_day",
    completions.c.guild_id,
    completions.c.user_id,
    completions.c.local_date,
)
Index(
    # The summaries' per-mark read of one member's log since a period began (0008).
    "completions_by_member_time",
    completions.c.guild_id,
    completions.c.user_id,
    completions.c.roadmap_id,
    completions.c.completed_at,
    completions.c.topic_id,
)
Index(
    "completions_by_roadmap_time",
    completions.c.guild_id,
    completions.c.roadmap_id,
    completions.c.completed_at,
    completions.c.user_id,
    completions.c.topic_id,
)

member_settings = Table(
    "member_settings",
    metadata,
    Column("guild_id", DiscordId, nullable=False),
    Column("user_id", DiscordId, nullable=False),
    Column("time_zone", Text),
    Column(
        "hide_progress",
        Count,
        CheckConstraint("hide_progress IN (0, 1)"),
        nullable=False,
        server_default=text("0"),
    ),
    Column("followed_roadmap", Text),
    Column("reminder_time", Text),  # local `HH:MM`, NULL when reminders are off
    Column("reminder_time_zone", Text),  # zone the reminder time is in (else the member's)
    Column("updated_at", Text, nullable=False),
    # Spaced review on (1) or off (0) (0005); added last, as ALTER TABLE puts it.
    Column("reviews_enabled", Count, nullable=False, server_default=text("1")),
    # No reminder on a local day the member already studied (0006).
    _flag("reminder_only_if_idle"),
    PrimaryKeyConstraint("guild_id", "user_id"),
    sqlite_with_rowid=False,  # WITHOUT ROWID: the primary key is the row's identity
)
_partial_index(
    "member_settings_hidden",
    member_settings.c.guild_id,
    member_settings.c.user_id,
    where="hide_progress = 1",
)
# The roadmaps followed per server, for the summaries built ahead (0010: `_kept_servers`).
_partial_index(
    "member_settings_followed",
    member_settings.c.guild_id,
    member_settings.c.followed_roadmap,
    where="followed_roadmap IS NOT NULL",
)
_partial_index(
    "member_settings_reminders",
    member_settings.c.reminder_time,
    member_settings.c.guild_id,
    member_settings.c.user_id,
    where="reminder_time IS NOT NULL",
)

guild_settings = Table(
    "guild_settings",
    metadata,
    Column("guild_id", DiscordId, primary_key=True, autoincrement=False),
    Column("default_roadmap", Text),
    Column("time_zone", Text),
    Column("left_at", Text),  # when the bot was removed; the server's data goes 30 days later
    Column("updated_at", Text, nullable=False),
    Column("log_channel_id", DiscordId),  # the moderators' log channel (0006)
    Column("announce_channel_id", DiscordId),  # where stage completions are celebrated (0006)
)
_partial_index(
    "guild_settings_left",
    guild_settings.c.left_at,
    where="left_at IS NOT NULL",
)

stage_rewards = Table(
    "stage_rewards",
    metadata,
    Column("guild_id", DiscordId, nullable=False),
    Column("roadmap_id", Text, nullable=False),
    Column("stage_id", Text, nullable=False),
    Column("role_id", DiscordId, nullable=False),
    PrimaryKeyConstraint("guild_id", "roadmap_id", "stage_id"),
    sqlite_with_rowid=False,  # WITHOUT ROWID: the primary key is the row's identity
)

#: fsrs's card states as `bot.services.review.CardState` stores them.
REVIEW_STATES = ("learning", "review", "relearning")

review_cards = Table(
    "review_cards",
    metadata,
    # One spaced-review card per member, server, roadmap and topic (0005).
    Column("guild_id", DiscordId, nullable=False),
    Column("user_id", DiscordId, nullable=False),
    Column("roadmap_id", Text, nullable=False),
    Column("topic_id", Text, nullable=False),
    Column("due", Text, nullable=False),  # the member's local day, `YYYY-MM-DD`
    Column("stability", Float, nullable=False),
    Column("difficulty", Float, nullable=False),
    Column("state", Text, _in("state", REVIEW_STATES), nullable=False),
    Column("step", Count),  # the learning step; NULL once in review
    Column("last_review", Text, nullable=False),
    PrimaryKeyConstraint("guild_id", "user_id", "roadmap_id", "topic_id"),
    sqlite_with_rowid=False,  # WITHOUT ROWID: the primary key is the row's identity
)

meta = Table(
    "meta",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
    sqlite_with_rowid=False,  # WITHOUT ROWID: the primary key is the row's identity
)

daily_schedules = Table(
    "daily_schedules",
    metadata,
    Column("guild_id", DiscordId, primary_key=True, autoincrement=False),
    Column("channel_id", DiscordId, nullable=False),
    Column("local_time", Text, nullable=False),  # `HH:MM`
    Column("time_zone", Text, nullable=False),
    Column("roadmap_id", Text),  # NULL: the server's default roadmap
    Column("ping_role_id", DiscordId),
    Column(
        "enabled",
        Count,
        CheckConstraint("enabled IN (0, 1)"),
        nullable=False,
        server_default=text("1"),
    ),
    Column("disabled_reason", Text),
    Column("next_date", Text, nullable=False),
    Column("next_fire_at", Text, nullable=False),
    Column("cursor_roadmap_id", Text),
    Column("last_topic_id", Text),
    Column("last_position", Count),
    Column("last_posted_date", Text),
    Column("jump_topic_id", Text),
    Column("revision", Count, nullable=False, server_default=text("1")),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    _flag("open_thread"),  # a discussion thread on each day's post (0006)
)
_partial_index(
    "daily_schedules_due",
    daily_schedules.c.next_fire_at,
    where="enabled = 1",
)

reminder_schedules = Table(
    "reminder_schedules",
    metadata,
    Column("guild_id", DiscordId, nullable=False),
    Column("user_id", DiscordId, nullable=False),
    Column("next_date", Text, nullable=False),
    Column("next_fire_at", Text, nullable=False),
    Column("dm_channel_id", DiscordId),  # remembered to save one request per reminder
    PrimaryKeyConstraint("guild_id", "user_id"),
    ForeignKeyConstraint(
        ["guild_id", "user_id"],
        ["member_settings.guild_id", "member_settings.user_id"],
        ondelete="CASCADE",
    ),
    sqlite_with_rowid=False,  # WITHOUT ROWID: the primary key is the row's identity
)
Index("reminder_schedules_due", reminder_schedules.c.next_fire_at)

deliveries = Table(
    "deliveries",
    metadata,
    # One row per scheduled send: its key is the idempotency key (DESIGN section 4). The
    # subject is the server itself for a daily or weekly post, the member for a reminder; the
    # period is the local date (`YYYY-MM-DD`) or the ISO week (`YYYY-Www`).
    Column("kind", Text, _in("kind", DELIVERY_KINDS), nullable=False),
    Column("guild_id", DiscordId, nullable=False),
    Column("subject_id", DiscordId, nullable=False),
    Column("period", Text, nullable=False),
    Column("status", Text, _in("status", DELIVERY_STATUSES), nullable=False),
    # What a resend after a crash needs, as the claim chose it.
    Column("channel_id", DiscordId),
    Column("roadmap_id", Text),
    Column("topic_id", Text),
    Column("topic_position", Count),
    Column("ping_role_id", DiscordId),
    Column("scheduled_for", Text),
    *_ledger_columns(),
    Column("thread_id", DiscordId),  # the thread opened on a daily post (0006)
    PrimaryKeyConstraint("kind", "guild_id", "subject_id", "period"),
    sqlite_with_rowid=False,  # WITHOUT ROWID: the primary key is the row's identity
)
_partial_index(
    "deliveries_unfinished",
    deliveries.c.kind,
    deliveries.c.claimed_at,
    where="status = 'sending'",
)

weekly_schedules = Table(
    "weekly_schedules",
    metadata,
    # The optional weekly leaderboard post (0006), planned like the daily post; its sends are
    # `deliveries` rows of kind `weekly` whose period is the ISO week (`YYYY-Www`).
    Column("guild_id", DiscordId, primary_key=True, autoincrement=False),
    Column("channel_id", DiscordId, nullable=False),
    Column("weekday", Count, CheckConstraint("weekday BETWEEN 0 AND 6"), nullable=False),  # 0 = Mon
    Column("local_time", Text, nullable=False),  # `HH:MM`
    Column("time_zone", Text, nullable=False),
    Column(
        "enabled",
        Count,
        CheckConstraint("enabled IN (0, 1)"),
        nullable=False,
        server_default=text("1"),
    ),
    Column("disabled_reason", Text),
    Column("next_period", Text, nullable=False),  # the ISO week of the next post
    Column("next_fire_at", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
)
_partial_index(
    "weekly_schedules_due",
    weekly_schedules.c.next_fire_at,
    where="enabled = 1",
)

reward_grants = Table(
    "reward_grants",
    metadata,
    # The stage roles the bot gave (0006), so an Undo takes back only the role its press earned.
    Column("guild_id", DiscordId, nullable=False),
    Column("user_id", DiscordId, nullable=False),
    Column("roadmap_id", Text, nullable=False),
    Column("stage_id", Text, nullable=False),
    Column("role_id", DiscordId, nullable=False),
    Column("granted_at", Text, nullable=False),
    PrimaryKeyConstraint("guild_id", "user_id", "roadmap_id", "stage_id"),
    sqlite_with_rowid=False,  # WITHOUT ROWID: the primary key is the row's identity
)

moderator_notices = Table(
    "moderator_notices",
    metadata,
    # What a server's log channel was already told (0006; a key like `content:<version>`).
    Column("guild_id", DiscordId, nullable=False),
    Column("notice_key", Text, nullable=False),
    Column("sent_at", Text, nullable=False),
    PrimaryKeyConstraint("guild_id", "notice_key"),
    sqlite_with_rowid=False,  # WITHOUT ROWID: the primary key is the row's identity
)

# -- Summaries (0007): whole-server answers kept up to date by the writes (bot/store/summaries.py)
summary_topics = Table(
    "summary_topics",
    metadata,
    # The content the summaries count by, per roadmap: each stored topic id (live ids and the
    # old ids they replace) -> the live id it counts for and its stage's position.
    Column("roadmap_id", Text, nullable=False),
    Column("topic_id", Text, nullable=False),
    Column("live_id", Text, nullable=False),
    Column("stage", Count),
    PrimaryKeyConstraint("roadmap_id", "topic_id"),
    sqlite_with_rowid=False,  # WITHOUT ROWID: the primary key is the row's identity
)

summary_contents = Table(
    "summary_contents",
    metadata,
    # The fingerprint of each roadmap's `summary_topics` rows.
    Column("roadmap_id", Text, primary_key=True),
    Column("fingerprint", Text, nullable=False),
)

summary_builds = Table(
    "summary_builds",
    metadata,
    # Which content fingerprint a server's summary rows of a roadmap were built against.
    Column("guild_id", DiscordId, nullable=False),
    Column("roadmap_id", Text, nullable=False),
    Column("fingerprint", Text, nullable=False),
    PrimaryKeyConstraint("guild_id", "roadmap_id"),
    sqlite_with_rowid=False,  # WITHOUT ROWID: the primary key is the row's identity
)

member_scores = Table(
    "member_scores",
    metadata,
    # Per member and roadmap: live topics done (all-time leaderboard) and the position of the
    # furthest stage with any progress (the stats funnel; NULL: none).
    Column("guild_id", DiscordId, nullable=False),
    Column("roadmap_id", Text, nullable=False),
    Column("user_id", DiscordId, nullable=False),
    Column("done", Count, nullable=False),
    Column("furthest", Count),
    PrimaryKeyConstraint("guild_id", "roadmap_id", "user_id"),
    sqlite_with_rowid=False,  # WITHOUT ROWID: the primary key is the row's identity
)
Index(
    "member_scores_by_done",
    member_scores.c.guild_id,
    member_scores.c.roadmap_id,
    member_scores.c.done.desc(),
    member_scores.c.user_id,
)

period_heads = Table(
    "period_heads",
    metadata,
    # A period (week or month in the server's zone) whose scores are kept: from `since` (UTC).
    Column("id", Count, primary_key=True, autoincrement=True),
    Column("guild_id", DiscordId, nullable=False),
    Column("roadmap_id", Text, nullable=False),
    Column("period", Text, _in("period", ("week", "month")), nullable=False),
    Column("starts_on", Text, nullable=False),  # the period's first local day
    Column("since", Text, nullable=False),
)
Index(
    "period_heads_by_period",
    period_heads.c.guild_id,
    period_heads.c.roadmap_id,
    period_heads.c.period,
    period_heads.c.starts_on,
    unique=True,
)

period_scores = Table(
    "period_scores",
    metadata,
    # Per period and member: live topics completed since the period's start, and completions
    # logged (any topic of the roadmap: "active").
    Column("head_id", Count, nullable=False),
    Column("guild_id", DiscordId, nullable=False),
    Column("user_id", DiscordId, nullable=False),
    Column("done", Count, nullable=False),
    Column("logged", Count, nullable=False),
    PrimaryKeyConstraint("head_id", "user_id"),
    sqlite_with_rowid=False,  # WITHOUT ROWID: the primary key is the row's identity
)
Index(
    "period_scores_by_done",
    period_scores.c.head_id,
    period_scores.c.done.desc(),
    period_scores.c.user_id,
)

#: What `member_counts` and `period_counts` count (the triggers of revision 0007 keep them).
COUNT_METRICS = ("done", "stage", "active")

member_counts = Table(
    "member_counts",
    metadata,
    # How many members of a server's roadmap have each value of a metric: `done` (live topics
    # done) and `stage` (furthest stage) of `member_scores`, kept by triggers on that table, so
    # a rank or the stats funnel sums a few rows instead of counting 100,000.
    Column("guild_id", DiscordId, nullable=False),
    Column("roadmap_id", Text, nullable=False),
    Column("metric", Text, _in("metric", COUNT_METRICS), nullable=False),
    Column("value", Count, nullable=False),
    Column("members", Count, nullable=False),
    PrimaryKeyConstraint("guild_id", "roadmap_id", "metric", "value"),
    sqlite_with_rowid=False,  # WITHOUT ROWID: the primary key is the row's identity
)

period_counts = Table(
    "period_counts",
    metadata,
    # The same per kept period, of `period_scores`: `done` per value, and `active` (value 1:
    # members who logged a completion since the period's start).
    Column("head_id", Count, nullable=False),
    Column("guild_id", DiscordId, nullable=False),
    Column("metric", Text, _in("metric", COUNT_METRICS), nullable=False),
    Column("value", Count, nullable=False),
    Column("members", Count, nullable=False),
    PrimaryKeyConstraint("head_id", "metric", "value"),
    sqlite_with_rowid=False,  # WITHOUT ROWID: the primary key is the row's identity
)

summary_building = Table(
    "summary_building",
    metadata,
    # A row only inside a summary build's own transaction: the counts triggers skip the rows
    # it writes (it counts them in bulk afterwards, bot/store/summaries.py).
    Column("started_at", Text, nullable=False),
)
