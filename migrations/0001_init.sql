-- 0001: progress, the completions log, member and server settings, stage rewards, meta.
-- Ids are Discord snowflakes (fit in a signed 64-bit INTEGER) or content ids (TEXT).
-- Timestamps are UTC as fixed-width ISO 8601 text (`2024-05-01T09:30:00.000000Z`), so they
-- sort as text; local dates are `YYYY-MM-DD`.

-- Current status of each topic for each member: one row per (server, member, roadmap, topic).
-- Resetting a topic deletes its row; rows for ids that left the content are kept.
CREATE TABLE progress (
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    roadmap_id   TEXT    NOT NULL,
    topic_id     TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('done', 'skipped', 'in_progress')),
    started_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    completed_at TEXT,
    PRIMARY KEY (guild_id, user_id, roadmap_id, topic_id)
) WITHOUT ROWID;

-- All-time leaderboard and the stage funnel: done rows of one roadmap in one server, by member.
CREATE INDEX progress_by_roadmap_status
    ON progress (guild_id, roadmap_id, status, user_id, topic_id);

-- Append-only history: one row each time a topic becomes done. Streaks and period leaderboards
-- come from here, so resetting a topic never rewrites the past. `local_date` is the member's
-- date (member zone, else server zone, else UTC) at the moment of completion.
CREATE TABLE completions (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    roadmap_id   TEXT    NOT NULL,
    topic_id     TEXT    NOT NULL,
    completed_at TEXT    NOT NULL,
    local_date   TEXT    NOT NULL
);

-- Streaks: the distinct local dates of one member, newest first.
CREATE INDEX completions_by_member_day ON completions (guild_id, user_id, local_date);

-- Period leaderboards and "active this week": completions of one roadmap in one server since T.
CREATE INDEX completions_by_roadmap_time
    ON completions (guild_id, roadmap_id, completed_at, user_id, topic_id);

-- Per member per server. NULL means "not chosen": fall back to the server's, then the default.
CREATE TABLE member_settings (
    guild_id           INTEGER NOT NULL,
    user_id            INTEGER NOT NULL,
    time_zone          TEXT,
    hide_progress      INTEGER NOT NULL DEFAULT 0 CHECK (hide_progress IN (0, 1)),
    followed_roadmap   TEXT,
    reminder_time      TEXT,     -- local `HH:MM`, NULL when reminders are off
    reminder_time_zone TEXT,     -- zone the reminder time is in (else the member's zone)
    updated_at         TEXT    NOT NULL,
    PRIMARY KEY (guild_id, user_id)
) WITHOUT ROWID;

-- The leaderboard leaves these members out.
CREATE INDEX member_settings_hidden ON member_settings (guild_id, user_id) WHERE hide_progress = 1;

-- Members with a reminder set, for the reminder tick.
CREATE INDEX member_settings_reminders
    ON member_settings (reminder_time, guild_id, user_id) WHERE reminder_time IS NOT NULL;

CREATE TABLE guild_settings (
    guild_id        INTEGER PRIMARY KEY,
    default_roadmap TEXT,
    time_zone       TEXT,
    left_at         TEXT,     -- when the bot was removed; the server's data goes 30 days later
    updated_at      TEXT    NOT NULL
);

CREATE INDEX guild_settings_left ON guild_settings (left_at) WHERE left_at IS NOT NULL;

-- Role given to members who finish a stage.
CREATE TABLE stage_rewards (
    guild_id   INTEGER NOT NULL,
    roadmap_id TEXT    NOT NULL,
    stage_id   TEXT    NOT NULL,
    role_id    INTEGER NOT NULL,
    PRIMARY KEY (guild_id, roadmap_id, stage_id)
) WITHOUT ROWID;

-- Small process-wide facts, e.g. the hash of the last globally synced command tree.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
