"""Where a counterexample is written when an engine finds one.

Every engine hands its failing verdicts to `vmspec.properties.cli.output.save_counterexamples`, which
calls `write_reports`: the counterexample itself as JSON (what `vmspec replay` and
`vmspec report` read), and beside it the Markdown and HTML reports of
`vmspec.properties.evidence.report`.  Each file is written atomically, so a reader never sees half of one.
"""

from __future__ import annotations

from pathlib import Path

from vmspec.properties.evidence.counterexample import Counterexample
from vmspec.properties.io.files import write_atomic

REPORT_SUFFIXES = (".md", ".html")


def write_reports(cx: Counterexample, stem: Path) -> list[Path]:
    """Write `stem`.json, `stem`.md and `stem`.html (each atomically); return the files written.

    The reports name the JSON file as the one to replay, by the path given here."""
    from vmspec.properties.evidence.report import render

    stem = Path(stem)
    json_path = cx.save(stem.with_name(stem.name + ".json"))
    written = [json_path]
    for suffix in REPORT_SUFFIXES:
        text = render(cx, suffix[1:], str(json_path))
        written.append(write_atomic(stem.with_name(stem.name + suffix), text))
    return written
