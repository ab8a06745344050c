"""`vmspec events`: check a captured Scheduled Events stream against the documented
contract, and export the model's behaviour as such a capture (notes/events-format.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from vmspec.properties.cli.main import MAX_STEPS, add_limit_arguments, add_target_arguments, count, target_from
from vmspec.properties.cli.output import print_json
from vmspec.properties.conformance.events import API_VERSIONS, CURRENT_API_VERSION, Report, check_file, project, walk
from vmspec.properties.conformance.events.export import SCOPES, capture_text
from vmspec.properties.io.errors import InputError
from vmspec.properties.io.files import write_atomic


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("events", help="check or export Scheduled Events captures (JSON Lines)")
    events = p.add_subparsers(dest="events_command", required=True, metavar="SUBCOMMAND")

    c = events.add_parser("check", help="check a capture against the documented contract; exit 1 on a violation")
    c.add_argument("file", help='the capture, one JSON observation a line ("-" reads standard input)')
    c.add_argument("--api-version", default=CURRENT_API_VERSION, choices=API_VERSIONS, metavar="V",
                   help=f"api-version of lines that do not name one (default {CURRENT_API_VERSION})")
    c.add_argument("--strict", action="store_true", help="treat documented soft exceptions as violations")
    c.add_argument("--limit", type=int, default=1000, metavar="N",
                   help="list at most N findings; the summary counts them all (default 1000)")
    c.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    add_limit_arguments(c)
    c.set_defaults(func=cmd_events_check)

    e = events.add_parser("export", help="a seeded rollout of the model as one VM would capture it")
    add_target_arguments(e)
    e.add_argument("--vm", metavar="NAME", help="the VM whose view is exported (default: the first VM)")
    e.add_argument("--scope", choices=SCOPES, default="vm",
                   help="the events the VM is shown: those naming it (vm, the default) or every event of its "
                        "availability set (set, as the documentation delivers them)")
    e.add_argument("--seed", type=int, default=0, help="random seed of the walk (default 0)")
    e.add_argument("--steps", type=count("--steps", MAX_STEPS), default=2000,
                   help="at most this many model steps (default 2000)")
    e.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the capture here instead of stdout")
    e.set_defaults(func=cmd_events_export)


def cmd_events_check(opts: argparse.Namespace) -> int:
    if opts.limit < 0:
        raise InputError("--limit", None, None, f"expected a number of findings >= 0, got {opts.limit}")
    report = check_file(opts.file, api_version=opts.api_version, strict=opts.strict, limit=opts.limit)
    if opts.json:
        print_json({
            "file": opts.file, "api_version": opts.api_version, "strict": opts.strict, "ok": not report.failed,
            "capture": report.header_json(),
            "findings": [f.to_json() for f in report.findings], "omitted": report.omitted,
            "summary": report.summary.to_json(),
        })
    else:
        for f in report.findings:
            print(f.render(opts.file))
        if report.omitted:
            print(f"... and {report.omitted} more findings (counted in the summary)")
        print(summary_line(report, opts.strict))
    return 1 if report.failed else 0


def _by_rule(counts: dict) -> str:
    return ", ".join(f"{rule} {n}" for rule, n in sorted(counts.items()))


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def summary_line(report: Report, strict: bool) -> str:
    s = report.summary.to_json()
    span = f" from {s['first_observed']} to {s['last_observed']}" if s["first_observed"] else ""
    errors = _n(s["errors"], "error") + (f" ({_by_rule(s['errors_by_rule'])})" if s["errors"] else "")
    warnings = _n(s["warnings"], "warning") + (f" ({_by_rule(s['warnings_by_rule'])})" if s["warnings"] else "")
    verdict = "FAILED" if report.failed else "ok"
    mode = " [strict]" if strict else ""
    return (f"summary{mode}: {_n(s['observations'], 'observation')} ({_n(s['documents'], 'document')}){span}, "
            f"{_n(s['events'], 'event')}; {errors}, {warnings}: {verdict}")


def cmd_events_export(opts: argparse.Namespace) -> int:
    if opts.json and opts.output is None:
        raise InputError("<command line>", None, "--json", "needs -o/--output FILE: without it the capture itself "
                                                          "goes to stdout")
    target = target_from(opts)
    spec = target.spec()
    if opts.vm is not None and opts.vm not in spec.vm_ix:
        raise InputError("--vm", None, None, f"unknown VM {opts.vm!r}; choose one of {', '.join(spec.vm_names)}")
    if not spec.vm_names:
        raise InputError(target.label, None, "vms", "the topology has no VM whose view could be exported")
    if opts.steps < 0:
        raise InputError("--steps", None, None, f"expected a number of steps >= 0, got {opts.steps}")
    lines = list(project(spec, walk(spec, seed=opts.seed, steps=opts.steps), opts.vm, scope=opts.scope))
    text = capture_text(spec, lines, opts.vm)
    if opts.output is None:
        print(text, end="")
        return 0
    write_atomic(opts.output, text)
    if opts.json:
        print_json({"file": str(opts.output), "target": target.label, "mutant": target.mutant,
                    "vm": opts.vm or spec.vm_names[0], "scope": opts.scope, "seed": opts.seed,
                    "observations": len(lines)})
    return 0
