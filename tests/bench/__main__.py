"""`python -m tests.bench`: run every benchmark (tests/bench/bench_*.py) and print one table.

    .venv/bin/python -m tests.bench [--quick] [--only NAME ...] [--soak-minutes N]
                                    [--markdown [PATH]]

Each benchmark runs in its own process (so one's memory and caches do not colour the next),
prints its details as it goes, and hands back its figures (see figures.py); the runner then
prints the table: figure, value, baseline measured in the same run, ratio, goal, met.
`--markdown` also writes the table with the date, the machine and the command that reproduces
it into a Markdown file (default README.md, between its `bench:start`/`bench:end`
markers, so the prose around the table stays), ready for the README.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.bench.figures import BenchOptions, Figure, number

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parents[1]
DEFAULT_MARKDOWN = PROJECT_ROOT / "README.md"
COLUMNS = ("figure", "value", "baseline (same run)", "ratio", "goal", "met")


def benchmark_names() -> list[str]:
    return sorted(path.stem for path in BENCH_DIR.glob("bench_*.py"))


# -- one benchmark, in a child process -----------------------------------------------------------
def run_child(name: str, options: BenchOptions, out: Path) -> None:
    module = importlib.import_module(f"tests.bench.{name}")
    run = getattr(module, "run", None)
    if run is None:
        raise SystemExit(f"tests/bench/{name}.py has no run(options) -> list[Figure]")
    result = run(options)
    figures = asyncio.run(result) if inspect.isawaitable(result) else result
    out.write_text(json.dumps([figure.to_json() for figure in figures]))


def run_benchmark(name: str, options: BenchOptions) -> tuple[list[Figure], str | None]:
    """The figures of one benchmark, or [] and why it failed."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "figures.json"
        command = [
            sys.executable, "-m", "tests.bench", "--child", name, "--out", str(out),
            "--soak-minutes", str(options.soak_minutes), *(["--quick"] if options.quick else []),
        ]  # fmt: skip
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
        code = subprocess.call(command, cwd=PROJECT_ROOT, env=env)
        print(f"=== {name}: {time.perf_counter() - started:.0f} s ===", flush=True)
        if code != 0 or not out.exists():
            return [], f"{name} failed (exit code {code})"
        return [Figure.from_json(item) for item in json.loads(out.read_text())], None


# -- the table ------------------------------------------------------------------------------------
def table_rows(figures: list[Figure]) -> list[tuple[str, ...]]:
    rows = []
    for figure in figures:
        baseline = (
            f"{number(figure.baseline, figure.unit)} {figure.baseline_label}".strip()
            if figure.baseline is not None
            else figure.baseline_label or "—"
        )
        ratio = f"{figure.ratio:.2f}x" if figure.ratio is not None else "—"
        met = {True: "yes", False: "NO", None: "—"}[figure.met]
        value = number(figure.value, figure.unit)
        rows.append((figure.figure, value, baseline, ratio, figure.goal or "—", met))
    return rows


def plain_table(figures: list[Figure]) -> str:
    rows = [COLUMNS, *table_rows(figures)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
             for row in rows]  # fmt: skip
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def markdown_table(figures: list[Figure]) -> str:
    def cells(row: tuple[str, ...]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |"

    return "\n".join(
        [cells(COLUMNS), "|" + "---|" * len(COLUMNS), *map(cells, table_rows(figures))]
    )


def machine() -> str:
    """CPU model and cores, memory, OS and Python: what the figures depend on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        import psutil

        memory = f", {psutil.virtual_memory().total / 2**30:.1f} GiB RAM"
    except ImportError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} logical cores{memory}; {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}"
    )


MARK_START, MARK_END = "<!-- bench:start -->", "<!-- bench:end -->"


def markdown_section(figures: list[Figure], failures: list[str], argv: list[str]) -> str:
    """The measured table with its date, machine and command, between the markers."""
    command = shlex.join([".venv/bin/python", "-m", "tests.bench", *argv])
    lines = [
        MARK_START,
        f"Measured on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
        f"Reproduce with `{command}` (it rewrites this table).",
        "Baselines are measured in the same run; ratio = value / baseline.",
        "",
        markdown_table(figures),
    ]
    if failures:
        lines += ["", *(f"- **not measured**: {failure}" for failure in failures)]
    return "\n".join([*lines, MARK_END])


def write_markdown(path: Path, section: str) -> None:
    """Replace the table between the markers, keeping the prose around it; a new file gets
    a heading and the table."""
    text = path.read_text() if path.exists() else ""
    if MARK_START in text and MARK_END in text:
        before, rest = text.split(MARK_START, 1)
        after = rest.split(MARK_END, 1)[1]
        text = before + section + after
    else:
        text = f"## Reliability and performance\n\n{section}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="e.g. bench_store bench_memory")
    parser.add_argument("--soak-minutes", type=float, default=10.0)
    parser.add_argument(
        "--markdown", nargs="?", const=DEFAULT_MARKDOWN, type=Path, metavar="PATH",
        help="also write the table as Markdown (default README.md)",
    )  # fmt: skip
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    options = BenchOptions(quick=args.quick, soak_minutes=args.soak_minutes)
    if args.child:
        run_child(args.child, options, args.out)
        return 0

    names = benchmark_names()
    unknown = sorted(set(args.only or ()) - set(names))
    if unknown:
        parser.error(f"no benchmark {', '.join(unknown)}; there are {', '.join(names)}")
    figures: list[Figure] = []
    failures: list[str] = []
    for name in args.only or names:
        found, failure = run_benchmark(name, options)
        figures += found
        failures += [failure] if failure else []
    print("\n" + plain_table(figures))
    for failure in failures:
        print(f"not measured: {failure}")
    if args.markdown:
        given = list(argv if argv is not None else sys.argv[1:])
        write_markdown(args.markdown, markdown_section(figures, failures, given))
        print(f"wrote {args.markdown}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
