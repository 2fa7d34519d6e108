"""Timing helpers and the one-line report every figure is printed as."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Figure:
    name: str
    value: str
    bar: str
    passed: bool | None  # None: a reference figure with no bar of its own

    def line(self) -> str:
        verdict = {True: "PASS", False: "FAIL", None: "-"}[self.passed]
        return f"{self.name:<58} {self.value:>22}  {self.bar:<22} {verdict}"


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds of `repeat` calls, after two warm-up calls."""
    for _ in range(2):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def p50_p95(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), percentile(samples, 95)


def ms(p50: float, p95: float) -> str:
    return f"p50 {p50:.2f} / p95 {p95:.2f} ms"
