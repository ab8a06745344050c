"""Terminal and file output shared by the commands: verdict tables, JSON, counterexample files."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from vmspec.properties.evidence.verdict import (
    FAILING,
    HOLDS,
    NOT_FALSIFIED,
    NOT_REACHED,
    PROVED,
    REACHED,
    UNKNOWN,
    VIOLATED,
    StageResult,
    Tally,
    Verdict,
)

# A terminal gets its own width; a pipe or a file gets room for the verdict table's columns.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 140)
err_console = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 120)

_STYLE = {PROVED: "bold green", HOLDS: "green", NOT_FALSIFIED: "cyan", REACHED: "green", VIOLATED: "bold red",
          NOT_REACHED: "bold red", UNKNOWN: "bold red"}


def _cell(status: str) -> str:
    return f"[{_STYLE.get(status, '')}]{status}[/]"


def verdict_table(title: str, verdicts: Iterable[Verdict]) -> Table:
    """One engine's verdicts, one row per property, with the detail of each."""
    table = Table(title=title, title_justify="left")
    for col in ("property", "rule", "kind", "engine", "verdict", "detail"):
        table.add_column(col, overflow="fold")
    for v in verdicts:
        detail = v.detail if v.status != NOT_FALSIFIED or v.bound in v.detail else "; ".join(
            x for x in (v.detail, "within " + v.bound) if x)
        table.add_row(v.property, v.rule, v.kind, v.engine, _cell(v.status), detail)
    return table


def verdict_matrix(title: str, results: Sequence[StageResult]) -> Table:
    """Every engine's verdicts at a glance: one row per property, one column per engine with the
    engine's bound in its header; a dash where the engine says nothing about the property."""
    table = Table(title=title, title_justify="left")
    table.add_column("property", no_wrap=True)
    table.add_column("rule", no_wrap=True)
    engines = [r.engine for r in results]
    for r in results:
        table.add_column(f"[bold]{r.engine}[/]" + (f"\n[dim]{r.bound}[/]" if r.bound else ""), overflow="fold",
                         max_width=15)
    cells: dict[str, dict[str, str]] = {}
    rules: dict[str, str] = {}
    for r in results:
        for v in r.verdicts:
            rules.setdefault(v.property, v.rule)
            cells.setdefault(v.property, {})[r.engine] = v.status
    for name, row in cells.items():
        table.add_row(name, rules[name], *(_cell(row[e]) if e in row else "[dim]-[/]" for e in engines))
    return table


def print_failures(verdicts: Iterable[Verdict]) -> None:
    """The detail of every failing verdict, one a line, under a compact table."""
    for v in verdicts:
        if v.failed:
            console.print(f"[bold red]{v.status}[/] {v.property} ({v.rule}, {v.engine}): {v.detail}", soft_wrap=True)


def print_written(files: Iterable[Path]) -> None:
    """Say where each file went: the counterexample (.json) and its reports (.md, .html)."""
    for f in files:
        what = "counterexample" if Path(f).suffix == ".json" else "report"
        console.print(f"{what} written to {f}", soft_wrap=True)


def print_outcome(verdicts: Iterable[Verdict]) -> Tally:
    """The last line of a verdict table's command: what was proved, what was exhausted, what
    was only sampled or bounded (and within what), and what failed."""
    tally = Tally.of(verdicts)
    line = tally.closing_line()
    console.print(line, style="green" if tally.ok else "bold red", soft_wrap=True, markup=False)
    return tally


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
