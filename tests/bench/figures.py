"""The convention every benchmark follows, so `python -m tests.bench` can print one table.

A benchmark module `tests/bench/bench_<name>.py` keeps its own `main()` (run alone it prints
its details) and exposes

    async def run(options: BenchOptions) -> list[Figure]

which measures (printing its details as it goes) and returns its headline figures, each with
the baseline measured in the same run and the goal it is held to.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class BenchOptions:
    """What the runner asks of every benchmark. `quick`: smaller sizes, for a smoke run."""

    quick: bool = False
    soak_minutes: float = 10.0


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure. `baseline` is measured in the same run (None when there is no
    fair one); `met` says whether `goal` was reached (None when the goal is informative)."""

    figure: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_label: str = ""
    goal: str = ""
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figure:
        return cls(**data)


def number(value: float, unit: str) -> str:
    """`12.3 ms`, `2,450 /s`, `87.1 MB`: three significant digits, thousands separated."""
    if abs(value) >= 100 or float(value).is_integer():
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}" if abs(value) >= 1 else f"{value:.3g}"
    return f"{text} {unit}".strip()


def percentile(samples: list[float], q: float) -> float:
    """The q-quantile (0..1) of samples, nearest rank."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
