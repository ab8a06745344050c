"""`vmspec prove`: the Z3 engine's checklist for a configuration, a topology file or every size.

    vmspec prove --config TINY                 induction checklist + bounded model checking
    vmspec prove --config TINY --mutant no_watchdog --depth 10
    vmspec prove --all-sizes                   the parameterized proof (any number of hosts and VMs)
    vmspec prove --topology cluster.toml       is there a maintenance order that keeps R5?

Exit status 0 when every obligation is proved and nothing is violated, 1 when something
fails (a violation, a failed obligation, `unknown`, Z3 and the model disagreeing, or a
topology that no maintenance order can keep within R5: `vmspec explore` fails the same
configuration with an R18 lasso), 2 on bad input.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from vmspec.properties.cli.main import DEFAULT_CONFIG, add_target_arguments, target_from
from vmspec.properties.cli.output import console, print_json, print_written
from vmspec.properties.engines.z3 import engine
from vmspec.properties.engines.z3.encode import is_encoded
from vmspec.properties.engines.z3.induction import InductionResult
from vmspec.properties.engines.z3.params_proof import VARIANTS, prove_all_sizes
from vmspec.properties.evidence.verdict import Tally
from vmspec.properties.io.errors import InputError


def _depth(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--depth must be a whole number of steps, got {text!r}") from None
    if not 0 <= value <= 200:
        raise argparse.ArgumentTypeError(f"--depth must be 0..200, got {value}")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("prove", help="Z3: inductive proofs, bounded model checking, all-sizes proof, topology check")
    add_target_arguments(p)
    p.add_argument("--all-sizes", action="store_true",
                   help="prove the safety rules for any number of sets, domains, hosts and VMs")
    p.add_argument("--depth", type=_depth, default=None, help="bounded model checking depth (default 16 small, 3 large)")
    p.add_argument("--out", type=Path, default=Path("vmspec-results"), help="where counterexamples go")
    p.set_defaults(func=cmd_prove)


def _checklist(result: InductionResult, title: str) -> list[str]:
    lines = [title]
    lines += ["  " + o.line() for o in result.obligations]
    n_ok = sum(o.ok for o in result.obligations)
    lines.append(f"  {n_ok}/{len(result.obligations)} obligations proved in {result.seconds} s")
    return lines


def cmd_prove(opts: argparse.Namespace) -> int:
    if opts.all_sizes:
        given = [flag for flag, value in (("--config", opts.config), ("--topology", opts.topology),
                                          ("--profile", opts.profile), ("--depth", opts.depth)) if value is not None]
        if given:
            raise InputError("<command line>", None, "--all-sizes",
                             f"proves every size at once and takes no {', '.join(given)}; drop one or the other")
        return _all_sizes(opts)
    target = target_from(opts, default=DEFAULT_CONFIG)
    if target.mutant is not None and not is_encoded(target.mutant):
        raise InputError("<command line>", None, "--mutant",
                         f"{target.mutant} is a liveness mutant with no Z3 encoding; use the explorer")
    run = engine.run(target, depth=opts.depth)
    files = []
    for r in run.bmc.values():
        if r.counterexample is not None:
            stem = f"{engine.ENGINE}-{target.mutant or 'model'}-{r.property}.json"
            files.append(r.counterexample.save(opts.out / stem))
    verdicts = run.verdicts()
    ok = run.ok
    if opts.json:
        print_json(_to_json(run, verdicts, files, ok))
        return 0 if ok else 1
    title = f"vmspec prove {target.label}" + (f" (mutant {target.mutant})" if target.mutant else "")
    console.print(title)
    t = run.topology
    if t is not None:
        if t.safe:
            console.print(f"topology: a maintenance order keeping R5 exists ({len(t.order)} batches of hosts) ... ok")
        for w in t.witnesses:
            console.print(f"topology: {w} ... [bold red]unsafe[/]", soft_wrap=True)
        for n in t.notes:
            console.print(f"topology: note: {n}", soft_wrap=True, markup=False)
    if run.induction is not None:
        console.print("\n".join(_checklist(run.induction, "induction (this configuration):")), markup=False, soft_wrap=True)
    if run.all_sizes is not None:
        console.print(f"all sizes: {sum(o.ok for o in run.all_sizes.obligations)}/{len(run.all_sizes.obligations)} "
                      f"obligations proved in {run.all_sizes.seconds} s (vmspec prove --all-sizes lists them)")
    elif run.target.mutant is None and not engine.covered_by_all_sizes(run.target.params):
        console.print(f"all sizes: {ALL_SIZES_SCOPE}; not run for this configuration (R30)", markup=False)
    reached = max((r.depth if r.depth is not None else r.max_depth for r in run.bmc.values()), default=run.depth)
    console.print(f"verdicts (bounded model checking up to depth {reached}):")
    for v in verdicts:
        mark = {"violated": "[bold red]VIOLATED[/]", "unknown": "[bold red]UNKNOWN[/]"}.get(v.status, v.status)
        console.print(f"  {v.rule} {v.property} ... {mark}  {v.detail}", soft_wrap=True)
    for e in run.errors:
        console.print(f"[bold red]error:[/] {e}")
    print_written(files)
    tally = Tally.of(verdicts)
    console.print(f"finished in {run.seconds} s: {tally.closing_line()}", style="green" if ok else "bold red",
                  markup=False, soft_wrap=True)
    return 0 if ok else 1


# What the all-sizes proof leaves out (notes/proofs.md, decisions D17).
ALL_SIZES_SCOPE = ("the all-sizes proof does not encode events that name the VMs of several hosts "
                   "(multi_host_events: typical-2026, live-migration)")


def _all_sizes(opts: argparse.Namespace) -> int:
    if opts.mutant is not None and opts.mutant not in VARIANTS:
        raise InputError("<command line>", None, "--mutant",
                         f"{opts.mutant} has no all-sizes encoding; encoded: {', '.join(VARIANTS)}")
    result = prove_all_sizes(opts.mutant)
    ok = result.ok
    if opts.json:
        print_json({"all_sizes": True, "mutant": opts.mutant, "ok": ok, "seconds": result.seconds,
                    "proved_rules": result.proved_rules, "obligations": [_ob(o) for o in result.obligations]})
        return 0 if ok else 1
    title = "all sizes (any sets, domains, hosts, VMs; real-valued time)" + (f", mutant {opts.mutant}" if opts.mutant else "")
    console.print("\n".join(_checklist(result, title + ":")), markup=False, soft_wrap=True)
    console.print(f"rules proved for all sizes: {', '.join(result.proved_rules)}", markup=False)
    console.print(f"parameters: any, but {ALL_SIZES_SCOPE}", markup=False)
    console.print("[green]proved[/]" if ok else "[bold red]FAILED[/]")
    return 0 if ok else 1


def _ob(o) -> dict:
    return {"action": o.action, "property": o.property, "rule": o.rule, "status": o.status, "seconds": o.seconds,
            "used": list(o.used), "detail": o.detail}


def _to_json(run: engine.ProveRun, verdicts, files, ok: bool) -> dict:
    t = run.topology
    return {
        "target": run.target.label,
        "mutant": run.target.mutant,
        "ok": ok,
        "depth": run.depth,
        "seconds": run.seconds,
        "topology": None if t is None else {
            "safe": t.safe, "order": [list(b) for b in t.order], "model_agrees": t.model_agrees,
            "witnesses": [{"host": w.host, "vms": list(w.vms), "availability_set": w.availability_set,
                           "slices": list(w.slices)} for w in t.witnesses]},
        "induction": None if run.induction is None else [_ob(o) for o in run.induction.obligations],
        "all_sizes": None if run.all_sizes is None else {"ok": run.all_sizes.ok, "proved_rules": run.all_sizes.proved_rules},
        "bmc": [{"property": r.property, "rule": r.rule, "depth": r.depth, "max_depth": r.max_depth,
                 "disagreement": None if r.disagreement is None else str(r.disagreement)} for r in run.bmc.values()],
        "verdicts": [v.to_json() for v in verdicts],
        "counterexamples": [str(f) for f in files],
        "errors": run.errors,
    }
