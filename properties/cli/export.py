"""`vmspec export promela`: the configuration as a Promela model for SPIN (notes/spin.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from vmspec.properties.cli.main import add_target_arguments, target_from
from vmspec.properties.cli.output import console, print_json
from vmspec.properties.io.errors import InputError
from vmspec.properties.io.files import write_atomic


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write a configuration in another tool's language (promela: for SPIN)")
    p.add_argument("language", choices=("promela",), help="promela: one active proctype, one d_step per action")
    add_target_arguments(p)
    p.add_argument("-o", "--output", type=Path, help="write the model to this file (default: standard output)")
    p.set_defaults(func=cmd_export)


def cmd_export(opts: argparse.Namespace) -> int:
    from vmspec.properties.engines import promela

    target = target_from(opts)
    try:
        model = promela.generate(target.spec(), target.mutant, config=target.label)
    except promela.NotEncoded as exc:
        raise InputError(target.label, None, "promela", str(exc)) from None
    if opts.output is not None:
        write_atomic(opts.output, model.text)
        if opts.json:
            print_json({"target": target.label, "mutant": target.mutant, "output": str(opts.output),
                        "actions": len(model.instances), "assertions": model.assertions})
        else:
            console.print(f"Promela model of {target.label} written to {opts.output} "
                          f"({len(model.instances)} action instances, {len(model.assertions)} properties)")
    elif opts.json:
        print_json({"target": target.label, "mutant": target.mutant, "promela": model.text,
                    "actions": len(model.instances), "assertions": model.assertions})
    else:
        print(model.text)
    return 0
