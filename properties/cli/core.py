"""The core commands: check, mutants, replay, rules, configs."""

from __future__ import annotations

import argparse
from pathlib import Path

from vmspec.model import CONFIGS
from vmspec.properties.catalogue.mutants import MUTANTS
from vmspec.properties.catalogue.registry import REGISTRY, WARNINGS
from vmspec.properties.catalogue.rules import RULES, markdown
from vmspec.properties.cli.main import (
    MAX_STATES,
    MAX_STEPS,
    add_limit_arguments,
    add_target_arguments,
    count,
    target_from,
)
from vmspec.properties.cli.output import (
    console,
    print_failures,
    print_json,
    print_outcome,
    print_written,
    save_counterexamples,
    verdict_matrix,
)
from vmspec.properties.engines import check as check_mod
from vmspec.properties.evidence.counterexample import Counterexample, replay
from vmspec.properties.evidence.verdict import Tally
from vmspec.properties.io.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="run every engine on a configuration and print a verdict table")
    add_target_arguments(p)
    p.add_argument("--steps", type=count("--steps", MAX_STEPS), default=5000, help="random-walk steps (default 5000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--max-states", type=count("--max-states", MAX_STATES), default=None, metavar="N",
                   help="bound of the exhaustive explore stage (default 50,000 states)")
    p.add_argument("--out", type=Path, default=Path("vmspec-results"), help="where counterexamples go")
    p.add_argument("--jobs", type=count("--jobs", 2), default=check_mod.jobs_default(), metavar="N",
                   help="processes: 2 runs the walk, fuzz and z3 stages beside explore and events, 1 runs every stage in turn (default: 2 "
                   "where two cores are available); the verdicts are the same")
    p.add_argument("--skip", action="append", default=[], metavar="STAGE", type=_stage,
                   help="skip an engine stage (repeatable): " + ", ".join(s.name for s in check_mod.STAGES)
                   + "; skipping all of them is an error")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("mutants", help="list the mutant catalogue, one a line, name first")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_mutants)

    p = sub.add_parser("replay", help="replay a counterexample file against the model")
    p.add_argument("file", type=Path)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--json", action="store_true")
    g.add_argument("--python", action="store_true", help="print it as a pytest test instead")
    add_limit_arguments(p)
    p.set_defaults(func=cmd_replay)

    p = sub.add_parser("rules", help="list the numbered rules and the properties that check them")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--markdown", action="store_true", help="print the rules section of notes/spec.md")
    g.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_rules)

    p = sub.add_parser("configs", help="list the named configurations")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_configs)


def _stage(name: str) -> str:
    """A stage name for --skip (the Z3 stage's old name `prove` is still understood)."""
    name = check_mod.STAGE_ALIASES.get(name, name)
    if name not in {s.name for s in check_mod.STAGES}:
        raise argparse.ArgumentTypeError(f"unknown stage {name!r}; choose from "
                                         + ", ".join(s.name for s in check_mod.STAGES))
    return name


def _check_skip(skip: list[str]) -> None:
    """Skipping every stage is bad input: nothing would be checked (unknown names are refused by `_stage`)."""
    names = [s.name for s in check_mod.STAGES]
    if set(names) <= set(skip):
        raise InputError("<command line>", None, "--skip",
                         f"every stage is skipped ({', '.join(names)}), so nothing would be checked")


def cmd_check(opts: argparse.Namespace) -> int:
    _check_skip(opts.skip)
    target = target_from(opts)
    results = check_mod.run(target, opts)
    verdicts = [v for r in results for v in r.verdicts]
    if not verdicts:
        ran = ", ".join(r.engine for r in results)
        raise InputError("<command line>", None, "--skip",
                         f"the stages run ({ran}) gave no verdict on {target.label}: nothing was checked")
    failed = [v for v in verdicts if v.failed]
    tally = Tally.of(verdicts)
    files = save_counterexamples(verdicts, opts.out) if failed else []
    if opts.json:
        print_json({
            "target": target.label,
            "mutant": target.mutant,
            "ok": not failed,
            "tally": tally.to_json(),
            "closing": tally.closing_line(),
            "stages": [{"engine": r.engine, "bound": r.bound, "summary": r.summary, "figures": r.figures}
                       for r in results],
            "verdicts": [v.to_json() for v in verdicts],
            "counterexamples": [str(f) for f in files],
        })
    else:
        title = f"vmspec check {target.label}" + (f" (mutant {target.mutant})" if target.mutant else "")
        console.print(verdict_matrix(title, results))
        for r in results:
            console.print(f"{r.engine}: {r.summary}", soft_wrap=True)
        print_failures(verdicts)
        print_written(files)
        print_outcome(verdicts)
    return 1 if failed else 0


def cmd_mutants(opts: argparse.Namespace) -> int:
    if opts.json:
        print_json([
            {"name": m.name, "rule": m.rule, "breaks": list(m.breaks), "config": m.config, "description": m.description}
            for m in MUTANTS
        ])
    else:
        for m in MUTANTS:
            print(f"{m.name}  {m.rule}  {m.description} (breaks {', '.join(m.breaks)}; on {m.config})")
    return 0


def cmd_replay(opts: argparse.Namespace) -> int:
    c = Counterexample.load(opts.file)
    if opts.python:
        print(c.to_python(), end="")
        return 0
    verdict = replay(c)
    if opts.json:
        print_json({"file": str(opts.file), "property": c.property, "rule": c.rule, "reproduced": verdict.reproduced,
                    "detail": verdict.detail, "steps": len(c)})
    else:
        print(c.render())
        print()
        print(("reproduced: " if verdict.reproduced else "NOT reproduced: ") + verdict.detail)
    # The counterexample is a claim that a property fails: exit 1 when it still does.
    return 1 if verdict.reproduced else 0


def properties_by_rule() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in (*REGISTRY, *WARNINGS):
        out.setdefault(p.rule, []).append(p.name)
    return out


def cmd_rules(opts: argparse.Namespace) -> int:
    by_rule = properties_by_rule()
    if opts.markdown:
        print(markdown(by_rule), end="")
    elif opts.json:
        print_json([
            {"rule": r.rule_id, "title": r.title, "text": r.text, "source": r.source,
             "properties": by_rule.get(r.rule_id, []), "not_checked": r.not_checked}
            for r in RULES
        ])
    else:
        for r in RULES:
            checked = ", ".join(by_rule.get(r.rule_id, [])) or f"not checked: {r.not_checked}"
            print(f"{r.rule_id:4} {r.title} -- {checked}")
    return 0


def cmd_configs(opts: argparse.Namespace) -> int:
    rows = [
        {"name": c.name, "hosts": len(c.topology.hosts), "vms": len(c.topology.vms),
         "availability_sets": len(c.topology.availability_sets), "description": c.description}
        for c in CONFIGS.values()
    ]
    if opts.json:
        print_json(rows)
    else:
        for r in rows:
            print(f"{r['name']}  {r['hosts']} hosts, {r['vms']} VMs -- {r['description']}")
    return 0
