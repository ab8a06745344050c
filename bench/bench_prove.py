"""Benchmark of the Z3 engine; prints one JSON line per measurement.

- ``all_sizes``: the parameterized proof (every safety rule, any size), seconds;
- ``induction``: the concrete inductive checklist per configuration, with its size;
- ``bmc_depth``: bounded model checking of every encoded property, seconds per depth;
- ``bmc_mutant``: time to find each safety mutant at its minimal depth.

    python bench/bench_prove.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from vmspec.model import CONFIGS
from vmspec.properties.catalogue.mutants import MUTANTS
from vmspec.properties.catalogue.registry import ALWAYS, by_name
from vmspec.properties.engines.z3 import props as P
from vmspec.properties.engines.z3.bmc import bmc
from vmspec.properties.engines.z3.encode import encoding_for
from vmspec.properties.engines.z3.induction import prove
from vmspec.properties.engines.z3.params_proof import prove_all_sizes
from vmspec.properties.evidence.counterexample import spec_for


def emit(**row: object) -> None:
    sys.stdout.write(json.dumps(row) + "\n")
    sys.stdout.flush()


def size(name: str) -> dict:
    t = CONFIGS[name].topology
    return {"config": name, "hosts": len(t.hosts), "vms": len(t.vms), "availability_sets": len(t.availability_sets)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small configurations only")
    opts = ap.parse_args()
    r = prove_all_sizes()
    emit(bench="all_sizes", seconds=r.seconds, obligations=len(r.obligations), proved=r.ok, rules=r.proved_rules)
    configs = ["TINY", "UNSAFE_SHARED_HOST", "SMALL"] + ([] if opts.quick else ["AZURE_DEFAULT"])
    for name in configs:
        res = prove(encoding_for(CONFIGS[name].spec()))
        emit(bench="induction", **size(name), seconds=res.seconds, obligations=len(res.obligations), proved=res.ok,
             slowest=max(o.seconds for o in res.obligations))
    names = list(P.STATE_FORMULAS) + list(P.TRANSITION_FORMULAS) + [P.DEADLOCK_FREE]
    for name, depth in (("TINY", 12), ("SMALL", 8)) + (() if opts.quick else (("AZURE_DEFAULT", 4),)):
        per_depth: list[float] = []
        bmc(encoding_for(CONFIGS[name].spec()), names, max_depth=depth, config=name, depth_seconds=per_depth)
        for d, secs in enumerate(per_depth):
            emit(bench="bmc_depth", **size(name), depth=d, seconds=secs, properties=len(names))
    for m in MUTANTS:
        heads = [b for b in m.breaks if by_name(b).kind == ALWAYS]
        if not heads:
            continue
        c = CONFIGS[m.config]
        spec = spec_for(c.topology, c.params, m.name)
        started = time.perf_counter()
        res = bmc(encoding_for(spec, m.name), [heads[0]], max_depth=16, config=m.config)[heads[0]]
        emit(bench="bmc_mutant", mutant=m.name, property=heads[0], config=m.config, depth=res.depth,
             replayed=res.counterexample is not None, seconds=round(time.perf_counter() - started, 3))


if __name__ == "__main__":
    main()
