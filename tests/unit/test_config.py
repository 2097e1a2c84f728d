"""Settings from the environment: defaults, and a clear message for every bad value."""

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings


def test_defaults() -> None:
    settings = load_settings({})
    assert settings.database_path == Path("data/bot.sqlite3")
    assert settings.content_dir == Path("content")
    assert settings.daily_grace_minutes == 120
    assert settings.log_level == "INFO"
    assert settings.token is None


def test_all_values_read() -> None:
    settings = load_settings(
        {
            "DISCORD_TOKEN": "abc.def.ghi",
            "DATABASE_PATH": "/tmp/x.db",
            "CONTENT_DIR": "c",
            "DEV_GUILD_ID": "123456789012345678",
            "OWNER_IDS": "111111111111111111, 222222222222222222",
            "LOG_LEVEL": "debug",
            "DAILY_GRACE_MINUTES": "30",
            "DISCORD_API_BASE": "http://127.0.0.1:8080/api/v10/",
            "DISCORD_GATEWAY_URL": "ws://127.0.0.1:8080/gateway",
        }
    )
    assert settings.owner_ids == {111111111111111111, 222222222222222222}
    assert settings.dev_guild_id == 123456789012345678
    assert settings.api_base == "http://127.0.0.1:8080/api/v10"
    assert settings.log_level == "DEBUG"
    assert "abc.def.ghi" not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value", "phrase"),
    [
        ("DEV_GUILD_ID", "my-server", "DEV_GUILD_ID must be a Discord id"),
        ("OWNER_IDS", "1234567890123456789,bob", "OWNER_IDS must be a Discord id"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL must be one of"),
        ("DAILY_GRACE_MINUTES", "-5", "DAILY_GRACE_MINUTES must be a whole number"),
        ("DISCORD_API_BASE", "127.0.0.1:8080", "DISCORD_API_BASE must be a http or https URL"),
        ("DISCORD_GATEWAY_URL", "ws://127.0.0.1:8080/gateway?v=10", "must not have a query string"),
        ("DEV_GUILD_SYNC_ALL", "maybe", "DEV_GUILD_SYNC_ALL must be true or false, not 'maybe'"),
        ("DEV_GUILD_SYNC_ALL", "true", "DEV_GUILD_SYNC_ALL=true needs DEV_GUILD_ID"),
    ],
)
def test_bad_values_are_named(name: str, value: str, phrase: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings({name: value})
    assert phrase in str(err.value)


def test_dev_guild_sync_all_is_off_unless_asked_for() -> None:
    guild = {"DEV_GUILD_ID": "123456789012345678"}
    assert not load_settings(guild).dev_guild_sync_all
    assert not load_settings({**guild, "DEV_GUILD_SYNC_ALL": "false"}).dev_guild_sync_all
    assert load_settings({**guild, "DEV_GUILD_SYNC_ALL": "True"}).dev_guild_sync_all


def test_require_token_explains_how_to_get_one() -> None:
    with pytest.raises(ConfigError) as err:
        Settings().require_token()
    assert "Developer Portal" in str(err.value) or "developers/applications" in str(err.value)


def _run_bot(tmp_path: Path, *args: str, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path.cwd()), **(env or {})},
    )


def test_missing_token_exits_2_with_help_and_no_traceback(tmp_path: Path) -> None:
    result = _run_bot(tmp_path)
    assert result.returncode == 2
    assert "DISCORD_TOKEN is not set" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_bad_setting_exits_2_without_traceback(tmp_path: Path) -> None:
    result = _run_bot(tmp_path, "check", env={"LOG_LEVEL": "LOUD"})
    assert result.returncode == 2
    assert "LOG_LEVEL must be one of" in result.stderr
    assert "Traceback" not in result.stderr


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("LOG_LEVEL=LOUD\n")
    result = _run_bot(tmp_path, "check")
    assert result.returncode == 2
    assert "LOG_LEVEL" in result.stderr
