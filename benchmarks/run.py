"""`make bench`: the quality bars of DESIGN.md, each beside bare SpiffWorkflow in the same run.

Every figure is one line: name, value, bar, PASS/FAIL ("-" for the reference figures of
bare SpiffWorkflow, which have no bar of their own). Ratios against the bare engine hold
on a noisy machine where absolute times do not. Settings from the environment:
BENCH_N (API completions per database, default 300), BENCH_PG_URL (an existing database
on the server to create the scratch `bench` database from; default the local `test`).

Not here yet: the 1,000,000-instance query benchmark and the 200-client burst.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from engine_steps import Bare, Ours, one_step, return_loops  # noqa: E402
from figures import Figure, ms, p50_p95  # noqa: E402
from http_api import complete_fresh_instances, scratch_postgres, sqlite_url  # noqa: E402

API_RATIO_BAR = 4.0
API_P95_BAR_MS = 25.0
LOOP_RATIO_BAR = 1.5
RSS_BAR_MB = 200.0


def main() -> int:
    count = int(os.environ.get("BENCH_N", "300"))
    pg_url = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
    print(
        f"# make bench — {time.strftime('%Y-%m-%d %H:%M')} — {platform.python_version()} — "
        f"{os.cpu_count()} cores — {platform.machine()}"
    )
    figures: list[Figure] = []

    def report(figure: Figure) -> None:
        figures.append(figure)
        print(figure.line(), flush=True)

    bare, ours = Bare(), Ours()
    bare50, bare95 = p50_p95(one_step(bare, 300))
    report(
        Figure(
            "bare SpiffWorkflow: deserialize-run-serialize, one step",
            ms(bare50, bare95),
            "reference",
            None,
        )
    )
    our50, our95 = p50_p95(one_step(ours, 300))
    report(
        Figure(
            "app.engine.complete_task on compact state, same step",
            ms(our50, our95),
            f"ratio {our50 / bare50:.2f}x bare",
            None,
        )
    )

    bare_loops = return_loops(bare)
    report(
        Figure(
            "bare SpiffWorkflow: return loop 100 / loop 1",
            _loop_value(bare_loops),
            "reference",
            None,
        )
    )
    our_loops = return_loops(ours)
    report(
        Figure(
            "app.engine: return loop 100 / loop 1",
            _loop_value(our_loops),
            f"<= {LOOP_RATIO_BAR}x",
            our_loops.ratio <= LOOP_RATIO_BAR,
        )
    )
    report(
        Figure(
            "state size loop 1 -> loop 100 (bare | ours)",
            f"{bare_loops.first_size // 1024}->{bare_loops.hundredth_size // 1024} | "
            f"{our_loops.first_size // 1024}->{our_loops.hundredth_size // 1024} KB",
            "flat",
            our_loops.hundredth_size <= 1.5 * our_loops.first_size,
        )
    )

    peaks = []
    with tempfile.TemporaryDirectory(prefix="bench-sqlite-") as folder:
        peaks.append(_api(report, "SQLite", sqlite_url(folder), count, bare50))
    with scratch_postgres(pg_url) as url:
        if url is None:
            print("# SKIPPED the PostgreSQL API run (set BENCH_PG_URL to a reachable server)")
        else:
            peaks.append(_api(report, "PostgreSQL", url, count, bare50))
    peak = max(peaks)
    report(
        Figure(
            "gunicorn worker peak RSS (VmHWM) after the API runs",
            f"{peak:.1f} MB",
            f"< {RSS_BAR_MB:.0f} MB",
            peak < RSS_BAR_MB,
        )
    )

    failed = [f.name for f in figures if f.passed is False]
    print(f"# {len(figures)} figures, {len(failed)} below their bar")
    return 1 if failed else 0


def _loop_value(cost) -> str:
    return f"{cost.first_ms:.2f} -> {cost.hundredth_ms:.2f} ms = {cost.ratio:.2f}x"


def _api(report, label: str, url: str, count: int, bare50: float) -> float:
    run = complete_fresh_instances(url, count)
    p50, p95 = p50_p95(run.samples_ms)
    report(
        Figure(
            f"API complete task, {label}, N={count}",
            ms(p50, p95),
            f"p95 < {API_P95_BAR_MS:.0f} ms",
            p95 < API_P95_BAR_MS,
        )
    )
    report(
        Figure(
            f"API complete task, {label}: p50 / bare engine p50",
            f"{p50 / bare50:.2f}x",
            f"<= {API_RATIO_BAR:.0f}x",
            p50 / bare50 <= API_RATIO_BAR,
        )
    )
    return run.worker_hwm_mb


if __name__ == "__main__":
    sys.exit(main())
