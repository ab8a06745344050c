"""The capture reader: every unreadable line is an InputError naming the line and the field,
the reader and the JSON Schema agree on the handcrafted captures, fuzzed input never
raises anything else, and memory stays flat however long the capture."""

import json
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vmspec.properties.conformance.events import StreamChecker, format_rfc1123, read_capture, read_lines
from vmspec.properties.conformance.events.stream import EVENT_FIELD_TYPES, HEADER_KEYS, LINE_KEYS
from vmspec.properties.io.errors import InputError

DATA = Path(__file__).parent / "data" / "events"
SCHEMA = json.loads((Path(__file__).parents[1] / "properties" / "io" / "schemas" /
                     "scheduled-events-capture.schema.json").read_text())
OK = '{"observed_at": "2024-01-01T00:00:00Z", "document": {"DocumentIncarnation": 1, "Events": []}}\n'


def read(*lines: bytes | str) -> list:
    raw = [x if isinstance(x, bytes) else x.encode() for x in lines]
    return list(read_lines(raw, "capture.jsonl"))


@pytest.mark.parametrize("line, field, reason", [
    (b"\xff\xfe{}\n", None, "not valid UTF-8 (byte 0xff at offset 0)"),
    (b'{"observed_at": "2024-01-01T00:00:00Z",, }\n', None, "malformed JSON"),
    (b'{"observed_at": "2024-01-01T00:00:00Z", "docu', None, "truncated last line"),
    (b"[1, 2]\n", None, "expected a JSON object"),
    (b'{"document": {"DocumentIncarnation": 1, "Events": []}}\n', "observed_at", "missing"),
    (b'{"observed_at": 5, "document": null}\n', "observed_at", "expected an RFC 3339 timestamp string"),
    (b'{"observed_at": "2024-01-01 00:00:00", "document": null}\n', "observed_at", "RFC 3339"),
    (b'{"observed_at": "2024-02-30T00:00:00Z", "document": null}\n', "observed_at", "RFC 3339"),
    (b'{"observed_at": "2024-01-01T00:00:00Z", "vm": "a"}\n', "vm", "unknown key"),
    (b'{"observed_at": "2024-01-01T00:00:00Z", "observed_at": "2024-01-01T00:00:00Z"}\n', "observed_at", "appears twice"),
    (b'{"observed_at": "2024-01-01T00:00:00Z"}\n', "document", "a 200 response carries the document"),
    (b'{"observed_at": "2024-01-01T00:00:00Z", "http_status": 429, "document": {}}\n', "document", "carries no document"),
    (b'{"observed_at": "2024-01-01T00:00:00Z", "http_status": "200", "document": null}\n', "http_status", "100..599"),
    (b'{"observed_at": "2024-01-01T00:00:00Z", "api_version": "2021-01-01", "document": null}\n', "api_version",
     "expected one of 2017-03-01"),
    (b'{"observed_at": "2024-01-01T00:00:00Z", "approved": "x", "document": null}\n', "approved", "array of EventId"),
    (b'{"observed_at": "2024-01-01T00:00:00Z", "document": {"DocumentIncarnation": true, "Events": []}}\n',
     "document.DocumentIncarnation", "expected an integer, got a boolean"),
    (b'{"observed_at": "2024-01-01T00:00:00Z", "document": {"DocumentIncarnation": NaN, "Events": []}}\n', None,
     "NaN is not a JSON number"),
    (b'{"observed_at": "2024-01-01T00:00:00Z", "document": {"DocumentIncarnation": 1}}\n', "document.Events",
     "expected an array of events, got null"),
    (b'{"observed_at": "2024-01-01T00:00:00Z", "document": {"DocumentIncarnation": 1, "Events": [{"Resources": "vm0"}]}}\n',
     "document.Events[0].Resources", "expected array of strings, got a string"),
    (b'{"observed_at": "2024-01-01T00:00:00Z", "document": {"DocumentIncarnation": 1, "Events": [{"DurationInSeconds": 1.5}]}}\n',
     "document.Events[0].DurationInSeconds", "expected integer, got a number"),
    (b"[" * 100_000 + b"\n", None, "malformed JSON"),
])
def test_unreadable_line_names_line_field_and_reason(line, field, reason):
    with pytest.raises(InputError) as info:
        read(OK, line)
    e = info.value
    assert (e.path, e.line, e.field) == ("capture.jsonl", 2, field)
    assert reason in e.reason


def test_time_going_backwards_is_unreadable():
    with pytest.raises(InputError) as info:
        read(OK, OK.replace("2024-01-01T00:00:00Z", "2023-12-31T23:59:59+00:00"))
    assert info.value.line == 2 and info.value.field == "observed_at"
    assert "time goes backwards" in info.value.reason and "on line 1" in info.value.reason


def test_offsets_fractions_blank_lines_bom_and_a_last_line_without_newline_are_readable():
    later = OK.replace("2024-01-01T00:00:00Z", "2024-01-01T01:00:00.25+01:00")  # the same instant, plus 0.25 s
    obs = read(b"\xef\xbb\xbf" + OK.encode(), "\n", "   \n", later.rstrip("\n"))
    assert [o.line for o in obs] == [1, 4]
    assert obs[1].observed_at - obs[0].observed_at == 250_000


def test_a_missing_file_is_unreadable_input(tmp_path):
    with pytest.raises(InputError) as info:
        list(read_capture(tmp_path / "none.jsonl"))
    assert "cannot read the capture" in info.value.reason


