"""Benchmark of trace conformance: events/s on a generated 1,000,000-step trace.

The trace is a seeded walk of AZURE_DEFAULT with irregular millisecond time gaps, written
to a temporary file (streaming); the check streams it back.  Prints one JSON line per
measurement: events/s (wall and CPU), the trace's size, the peak resident memory of the check.
Usage: python bench/bench_trace.py [--steps N] [--config NAME] [--observe-every K]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vmspec.model import CONFIGS
from vmspec.properties.conformance.trace import check_trace
from vmspec.properties.conformance.trace.generate import write_walk


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1_000_000)
    ap.add_argument("--config", default="AZURE_DEFAULT")
    ap.add_argument("--seed", type=int, default=0)
    opts = ap.parse_args()
    cfg = CONFIGS[opts.config]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "trace.jsonl"
        t0 = time.perf_counter()
        write_walk(cfg.spec(), path, steps=opts.steps, seed=opts.seed)
        generated = time.perf_counter() - t0
        size = os.path.getsize(path)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0, c0 = time.perf_counter(), time.process_time()
        result, _ = check_trace(cfg.spec(), path, config=cfg.name)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    non_time = sum(n for a, n in result.actions.items() if a != "time_passes")
    print(json.dumps({
        "bench": "trace_check", "config": cfg.name, "steps": result.steps, "records": result.records,
        "non_time_steps": non_time, "ok": result.ok, "trace_bytes": size, "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2), "events_per_second": round(result.records / seconds),
        "events_per_cpu_second": round(result.records / cpu), "generate_seconds": round(generated, 2),
        "peak_rss_kib_before_check": rss_before, "peak_rss_kib_after_check": rss_after,
    }))


if __name__ == "__main__":
    main()
