"""Bounded model checking of one configuration, every encoded always-property, to a depth: what
the z3 stage of `vmspec check` spends most of its time on.  Prints one JSON line: CPU seconds of
the whole run, the wall seconds of each depth, and the properties violated.

    python bench/bench_bmc.py [CONFIG] [--depth N]      (default AZURE_DEFAULT, depth 3)
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
from vmspec.properties.engines.z3 import props as P
from vmspec.properties.engines.z3.bmc import bmc
from vmspec.properties.engines.z3.encode import encoding_for


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("config", nargs="?", default="AZURE_DEFAULT", choices=sorted(CONFIGS))
    ap.add_argument("--depth", type=int, default=3)
    args = ap.parse_args()
    enc = encoding_for(CONFIGS[args.config].spec(), None)
    names = [p.name for p in REGISTRY if p.kind == ALWAYS and P.encoded(p.name)]
    per_depth: list[float] = []
    with Clock() as clock:
        results = bmc(enc, names, max_depth=args.depth, config=args.config, depth_seconds=per_depth)
    print(json.dumps({"bench": "bmc", "config": args.config, "depth": args.depth, "properties": len(names),
                      "violated": sorted(n for n, r in results.items() if r.violated),
                      **clock.figures(len(names), "properties"), "depth_wall_s": per_depth}))


if __name__ == "__main__":
    main()
