"""Where the z3 stage of `vmspec check` spends its time, part by part, in CPU and wall seconds: the
topology check, the all-sizes proof (its obligations and the seconds Z3 spent answering them), the
concrete induction where the stage runs it, and bounded model checking split into building terms in
Python, Z3's queries and replaying counterexamples.  Each part runs as the stage runs it
(`engine.run`); the last line is the stage itself end to end.

    python bench/bench_z3.py [CONFIG] [--depth N]      (default AZURE_DEFAULT at the stage's depth)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import Clock

from vmspec.model import CONFIGS
from vmspec.properties.catalogue.registry import ALWAYS, REGISTRY
from vmspec.properties.cli.main import build_parser
from vmspec.properties.engines.z3 import engine
from vmspec.properties.engines.z3 import props as P
from vmspec.properties.engines.z3.bmc import bmc
from vmspec.properties.engines.z3.encode import encoding_for
from vmspec.properties.engines.z3.induction import prove
from vmspec.properties.engines.z3.params_proof import prove_all_sizes
from vmspec.properties.engines.z3.topology_check import check_topology
from vmspec.properties.evidence.verdict import Target


def emit(part: str, clock: Clock, **more: object) -> None:
    print(json.dumps({"bench": "z3", "part": part, **clock.figures(), **more}), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("config", nargs="?", default="AZURE_DEFAULT", choices=sorted(CONFIGS))
    ap.add_argument("--depth", type=int, default=None)
    args = ap.parse_args()
    cfg = CONFIGS[args.config]
    target = Target(cfg.topology, cfg.params, cfg.name, None)
    depth = engine.default_depth(target) if args.depth is None else args.depth
    with Clock() as clock:
        check_topology(cfg.topology, cfg.params)
    emit("topology", clock)
    if engine.covered_by_all_sizes(cfg.params):
        with Clock() as clock:
            r = prove_all_sizes()
        emit("all_sizes", clock, obligations=len(r.obligations), proved=r.ok,
             z3_wall_s=round(sum(o.seconds for o in r.obligations), 3))
    enc = encoding_for(cfg.spec(), None)
    if engine.is_small(target):
        with Clock() as clock:
            res = prove(enc)
        emit("induction", clock, obligations=len(res.obligations), proved=res.ok)
    names = [p.name for p in REGISTRY if p.kind == ALWAYS and P.encoded(p.name)]
    parts: dict[str, float] = {}
    with Clock() as clock:
        results = bmc(enc, names, max_depth=depth, config=cfg.name, parts=parts)
    emit("bmc", clock, depth=depth, properties=len(names), **{f"{k}_cpu_s": round(v, 3) for k, v in parts.items()},
         violated=sorted(n for n, x in results.items() if x.violated))
    opts = build_parser().parse_args(["check", "--config", args.config])
    opts.depth = depth  # the stage reads it as `vmspec prove --depth` gives it
    with Clock() as clock:
        stage = engine.stage(target, opts)
    emit("stage", clock, summary=stage.summary)


if __name__ == "__main__":
    main()
