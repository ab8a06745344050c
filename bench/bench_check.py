"""`vmspec check` end to end, stage by stage: one JSON line per stage with wall and CPU time, then a
total line.  Each stage runs exactly as `vmspec check` runs it (the same `STAGES`, the same options).

Run: python bench/bench_check.py [--config NAME] [--profile P] [--seed S] [--stage NAME] [--whole [--jobs N]]

`--stage NAME` (repeatable) runs only the stages named.

`--whole` runs `vmspec check`'s own `run` once end to end instead (with `--jobs` processes, by
default as the command line would: two where two cores are available) and prints its wall time
and the CPU time of this process and of the second one.
"""

from __future__ import annotations

import argparse
import json

from timing import Clock

from vmspec.model import CONFIGS, profile
from vmspec.properties.cli.main import build_parser
from vmspec.properties.engines.check import STAGES
from vmspec.properties.evidence.verdict import Target


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--config", default="AZURE_DEFAULT", choices=sorted(CONFIGS))
    ap.add_argument("--profile", default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--whole", action="store_true", help="run vmspec check's own run once, end to end")
    ap.add_argument("--stage", action="append", default=None, choices=[s.name for s in STAGES],
                    help="run only this stage (repeatable)")
    ap.add_argument("--jobs", type=int, default=None)
    args = ap.parse_args()
    cfg = CONFIGS[args.config]
    params = profile(args.profile) if args.profile else cfg.params
    target = Target(cfg.topology, params, cfg.name, None)
    # the options `vmspec check` would parse, with their defaults
    opts = build_parser().parse_args(["check", "--config", args.config, "--seed", str(args.seed)]
                                     + ([] if args.jobs is None else ["--jobs", str(args.jobs)]))
    if args.whole:
        import resource

        from vmspec.properties.engines import check

        with Clock() as clock:
            results = check.run(target, opts)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(json.dumps({"bench": "check", "config": args.config, "stage": "whole", "jobs": opts.jobs,
                          **clock.figures(), "child_cpu_s": round(children.ru_utime + children.ru_stime, 3),
                          "stages": [r.engine for r in results],
                          "verdicts": sum(len(r.verdicts) for r in results)}), flush=True)
        return
    total_wall = total_cpu = 0.0
    for stage in STAGES:
        if args.stage and stage.name not in args.stage:
            continue
        with Clock() as clock:
            result = stage.run(target, opts)
        total_wall, total_cpu = total_wall + clock.wall_s, total_cpu + clock.cpu_s
        print(json.dumps({"bench": "check", "config": args.config, "stage": stage.name, **clock.figures(),
                          "verdicts": len(result.verdicts), "summary": result.summary}), flush=True)
    print(json.dumps({"bench": "check", "config": args.config, "stage": "total",
                      "wall_s": round(total_wall, 3), "cpu_s": round(total_cpu, 3)}), flush=True)


if __name__ == "__main__":
    main()
