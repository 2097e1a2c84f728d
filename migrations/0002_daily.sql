-- 0002: daily posts (one schedule per server, a ledger row per server and local date) and
-- personal reminders (next fire time per member, a ledger row per member and local date).
-- Timestamps and dates are encoded as in 0001.

-- One daily post schedule per server. `next_date` is the local date the next post is for and
-- `next_fire_at` its UTC instant; both advance in the schedule's zone, so 09:00 stays 09:00.
-- The cursor of the topic walk is the id (and position, for topics that left the content) of
-- the last posted topic, in the roadmap `cursor_roadmap_id`. `revision` changes with every
-- moderator edit, so a tick that read the row earlier does not claim with stale settings.
CREATE TABLE daily_schedules (
    guild_id          INTEGER PRIMARY KEY,
    channel_id        INTEGER NOT NULL,
    local_time        TEXT    NOT NULL,  -- `HH:MM`
    time_zone         TEXT    NOT NULL,
    roadmap_id        TEXT,              -- NULL: the server's default roadmap
    ping_role_id      INTEGER,
    enabled           INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    disabled_reason   TEXT,
    next_date         TEXT    NOT NULL,
    next_fire_at      TEXT    NOT NULL,
    cursor_roadmap_id TEXT,
    last_topic_id     TEXT,
    last_position     INTEGER,
    last_posted_date  TEXT,
    jump_topic_id     TEXT,
    revision          INTEGER NOT NULL DEFAULT 1,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL
);

-- The tick: enabled schedules whose time has come.
CREATE INDEX daily_schedules_due ON daily_schedules (next_fire_at) WHERE enabled = 1;

-- The idempotency key of daily posts: at most one row per server and local date. A row is
-- claimed as `sending` before the message is sent, counts each send begun in `attempts`, and
-- becomes `sent` (with the message id), `failed` (Discord refused: the schedule is disabled),
-- `missed` (too late after downtime) or `unknown` (a crash between send and record that the
-- channel's history could not settle; never sent again blindly).
CREATE TABLE daily_posts (
    guild_id       INTEGER NOT NULL,
    local_date     TEXT    NOT NULL,
    status         TEXT    NOT NULL
                   CHECK (status IN ('sending', 'sent', 'failed', 'missed', 'unknown')),
    channel_id     INTEGER,
    roadmap_id     TEXT,
    topic_id       TEXT,
    topic_position INTEGER,
    ping_role_id   INTEGER,
    scheduled_for  TEXT,
    claimed_at     TEXT    NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,  -- sends begun; 0: it never reached Discord
    first_attempt_at TEXT,                      -- when Discord may first have seen the nonce
    finished_at    TEXT,
    message_id     INTEGER,
    error          TEXT,
    PRIMARY KEY (guild_id, local_date)
) WITHOUT ROWID;

-- Crash resolution: claims that never finished.
CREATE INDEX daily_posts_unfinished ON daily_posts (claimed_at) WHERE status = 'sending';

-- When each member's reminder fires next. The reminder itself (time and zone) lives in
-- member_settings; deleting that row (forget-me) deletes this one too.
CREATE TABLE reminder_schedules (
    guild_id      INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    next_date     TEXT    NOT NULL,
    next_fire_at  TEXT    NOT NULL,
    dm_channel_id INTEGER,            -- remembered to save one request per reminder
    PRIMARY KEY (guild_id, user_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES member_settings (guild_id, user_id)
        ON DELETE CASCADE
) WITHOUT ROWID;

CREATE INDEX reminder_schedules_due ON reminder_schedules (next_fire_at);

-- The idempotency key of reminders: one DM per member, server and local date.
CREATE TABLE reminder_deliveries (
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    local_date  TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'missed', 'unknown')),
    topic_id    TEXT,
    claimed_at  TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    first_attempt_at TEXT,
    finished_at TEXT,
    message_id  INTEGER,
    error       TEXT,
    PRIMARY KEY (guild_id, user_id, local_date)
) WITHOUT ROWID;

CREATE INDEX reminder_deliveries_unfinished
    ON reminder_deliveries (claimed_at) WHERE status = 'sending';
