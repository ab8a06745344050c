"""The trace format: JSON Lines, one record a line, read as a stream with exact time.

An implementation's trace is a sequence of records, each with the time it happened, the
model action it performed and that action's arguments, and optionally the state the
implementation believes it is in (notes/trace-format.md; schema:
properties/io/schemas/trace.schema.json).  An optional first line is a header naming the
format and the time the rollout began.

Every number is read exactly from its decimal text as a `fractions.Fraction`, never as a
float: real traces carry fractional seconds and irregular gaps, and the pause bound (R2)
must be judged on the exact elapsed time.  The reader streams: it holds one line at a
time, refuses lines longer than `MAX_LINE_BYTES`, and reports every malformed line as an
`InputError` with the file, the line number and the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from vmspec.model import ACTION_INFO, EVENT_TYPES
from vmspec.properties.io.errors import InputError

FORMAT = "vmspec-trace/1"
MAX_LINE_BYTES = 1 << 20  # one record never needs a mebibyte; a longer line is an error, not a memory blow-up
MAX_EXPONENT = 60  # 1e999999999 would be an exact integer of a billion digits

RECORD_FIELDS = frozenset({"time", "action", "args", "state", "note"})
HEADER_FIELDS = frozenset({"format", "start", "meta"})
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")


@dataclass(frozen=True, slots=True)
class TraceHeader:
    """The optional first line: the format version and the time the rollout began."""

    line: int
    start: Fraction | None  # time of the model's initial state; None: the first record's time
    meta: dict = field(default_factory=dict)  # free-form: implementation name, version, host ...


@dataclass(frozen=True, slots=True)
class TraceRecord:
    """One step of the implementation: at `time` it performed `action(*args)`."""

    line: int
    time: Fraction  # seconds, exact
    action: str  # a model action name (`vmspec trace check` lists them on error)
    args: tuple[str, ...]  # host names, VM names, EventIds or an event type; none for time_passes
    state: dict | None = None  # the state the implementation believes it is in after the step


class _BadNumber(ValueError):
    """A JSON number the reader will not turn into an exact value."""


def _exact(text: str) -> Fraction:
    """A JSON number's text as an exact Fraction; a huge exponent is refused."""
    m = _DECIMAL.fullmatch(text)
    if m is None:
        raise _BadNumber(f"{text!r} is not a decimal number")
    if m.group(3) and abs(int(m.group(3)[1:])) > MAX_EXPONENT:
        raise _BadNumber(f"{text!r} has an exponent beyond +-{MAX_EXPONENT}")
    return Fraction(text)


def _exact_int(text: str) -> int:
    if len(text) > 400:
        raise _BadNumber(f"an integer of {len(text)} digits is not a time or a count")
    return int(text)


def _no_constant(text: str) -> Any:
    raise _BadNumber(f"{text} is not a number JSON allows")


def parse_time(value: Any) -> Fraction:
    """A time value from a parsed record: an exact JSON number or a string holding a decimal."""
    if isinstance(value, bool):
        raise ValueError(f"expected seconds as a number or a decimal string, got {json.dumps(value)}")
    if isinstance(value, int | Fraction):
        return Fraction(value)
    if isinstance(value, str):
        try:
            return _exact(value)
        except _BadNumber as exc:
            raise ValueError(f"expected seconds as a decimal, got {value!r} ({exc})") from None
    raise ValueError(f"expected seconds as a number or a decimal string, got {_show(value)}")


