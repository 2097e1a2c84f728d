"""Start-up failures a user causes end with a clear message and exit code, not a traceback.

Each case runs the real `python -m bot` process. Exit codes as the README states: 1 failure,
2 bad usage or configuration.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _start(
    tmp_path: Path, *args: str, prefix: tuple[str, ...] = (), **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "bot", *args],
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


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    output = (result.stderr + result.stdout).strip()
    assert "Traceback" not in output
    assert len(output.splitlines()) == 1, output
    return output


def test_missing_content_folder_is_a_configuration_error(tmp_path: Path) -> None:
    result = _start(tmp_path, CONTENT_DIR=str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert _one_line(result) == (
        f"Configuration error: cannot read the content: content folder '{tmp_path / 'nowhere'}' "
        "does not exist (set CONTENT_DIR to the roadmap folder)."
    )


def test_a_database_path_that_is_a_folder(tmp_path: Path) -> None:
    result = _start(tmp_path, CONTENT_DIR=str(REPO / "content"), DATABASE_PATH=str(tmp_path))
    assert result.returncode == 2
    assert _one_line(result) == (
        f"Configuration error: DATABASE_PATH {tmp_path} is a folder; give a file path such as "
        f"{tmp_path / 'bot.sqlite3'}."
    )


@pytest.mark.parametrize("command", [(), ("migrate",)])
def test_a_database_path_under_a_file(tmp_path: Path, command: tuple[str, ...]) -> None:
    (tmp_path / "notes.txt").write_text("a file, not a folder\n")
    path = tmp_path / "notes.txt" / "data" / "bot.sqlite3"
    result = _start(tmp_path, *command, CONTENT_DIR=str(REPO / "content"), DATABASE_PATH=str(path))
    assert result.returncode == 2
    assert _one_line(result) == (
        f"Configuration error: DATABASE_PATH {path} lies under {tmp_path / 'notes.txt'}, "
        "which is a file, not a folder."
    )


def _without_write_override() -> tuple[str, ...]:
    """A prefix that runs the bot without root's power to write anywhere (a plain user's
    process needs none: the folder's mode already stops it)."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed to run a root test process without DAC override"
    return (setpriv, "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search", "--")


def test_a_database_folder_that_cannot_be_written(tmp_path: Path) -> None:
    folder = tmp_path / "readonly"
    folder.mkdir()
    folder.chmod(0o555)
    path = folder / "bot.sqlite3"
    try:
        result = _start(
            tmp_path,
            prefix=_without_write_override(),
            CONTENT_DIR=str(REPO / "content"),
            DATABASE_PATH=str(path),
        )
    finally:
        folder.chmod(0o755)
    assert result.returncode == 2
    assert _one_line(result) == (
        f"Configuration error: DATABASE_PATH {path} cannot be written: Permission denied."
    )
    assert not path.exists()


def test_preview_into_a_closed_pipe_exits_quietly(tmp_path: Path) -> None:
    # `true` exits at once, so every write of the preview meets a closed pipe.
    script = f"{sys.executable} -m bot preview next --content {REPO / 'content'} | true"
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
    )
    assert result.stderr == ""
    assert result.returncode == 0


def test_dotenv_is_read_from_the_current_folder_only(tmp_path: Path) -> None:
    def check(folder: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "check"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
        )

    (tmp_path / ".env").write_text(f"CONTENT_DIR={REPO / 'content'}\n")
    assert check(tmp_path).returncode == 0
    below = tmp_path / "below"
    below.mkdir()  # no .env here: the parent's is not read, so CONTENT_DIR is the default
    result = check(below)
    assert result.returncode == 2
    assert "'content'" in result.stdout + result.stderr


def test_database_file_that_is_not_a_database(tmp_path: Path) -> None:
    bogus = tmp_path / "bot.sqlite3"
    bogus.write_bytes(b"this is not an SQLite database, just some text\n" * 100)
    result = _start(tmp_path, CONTENT_DIR=str(REPO / "content"), DATABASE_PATH=str(bogus))
    assert result.returncode == 1
    assert "cannot open the database" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    assert bogus.read_bytes().startswith(b"this is not an SQLite database")
