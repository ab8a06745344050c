"""Benchmark of trace conformance, idle and busy: records per CPU-second.

- ``idle``: one seeded walk of AZURE_DEFAULT with irregular millisecond time gaps, `--steps`
  records long (default 1,000,000); after its one rollout completes only time passes, so
  it is almost all idle `time_passes` records.
- ``busy``: `--rollouts` seeded walks (default 200), each one whole rollout end to end and
  stopped as soon as it is complete (`until_complete`): announcements, freezes, patches,
  resumes, resyncs and the time passing while VMs are frozen, with no idle tail.  Each is
  checked as a whole rollout (``complete=True``), so every one must also finish.

Traces are written to a temporary directory (streaming) and streamed back.  Prints one
JSON line per mode: records per wall and per CPU second (`bench/timing.py`), the size of
the traces, the peak resident memory.
Usage: python bench/bench_trace.py [--steps N] [--rollouts N] [--config NAME] [--seed S] [--only idle|busy]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from timing import Clock

from vmspec.model import CONFIGS
from vmspec.properties.conformance.trace import check_trace
from vmspec.properties.conformance.trace.generate import write_walk


def idle(cfg, steps: int, seed: int, tmp: Path) -> dict:
    path = tmp / "idle.jsonl"
    with Clock() as gen:
        write_walk(cfg.spec(), path, steps=steps, seed=seed)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with Clock() as clock:
        result, _ = check_trace(cfg.spec(), path, config=cfg.name)
    non_time = sum(n for a, n in result.actions.items() if a != "time_passes")
    return {
        "bench": "trace_check", "mode": "idle", "config": cfg.name, "records": result.records, "steps": result.steps,
        "non_time_steps": non_time, "ok": result.ok, "trace_bytes": os.path.getsize(path),
        **clock.figures(result.records, "records"), "generate_cpu_s": gen.figures()["cpu_s"],
        "peak_rss_kib_before_check": rss_before,
        "peak_rss_kib_after_check": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def busy(cfg, rollouts: int, seed: int, tmp: Path) -> dict:
    paths = []
    with Clock() as gen:
        for k in range(rollouts):
            paths.append(write_walk(cfg.spec(), tmp / f"busy{k}.jsonl", steps=1_000_000, seed=seed + k,
                                    until_complete=True))
    records = steps = non_time = failed = 0
    with Clock() as clock:
        for path in paths:
            result, _ = check_trace(cfg.spec(), path, config=cfg.name, complete=True)
            records, steps = records + result.records, steps + result.steps
            non_time += sum(n for a, n in result.actions.items() if a != "time_passes")
            failed += not result.ok
    return {
        "bench": "trace_check", "mode": "busy", "config": cfg.name, "rollouts": rollouts, "records": records,
        "steps": steps, "non_time_steps": non_time, "failed": failed,
        "trace_bytes": sum(os.path.getsize(p) for p in paths), **clock.figures(records, "records"),
        "generate_cpu_s": gen.figures()["cpu_s"],
        "peak_rss_kib_after_check": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1_000_000, help="records of the idle trace")
    ap.add_argument("--rollouts", type=int, default=200, help="whole-rollout traces of the busy benchmark")
    ap.add_argument("--config", default="AZURE_DEFAULT")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", choices=("idle", "busy"))
    opts = ap.parse_args()
    cfg = CONFIGS[opts.config]
    with tempfile.TemporaryDirectory() as tmp:
        if opts.only != "busy":
            print(json.dumps(idle(cfg, opts.steps, opts.seed, Path(tmp))), flush=True)
        if opts.only != "idle":
            print(json.dumps(busy(cfg, opts.rollouts, opts.seed, Path(tmp))), flush=True)


if __name__ == "__main__":
    main()
