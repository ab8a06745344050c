"""Explorer throughput: one JSON line per (configuration, symmetry on/off).

Each run happens in a fresh subprocess so that peak RSS is the run's own.  Usage:

    python bench/bench_explore.py [CONFIG ...] [--max-states N] [--successors-only] [--jobs N] [--symmetry on|off]

`--successors-only` measures the model's next-state relation alone (breadth-first search
with no property checks), which bounds what any checker on top of it can reach.  `--jobs N` runs
the parallel search (N worker processes): its CPU time is this process's plus the workers'
(`cpu_s`; `workers_cpu_s` is the workers' part), and the load average is printed beside it,
since on a shared machine the wall time depends on it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

DEFAULT = ("TINY", "UNSAFE_SHARED_HOST", "SMALL")


def _one(config: str, symmetry: bool, max_states: int | None, successors_only: bool, jobs: int = 1) -> dict:
    import gc
    import os
    import resource

    from timing import Clock

    from vmspec.model import CONFIGS
    from vmspec.properties.engines.explore import explore

    spec = CONFIGS[config].spec()
    if successors_only:
        gc.disable()
        with Clock() as clock:
            s0 = spec.initial_state()
            seen, order, transitions = {s0}, [s0], 0
            for s in order:
                for _, t in spec.successors(s):
                    transitions += 1
                    if t not in seen:
                        seen.add(t)
                        order.append(t)
        return {"config": config, "mode": "successors-only", "symmetry": False, "states": len(order),
                "transitions": transitions, **clock.figures(len(order), "states"),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    def workers_cpu() -> float:
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        return ru.ru_utime + ru.ru_stime

    before = workers_cpu()
    with Clock() as clock:
        r = explore(spec, config=config, symmetry=symmetry, max_states=max_states, keep_graph=False, jobs=jobs)
    workers = workers_cpu() - before
    clock.cpu_s += workers
    return {"config": config, "mode": "explore", "jobs": jobs, **r.figures(), **clock.figures(r.states, "states"),
            "workers_cpu_s": round(workers, 3), "per_worker_cpu_s": list(r.worker_cpu_s), "load_average": [round(x, 2) for x in os.getloadavg()],
            "violated": sorted(r.counterexamples)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("configs", nargs="*", default=list(DEFAULT))
    ap.add_argument("--max-states", type=int)
    ap.add_argument("--successors-only", action="store_true")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes of the search (default 1)")
    ap.add_argument("--symmetry", choices=("on", "off"), help="only this mode (default: both)")
    ap.add_argument("--child", nargs=2, metavar=("CONFIG", "SYMMETRY"), help=argparse.SUPPRESS)
    opts = ap.parse_args()
    if opts.child:
        config, sym = opts.child
        print(json.dumps(_one(config, sym == "on", opts.max_states, opts.successors_only, opts.jobs)), flush=True)
        return
    for config in opts.configs:
        for sym in (("off",) if opts.successors_only else (opts.symmetry,) if opts.symmetry else ("on", "off")):
            cmd = [sys.executable, __file__, "--child", config, sym]
            if opts.max_states:
                cmd += ["--max-states", str(opts.max_states)]
            if opts.successors_only:
                cmd.append("--successors-only")
            cmd += ["--jobs", str(opts.jobs)]
            subprocess.run(cmd, check=True)


if __name__ == "__main__":
    main()
