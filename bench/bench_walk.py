"""Random-walk throughput per named configuration: one JSON line each (steps/s, successors/s).

Run: python bench/bench_walk.py [--steps N] [--seed S]
"""

from __future__ import annotations

import argparse
import json

from timing import Clock

from vmspec.model import CONFIGS
from vmspec.properties.engines.walk import random_walks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=0)
    opts = ap.parse_args()
    for name, config in CONFIGS.items():
        with Clock() as clock:
            r = random_walks(config.spec(), steps=opts.steps, seed=opts.seed, config=name)
        print(json.dumps({
            "bench": "walk",
            "config": name,
            "steps": r.steps,
            "rollouts": r.rollouts,
            "completed": r.completed,
            "distinct_states": r.distinct_states,
            "seconds": round(r.seconds, 3),
            "steps_per_s": round(r.steps_per_second),
            **clock.figures(r.steps, "steps"),
        }), flush=True)


if __name__ == "__main__":
    main()
