"""SPIN against the Python explorer on the same configurations, back to back: one JSON line per
engine and configuration with states, transitions, wall time and CPU time (this process plus its
children: spin, gcc and pan), SPIN's compile time included (a fresh build directory each time).

Run: python bench/bench_spin.py [--config NAME ...] [--skip-python]

The explorer runs unreduced (`symmetry=False`), the state graph SPIN searches.
"""

from __future__ import annotations

import argparse
import json
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
    args = ap.parse_args()
    for name in args.config or ["TINY", "SMALL"]:
        spec = CONFIGS[name].spec()
        with tempfile.TemporaryDirectory() as tmp:
            def run_spin(spec=spec, name=name, tmp=tmp):
                compiled = spin.compile_model(promela.generate(spec, config=name), Path(tmp))
                return spin.search(spec, config=name, compiled=compiled)

            r, wall, cpu = _measure(run_spin)
        print(json.dumps({"engine": "spin", "config": name, "states": r.states, "transitions": r.transitions,
                          "depth": r.depth, "wall_s": wall, "cpu_s": cpu, "compile_s": round(r.compile_seconds, 3),
                          "pan_runs": r.pan_runs, "states_per_cpu_s": round(r.states / cpu) if cpu else None}),
              flush=True)
        if args.skip_python:
            continue
        e, wall, cpu = _measure(lambda spec=spec, name=name: explore(spec, config=name, symmetry=False,
                                                                     keep_graph=False))
        print(json.dumps({"engine": "explore", "config": name, "states": e.states, "transitions": e.transitions,
                          "depth": e.depth, "wall_s": wall, "cpu_s": cpu,
                          "states_per_cpu_s": round(e.states / cpu) if cpu else None}), flush=True)


if __name__ == "__main__":
    main()
