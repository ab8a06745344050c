"""The trace reader: exact time from decimal text, streaming, and a clear line-numbered
error for every kind of bad input (fuzzed with Hypothesis)."""

import json
import tracemalloc
from fractions import Fraction
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vmspec.model import ACTION_INFO
from vmspec.properties.conformance.trace.format import (
    TraceHeader,
    TraceRecord,
    dumps_record,
    format_time,
    loads,
    parse_line,
    parse_time,
    read_trace,
    record_from_json,
)
from vmspec.properties.io.errors import InputError

DATA = Path(__file__).parent / "data" / "traces"
SCHEMA = json.loads((Path(__file__).parents[1] / "properties" / "io" / "schemas" / "trace.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def test_time_is_exact_decimal_never_float():
    assert parse_time(loads("0.1")) + parse_time(loads("0.2")) == parse_time("0.3")
    assert parse_time("1714000000.123456789") == Fraction(1714000000123456789, 10**9)
    assert parse_time(loads("1.5e2")) == 150
    with pytest.raises(ValueError):
        parse_time(True)
    with pytest.raises(ValueError):
        parse_time(" 1.5")


@given(st.integers(-10**12, 10**12), st.integers(0, 12), st.integers(0, 12))
def test_format_time_round_trips(n, twos, fives):
    t = Fraction(n, 2**twos * 5**fives)
    assert parse_time(format_time(t).lstrip("-")) == abs(t)
    assert loads(dumps_record(abs(t), "time_passes"))["time"] == abs(t)


def test_header_and_records_stream_in_order():
    items = list(read_trace(DATA / "tiny_conforming.jsonl"))
    assert isinstance(items[0], TraceHeader) and items[0].start == Fraction("1714000000")
    assert all(isinstance(r, TraceRecord) for r in items[1:])
    assert items[4].time == Fraction("1714000037.125") and items[4].line == 5
    assert items[-1].action == "time_passes" and items[-1].args == ()


@pytest.mark.parametrize(
    "name, line, field, words",
    [
        ("bad_json.jsonl", 2, None, "invalid JSON"),
        ("bad_unknown_action.jsonl", 2, "action", "unknown action"),
        ("bad_wrong_type.jsonl", 2, "args[0]", "non-empty string"),
        ("bad_time_backwards.jsonl", 2, "time", "went backwards"),
        ("bad_truncated.jsonl", 2, None, "truncated last line"),
    ],
)
def test_bad_files_name_line_and_field(name, line, field, words):
    with pytest.raises(InputError) as info:
        list(read_trace(DATA / name))
    err = info.value
    assert (err.line, err.field) == (line, field) and words in err.reason and err.path.endswith(name)


@pytest.mark.parametrize(
    "text, words",
    [
        (b'{"time": NaN, "action": "time_passes"}\n', "invalid number"),
        (b'{"time": 1e999999999, "action": "time_passes"}\n', "exponent"),
        (b'{"time": -1, "action": "time_passes"}\n', ">= 0"),
        (b'{"time": "soon", "action": "time_passes"}\n', "decimal"),
        (b'{"time": 1, "action": "time_passes", "args": [1]}\n', "no arguments"),
        (b'{"time": 1, "action": "platform_announce_event", "args": ["h0", "Nap"]}\n', "Freeze"),
        (b'{"time": 1, "action": "host_freeze", "args": ["h0"], "extra": 1}\n', "unknown field"),
        (b'{"format": "vmspec-trace/9"}\n', "vmspec-trace/1"),
        (b'[1, 2]\n', "JSON object"),
        (b'{"time": 1, "action": "host_freeze", "args": ["\xff"]}\n', "not UTF-8"),
        (b"[" * 100000 + b"\n", "nested"),
    ],
)
def test_bad_lines(tmp_path, text, words):
    p = tmp_path / "t.jsonl"
    p.write_bytes(text)
    with pytest.raises(InputError) as info:
        list(read_trace(p))
    assert info.value.line == 1 and words in str(info.value)


def test_overlong_line_is_refused_without_reading_it_whole(tmp_path):
    p = tmp_path / "t.jsonl"
    p.write_bytes(b'{"time": 0, "action": "time_passes", "note": "' + b"x" * 5000 + b'"}\n')
    with pytest.raises(InputError, match="longer than 1000 bytes"):
        list(read_trace(p, max_line=1000))


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        list(read_trace(tmp_path / "absent.jsonl"))


def test_memory_stays_flat_while_streaming(tmp_path):
    p = tmp_path / "long.jsonl"
    with open(p, "w") as fh:
        for i in range(1, 60001):
            fh.write(dumps_record(Fraction(i, 8), "time_passes") + "\n")
    tracemalloc.start()
    n = sum(1 for _ in read_trace(p))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert n == 60000 and peak < 2_000_000  # the file is ~2.6 MB; the reader holds one line


# -------------------------------------------------------------------- fuzzing

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300)
@given(st.lists(st.binary(max_size=80), max_size=5), st.booleans())
def test_fuzz_raw_bytes_give_records_or_input_errors(tmp_path_factory, lines, newline_at_end):
    p = tmp_path_factory.mktemp("fz") / "t.jsonl"
    p.write_bytes(b"\n".join(lines) + (b"\n" if newline_at_end else b""))
    try:
        for item in read_trace(p):
            assert isinstance(item, TraceHeader | TraceRecord)
    except InputError as exc:
        assert exc.line is not None and exc.line >= 1


record_values = st.fixed_dictionaries(
    {"time": st.one_of(st.integers(-5, 10**6), st.decimals(-5, 10**6, places=3).map(str), st.booleans(),
                       st.text(max_size=4)),
     "action": st.sampled_from([*ACTION_INFO, "host_teleport", ""])},
    optional={"args": st.lists(st.sampled_from(["h0", "vm0", "h0#1", "Freeze", "Nap", "", 3]), max_size=3),
              "note": st.one_of(st.text(max_size=5), st.integers()),
              "zzz": json_values},
)


@settings(max_examples=400)
@given(record_values)
def test_fuzz_reader_agrees_with_the_published_schema(data):
    """The hand-written checks and trace.schema.json accept exactly the same records."""
    text = json.dumps(data)
    try:
        record_from_json(parse_line(text, "<t>", 1), "<t>", 1)
        accepted = True
    except InputError:
        accepted = False
    assert accepted == VALIDATOR.is_valid(json.loads(text)), text


@settings(max_examples=200)
@given(json_values)
def test_fuzz_any_json_value_is_a_record_or_an_input_error(value):
    try:
        record_from_json(parse_line(json.dumps(value), "<t>", 3), "<t>", 3)
    except InputError as exc:
        assert exc.line == 3


# Lines near the common shape: the reader's fast path must give exactly the record the JSON
# decoder and `record_from_json` give, or step aside for them (which give every error).
_pieces = st.sampled_from(['{', '}', '"time"', '"action"', '"args"', ':', ',', ' ', '[', ']', '"h0"', '"h0#1"',
                           '"Freeze"', '"Frozen"', '""', '"time_passes"', '"platform_start_event"', '"vm0"',
                           '"platform_announce_event"', '"vm_clock_resync"', '1', '0', '01', '1.50', '-2', '1e3',
                           '"1.5"', '"a\\"b"', '"x\\u0041"', '\t', '\n', '"state"', 'null', '7.000000001'])
_common = st.builds(
    lambda t, a, args, sp: sp.join(['{', '"time"', ':', t, ',', '"action"', ':', f'"{a}"']
                                   + ([',', '"args"', ':', '[', ','.join(f'"{x}"' for x in args), ']'] if args is not None
                                      else []) + ['}']) + "\n",
    st.from_regex(r"(0|[1-9][0-9]{0,12})(\.[0-9]{1,9})?", fullmatch=True),
    st.sampled_from(sorted(ACTION_INFO) + ["time_passing"]),
    st.none() | st.lists(st.sampled_from(["h0", "h1", "vm0", "h0#1", "Freeze", "Reboot", "", "é"]), max_size=3),
    st.sampled_from(["", " ", "\t", " \r "]),
)


@settings(max_examples=500)
@given(_common | st.lists(_pieces, max_size=16).map("".join))
def test_the_common_shape_reads_as_the_json_decoder_reads_it(text):
    from vmspec.properties.conformance.trace.format import _common_record

    fast = _common_record(text, 7)
    try:
        slow = record_from_json(parse_line(text, "t.jsonl", 7), "t.jsonl", 7)
    except InputError:
        slow = None
    if fast is not None:
        assert fast == slow and type(fast.time) is Fraction


def test_the_common_shape_takes_the_fast_path():
    from vmspec.properties.conformance.trace.format import _common_record

    r = _common_record('{"time": 1.250, "action": "platform_announce_event", "args": ["h0", "Freeze"]}\n', 4)
    assert r == TraceRecord(4, Fraction(5, 4), "platform_announce_event", ("h0", "Freeze"))
    assert _common_record('{"time":3,"action":"time_passes"}\n', 1) == TraceRecord(1, Fraction(3), "time_passes", ())
