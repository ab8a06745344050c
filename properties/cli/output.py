"""Terminal and file output shared by the commands: verdict tables, JSON, counterexample files."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from vmspec.properties.evidence.verdict import FAILING, Verdict

# A terminal gets its own width; a pipe or a file gets room for the verdict table's details.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 120)
err_console = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 120)

_STYLE = {"holds": "green", "proved": "green", "reached": "green", "violated": "bold red", "not reached": "bold red",
          "unknown": "bold red"}


def verdict_table(title: str, verdicts: Iterable[Verdict]) -> Table:
    table = Table(title=title, title_justify="left")
    for col in ("property", "rule", "kind", "engine", "verdict", "detail"):
        table.add_column(col, overflow="fold")
    for v in verdicts:
        style = _STYLE.get(v.status, "")
        table.add_row(v.property, v.rule, v.kind, v.engine, f"[{style}]{v.status}[/]", v.detail)
    return table


def print_written(files: Iterable[Path]) -> None:
    """Say where each file went: the counterexample (.json) and its reports (.md, .html)."""
    for f in files:
        what = "counterexample" if Path(f).suffix == ".json" else "report"
        console.print(f"{what} written to {f}", soft_wrap=True)


def print_outcome(failed: int, total: int) -> None:
    """The last line of a verdict table's command."""
    if failed:
        console.print(f"[bold red]FAILED[/] ({failed} of {total} verdicts failing)")
    else:
        console.print("[green]all properties hold[/]")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def save_counterexamples(verdicts: Iterable[Verdict], out: Path) -> list[Path]:
    """Write each failing verdict's counterexample as JSON under `out`; return the paths."""
    from vmspec.properties.evidence.reporting import write_reports

    written = []
    for v in verdicts:
        c = v.counterexample
        if c is None or v.status not in FAILING:
            continue
        stem = f"{c.engine}-{c.mutant or 'model'}-{c.property}"
        written.extend(write_reports(c, out / stem))
    return written
