"""Throughput of the Hypothesis stateful machine on AZURE_DEFAULT: one JSON line for
steps/s and one for examples/s, plus one per catalogue mutant on its own configuration
(time to a reduced counterexample) with --mutants.

The runs are the machine's own (generation only, full-length runs, correct model), so
the figures include Hypothesis' overhead per step, the model's successors and the
registry walk; compare with bench/bench_walk.py for the model alone.

Run: python bench/bench_fuzz.py [--examples N] [--seed S] [--mutants]
"""

from __future__ import annotations

import argparse
import json
import time

from hypothesis import strategies as st
from timing import Clock

from vmspec.model import CONFIGS
from vmspec.properties.catalogue.mutants import MUTANTS
from vmspec.properties.engines.fuzz import fuzz, fuzz_target, steps_for
from vmspec.properties.engines.strategies import World
from vmspec.properties.evidence.verdict import Target


def machine_throughput(examples: int, seed: int) -> None:
    cfg = CONFIGS["AZURE_DEFAULT"]
    steps = steps_for(cfg.spec())
    world = World(cfg.name, cfg.topology, cfg.params)
    with Clock() as clock:
        r = fuzz(st.just(world), config=cfg.name, examples=examples, steps=steps, seed=seed)
    assert not r.counterexamples, sorted(r.counterexamples)
    common = {"bench": "fuzz", "config": cfg.name, "hosts": len(cfg.topology.hosts), "vms": len(cfg.topology.vms),
              "run_lengths": r.settings["run_lengths"], "seconds": round(r.seconds, 3), "seed": seed,
              **clock.figures()}
    cov = r.coverage
    print(json.dumps({**common, "metric": "steps_per_s", "value": round(r.steps_per_second), "steps": cov.steps}),
          flush=True)
    print(json.dumps({**common, "metric": "examples_per_s", "value": round(r.examples_per_second, 2),
                      "examples": cov.runs, "completed_rollouts": cov.completed}), flush=True)


def mutants() -> None:
    for m in MUTANTS:
        cfg = CONFIGS[m.config]
        started = time.perf_counter()
        r = fuzz_target(Target(cfg.topology, cfg.params, cfg.name, m.name), watch=m.breaks[:1], all_properties=False)
        c = r.counterexamples.get(m.breaks[0])
        print(json.dumps({"bench": "fuzz-mutant", "mutant": m.name, "config": cfg.name, "caught": c is not None,
                          "kind": c.kind if c else None, "steps": len(c) if c else None,
                          "hypothesis_steps": r.shrunk_lengths.get(m.breaks[0]), "examples": r.coverage.runs,
                          "seconds": round(time.perf_counter() - started, 3)}), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--examples", type=int, default=30, help="examples per run length (default 30)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--mutants", action="store_true", help="also time every mutant to its counterexample")
    opts = ap.parse_args()
    machine_throughput(opts.examples, opts.seed)
    if opts.mutants:
        mutants()


if __name__ == "__main__":
    main()
