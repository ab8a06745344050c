"""Scheduled Events captures: read them as a stream, check them against the documented
contract (rules R8-R13 of notes/spec.md and E1-E9 of notes/events-format.md), and export
the model's own behaviour as a capture one VM would have recorded."""

from vmspec.properties.conformance.events.contract import (
    API_RULES,
    ERROR,
    WARNING,
    ApiRule,
    Finding,
    Report,
    StreamChecker,
    Summary,
    check_observations,
    format_rfc1123,
    iter_findings,
    parse_rfc1123,
    read_not_before,
)
from vmspec.properties.conformance.events.export import (
    SCOPES,
    ExportedLine,
    capture_text,
    event_guid,
    export,
    header,
    project,
    walk,
)
from vmspec.properties.conformance.events.stream import (
    API_VERSIONS,
    CURRENT_API_VERSION,
    CaptureHeader,
    Observation,
    parse_line,
    read_capture,
    read_lines,
)


def check_file(path: str, *, api_version: str = CURRENT_API_VERSION, strict: bool = False,
               limit: int | None = 1000) -> Report:
    """Check a capture file ("-" for standard input); raises `InputError` on unreadable input."""
    return check_observations(read_capture(path, api_version), strict=strict, limit=limit)


__all__ = [
    "API_RULES",
    "API_VERSIONS",
    "CURRENT_API_VERSION",
    "ERROR",
    "WARNING",
    "ApiRule",
    "CaptureHeader",
    "ExportedLine",
    "Finding",
    "Observation",
    "Report",
    "SCOPES",
    "StreamChecker",
    "Summary",
    "capture_text",
    "check_file",
    "check_observations",
    "event_guid",
    "export",
    "format_rfc1123",
    "header",
    "iter_findings",
    "parse_line",
    "parse_rfc1123",
    "project",
    "read_capture",
    "read_lines",
    "read_not_before",
    "walk",
]
