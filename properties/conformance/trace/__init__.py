"""Trace conformance: check an implementation's JSON Lines trace against the model.

`read_trace` streams a trace file with exact time; `TraceChecker` judges steps one at a
time with the model's guards and the registry; `check_trace` runs a whole file
(notes/trace-format.md)."""

from vmspec.properties.conformance.trace.conform import (
    TraceChecker,
    TraceResult,
    Violation,
    check_records,
    check_trace,
    write_violation,
)
from vmspec.properties.conformance.trace.format import (
    FORMAT,
    TraceHeader,
    TraceRecord,
    dumps_header,
    dumps_record,
    format_time,
    parse_time,
    read_trace,
)

__all__ = [
    "FORMAT",
    "TraceChecker",
    "TraceHeader",
    "TraceRecord",
    "TraceResult",
    "Violation",
    "check_records",
    "check_trace",
    "dumps_header",
    "dumps_record",
    "format_time",
    "parse_time",
    "read_trace",
    "write_violation",
]
