"""`vmspec fuzz`: the Hypothesis stateful machine on one target, outside pytest.

Prints a verdict table, what the runs exercised (actions taken, rollouts completed,
actions never taken), and writes each counterexample in the shared format under --out.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from vmspec.properties.cli.main import MAX_EXAMPLES, MAX_STEPS, add_target_arguments, count, target_from
from vmspec.properties.cli.output import (
    console,
    print_json,
    print_outcome,
    print_written,
    save_counterexamples,
    verdict_table,
)
from vmspec.properties.engines.fuzz import CAMPAIGNS, fuzz_target, verdicts
from vmspec.properties.evidence.verdict import Tally
from vmspec.properties.io.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fuzz", help="drive the model with Hypothesis' stateful testing and shrink what fails")
    add_target_arguments(p)
    p.add_argument("--examples", type=count("--examples", MAX_EXAMPLES), metavar="N",
                   help="examples per run length (default: the campaign's, 100 under ci)")
    p.add_argument("--seed", type=int, metavar="S", help="random seed (default: derandomised under ci)")
    p.add_argument("--steps", type=count("--steps", MAX_STEPS), metavar="N", help="steps of the longest runs (default: enough for a rollout)")
    p.add_argument("--campaign", choices=sorted(CAMPAIGNS), default="ci",
                   help="Hypothesis settings: ci (deterministic, bounded), dev, thorough (default ci)")
    p.add_argument("--out", type=Path, default=Path("vmspec-results"), help="where counterexamples go")
    p.set_defaults(func=cmd_fuzz)


def _check_options(opts: argparse.Namespace) -> None:
    for flag, value in (("--examples", opts.examples), ("--steps", opts.steps)):
        if value is not None and value < 1:
            raise InputError("<command line>", None, flag, f"expected a positive number, got {value}")


def cmd_fuzz(opts: argparse.Namespace) -> int:
    _check_options(opts)
    target = target_from(opts)
    result = fuzz_target(target, campaign=opts.campaign, examples=opts.examples, steps=opts.steps, seed=opts.seed)
    vs = verdicts(result)
    failed = [v for v in vs if v.failed]
    files = save_counterexamples(vs, opts.out) if failed else []
    cov = result.coverage
    figures = {"seconds": round(result.seconds, 3), "steps_per_second": round(result.steps_per_second),
               "examples_per_second": round(result.examples_per_second, 1), "settings": result.settings,
               "hypothesis_shrunk_steps": result.shrunk_lengths, "coverage": cov.to_json()}
    if opts.json:
        print_json({"target": target.label, "mutant": target.mutant, "ok": not failed, "figures": figures,
                    "tally": Tally.of(vs).to_json(),
                    "verdicts": [v.to_json() for v in vs], "counterexamples": [str(f) for f in files]})
        return 1 if failed else 0
    title = f"vmspec fuzz {target.label}" + (f" (mutant {target.mutant})" if target.mutant else "")
    console.print(verdict_table(title, vs))
    console.print(f"fuzz: {cov.summary()}")
    console.print(f"      {result.steps_per_second:,.0f} steps/s, {result.examples_per_second:,.1f} examples/s, "
                  f"{result.seconds:.1f} s, campaign {opts.campaign}, run lengths {result.settings['run_lengths']}")
    if not cov.actions["host_freeze"]:
        console.print("[bold yellow]warning:[/] no run froze a VM; the freeze rules were not exercised")
    for name, c in result.counterexamples.items():
        console.print(f"{name}: {len(c)} steps (Hypothesis' run: {result.shrunk_lengths[name]} steps)")
    print_written(files)
    print_outcome(vs)
    return 1 if failed else 0
