"""`vmspec report COUNTEREXAMPLE.json [--format md|html|json] [-o OUT]`: a counterexample
as a report people would rather look at than read (see `vmspec.properties.evidence.report`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vmspec.properties.cli.main import add_limit_arguments
from vmspec.properties.evidence.counterexample import Counterexample
from vmspec.properties.evidence.report import FORMATS, ReportError, render
from vmspec.properties.io.errors import InputError
from vmspec.properties.io.files import write_atomic


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="render a counterexample file as a Markdown, HTML or JSON report with a timeline",
        description="Render a counterexample (written by any engine) as a report: the broken rule, its text "
        "and source, the engine and its settings, how to replay it, a timeline picture and the numbered trace.",
    )
    p.add_argument("file", type=Path, metavar="COUNTEREXAMPLE.json")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--json", action="store_const", const="json", dest="format",
                   help="the report as JSON (the same as --format json)")
    g.add_argument("--format", choices=FORMATS, help="md (default, with a Mermaid timeline), html (one offline "
                   "file with an SVG timeline) or json; taken from the suffix of -o when not given")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here (atomically) instead of stdout")
    add_limit_arguments(p)
    p.set_defaults(func=cmd_report)


def output_format(opts: argparse.Namespace) -> str:
    """--format, else the suffix of -o (.html or .htm: html, .json: json), else md."""
    if opts.format:
        return opts.format
    suffix = opts.output.suffix.lower() if opts.output else ""
    return {".html": "html", ".htm": "html", ".json": "json"}.get(suffix, "md")


def cmd_report(opts: argparse.Namespace) -> int:
    cx = Counterexample.load(opts.file)
    fmt = output_format(opts)
    try:
        text = render(cx, fmt, str(opts.file))
    except ReportError as exc:
        raise InputError(str(opts.file), None, exc.field, exc.reason) from None
    if opts.output is None:
        sys.stdout.write(text)
        return 0
    try:
        write_atomic(opts.output, text)
    except OSError as exc:
        raise InputError(str(opts.output), None, None, f"cannot write the report: {exc.strerror}") from None
    print(f"{fmt} report written to {opts.output}")
    return 0
