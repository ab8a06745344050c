"""Where a counterexample is written when an engine finds one."""

from __future__ import annotations

from pathlib import Path

from .counterexample import Counterexample


def write_reports(cx: Counterexample, stem: Path) -> list[Path]:
    """Write the counterexample as `stem`.json (atomically); return the files written."""
    return [cx.save(stem.with_suffix(".json"))]
