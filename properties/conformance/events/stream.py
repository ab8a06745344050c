"""Reading a Scheduled Events capture: JSON Lines, one observation a line, streamed.

A capture is what one VM saw when it polled the Instance Metadata Service's Scheduled
Events endpoint (notes/events-format.md).  This module turns each line into an
`Observation` whose JSON types have been checked, or raises `InputError` naming the
file, the line, the field and what was expected: bytes that are not UTF-8, malformed or
truncated JSON, unknown keys, wrong types, timestamps that are not RFC 3339 or that go
backwards.  Values of the right type but outside the documented contract (an unknown
EventType, a NotBefore that is not RFC 1123, a Completed status) are *not* input errors:
they are findings of the contract checker (`vmspec.properties.conformance.events.contract`).

The reader holds one line at a time, so memory stays flat however long the capture.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, BinaryIO

from vmspec.properties.io import inputs
from vmspec.properties.io.errors import InputError

# research 3.1: the api-versions of the Scheduled Events endpoint, oldest first
API_VERSIONS = ("2017-03-01", "2017-08-01", "2017-11-01", "2019-01-01", "2019-04-01", "2019-08-01", "2020-07-01")
CURRENT_API_VERSION = API_VERSIONS[-1]

REQUIRED_KEYS = ("observed_at",)
LINE_KEYS = ("observed_at", "document", "api_version", "http_status", "approved", "approved_by")
# The optional first line `{"capture": {...}}` says what the capture cannot show (notes/events-format.md).
HEADER_KEYS = {"vm": "string", "only_approver": "boolean", "metadata_header": "boolean"}

# The JSON type of every event field any api-version defines (research 3.3).
EVENT_FIELD_TYPES: dict[str, str] = {
    "EventId": "string",
    "EventType": "string",
    "ResourceType": "string",
    "Resources": "array of strings",
    "EventStatus": "string",
    "NotBefore": "string",
    "Description": "string",
    "EventSource": "string",
    "DurationInSeconds": "integer",
}

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
_RFC3339 = re.compile(  # ASCII digits only: "٢٠٢٤" is not a year
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})\Z", re.ASCII
)


@dataclass(frozen=True, slots=True)
class Observation:
    """One poll of the endpoint as the capture recorded it."""

    line: int  # 1-based line number in the capture
    observed_at: int  # when the VM received the response, in microseconds since the Unix epoch (UTC)
    api_version: str  # the line's api_version, or the default the checker was given
    http_status: int  # the response status (200 when the capture does not say)
    incarnation: int | None  # DocumentIncarnation; None when the response carried no document
    events: tuple[dict[str, Any], ...] | None  # the Events array, each event type-checked; None without a document
    document_keys: tuple[str, ...]  # every key of the document, to check against the api-version
    approved: tuple[str, ...]  # EventIds this VM approved (StartRequests) since the previous observation
    # who approved each of `approved` where the capture says (R28): a VM of the set, or "outside"
    approved_by: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class CaptureHeader:
    """The capture's optional first line: facts about the capture that no poll shows."""

    line: int
    vm: str | None = None  # the name of the VM that polled (as Resources names it)
    only_approver: bool = False  # no approval of the events shown can come from anywhere but `approved`
    metadata_header: bool = True  # the client sent `Metadata: true` with every request


def parse_rfc3339(text: str) -> datetime | None:
    """The instant an RFC 3339 timestamp names (with its offset), or None when it is not one."""
    m = _RFC3339.match(text)
    if m is None:
        return None
    year, month, day, hour, minute, second, frac, zone = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    try:
        if zone in ("Z", "z"):
            tz = UTC
        else:
            sign = -1 if zone[0] == "-" else 1
            tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
        instant = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=tz)
        instant.astimezone(UTC)  # year 1 ahead of UTC or year 9999 behind it has no UTC instant in range
    except (ValueError, OverflowError):
        return None
    return instant


def to_micros(instant: datetime) -> int:
    """Microseconds since the Unix epoch, exact."""
    return (instant - EPOCH) // MICROSECOND


def format_micros(micros: int) -> str:
    """An instant as an RFC 3339 UTC timestamp (for messages)."""
    instant = EPOCH + timedelta(microseconds=micros)
    text = instant.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{instant.microsecond:06d}" if instant.microsecond else "") + "Z"


