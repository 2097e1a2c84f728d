"""Command line: `python -m bot [run | check | preview | migrate | sync | backup | reload]`.

Exit codes: 0 success, 1 failure, 2 bad usage or configuration. Each command's work lives in
its layer; this module only parses arguments and reports configuration errors without a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bot.config import ConfigError, Settings, check_database_path, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (the default)")

    check = sub.add_parser("check", help="validate roadmap content files")
    check.add_argument("dir", nargs="?", type=Path, help="content folder (default: CONTENT_DIR)")

    preview = sub.add_parser("preview", help="print what the bot would send, without Discord")
    preview.add_argument("what", choices=["next", "topic", "stage", "example", "daily"])
    preview.add_argument(
        "args", nargs="*", help="TOPIC for topic, STAGE [TOPIC] for stage/example, N for daily"
    )
    preview.add_argument(
        "--roadmap",
        help="roadmap id (default: python-backend when the content has it, else the first file's)",
    )
    preview.add_argument(
        "--raw",
        action="store_true",
        help="the message's parts as sent (markdown, embed fields) and their sizes",
    )
    preview.add_argument("--content", type=Path, help="content folder (default: CONTENT_DIR)")

    sub.add_parser("migrate", help="apply database migrations and exit")

    sync = sub.add_parser("sync", help="sync slash commands with Discord and exit")
    sync.add_argument("--guild", type=int, help="sync to this server only (instant)")

    backup = sub.add_parser("backup", help="online backup of the database to PATH")
    backup.add_argument("path", type=Path)

    sub.add_parser("reload", help="ask every bot process on the database to reload its content")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        code = _run(args)
        sys.stdout.flush()  # inside the try: a closed pipe shows here, not at exit
    except BrokenPipeError:
        # The reader went away (`python -m bot preview next | head`): nothing left to say.
        # Point stdout at /dev/null so the interpreter's last flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return code


def _run(args: argparse.Namespace) -> int:
    command = args.command or "run"
    try:
        settings: Settings = load_settings()
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2

    try:
        if command == "check":
            from bot.cli.check import run_check

            return run_check(args.dir or settings.content_dir)
        if command == "preview":
            from bot.cli.preview import run_preview

            return run_preview(
                args.what,
                args.args,
                roadmap_id=args.roadmap,
                content_dir=args.content or settings.content_dir,
                raw=args.raw,
            )
        if command == "migrate":
            from bot.cli.store import run_migrate, run_migrate_url

            if settings.database_url is not None:
                return run_migrate_url(settings.database_url, settings.database_name)
            check_database_path(settings.database_path)
            return run_migrate(settings.database_path)
        if command == "backup":
            from bot.cli.store import run_backup

            if settings.database_url is not None:
                raise ConfigError(
                    "`python -m bot backup` copies the SQLite file; with DATABASE_URL set, "
                    f"back up PostgreSQL with its own tool: pg_dump --format=custom "
                    f"--file={args.path} DBNAME (or your host's backups)."
                )
            return run_backup(settings.database_path, args.path)
        if command == "reload":
            from bot.cli.reload import run_reload

            if settings.database_url is None:
                check_database_path(settings.database_path)
            return run_reload(settings)
        settings.require_token()  # run and sync need it; say how to get one before anything else
        if settings.database_url is None:
            check_database_path(settings.database_path)
        if command == "sync":
            from bot.cli.run import run_sync

            return run_sync(settings, guild_id=args.guild)
        from bot.cli.run import run_bot

        return run_bot(settings)
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
