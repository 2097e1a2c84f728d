"""Benchmark: loading 10 roadmaps x 300 topics, and autocomplete over 300 topics.

Run: .venv/bin/python -m tests.bench.bench_loader
Baselines, measured in the same run: PyYAML's own libyaml loader on the same files (parsing
only, no positions, no validation), and a plain list comprehension over the topics.
Times are CPU time of this process (the machine is shared), best and median of several runs.
`run(options)` is the entry of `python -m tests.bench`.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from bot.roadmap.loader import load_directory
from bot.roadmap.rules import python_problems
from tests.bench.figures import BenchOptions, Figure

ROADMAPS, STAGES, TOPICS_PER_STAGE = 10, 10, 30
WORDS = (
    "python",
    "http",
    "flask",
    "django",
    "fastapi",
    "async",
    "docker",
    "cloud",
    "orm",
    "sql",
    "json",
    "rest",
    "auth",
    "cache",
)


def roadmap_text(number: int) -> str:
    lines = [
        "# yaml-language-server: $schema=schema.json",
        f"id: roadmap-{number}",
        f"title: Roadmap {number}",
        "summary: A generated roadmap.",
        "stages:",
    ]
    for stage in range(STAGES):
        lines += [
            f"  - id: stage-{stage}",
            f"    title: Stage {stage} {WORDS[stage % len(WORDS)]}",
            "    summary: What this stage is about, in a sentence or two.",
            "    example:",
            "      title: Example",
            "      code: |",
            "        def handler(request):",
            "            return {'ok': True}",
            "    topics:",
        ]
        for topic in range(TOPICS_PER_STAGE):
            word = WORDS[(stage * TOPICS_PER_STAGE + topic) % len(WORDS)]
            lines += [
                f"      - id: {word}-{stage}-{topic}",
                f"        title: {word.title()} topic {stage}.{topic}",
                "        summary: >",
                "          Two to five sentences that a learner finds useful,",
                "          folded onto one line by YAML.",
                "        resources:",
                f"          - title: Docs for {word}",
                f"            url: https://docs.example.org/{word}/{stage}/{topic}",
            ]
            if topic % 10 == 0:
                lines += [
                    "        example:",
                    f"          title: {word} example",
                    "          code: |",
                    "            import asyncio",
                    "            async def main():",
                    "                await asyncio.sleep(0)",
                    "            asyncio.run(main())",
                ]
    return "\n".join(lines) + "\n"


def best_of(runs: int, work: Callable[[], object]) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return min(times), statistics.median(times)


def cold_load(directory: Path) -> None:
    python_problems.cache_clear()  # as on start-up: every example compiled
    load_directory(directory)


def run(options: BenchOptions) -> list[Figure]:
    """The runner's entry (tests/bench/figures.py): prints the details, returns the figures."""
    runs = 3 if options.quick else 7
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        for number in range(ROADMAPS):
            (directory / f"roadmap-{number}.yaml").write_text(roadmap_text(number))
        files = sorted(directory.glob("*.yaml"))
        size = sum(f.stat().st_size for f in files)

        result = load_directory(directory)
        assert result.ok, [str(p) for p in result.problems[:5]]
        print(f"content: {result.counts_text()}, {size / 1024:.0f} KiB in {len(files)} files")

        def libyaml_only() -> None:
            for file in files:
                yaml.load(file.read_text(), Loader=yaml.CSafeLoader)

        base = best_of(runs, libyaml_only)
        print(
            f"baseline yaml.load(CSafeLoader), all files: best {base[0] * 1000:6.1f} ms, "
            f"median {base[1] * 1000:6.1f} ms"
        )
        for label, work in (
            ("start-up", lambda: cold_load(directory)),
            ("reload, examples unchanged", lambda: load_directory(directory)),
        ):
            ours = best_of(runs, work)
            print(
                f"load_directory, {label:26}: best {ours[0] * 1000:6.1f} ms, "
                f"median {ours[1] * 1000:6.1f} ms ({ours[1] / base[1]:.2f}x baseline)"
            )
            figures.append(
                Figure(
                    f"content load ({label}), {ROADMAPS} roadmaps x {STAGES * TOPICS_PER_STAGE}"
                    " topics",
                    ours[1] * 1000,
                    "ms",
                    base[1] * 1000,
                    "libyaml parse only",
                )
            )

        catalog = result.catalog
        roadmap = catalog.roadmaps[0]
        index = roadmap.topic_search  # its uncached path (_rank), measured on purpose
        topics = roadmap.topics
        repeat = 2000
        cases = {
            "prefix 'fla'": "fla",
            "two words 'flask topic 3'": "flask topic 3",
            "substring 'ocke'": "ocke",
            "fuzzy 'djnago'": "djnago",
        }
        linear = best_of(
            5, lambda: [[t for t in topics if t.id.startswith("fla")][:25] for _ in range(repeat)]
        )
        print(
            f"baseline list comprehension over {len(topics)} topics: "
            f"{linear[0] / repeat * 1e6:7.1f} µs per query"
        )
        slowest = 0.0
        for label, query in cases.items():
            timing = best_of(5, lambda q=query: [index._rank(q, 25) for _ in range(repeat)])
            print(f"search_topics {label:28} uncached: {timing[0] / repeat * 1e6:7.1f} µs")
            slowest = max(slowest, timing[0])
        figures.append(
            Figure(
                f"autocomplete over {len(topics)} topics, slowest query kind, uncached",
                slowest / repeat * 1e6,
                "µs",
                linear[0] / repeat * 1e6,
                "prefix list comprehension",
                "< 1 ms (a few ms of the bot's own time)",
                slowest / repeat < 0.001,
            )
        )
        cached = best_of(
            5, lambda: [catalog.search_topics(roadmap.id, "fla") for _ in range(repeat)]
        )
        print(f"search_topics repeated query (cached):        {cached[0] / repeat * 1e6:7.1f} µs")
    return figures


def main() -> None:
    run(BenchOptions())


if __name__ == "__main__":
    main()
