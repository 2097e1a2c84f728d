"""`python -m tests.emulator --port N [--world FILE]`: the emulator as its own process.

It listens on 127.0.0.1 only, prints `EMULATOR_READY <base url>` once it accepts connections,
serves the control API under /_emu/ (see control.py), and stops by itself after --max-seconds,
on POST /_emu/shutdown, or on SIGTERM / SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path

from tests.emulator.control import add_control_routes, load_world
from tests.emulator.server import Emulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.emulator", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    parser.add_argument("--world", type=Path, help="JSON world (default: the standard world)")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=300.0,
        help="stop by itself after this long (default 300)",
    )
    parser.add_argument("--interaction-deadline", type=float, default=3.0)
    parser.add_argument("--nonce-window", type=float, default=180.0)
    parser.add_argument(
        "--no-openapi-check",
        action="store_true",
        help="do not check requests and answers against Discord's OpenAPI schema (benchmarks:"
        " checking a payload costs the emulator milliseconds, more than the bot's own work)",
    )
    parser.add_argument(
        "--identify-interval",
        type=float,
        default=0.0,
        help="seconds between two IDENTIFYs of one bucket, a sooner one refused with op 9 "
        "(Discord's rule is 5; default 0: off, as bots restart within seconds in tests)",
    )
    parser.add_argument(
        "--max-concurrency",
        type=int,
        default=1,
        help="identify buckets (shard_id %% N), as /gateway/bot's session_start_limit says",
    )
    parser.add_argument(
        "--answer-timeout",
        type=float,
        default=10.0,
        help="how long /_emu/slash etc. wait for the bot's answer",
    )
    return parser


async def serve(args: argparse.Namespace) -> None:
    emu = Emulator(
        load_world(args.world),
        interaction_deadline=args.interaction_deadline,
        nonce_window=args.nonce_window,
        answer_timeout=args.answer_timeout,
        check_openapi=not args.no_openapi_check,
        identify_interval=args.identify_interval,
        max_concurrency=args.max_concurrency,
    )
    shutdown = asyncio.Event()
    await emu.start(args.port, extra=lambda app: add_control_routes(app, emu, shutdown))
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, shutdown.set)
    print(f"EMULATOR_READY {emu.base_url}", flush=True)
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(shutdown.wait(), args.max_seconds)
    finally:
        await emu.stop()


def main(argv: list[str] | None = None) -> int:
    asyncio.run(serve(_parser().parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
