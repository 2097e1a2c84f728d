"""Settings: a frozen dataclass read once from the environment (and `.env`) in main().

Every bad value gets its own clear message; nothing here raises a traceback at a user.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.sharding import ShardPlan, SlotLayout, parse_shard_ids

TOKEN_HELP = """\
DISCORD_TOKEN is not set, so the bot cannot log in.
Create a bot token: open https://discord.com/developers/applications, choose (or create) your
application, go to "Bot", press "Reset Token" and copy it. Then put it in a file named .env in
the folder you start the bot from, as a line DISCORD_TOKEN=your-token (see .env.example), or
export DISCORD_TOKEN in the environment, and run `python -m bot` again. Keep the token secret:
anyone who has it controls your bot."""

LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class ConfigError(Exception):
    """A configuration problem; the message says what is wrong and how to fix it."""


@dataclass(frozen=True, slots=True)
class Settings:
    token: str | None = None
    database_path: Path = Path("data/bot.sqlite3")
    content_dir: Path = Path("content")
    dev_guild_id: int | None = None
    #: Development only: every command goes to DEV_GUILD_ID and none is synced globally.
    dev_guild_sync_all: bool = False
    owner_ids: frozenset[int] = frozenset()
    log_level: str = "INFO"
    daily_grace_minutes: int = 120
    api_base: str | None = None
    gateway_url: str | None = None
    #: Where interaction answers go when api_base is a rate-limit proxy (None: api_base too).
    interactions_api_base: str | None = None
    #: PostgreSQL (`postgresql+asyncpg://...`); None keeps SQLite at `database_path`.
    database_url: str | None = None
    #: Shards across every process of the bot; None: one process, discord.py's own choice.
    shard_count: int | None = None
    #: SHARD_IDS: the shards this process runs, named outright (None: a slot's, or all).
    shard_ids: tuple[int, ...] | None = None
    #: SHARD_SLOT: the slots this process may run (one, or several for a spare; None: no slot).
    shard_slots: tuple[int, ...] | None = None
    #: How SHARD_COUNT shards are cut into slots (SHARDS_PER_SLOT or SHARD_SLOTS).
    slot_layout: SlotLayout | None = None
    #: Seconds between two identifies of one bucket: Discord's 5 (lower only for an emulator).
    identify_interval: float = 5.0
    #: HEALTH_PORT: where GET /health answers (None: no health check); HEALTH_HOST its address.
    health_port: int | None = None
    health_host: str = "127.0.0.1"

    @property
    def is_spare(self) -> bool:
        """A spare process: SHARD_SLOT names several slots, and it runs the one it takes."""
        return self.shard_slots is not None and len(self.shard_slots) > 1

    def shard_plan(self, slot: int | None = None) -> ShardPlan | None:
        """The shards this process runs (None: unsharded). A spare (several slots) has none
        until it holds a slot: pass the slot it took."""
        if self.shard_count is None:
            return None
        if self.shard_ids is not None:
            return ShardPlan(self.shard_count, self.shard_ids)
        if self.slot_layout is None or self.shard_slots is None:
            return ShardPlan.whole(self.shard_count)
        if slot is None:
            if len(self.shard_slots) != 1:
                raise ValueError("a spare runs the shards of the slot it takes: name the slot")
            slot = self.shard_slots[0]
        return self.slot_layout.plan(slot)

    @property
    def database(self) -> Path | str:
        """What `Database.open` takes: the PostgreSQL URL when set, else the SQLite path."""
        return self.database_url or self.database_path

    @property
    def database_name(self) -> str:
        """The database for a log line or a message, without the URL's password."""
        if self.database_url is None:
            return str(self.database_path)
        parts = urlsplit(self.database_url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{host}{port}{parts.path}"

    def __repr__(self) -> str:  # never show the token, even in a debug dump
        return (
            f"Settings(database_path={self.database_path!s}, content_dir={self.content_dir!s}, "
            f"dev_guild_id={self.dev_guild_id}, dev_guild_sync_all={self.dev_guild_sync_all}, "
            f"owner_ids={sorted(self.owner_ids)}, "
            f"log_level={self.log_level}, daily_grace_minutes={self.daily_grace_minutes}, "
            f"api_base={self.api_base}, gateway_url={self.gateway_url}, "
            f"interactions_api_base={self.interactions_api_base}, "
            f"database_url={self.database_name if self.database_url else None}, "
            f"shard_count={self.shard_count}, shard_ids={self.shard_ids}, "
            f"shard_slots={self.shard_slots}, slot_layout={self.slot_layout}, "
            f"health={self.health_host}:{self.health_port}, "
            f"token={'set' if self.token else 'unset'})"
        )

    def require_token(self) -> str:
        if not self.token:
            raise ConfigError(TOKEN_HELP)
        return self.token


def _snowflake(name: str, raw: str) -> int:
    text = raw.strip()
    if not text.isdigit() or not 15 <= len(text) <= 21:
        raise ConfigError(
            f"{name} must be a Discord id (a number of 17 to 20 digits), not {raw!r}."
        )
    return int(text)


def _url(name: str, raw: str, schemes: tuple[str, ...]) -> str:
    text = raw.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in schemes or not parts.netloc:
        raise ConfigError(f"{name} must be a {' or '.join(schemes)} URL, not {raw!r}.")
    if parts.query:
        raise ConfigError(f"{name} must not have a query string (discord.py adds its own).")
    return text


#: The drivers a DATABASE_URL may name: the store runs on an async engine (asyncpg).
DATABASE_SCHEMES = ("postgresql+asyncpg",)


def _database_url(raw: str) -> str:
    text = raw.strip()
    scheme = text.split("://", 1)[0] if "://" in text else ""
    if scheme in ("postgres", "postgresql"):
        # The form libpq and most hosts print: the same server through asyncpg.
        text = "postgresql+asyncpg://" + text.split("://", 1)[1]
    elif scheme not in DATABASE_SCHEMES:
        raise ConfigError(
            "DATABASE_URL must be a PostgreSQL URL such as "
            "postgresql+asyncpg://user:password@host:5432/dbname, "
            f"not one starting {scheme + '://' if scheme else repr(text[:20])}."
        )
    parts = urlsplit(text)
    if not parts.hostname or not parts.path.strip("/"):
        raise ConfigError(
            "DATABASE_URL must name a host and a database: "
            "postgresql+asyncpg://user:password@host:5432/dbname."
        )
    return text


def _shard_count(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 10_000:
        raise ConfigError(f"SHARD_COUNT must be a whole number of shards, 1 or more, not {raw!r}.")
    return int(raw)


def _whole(name: str, raw: str, low: int, high: int, what: str) -> int:
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ConfigError(f"{name} must be {what} from {low} to {high}, not {raw!r}.")
    return int(raw)


def _slot_layout(shard_count: int, per_slot: str | None, slots: str | None) -> SlotLayout:
    if per_slot and slots:
        raise ConfigError(
            "Set SHARDS_PER_SLOT or SHARD_SLOTS, not both: each alone says how the shards are "
            "cut into slots (README, 'Running past one machine')."
        )
    if per_slot:
        size = _whole("SHARDS_PER_SLOT", per_slot, 1, shard_count, "a number of shards")
        return SlotLayout.by_size(shard_count, size)
    if slots:
        count = _whole("SHARD_SLOTS", slots, 1, shard_count, "a number of slots")
        return SlotLayout.even(shard_count, count)
    raise ConfigError(
        "SHARD_SLOT needs SHARDS_PER_SLOT (slot s runs shards s*k to s*k+k-1) or SHARD_SLOTS "
        "(the shards split evenly into that many slots), the same on every process."
    )


def _shard_slots(raw: str, layout: SlotLayout) -> tuple[int, ...]:
    """SHARD_SLOT: a slot number, `spare` (any slot), or `spare:1,2` (a spare for those)."""
    text = raw.strip().lower()
    if text == "spare":
        return layout.slots
    listed = text.removeprefix("spare:")
    if listed != text and not listed.strip():
        raise ConfigError("SHARD_SLOT=spare: must list slots, such as spare:0,1.")
    slots: list[int] = []
    for part in listed.split(","):
        number = part.strip()
        if not number.isdigit():
            raise ConfigError(
                f"SHARD_SLOT must be a slot number (0, 1, ...), spare, or spare:1,2, not {raw!r}."
            )
        if int(number) >= layout.slot_count:
            raise ConfigError(
                f"SHARD_SLOT {number} does not exist: SHARD_COUNT={layout.shard_count} makes "
                f"{layout.slot_count} slots, 0 to {layout.slot_count - 1}."
            )
        if int(number) not in slots:
            slots.append(int(number))
    if listed == text and len(slots) > 1:
        raise ConfigError(
            f"SHARD_SLOT names one slot; a spare that may take several is spare:{listed}."
        )
    return tuple(slots)


def _flag(name: str, raw: str | None) -> bool:
    if raw is None:
        return False
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}.")


def load_settings(environ: Mapping[str, str] | None = None, *, dotenv: bool = True) -> Settings:
    """Read the settings of SPEC section 4; raises ConfigError naming the first bad value.

    One rule for `.env`, whatever the command: the file `.env` in the current folder (not a
    parent's, not the project's), and a variable set in the environment wins over it."""
    if environ is None:
        if dotenv:
            from dotenv import load_dotenv

            load_dotenv(Path.cwd() / ".env", override=False)
        environ = os.environ

    def get(name: str) -> str | None:
        value = environ.get(name)
        return value.strip() if value and value.strip() else None

    owner_ids: set[int] = set()
    if raw := get("OWNER_IDS"):
        for part in raw.split(","):
            if part.strip():
                owner_ids.add(_snowflake("OWNER_IDS", part))

    log_level = (get("LOG_LEVEL") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {log_level!r}.")

    grace_raw = get("DAILY_GRACE_MINUTES") or "120"
    if not grace_raw.isdigit() or int(grace_raw) > 24 * 60:
        raise ConfigError(
            "DAILY_GRACE_MINUTES must be a whole number of minutes from 0 to 1440, "
            f"not {grace_raw!r}."
        )

    dev_guild = get("DEV_GUILD_ID")
    sync_all = _flag("DEV_GUILD_SYNC_ALL", get("DEV_GUILD_SYNC_ALL"))
    if sync_all and not dev_guild:
        raise ConfigError("DEV_GUILD_SYNC_ALL=true needs DEV_GUILD_ID: the server to sync to.")
    api_base = get("DISCORD_API_BASE")
    gateway = get("DISCORD_GATEWAY_URL")
    interactions = get("DISCORD_INTERACTIONS_API_BASE")
    if interactions and not api_base:
        raise ConfigError(
            "DISCORD_INTERACTIONS_API_BASE needs DISCORD_API_BASE: it sends interaction answers "
            "past a REST proxy, and without DISCORD_API_BASE there is no proxy."
        )
    database_url = _database_url(raw_url) if (raw_url := get("DATABASE_URL")) else None
    shard_count = _shard_count(raw_shards) if (raw_shards := get("SHARD_COUNT")) else None
    if shard_count is not None and database_url is None:
        raise ConfigError(
            "SHARD_COUNT needs DATABASE_URL: shards run in several processes, and several "
            "processes cannot share one SQLite file. Set DATABASE_URL to a PostgreSQL database "
            "(run `python -m bot migrate` once), or unset SHARD_COUNT to run one process on SQLite."
        )
    shard_ids: tuple[int, ...] | None = None
    shard_slots: tuple[int, ...] | None = None
    layout: SlotLayout | None = None
    raw_ids, raw_slot = get("SHARD_IDS"), get("SHARD_SLOT")
    per_slot, slot_count = get("SHARDS_PER_SLOT"), get("SHARD_SLOTS")
    if shard_count is None and (raw_ids or raw_slot or per_slot or slot_count):
        named = next(
            name
            for name, value in (
                ("SHARD_IDS", raw_ids),
                ("SHARD_SLOT", raw_slot),
                ("SHARDS_PER_SLOT", per_slot),
                ("SHARD_SLOTS", slot_count),
            )
            if value
        )
        raise ConfigError(f"{named} needs SHARD_COUNT: the number of shards across every process.")
    if shard_count is not None:
        if raw_ids and raw_slot:
            raise ConfigError(
                "Set SHARD_IDS or SHARD_SLOT, not both: SHARD_IDS names the shards outright, "
                "SHARD_SLOT derives them from a slot number."
            )
        if raw_ids:
            try:
                shard_ids = parse_shard_ids(raw_ids, shard_count)
            except ValueError as exc:
                raise ConfigError(f"SHARD_IDS={raw_ids}: {exc}.") from None
        if raw_slot:
            layout = _slot_layout(shard_count, per_slot, slot_count)
            shard_slots = _shard_slots(raw_slot, layout)
        elif per_slot or slot_count:
            raise ConfigError(
                f"{'SHARDS_PER_SLOT' if per_slot else 'SHARD_SLOTS'} is for slots: "
                "set SHARD_SLOT too (or unset it)."
            )
    identify_raw = get("DISCORD_IDENTIFY_INTERVAL") or "5"
    try:
        identify_interval = float(identify_raw)
    except ValueError:
        identify_interval = -1.0
    if not 0 <= identify_interval <= 60:
        raise ConfigError(
            "DISCORD_IDENTIFY_INTERVAL must be a number of seconds from 0 to 60 "
            f"(Discord's is 5), not {identify_raw!r}."
        )
    health_raw = get("HEALTH_PORT")
    health_port = _whole("HEALTH_PORT", health_raw, 1, 65535, "a TCP port") if health_raw else None
    return Settings(
        token=get("DISCORD_TOKEN"),
        database_path=Path(get("DATABASE_PATH") or "data/bot.sqlite3"),
        content_dir=Path(get("CONTENT_DIR") or "content"),
        dev_guild_id=_snowflake("DEV_GUILD_ID", dev_guild) if dev_guild else None,
        dev_guild_sync_all=sync_all,
        owner_ids=frozenset(owner_ids),
        log_level=log_level,
        daily_grace_minutes=int(grace_raw),
        api_base=_url("DISCORD_API_BASE", api_base, ("http", "https")) if api_base else None,
        gateway_url=_url("DISCORD_GATEWAY_URL", gateway, ("ws", "wss")) if gateway else None,
        interactions_api_base=(
            _url("DISCORD_INTERACTIONS_API_BASE", interactions, ("http", "https"))
            if interactions
            else None
        ),
        database_url=database_url,
        shard_count=shard_count,
        shard_ids=shard_ids,
        shard_slots=shard_slots,
        slot_layout=layout,
        identify_interval=identify_interval,
        health_port=health_port,
        health_host=get("HEALTH_HOST") or "127.0.0.1",
    )


def check_database_path(path: Path) -> None:
    """Raise ConfigError unless the bot can create and write its database at DATABASE_PATH.

    Creates the folder as needed, as the bot would. Writability is tried, not inferred from
    file modes: root passes any mode check, and a read-only filesystem fails only on a write."""
    if path.is_dir():
        raise ConfigError(
            f"DATABASE_PATH {path} is a folder; give a file path such as {path / 'bot.sqlite3'}."
        )
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ConfigError(
                    f"DATABASE_PATH {path} lies under {parent}, which is a file, not a folder."
                )
            break
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # SQLite writes its -wal and -shm files beside the database: the folder must take files.
        with tempfile.TemporaryFile(dir=path.parent):
            pass
        if path.exists():
            with path.open("r+b"):
                pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigError(f"DATABASE_PATH {path} cannot be written: {reason}.") from None
    # A -wal or -shm file SQLite cannot write makes every write fail as read-only, however
    # writable the database file is.
    for companion in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if companion.exists():
                with companion.open("r+b"):
                    pass
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ConfigError(
                f"DATABASE_PATH {path} cannot be written: {companion.name}: {reason}."
            ) from None