@pytest.mark.parametrize("path", sorted(DATA.glob("*.jsonl")) + sorted((DATA / "real").glob("*.jsonl")), ids=lambda p: p.name)
def test_the_schema_and_the_reader_agree_on_every_handcrafted_capture(path):
    """A line the schema rejects is one the reader rejects, and the reverse, except for what
    a schema cannot see (bytes, JSON syntax, time order across lines)."""
    validator = jsonschema.Draft202012Validator(SCHEMA)
    reader_ok = True
    try:
        list(read_capture(path))
    except InputError:
        reader_ok = False
    schema_ok = True
    for raw in path.read_bytes().splitlines():
        try:
            data = json.loads(raw)
        except ValueError:
            schema_ok = False
            break
        schema_ok = schema_ok and validator.is_valid(data)
    if path.name == "bad_time_backwards.jsonl":
        assert schema_ok and not reader_ok
    else:
        assert schema_ok == reader_ok == (not path.name.startswith("bad_"))


def test_the_schema_lists_exactly_the_keys_the_reader_accepts():
    observation = SCHEMA["$defs"]["observation"]
    assert tuple(observation["properties"]) == ("observed_at", "api_version", "http_status", "approved", "approved_by",
                                                   "document")
    assert set(observation["properties"]) == set(LINE_KEYS)
    assert set(SCHEMA["$defs"]["header"]["properties"]["capture"]["properties"]) == set(HEADER_KEYS)
    assert set(SCHEMA["$defs"]["event"]["properties"]) == set(EVENT_FIELD_TYPES)


# ---------------------------------------------------------------- fuzzing: a result or an InputError

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 2**40), st.floats(allow_nan=False),
                     st.sampled_from(["", "Scheduled", "Started", "Freeze", "Reboot", "Completed",
                                      "Mon, 01 Jan 2024 00:15:00 GMT", "2024-01-01T00:15:00Z", "e1", "e2"]))
_json = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=4), inner, max_size=3)),
                     max_leaves=8)
_events = st.lists(st.fixed_dictionaries({}, optional={k: _json for k in EVENT_FIELD_TYPES}) | _json, max_size=3)
_documents = st.fixed_dictionaries({}, optional={"DocumentIncarnation": st.integers(-1, 5) | _json,
                                                 "Events": _events})
_times = st.sampled_from(["2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z", "2024-01-01T00:20:00+00:00", "yesterday"])
_lines = st.fixed_dictionaries({}, optional={
    "observed_at": _times, "document": _documents | _json, "api_version": st.sampled_from(["2017-08-01", "2020-07-01", "x"]),
    "http_status": st.sampled_from([200, 200, 429, 201, 0]), "approved": st.lists(st.sampled_from(["e1", "e2"])) | _json,
    "extra": _json,
})


def _check(raw_lines: list[bytes]) -> None:
    checker = StreamChecker()
    try:
        for obs in read_lines(raw_lines, "fuzz.jsonl"):
            for f in checker.feed(obs):
                assert f.rule and f.severity in ("error", "warning") and f.line == obs.line
    except InputError as e:
        assert e.path == "fuzz.jsonl" and e.line is not None and e.line >= 1 and e.reason


@settings(max_examples=300, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.binary(max_size=60), max_size=5))
def test_fuzzed_bytes_give_a_result_or_an_input_error(chunks):
    _check([c + b"\n" for c in chunks[:-1]] + chunks[-1:])


@settings(max_examples=300, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_lines, max_size=6))
def test_fuzzed_observations_give_a_result_or_an_input_error(lines):
    _check([(json.dumps(x) + "\n").encode() for x in lines])


# ---------------------------------------------------------------- memory


def _synthetic(n: int):
    """A capture of n one-second polls: every 50 polls a fresh Preempt is announced, approved
    and started, then removed, so only the set of removed EventIds grows (one id per cycle)."""
    t0 = 1_704_067_200
    for i in range(n):
        cycle, phase = divmod(i, 50)
        events = []
        if phase:
            status = "Scheduled" if phase < 40 else "Started"
            nb = format_rfc1123(datetime.fromtimestamp(t0 + cycle * 50 + 1000, UTC))
            events = [{"EventId": f"e{cycle}", "EventType": "Preempt", "ResourceType": "VirtualMachine",
                       "Resources": ["vm0"], "EventStatus": status, "NotBefore": nb if status == "Scheduled" else "",
                       "Description": "", "EventSource": "Platform", "DurationInSeconds": -1}]
        incarnation = cycle * 3 + (0 if phase == 0 else 1 if phase < 40 else 2)
        stamp = datetime.fromtimestamp(t0 + i, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        line = {"observed_at": stamp, "document": {"DocumentIncarnation": incarnation, "Events": events},
                "approved": [f"e{cycle}"] if phase == 39 else []}
        yield (json.dumps(line) + "\n").encode()


def _peak(n: int) -> int:
    tracemalloc.start()
    try:
        checker = StreamChecker()
        for obs in read_lines(_synthetic(n), "long.jsonl"):
            assert not checker.feed(obs)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_however_long_the_capture():
    """Ten times the lines (and ten times the events) costs far less than ten times the memory:
    only the set of removed EventIds grows, by one short string per finished event."""
    small, large = _peak(500), _peak(5000)
    assert large < small + 40_000, (small, large)