def format_time(t: Fraction | int) -> str:
    """Exact decimal text for a time (every time read from decimal text has one)."""
    t = Fraction(t)
    if t.denominator == 1:
        return str(t.numerator)
    d, twos, fives = t.denominator, 0, 0
    while d % 2 == 0:
        d, twos = d // 2, twos + 1
    while d % 5 == 0:
        d, fives = d // 5, fives + 1
    if d != 1:
        raise ValueError(f"{t} has no finite decimal expansion")
    places = max(twos, fives)
    digits = str(abs(t.numerator * 10**places // t.denominator)).rjust(places + 1, "0")
    return ("-" if t < 0 else "") + digits[:-places] + "." + digits[-places:]


def loads(text: str) -> Any:
    """Parse one JSON value with every number exact (int or Fraction)."""
    return json.loads(text, parse_float=_exact, parse_int=_exact_int, parse_constant=_no_constant)


def _show(value: Any) -> str:
    text = json.dumps(value, default=lambda x: format_time(x) if isinstance(x, Fraction) else repr(x))
    return text if len(text) <= 60 else text[:57] + "..."


def _arity(action: str) -> tuple[str, ...]:
    """The argument names an action takes in a trace (the model's `ActionInfo.kind`)."""
    if action == "platform_announce_event":
        return ("host", "event_type")
    kind = ACTION_INFO[action].kind
    return () if kind == "seconds" else (kind,)


def record_from_json(data: Any, path: str, line: int) -> TraceRecord:
    """Check one parsed record's fields and types; raise `InputError` naming the field."""
    if not isinstance(data, dict):
        raise InputError(path, line, None, f"expected a JSON object per line, got {_show(data)}")
    for key in data:
        if key not in RECORD_FIELDS:
            raise InputError(path, line, key, f"unknown field; expected one of {', '.join(sorted(RECORD_FIELDS))}")
    for key in ("time", "action"):
        if key not in data:
            raise InputError(path, line, key, "missing required field")
    time = _seconds(data["time"], path, line, "time")
    action = data["action"]
    if not isinstance(action, str) or action not in ACTION_INFO:
        raise InputError(path, line, "action", f"unknown action {_show(action)}; known: {', '.join(ACTION_INFO)}")
    args = data.get("args", [])
    if not isinstance(args, list):
        raise InputError(path, line, "args", f"expected an array, got {_show(args)}")
    names = _arity(action)
    if len(args) != len(names):
        want = ", ".join(names) or "no arguments (the duration is the gap to the previous record's time)"
        raise InputError(path, line, "args", f"{action} takes {want}; got {len(args)} argument(s)")
    for i, (name, value) in enumerate(zip(names, args)):
        if not isinstance(value, str) or not value:
            raise InputError(path, line, f"args[{i}]", f"expected the {name} as a non-empty string, got {_show(value)}")
        if name == "event_type" and value not in EVENT_TYPES:
            raise InputError(path, line, f"args[{i}]", f"expected one of {', '.join(EVENT_TYPES)}, got {value!r}")
    state = data.get("state")
    if state is not None and not isinstance(state, dict):
        raise InputError(path, line, "state", f"expected an object, got {_show(state)}")
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        raise InputError(path, line, "note", f"expected a string, got {_show(note)}")
    return TraceRecord(line, time, action, tuple(args), state)


def _seconds(value: object, path: str, line: int, field: str) -> Fraction:
    """An exact, non-negative number of seconds read from `field`."""
    try:
        seconds = parse_time(value)
    except ValueError as exc:
        raise InputError(path, line, field, str(exc)) from None
    if seconds < 0:
        raise InputError(path, line, field, f"expected seconds >= 0, got {format_time(seconds)}")
    return seconds


def header_from_json(data: dict, path: str, line: int) -> TraceHeader:
    for key in data:
        if key not in HEADER_FIELDS:
            raise InputError(path, line, key, f"unknown header field; expected one of {', '.join(sorted(HEADER_FIELDS))}")
    if data["format"] != FORMAT:
        raise InputError(path, line, "format", f"expected {FORMAT!r}, got {_show(data['format'])}")
    start = None
    if data.get("start") is not None:
        start = _seconds(data["start"], path, line, "start")
    meta = data.get("meta", {})
    if not isinstance(meta, dict):
        raise InputError(path, line, "meta", f"expected an object, got {_show(meta)}")
    return TraceHeader(line, start, meta)


def _lines(fh: Any, path: str, max_line: int) -> Iterator[tuple[int, str, bool]]:
    """(line number, text, ended by a newline) for each line, one at a time."""
    number = 0
    while True:
        raw = fh.readline(max_line + 1)
        if not raw:
            return
        number += 1
        if len(raw) > max_line:
            raise InputError(path, number, None, f"line longer than {max_line} bytes; is this a trace file?")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(path, number, None, f"not UTF-8 text (byte {exc.start + 1} of the line)") from None
        yield number, text, raw.endswith(b"\n")


def parse_line(text: str, path: str, number: int, terminated: bool = True) -> Any:
    """One line's JSON value, or an `InputError` saying what is wrong with it."""
    try:
        return loads(text)
    except json.JSONDecodeError as exc:
        if not terminated:
            raise InputError(path, number, None, f"truncated last line (no newline at its end): {exc.msg}") from None
        raise InputError(path, number, None, f"invalid JSON: {exc.msg} (column {exc.colno})") from None
    except (_BadNumber, ValueError) as exc:
        raise InputError(path, number, None, f"invalid number: {exc}") from None
    except RecursionError:
        raise InputError(path, number, None, "JSON nested too deeply") from None


def read_trace(path: str | Path, *, max_line: int = MAX_LINE_BYTES) -> Iterator[TraceHeader | TraceRecord]:
    """Stream a trace file: the header (when its first record is one), then each record.

    Blank lines are skipped.  Times must not go backwards; any fault raises `InputError`
    with the line number, and the records before it have already been yielded."""
    p = str(path)
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise InputError(p, None, None, f"cannot read file: {exc.strerror}") from None
    with fh:
        last: Fraction | None = None
        first = True
        for number, text, terminated in _lines(fh, p, max_line):
            if not text.strip():
                continue
            data = parse_line(text, p, number, terminated)
            if first and isinstance(data, dict) and "format" in data:
                first = False
                header = header_from_json(data, p, number)
                last = header.start
                yield header
                continue
            first = False
            record = record_from_json(data, p, number)
            if last is not None and record.time < last:
                raise InputError(
                    p, number, "time",
                    f"time went backwards: {format_time(record.time)} s after {format_time(last)} s on an earlier line",
                )
            last = record.time
            yield record


def encode(value: Any) -> str:
    """Compact JSON text for `value`, every Fraction written as its exact decimal (the
    standard encoder would round it through a float)."""
    if isinstance(value, Fraction):
        return format_time(value)
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(str(k)) + ":" + encode(v) for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(encode(v) for v in value) + "]"
    return json.dumps(value, allow_nan=False)


def dumps_record(time: Fraction | int, action: str, args: tuple = (), state: dict | None = None) -> str:
    """One record as a JSON line (no newline), every time written as its exact decimal."""
    data: dict[str, Any] = {"time": Fraction(time), "action": action}
    if args:
        data["args"] = list(args)
    if state is not None:
        data["state"] = state
    return encode(data)


def dumps_header(start: Fraction | int | None = 0, meta: dict | None = None) -> str:
    data: dict[str, Any] = {"format": FORMAT}
    if start is not None:
        data["start"] = Fraction(start)
    if meta:
        data["meta"] = meta
    return encode(data)
