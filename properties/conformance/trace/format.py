"""The trace format: JSON Lines, one record a line, read as a stream with exact time.

An implementation's trace is a sequence of records, each with the time it happened, the
model action it performed and that action's arguments, and optionally the state the
implementation believes it is in (notes/trace-format.md; schema:
properties/io/schemas/trace.schema.json).  An optional first line is a header naming the
format and the time the rollout began.

Every number is read exactly from its decimal text as a `fractions.Fraction`, never as a
float: real traces carry fractional seconds and irregular gaps, and the pause bound (R2)
must be judged on the exact elapsed time.  The reader streams through the input layer
(`vmspec.properties.io.inputs`): it holds one line at a time, decodes each strictly under the
bounds of notes/limits.md, checks every field's type and domain (the optional `state`
included), and reports every malformed line as an `InputError` with the file, the line
number and the field.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from vmspec.model import ACTION_INFO, EVENT_TYPES
from vmspec.properties.io import inputs
from vmspec.properties.io.errors import InputError
from vmspec.properties.io.limits import current as current_limits

FORMAT = "vmspec-trace/1"
MAX_LINE_BYTES = 1 << 20  # the default of `Limits.line_bytes`: one record never needs a mebibyte
MAX_EXPONENT = 60  # the default of `Limits.exponent`: 1e999999999 would be an exact integer of a billion digits

RECORD_FIELDS = frozenset({"time", "action", "args", "state", "note"})
HEADER_FIELDS = frozenset({"format", "start", "meta"})
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?", re.ASCII)


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
    limits = current_limits()
    if m.group(3) and abs(int(m.group(3)[1:])) > limits.exponent:
        raise _BadNumber(f"{text!r} has an exponent beyond +-{limits.exponent}")
    if len(text) > limits.digits + 8:
        raise _BadNumber(f"a number of {len(text)} characters is beyond the limit of {limits.digits} digits")
    return Fraction(text)


def parse_time(value: Any) -> Fraction:
    """A time value from a parsed record: an exact JSON number or a string holding a decimal."""
    kind = type(value)
    if kind is Fraction:  # the reader's own exact numbers: kept as they are
        return value
    if kind is int:
        return Fraction(value)
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
    """Parse one JSON value strictly (notes/limits.md) with every number exact (int or Fraction)."""
    return inputs.loads(text, exact=True)


def _show(value: Any) -> str:
    text = json.dumps(value, default=lambda x: format_time(x) if isinstance(x, Fraction) else repr(x))
    return text if len(text) <= 60 else text[:57] + "..."


def _arity(action: str) -> tuple[str, ...]:
    """The argument names an action takes in a trace (the model's `ActionInfo.kind`)."""
    info = ACTION_INFO[action]
    return () if info.kind == "seconds" else info.args


_ARITY = {name: _arity(name) for name in ACTION_INFO}  # read once per record


def record_from_json(data: Any, path: str, line: int) -> TraceRecord:
    """Check one parsed record's fields and types; raise `InputError` naming the field."""
    if not isinstance(data, dict):
        raise InputError(path, line, None, f"expected a JSON object per line, got {_show(data)}")
    if not RECORD_FIELDS.issuperset(data):
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
    names = _ARITY[action]
    if names and names[-1] == "approver" and len(args) == len(names) - 1:
        names = names[:-1]  # no approver: the leader, the first VM the event names, approved (R28)
    if len(args) != len(names):
        want = ", ".join(names) or "no arguments (the duration is the gap to the previous record's time)"
        raise InputError(path, line, "args", f"{action} takes {want}; got {len(args)} argument(s)")
    for i, (name, value) in enumerate(zip(names, args)):
        if not isinstance(value, str) or not value:
            raise InputError(path, line, f"args[{i}]", f"expected the {name} as a non-empty string, got {_show(value)}")
        if name == "event_type" and value not in EVENT_TYPES:
            raise InputError(path, line, f"args[{i}]", f"expected one of {', '.join(EVENT_TYPES)}, got {value!r}")
    state = data.get("state")
    if state is not None:
        check_state(state, path, line)
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        raise InputError(path, line, "note", f"expected a string, got {_show(note)}")
    return TraceRecord(line, time, action, tuple(args), state)


# The observed state: any subset of `describe_state` (vmspec.properties.evidence.diff), each
# field of the type and domain the model gives it.  A value outside them is bad input, never a
# divergence from the model.
def _nat(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _seconds_value(v: Any) -> bool:
    return isinstance(v, int | Fraction) and not isinstance(v, bool) and v >= 0


def _or_null(check: tuple[Any, str]) -> tuple[Any, str]:
    return (lambda v: v is None or check[0](v)), check[1] + " or null"


_NAME = ((lambda v: isinstance(v, str) and v != ""), "a non-empty string")
_BOOL = ((lambda v: isinstance(v, bool)), "true or false")
_NAT = (_nat, "an integer >= 0")
_SECONDS = (_seconds_value, "seconds >= 0")
_INT = ((lambda v: isinstance(v, int) and not isinstance(v, bool)), "an integer")
# Names of phases, statuses and event types are the model's vocabulary; a value outside it is
# judged by the registry (a phase typo, a "Completed" status), so only their type is checked.
HOST_STATE_FIELDS = {"patched": _BOOL, "needs_reboot": _BOOL, "phase": _NAME}
VM_STATE_FIELDS = {
    "status": _NAME, "host": _NAME, "memory": _NAT, "snapshot": _or_null(_NAT),
    "frozen_for": _or_null(_SECONDS), "clock_lag": _SECONDS, "unsynced_for": _or_null(_SECONDS),
    # the implementation's own name for the VM's memory contents (notes/trace-format.md, R1)
    "memory_version": ((lambda v: (isinstance(v, str) and v != "") or _nat(v)), "a non-empty string or an integer >= 0"),
}
EVENT_STATE_FIELDS = {
    "EventId": _NAME, "EventType": _NAME, "Resources": None, "EventStatus": _NAME,
    "not_before_in": _or_null(_SECONDS), "DurationInSeconds": _INT, "approved": _BOOL,
    "EventSource": _NAME, "Description": ((lambda v: isinstance(v, str)), "a string"),
    "approved_by": _or_null(_NAME),
}

RECOVERING_FIELDS = {"update_domain": _NAT, "seconds_left": _SECONDS}  # per set whose recovery gap runs (R21)


def _object(value: Any, path: str, line: int, where: str, known: dict | None = None) -> dict:
    if not isinstance(value, dict):
        raise InputError(path, line, where, f"expected an object, got {_show(value)}")
    if known is not None:
        for key in value:
            if key not in known:
                raise InputError(path, line, f"{where}.{key}", f"unknown field; expected one of {', '.join(known)}")
    return value


def _fields(value: dict, spec: dict, path: str, line: int, where: str) -> None:
    for key, v in value.items():
        check = spec[key]
        if check is not None and not check[0](v):
            raise InputError(path, line, f"{where}.{key}", f"expected {check[1]}, got {_show(v)}")


def check_state(state: Any, path: str, line: int) -> dict:
    """Check a record's observed `state` field by field; raise `InputError` naming the field."""
    _object(state, path, line, "state", {"hosts": 0, "vms": 0, "document": 0, "recovering": 0})
    if "recovering" in state:
        for name, gap in _object(state["recovering"], path, line, "state.recovering").items():
            where = f"state.recovering.{name}"
            if gap is None:
                continue  # no gap runs for this set
            _fields(_object(gap, path, line, where, RECOVERING_FIELDS), RECOVERING_FIELDS, path, line, where)
    for group, spec in (("hosts", HOST_STATE_FIELDS), ("vms", VM_STATE_FIELDS)):
        if group in state:
            for name, fields in _object(state[group], path, line, f"state.{group}").items():
                where = f"state.{group}.{name}"
                _fields(_object(fields, path, line, where, spec), spec, path, line, where)
    if "document" in state:
        doc = _object(state["document"], path, line, "state.document",
                      {"DocumentIncarnation": 0, "Events": 0, "removed": 0})
        removed = doc.get("removed", [])
        if not isinstance(removed, list) or not all(_NAME[0](r) for r in removed):
            raise InputError(path, line, "state.document.removed",
                             f"expected an array of the EventIds that left the document, got {_show(removed)}")
        if "DocumentIncarnation" in doc and not _nat(doc["DocumentIncarnation"]):
            raise InputError(path, line, "state.document.DocumentIncarnation",
                             f"expected an integer >= 0, got {_show(doc['DocumentIncarnation'])}")
        if "Events" in doc:
            events = doc["Events"]
            if not isinstance(events, list):
                raise InputError(path, line, "state.document.Events", f"expected an array, got {_show(events)}")
            for i, event in enumerate(events):
                where = f"state.document.Events[{i}]"
                _fields(_object(event, path, line, where, EVENT_STATE_FIELDS), EVENT_STATE_FIELDS, path, line, where)
                resources = event.get("Resources", [])
                if not isinstance(resources, list) or not all(_NAME[0](r) for r in resources):
                    raise InputError(path, line, f"{where}.Resources",
                                     f"expected an array of VM names, got {_show(resources)}")
    return state


def _seconds(value: object, path: str, line: int, field: str) -> Fraction:
    """An exact, non-negative number of seconds read from `field`."""
    try:
        seconds = parse_time(value)
    except ValueError as exc:
        raise InputError(path, line, field, str(exc)) from None
    if seconds.numerator < 0:
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


def _lines(fh: Any, path: str, max_line: int | None = None) -> Iterator[tuple[int, str, bool]]:
    """(line number, text, ended by a newline) for each line, one at a time, under the bounds
    of the input layer (`max_line` overrides `Limits.line_bytes`)."""
    limits = current_limits()
    if max_line is not None and max_line != limits.line_bytes:
        limits = replace(limits, line_bytes=max_line)
    for number, raw in inputs.lines(fh, path, limits, "trace file"):
        yield number, inputs.decode(raw, path, number), raw.endswith(b"\n")


def parse_line(text: str, path: str, number: int, terminated: bool = True) -> Any:
    """One line's JSON value, or an `InputError` saying what is wrong with it."""
    try:
        return loads(text)
    except json.JSONDecodeError as exc:
        if not terminated:
            raise InputError(path, number, None, f"truncated last line (no newline at its end): {exc.msg}") from None
        raise InputError(path, number, None, f"invalid JSON: {exc.msg} (column {exc.colno})") from None
    except inputs.JsonRefused as exc:
        raise InputError(path, number, exc.field, exc.reason) from None
    except (_BadNumber, ValueError) as exc:
        raise InputError(path, number, None, f"invalid number: {exc}") from None


# The common record, `{"time": 12.345, "action": "name", "args": ["h0", ...]}` with plain decimal
# time and names free of escapes, read without the JSON decoder.  A line of any other shape, or
# one that fails a check, goes through `parse_line` and `record_from_json`, which accept exactly
# what this does and give every error.
_S = "[ \t\r\n]*"
_PLAIN = r'"[^"\\\x00-\x1f]*"'  # a JSON string without escapes: its text is its value
_COMMON = re.compile(
    rf'{_S}\{{{_S}"time"{_S}:{_S}(0|[1-9][0-9]{{0,29}})(?:\.([0-9]{{1,30}}))?{_S},{_S}"action"{_S}:{_S}"([a-z_]{{1,64}})"'
    rf'(?:{_S},{_S}"args"{_S}:{_S}\[{_S}((?:{_PLAIN}(?:{_S},{_S}{_PLAIN})*)?){_S}\])?{_S}\}}{_S}'
)
_PLAIN_STRING = re.compile(_PLAIN)


def _common_record(text: str, line: int) -> TraceRecord | None:
    """The record of a line of the common shape that passes every check, else None."""
    m = _COMMON.fullmatch(text)
    if m is None:
        return None
    whole, fraction, action, args = m.groups()
    names = _ARITY.get(action)
    if names is None:
        return None
    values = tuple(a[1:-1] for a in _PLAIN_STRING.findall(args)) if args else ()
    if len(values) != len(names) or not all(values):
        return None
    for name, value in zip(names, values):
        if name == "event_type" and value not in EVENT_TYPES:
            return None
    time = Fraction(int(whole + fraction), 10 ** len(fraction)) if fraction else Fraction(int(whole))
    return TraceRecord(line, time, action, values)


def _common_shape_allowed() -> bool:
    """The common shape needs no bound checked: at most 60 digits, nesting 2."""
    limits = current_limits()
    return limits.digits >= 60 and limits.depth >= 2


def read_trace(path: str | Path, *, max_line: int | None = None) -> Iterator[TraceHeader | TraceRecord]:
    """Stream a trace file: the header (when its first record is one), then each record.

    Blank lines are skipped.  Times must not go backwards; any fault raises `InputError`
    with the line number, and the records before it have already been yielded."""
    p = "<stdin>" if str(path) == inputs.STDIN else str(path)
    fh = inputs.open_binary(path, "file")
    with contextlib.nullcontext(fh) if fh is sys.stdin.buffer else fh:
        last: Fraction | None = None
        first = True
        common = _common_shape_allowed()
        for number, text, terminated in _lines(fh, p, max_line):
            if not text.strip():
                continue
            record = _common_record(text, number) if common and terminated else None
            if record is None:
                data = parse_line(text, p, number, terminated)
                if first and isinstance(data, dict) and "format" in data:
                    first = False
                    header = header_from_json(data, p, number)
                    last = header.start
                    yield header
                    continue
                record = record_from_json(data, p, number)
            first = False
            t = record.time
            if last is not None and t.numerator * last.denominator < last.numerator * t.denominator:
                raise InputError(
                    p, number, "time",
                    f"time went backwards: {format_time(record.time)} s after {format_time(last)} s on an earlier line",
                )
            last = t
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
