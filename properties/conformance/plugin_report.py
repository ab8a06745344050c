"""Pytest helpers: a failing property test names the report that explains the failure.

`fail_with_report(cx, tmp_path)` writes the counterexample and its Markdown and HTML
reports (through `vmspec.properties.evidence.reporting.write_reports`, atomically) and fails the test with
a message that starts with the broken rule and the paths of the files, so the reader of a
red test run can open the picture at once.  `assert_no_counterexample` and
`assert_verdicts_hold` are the assertion forms for engine results.

Reports go under the test's `tmp_path`, or under `$VMSPEC_REPORT_DIR` when it is set (for
CI, where the temporary directories are gone once the run ends).  pytest is imported only
when a test fails, so the module costs nothing to import elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NoReturn

from vmspec.properties.evidence.counterexample import Counterexample
from vmspec.properties.evidence.reporting import write_reports
from vmspec.properties.evidence.verdict import Verdict

REPORT_DIR_VARIABLE = "VMSPEC_REPORT_DIR"
MAX_TRACE_LINES = 40  # the failure message quotes at most this much of the trace


def report_dir(tmp_path: Path) -> Path:
    """Where the reports of a failing test go: $VMSPEC_REPORT_DIR, else `tmp_path`."""
    override = os.environ.get(REPORT_DIR_VARIABLE)
    return Path(override) if override else Path(tmp_path)


def report_stem(cx: Counterexample) -> str:
    """The same file stem `vmspec.properties.cli.output.save_counterexamples` uses."""
    return f"{cx.engine}-{cx.mutant or 'model'}-{cx.property}"


def write_and_describe(cx: Counterexample, tmp_path: Path) -> tuple[list[Path], str]:
    """Write the reports and return them with the failure message that points at them."""
    files = write_reports(cx, report_dir(tmp_path) / report_stem(cx))
    by_suffix = {p.suffix: p for p in files}
    trace = cx.render().splitlines()
    if len(trace) > MAX_TRACE_LINES:
        trace = trace[:MAX_TRACE_LINES] + [f"  ... ({len(trace) - MAX_TRACE_LINES} more lines in the report)"]
    lines = [
        f"{cx.property} violated ({cx.rule}: {cx.rule_title}): {cx.message}",
        f"  report: {by_suffix['.md']}",
        f"  html:   {by_suffix['.html']}",
        f"  replay: vmspec replay {by_suffix['.json']}",
        "",
        *trace,
    ]
    return files, "\n".join(lines)


def fail_with_report(cx: Counterexample, tmp_path: Path) -> NoReturn:
    """Write the reports of `cx` and fail the current test, naming them first."""
    import pytest

    _, message = write_and_describe(cx, tmp_path)
    pytest.fail(message, pytrace=False)


def assert_no_counterexample(
    found: Counterexample | Mapping[str, Counterexample] | Iterable[Counterexample] | None, tmp_path: Path
) -> None:
    """Pass when nothing was found; otherwise fail with the report of the shortest counterexample.

    Accepts one counterexample, None, a mapping such as `WalkResult.violations`, or any iterable."""
    if found is None:
        return
    if isinstance(found, Counterexample):
        fail_with_report(found, tmp_path)
    items = list(found.values()) if isinstance(found, Mapping) else list(found)
    if items:
        fail_with_report(min(items, key=lambda c: (len(c), c.property)), tmp_path)


def assert_verdicts_hold(verdicts: Iterable[Verdict], tmp_path: Path) -> None:
    """Pass when no verdict fails; otherwise fail naming every failing verdict, with the
    report of each one that carries a counterexample."""
    import pytest

    failing = [v for v in verdicts if v.failed]
    if not failing:
        return
    lines = []
    for v in failing:
        lines.append(f"{v.engine}: {v.property} ({v.rule}) {v.status}: {v.detail}")
        if v.counterexample is not None:
            files, _ = write_and_describe(v.counterexample, tmp_path)
            lines += [f"  report: {p}" for p in files if p.suffix == ".md"]
    pytest.fail("\n".join(lines), pytrace=False)


__all__ = [
    "REPORT_DIR_VARIABLE", "assert_no_counterexample", "assert_verdicts_hold", "fail_with_report", "report_dir",
    "report_stem", "write_and_describe",
]
