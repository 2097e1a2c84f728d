"""Start-up failures a user causes end with a clear message and exit code, not a traceback."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _start(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(REPO),
            "DISCORD_TOKEN": "x.y.z",
            # Nothing listens here: the bot must stop before it would try to connect.
            "DISCORD_API_BASE": "http://127.0.0.1:9/api/v10",
            **env,
        },
    )


def test_missing_content_folder(tmp_path: Path) -> None:
    result = _start(tmp_path, CONTENT_DIR=str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert "Cannot read the content" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_database_file_that_is_not_a_database(tmp_path: Path) -> None:
    bogus = tmp_path / "bot.sqlite3"
    bogus.write_bytes(b"this is not an SQLite database, just some text\n" * 100)
    result = _start(tmp_path, CONTENT_DIR=str(REPO / "content"), DATABASE_PATH=str(bogus))
    assert result.returncode == 1
    assert "cannot open the database" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    assert bogus.read_bytes().startswith(b"this is not an SQLite database")