class _Line:
    """The checks of one line, sharing its path and number for every error."""

    def __init__(self, path: str, number: int) -> None:
        self.path, self.number = path, number

    def error(self, field: str | None, reason: str) -> InputError:
        return InputError(self.path, self.number, field, reason)

    def decode(self, raw: bytes) -> str:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise self.error(None, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})") from None
        return text[1:] if self.number == 1 and text.startswith("\ufeff") else text

    def load(self, text: str, complete: bool) -> Any:
        try:
            return inputs.loads(text)  # strict and bounded: notes/limits.md
        except inputs.JsonRefused as exc:
            raise self.error(exc.field, f"malformed JSON: {exc.detail}") from None
        except json.JSONDecodeError as exc:
            if not complete:
                raise self.error(None, f"truncated last line (no newline, and the JSON is incomplete: {exc.msg} "
                                       f"at column {exc.colno})") from None
            raise self.error(None, f"malformed JSON: {exc.msg} at column {exc.colno}") from None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _type_ok(value: Any, expected: str) -> bool:
    if expected == "string":
        return isinstance(value, str)
    if expected == "integer":
        return _is_int(value)
    return isinstance(value, list) and all(isinstance(x, str) for x in value)


def _describe(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "an array",
             dict: "an object", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def parse_line(raw: bytes, number: int, path: str,
               default_api_version: str = CURRENT_API_VERSION) -> Observation | CaptureHeader | None:
    """The observation (or header) on one line (None for a blank line), or `InputError` saying what is wrong."""
    ln = _Line(path, number)
    complete = raw.endswith(b"\n")
    text = ln.decode(raw)
    if not text.strip():
        return None
    data = ln.load(text, complete)
    if not isinstance(data, dict):
        raise ln.error(None, f"expected a JSON object with keys {', '.join(LINE_KEYS)}, got {_describe(data)}")
    if "capture" in data:
        return _header(ln, data)
    for key in data:
        if key not in LINE_KEYS:
            raise ln.error(key, f"unknown key; a line has only {', '.join(LINE_KEYS)}")
    if "observed_at" not in data:
        raise ln.error("observed_at", "missing; expected the RFC 3339 time the response was received")
    observed_at = _observed_at(ln, data["observed_at"])
    api_version = _api_version(ln, data.get("api_version", default_api_version))
    status = _http_status(ln, data.get("http_status", 200))
    approved = _approved(ln, data.get("approved", []))
    approved_by = _approved_by(ln, data.get("approved_by", {}), approved)
    document = data.get("document")
    if status != 200:
        if document is not None:
            raise ln.error("document", f"a {status} response carries no document; expected null or no key")
        return Observation(number, observed_at, api_version, status, None, None, (), approved, approved_by)
    if document is None:
        raise ln.error("document", "missing; a 200 response carries the document the endpoint returned")
    incarnation, events, keys = _document(ln, document)
    return Observation(number, observed_at, api_version, status, incarnation, events, keys, approved, approved_by)


def _header(ln: _Line, data: dict[str, Any]) -> CaptureHeader:
    if len(data) != 1:
        raise ln.error("capture", "a header line has the single key capture; the observations follow it")
    fields = data["capture"]
    if not isinstance(fields, dict):
        raise ln.error("capture", f"expected an object with keys {', '.join(HEADER_KEYS)}, got {_describe(fields)}")
    for key, value in fields.items():
        expected = HEADER_KEYS.get(key)
        if expected is None:
            raise ln.error(f"capture.{key}", f"unknown key; a header has only {', '.join(HEADER_KEYS)}")
        if not (isinstance(value, bool) if expected == "boolean" else isinstance(value, str) and value):
            raise ln.error(f"capture.{key}", f"expected a {'boolean' if expected == 'boolean' else 'non-empty string'}, "
                                             f"got {_describe(value)}")
    return CaptureHeader(ln.number, **fields)


def _observed_at(ln: _Line, value: Any) -> int:
    if not isinstance(value, str):
        raise ln.error("observed_at", f"expected an RFC 3339 timestamp string, got {_describe(value)}")
    instant = parse_rfc3339(value)
    if instant is None and _RFC3339.match(value):
        raise ln.error("observed_at", f"expected a real RFC 3339 date and time, from 0001-01-01 to 9999-12-31 in UTC, "
                                      f"got {value!r}")
    if instant is None:
        raise ln.error("observed_at", f"expected an RFC 3339 timestamp such as 2024-01-01T00:00:00Z, got {value!r}")
    return to_micros(instant)


def _api_version(ln: _Line, value: Any) -> str:
    if value not in API_VERSIONS:
        raise ln.error("api_version", f"expected one of {', '.join(API_VERSIONS)}, got {value!r}")
    return value


def _http_status(ln: _Line, value: Any) -> int:
    if not _is_int(value) or not 100 <= value <= 599:
        raise ln.error("http_status", f"expected an HTTP status code 100..599, got {value!r}")
    return value


def _approved(ln: _Line, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise ln.error("approved", f"expected an array of EventId strings, got {_describe(value)}")
    return tuple(value)


def _approved_by(ln: _Line, value: Any, approved: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Who approved each EventId of `approved` (R28): a VM of the availability set, named as
    Resources names it, or "outside" for the maintenance API; every key must be in `approved`."""
    if not isinstance(value, dict) or not all(isinstance(v, str) and v for v in value.values()):
        raise ln.error("approved_by", "expected an object from EventId to who approved it (a VM name or "
                                      f"\"outside\"), got {_describe(value)}")
    for key in value:
        if key not in approved:
            raise ln.error(f"approved_by.{key}", "this EventId is not in the line's approved list")
    return tuple(value.items())


def _document(ln: _Line, document: Any) -> tuple[int, tuple[dict[str, Any], ...], tuple[str, ...]]:
    if not isinstance(document, dict):
        raise ln.error("document", f"expected the JSON object the endpoint returned, got {_describe(document)}")
    if "DocumentIncarnation" not in document:
        raise ln.error("document.DocumentIncarnation", "missing; expected an integer")
    incarnation = document["DocumentIncarnation"]
    if not _is_int(incarnation):
        raise ln.error("document.DocumentIncarnation", f"expected an integer, got {_describe(incarnation)}")
    events = document.get("Events")
    if not isinstance(events, list):
        raise ln.error("document.Events", f"expected an array of events, got {_describe(events)}")
    for i, event in enumerate(events):
        where = f"document.Events[{i}]"
        if not isinstance(event, dict):
            raise ln.error(where, f"expected an event object, got {_describe(event)}")
        for name, expected in EVENT_FIELD_TYPES.items():
            if name in event and not _type_ok(event[name], expected):
                raise ln.error(f"{where}.{name}", f"expected {expected}, got {_describe(event[name])}")
    return incarnation, tuple(events), tuple(document)


def _open(path: str | Path) -> BinaryIO:
    return inputs.open_binary(path, "capture")


def read_capture(path: str | Path,
                 default_api_version: str = CURRENT_API_VERSION) -> Iterator[Observation | CaptureHeader]:
    """The observations of a capture file ("-" for standard input), one at a time, in order,
    after its header when it has one.

    Raises `InputError` at the first unreadable line, and when observed_at goes backwards."""
    name = str(path)
    if default_api_version not in API_VERSIONS:
        raise InputError(name, None, "--api-version", f"expected one of {', '.join(API_VERSIONS)}, "
                                                       f"got {default_api_version!r}")
    stream = _open(path)
    try:
        yield from read_lines((raw for _, raw in inputs.lines(stream, name, what="capture")), name,
                              default_api_version)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def read_lines(lines: Any, name: str,
               default_api_version: str = CURRENT_API_VERSION) -> Iterator[Observation | CaptureHeader]:
    """The observations of an iterable of byte lines, checking that time never goes backwards
    and that a header, if any, comes first."""
    previous: Observation | None = None
    started = False
    for number, raw in enumerate(lines, 1):
        obs = parse_line(raw, number, name, default_api_version)
        if obs is None:
            continue
        if isinstance(obs, CaptureHeader):
            if started:
                raise InputError(name, number, "capture", "the header must be the first line of the capture")
            started = True
            yield obs
            continue
        started = True
        if previous is not None and obs.observed_at < previous.observed_at:
            raise InputError(name, number, "observed_at",
                             f"time goes backwards: {format_micros(obs.observed_at)} is before "
                             f"{format_micros(previous.observed_at)} on line {previous.line}")
        previous = obs
        yield obs
