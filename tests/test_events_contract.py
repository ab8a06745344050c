"""The contract checker on handcrafted captures: each breaks one rule and is reported with
its line, EventId, rule and source; the real payload shapes quoted in the research file
pass; documented soft exceptions are warnings that --strict turns into errors."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from vmspec.properties.cli.main import main
from vmspec.properties.conformance.events import API_RULES, check_file, format_rfc1123, parse_rfc1123

DATA = Path(__file__).parent / "data" / "events"
DOC_ID = "C7061BAC-AFDC-4513-B24B-AA5F13A16123"

# file -> the exact (line, rule, severity) findings it yields without --strict
EXPECTED = {
    "ok_doc_example": [],
    "ok_incarnation_gap": [],
    "ok_cancelled": [],
    "ok_approved_early_start": [],
    "ok_api_2017_08_01": [],
    "ok_http_429": [],
    "ok_aks_freeze_started": [],
    "warn_short_notice_5min": [(2, "R9", "warning")],
    "warn_hardware_failure_reboot": [(2, "R11", "warning")],
    "warn_other_vm_approved": [(3, "R8", "warning")],
    "r8_start_before_notbefore": [(3, "R8", "error")],
    "r9_notice_10s": [(2, "R9", "error")],
    "r10_incarnation_down": [(2, "R10", "error")],
    "r10_changed_same_incarnation": [(2, "R10", "error")],
    "r11_back_to_scheduled": [(4, "R11", "error")],
    "r11_freeze_appears_started": [(2, "R11", "error")],
    "r11_type_changed": [(3, "R11", "error")],
    "r11_started_keeps_notbefore": [(3, "R11", "error")],
    "r11_scheduled_without_notbefore": [(2, "R11", "error")],
    "r12_removed_returns": [(4, "R12", "error")],
    "r13_completed_status": [(4, "R13", "error")],
    "e1_duration_before_2020": [(1, "E1", "error")],
    "e1_missing_eventsource": [(1, "E1", "error")],
    "e2_iso_notbefore": [(1, "E2", "error")],
    "e2_wrong_day_name": [(1, "E2", "error")],
    "e3_terminate_before_2019": [(1, "E3", "error")],
    "e3_resource_type": [(1, "E3", "error")],
    "e4_duration_minus_5": [(1, "E4", "error")],
    "e5_empty_resources": [(1, "E5", "error")],
    "e6_duplicate_event_id": [(1, "E6", "error")],
    "e7_status_201": [(2, "E7", "error")],
}


def test_every_handcrafted_capture_is_pinned():
    names = {p.stem for p in DATA.glob("*.jsonl") if not p.stem.startswith("bad_")}
    assert names == set(EXPECTED)
    assert {rule for fs in EXPECTED.values() for _, rule, _ in fs} >= {"R8", "R9", "R10", "R11", "R12", "R13"} | {
        r.rule_id for r in API_RULES}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_capture_yields_exactly_its_findings(name):
    report = check_file(str(DATA / f"{name}.jsonl"))
    assert [(f.line, f.rule, f.severity) for f in report.findings] == EXPECTED[name]
    assert report.failed == any(sev == "error" for _, _, sev in EXPECTED[name])
    for f in report.findings:
        assert f.source and "research" in f.source
        if f.rule not in ("R10", "E7"):
            assert f.event_id == DOC_ID or f.event_id.startswith("f020")


@pytest.mark.parametrize("name", [n for n in EXPECTED if n.startswith("warn_")])
def test_strict_makes_soft_exceptions_errors(name):
    report = check_file(str(DATA / f"{name}.jsonl"), strict=True)
    assert [(f.line, f.rule, f.severity) for f in report.findings] == [
        (line, rule, "error") for line, rule, _ in EXPECTED[name]]
    assert report.failed and "an error under --strict" in report.findings[0].message


def test_short_notice_warning_cites_the_documented_exception():
    (f,) = check_file(str(DATA / "warn_short_notice_5min.jsonl")).findings
    assert "at most 320 s of notice; the minimum is 900 s" in f.message
    assert "as little as 30 seconds" in f.source


def test_the_version_table_decides_which_fields_are_valid():
    (f,) = check_file(str(DATA / "e1_duration_before_2020.jsonl")).findings
    assert "DurationInSeconds (from 2020-07-01)" in f.message and "2019-08-01" in f.message
    (f,) = check_file(str(DATA / "e3_terminate_before_2019.jsonl")).findings
    assert "Terminate exists only from api-version 2019-01-01, not 2017-11-01" in f.message


def test_the_default_api_version_applies_to_lines_that_name_none():
    """The doc example carries Description, EventSource and DurationInSeconds: valid in
    2020-07-01, three fields too many for 2017-08-01."""
    assert not check_file(str(DATA / "ok_doc_example.jsonl"), api_version="2020-07-01").findings
    report = check_file(str(DATA / "ok_doc_example.jsonl"), api_version="2017-08-01")
    assert {f.rule for f in report.findings} == {"E1"}
    assert "Description (from 2019-04-01), EventSource (from 2019-08-01), DurationInSeconds (from 2020-07-01)" in \
        report.findings[0].message


def test_a_standing_field_error_is_reported_once_per_event():
    line = {"observed_at": "2024-01-01T00:00:00Z", "document": {"DocumentIncarnation": 1, "Events": [
        {"EventId": "e", "EventType": "Freeze", "ResourceType": "VirtualMachine", "Resources": ["vm0"],
         "EventStatus": "Scheduled", "NotBefore": "2024-01-01T00:20:00Z", "Description": "", "EventSource": "Platform",
         "DurationInSeconds": 9}]}}
    from vmspec.properties.conformance.events import check_observations, read_lines
    raw = [(json.dumps(line) + "\n").encode()] * 50
    report = check_observations(read_lines(raw, "x"))
    assert [(f.line, f.rule) for f in report.findings] == [(1, "E2")]


def test_rfc1123_round_trip_and_day_name():
    instant = datetime(2016, 9, 19, 18, 29, 47, tzinfo=UTC)
    assert format_rfc1123(instant) == "Mon, 19 Sep 2016 18:29:47 GMT"
    assert parse_rfc1123("Mon, 19 Sep 2016 18:29:47 GMT") == instant
    for bad in ("Tue, 19 Sep 2016 18:29:47 GMT", "Mon, 19 Sep 2016 18:29:47 UTC", "2016-09-19T18:29:47Z",
                "Mon, 31 Feb 2016 18:29:47 GMT", "Mon,19 Sep 2016 18:29:47 GMT"):
        assert parse_rfc1123(bad) is None


# ---------------------------------------------------------------- the command


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_lists_line_eventid_rule_and_source_then_a_summary(capsys):
    path = str(DATA / "r8_start_before_notbefore.jsonl")
    code, out, err = run(capsys, "events", "check", path)
    first, summary = out.strip().splitlines()
    assert code == 1 and err == ""
    assert first.startswith(f"{path}:3: error R8 [{DOC_ID}]: started at least 1007 s before NotBefore")
    assert "(source: research 3.3" in first
    assert summary.startswith("summary: 3 observations (3 documents)") and summary.endswith("1 error (R8 1), 0 warnings: FAILED")


def test_check_exit_status_0_with_warnings_and_1_under_strict(capsys):
    path = str(DATA / "warn_hardware_failure_reboot.jsonl")
    code, out, _ = run(capsys, "events", "check", path)
    assert code == 0 and "warning R11" in out and out.rstrip().endswith(": ok")
    code, out, _ = run(capsys, "events", "check", path, "--strict", "--json")
    data = json.loads(out)
    assert code == 1 and not data["ok"] and data["summary"]["errors_by_rule"] == {"R11": 1}
    assert data["findings"][0]["source"].startswith("research 3.4 and 3.5")


@pytest.mark.parametrize("name, reason", [
    ("bad_not_utf8", ":2: not valid UTF-8"),
    ("bad_truncated", ":2: truncated last line"),
    ("bad_time_backwards", ":2: observed_at: time goes backwards"),
    ("bad_wrong_type", ":2: document.DocumentIncarnation: expected an integer, got a string"),
    ("bad_unknown_key", ":1: vm: unknown key"),
    ("bad_malformed", ":2: malformed JSON"),
])
def test_unreadable_capture_exits_2_with_line_and_reason_and_no_output(capsys, name, reason):
    path = str(DATA / f"{name}.jsonl")
    code, out, err = run(capsys, "events", "check", path)
    assert code == 2 and out == ""
    assert f"{path}{reason}" in err and "Traceback" not in err


def test_limit_keeps_the_count_in_the_summary(capsys):
    code, out, _ = run(capsys, "events", "check", str(DATA / "r11_back_to_scheduled.jsonl"), "--limit", "0", "--json")
    data = json.loads(out)
    assert code == 1 and data["findings"] == [] and data["omitted"] == 1 and data["summary"]["errors"] == 1
