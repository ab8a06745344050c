"""`vmspec trace check` and `vmspec trace export`: implementation traces against the model.

`check` streams a JSON Lines trace (notes/trace-format.md) through the model with exact
time, stops at the first violation -- line, rule, counterexample of the prefix written
under --out -- and otherwise prints the rules the trace exercised.  `export` writes the
trace of a seeded walk of the model (or of a mutant), the shape an implementation emits.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from vmspec.properties.cli.main import DEFAULT_CONFIG, MAX_STEPS, add_target_arguments, count, target_from
from vmspec.properties.cli.output import console as _console
from vmspec.properties.cli.output import print_json
from vmspec.properties.conformance.trace.conform import TraceResult, check_trace, write_violation
from vmspec.properties.conformance.trace.format import format_time
from vmspec.properties.conformance.trace.generate import write_walk


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("trace", help="check an implementation's trace against the model, or export one")
    tsub = p.add_subparsers(dest="trace_command", required=True, metavar="SUBCOMMAND")

    c = tsub.add_parser("check", help="replay a JSON Lines trace against the model with exact time")
    c.add_argument("trace", type=Path, metavar="TRACE", help="the trace file (JSON Lines; notes/trace-format.md)")
    add_target_arguments(c, mutant=False)
    c.add_argument("--out", type=Path, default=Path("vmspec-results"), help="where a counterexample goes")
    c.add_argument("--complete", action="store_true",
                   help="the trace records a whole rollout: it must end with every obligation (R18, R19) met")
    c.set_defaults(func=cmd_trace_check)

    e = tsub.add_parser("export", help="write the trace of a seeded walk of the model (or a mutant)")
    add_target_arguments(e)
    e.add_argument("--steps", type=count("--steps", MAX_STEPS), default=200, help="records to write (default 200)")
    e.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    e.add_argument("--observe", action="store_true", help="add the walker's state to every record")
    e.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    e.set_defaults(func=cmd_trace_export)


def cmd_trace_check(opts: argparse.Namespace) -> int:
    target = target_from(opts, default=DEFAULT_CONFIG)
    result, checker = check_trace(target.spec(), opts.trace, config=target.label, complete=opts.complete)
    files = write_violation(checker, opts.out, f"trace-{Path(opts.trace).stem}") if result.violation else []
    if opts.json:
        print_json({**result.to_json(), "target": target.label, "files": [str(f) for f in files]})
    else:
        _print_result(result, files)
    return 0 if result.ok else 1


def _say(text: str) -> None:
    _console.print(text, soft_wrap=True)


def _print_result(result: TraceResult, files: list[Path]) -> None:
    head = f"{result.source}: {result.records} records, {result.steps} steps, {format_time(result.duration)} s"
    v = result.violation
    if v is not None:
        _say(f"{head}\n[bold red]VIOLATION[/] at {v.describe()}")
        if v.refused:
            _say(f"  the model refuses the step: {v.refused}"
                 + (f"; mutant {v.diagnosed_as} (one relaxed guard) would allow it" if v.diagnosed_as else ""))
        elif v.diagnosed_as:
            _say(f"  the model refuses the step; mutant {v.diagnosed_as} (one relaxed guard) would allow it")
        for f in files:
            _say(f"  written: {f}")
        return
    for w in result.warnings:
        _say(f"[bold yellow]warning:[/] {w}")
    _say(f"{head}\n[green]conforms[/]: every step enabled, every always-property held after every step")
    _say("rules exercised:" + ("" if result.exercised else " none"))
    for rule, actions in result.exercised.items():
        _say(f"  {rule:4} " + ", ".join(f"{a} x{n}" for a, n in sorted(actions.items())))
    if result.reached:
        _say("reached: " + ", ".join(result.reached))
    if not result.complete:
        _say("the rollout is not complete at the end of the trace"
                      + (f" (pending: {', '.join(result.pending)})" if result.pending else ""))


def cmd_trace_export(opts: argparse.Namespace) -> int:
    target = target_from(opts, default=DEFAULT_CONFIG)
    path = write_walk(target.spec(), opts.output, steps=opts.steps, seed=opts.seed, observe=opts.observe)
    if opts.json:
        print_json({"file": str(path), "target": target.label, "mutant": target.mutant, "steps": opts.steps})
    else:
        _say(f"wrote {path}")
    return 0
