"""`vmspec check` end to end, stage by stage: one JSON line per stage with wall and CPU time, then a
total line.  Each stage runs exactly as `vmspec check` runs it (the same `STAGES`, the same options).

Run: python bench/bench_check.py [--config NAME] [--profile P] [--seed S]
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
    args = ap.parse_args()
    cfg = CONFIGS[args.config]
    params = profile(args.profile) if args.profile else cfg.params
    target = Target(cfg.topology, params, cfg.name, None)
    # the options `vmspec check` would parse, with their defaults
    opts = build_parser().parse_args(["check", "--config", args.config, "--seed", str(args.seed)])
    total_wall = total_cpu = 0.0
    for stage in STAGES:
        with Clock() as clock:
            result = stage.run(target, opts)
        total_wall, total_cpu = total_wall + clock.wall_s, total_cpu + clock.cpu_s
        print(json.dumps({"bench": "check", "config": args.config, "stage": stage.name, **clock.figures(),
                          "verdicts": len(result.verdicts), "summary": result.summary}), flush=True)
    print(json.dumps({"bench": "check", "config": args.config, "stage": "total",
                      "wall_s": round(total_wall, 3), "cpu_s": round(total_cpu, 3)}), flush=True)


if __name__ == "__main__":
    main()
