"""SPIN against the Python explorer on the same configurations, back to back: one JSON line per
engine and configuration with states, transitions, wall time and CPU time (this process plus its
children: spin, gcc and pan), SPIN's compile time included (a fresh build directory each time),
and the load average when it started.

Run: python bench/bench_spin.py [--config NAME ...] [--skip-python] [--liveness] [--cores N]
                                [--swarm N --seconds S]

The explorer runs unreduced (`symmetry=False`), the state graph SPIN searches.  SPIN's safety
search is breadth-first (`--cores N`: SPIN's multi-core breadth-first search); `--liveness` adds
its acceptance-cycle runs for R18 and R19 (their own compilation included); `--swarm N` runs N
bitstate depth-first searches of S seconds each instead (never complete: SPIN's coverage printed).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

from vmspec.model import CONFIGS
from vmspec.properties.engines import promela, spin
from vmspec.properties.engines.explore import explore


def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _measure(work):
    wall, cpu = time.perf_counter(), _cpu()
    result = work()
    return result, round(time.perf_counter() - wall, 3), round(_cpu() - cpu, 3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--config", action="append", choices=sorted(CONFIGS), help="default: TINY and SMALL")
    ap.add_argument("--skip-python", action="store_true", help="measure SPIN only")
    ap.add_argument("--liveness", action="store_true", help="SPIN also checks R18 and R19 (acceptance cycles)")
    ap.add_argument("--cores", type=int, default=1, help="SPIN's multi-core breadth-first search")
    ap.add_argument("--swarm", type=int, default=0, help="N bitstate depth-first runs instead (needs --seconds)")
    ap.add_argument("--seconds", type=float, help="time budget of each swarm run")
    args = ap.parse_args()
    for name in args.config or ["TINY", "SMALL"]:
        spec = CONFIGS[name].spec()
        load = [round(x, 2) for x in os.getloadavg()]
        with tempfile.TemporaryDirectory() as tmp:
            def run_spin(spec=spec, name=name, tmp=tmp):
                model = promela.generate(spec, config=name)
                if args.swarm:
                    c = spin.compile_model(model, Path(tmp), swarm=True)
                    return spin.swarm(spec, config=name, compiled=c, runs=args.swarm, seconds=args.seconds)
                c = spin.compile_model(model, Path(tmp), cores=args.cores)
                live = spin.compile_model(promela.generate_liveness(spec, config=name), Path(tmp) / "live") \
                    if args.liveness else False
                return spin.search(spec, config=name, compiled=c, live=live)

            r, wall, cpu = _measure(run_spin)
        row = {"engine": "spin", "config": name, "states": r.states, "transitions": r.transitions,
               "depth": r.depth, "complete": r.complete, "wall_s": wall, "cpu_s": cpu,
               "compile_s": round(r.compile_seconds, 3), "pan_runs": r.pan_runs, "cores": args.cores,
               "states_per_cpu_s": round(r.states / cpu) if cpu else None, "load": load,
               "failed": sorted(r.counterexamples) + sorted(r.disagreements)}
        if r.live is not None:
            row.update(liveness_runs=r.live.runs, liveness_states=r.live.states,
                       liveness_s=round(r.live.seconds, 3), liveness_compile_s=round(r.live.compile_seconds, 3))
        if not r.complete:
            row["coverage"] = r.coverage
        print(json.dumps(row), flush=True)
        if args.skip_python:
            continue
        load = [round(x, 2) for x in os.getloadavg()]
        e, wall, cpu = _measure(lambda spec=spec, name=name: explore(spec, config=name, symmetry=False,
                                                                     keep_graph=False))
        print(json.dumps({"engine": "explore", "config": name, "states": e.states, "transitions": e.transitions,
                          "depth": e.depth, "wall_s": wall, "cpu_s": cpu,
                          "states_per_cpu_s": round(e.states / cpu) if cpu else None, "load": load}), flush=True)


if __name__ == "__main__":
    main()
