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
    "ok_aks_freeze_started": [(1, "R31", "warning")],  # a live migration announcing 30 s: rare, within the hard bound
    "ok_api_2017_03_01_iso": [],
    "ok_api_version_switch": [],  # same incarnation re-read at a newer api-version: more fields, same events
    "ok_api_version_switch_2017": [],  # 2017-03-01 -> 2017-08-01: ISO to RFC 1123, the underscore dropped
    "ok_terminate_10_min": [],
    "ok_preempt_30_s": [],
    "warn_short_notice_5min": [(2, "R9", "warning")],
    "warn_hardware_failure_reboot": [(2, "R11", "warning")],
    "warn_other_vm_approved": [(3, "R8", "warning")],
    "warn_r8_unseen_approval": [(3, "R8", "warning")],
    "warn_missed_poll_started": [(2, "R11", "warning")],
    "warn_preempt_short_notice": [(2, "R9", "warning")],
    "warn_preempt_appears_started": [(2, "R11", "warning")],
    "warn_terminate_before_pending_delete": [(3, "E9", "warning")],
    "r8_start_before_notbefore": [(4, "R8", "error")],
    "r9_notice_10s": [(2, "R9", "error")],
    "r10_incarnation_down": [(2, "R10", "error")],
    "r10_changed_same_incarnation": [(2, "R10", "error")],
    "r10_changed_across_api_versions": [(2, "R10", "error")],  # NotBefore moved under the same incarnation
    "r11_back_to_scheduled": [(4, "R11", "error")],
    "r11_freeze_appears_started": [(2, "R11", "error")],
    "r11_type_changed": [(3, "R11", "error")],
    "r11_started_keeps_notbefore": [(3, "R11", "error")],
    "r11_scheduled_without_notbefore": [(2, "R11", "error")],
    "r11_user_reboot_appears_started": [(2, "R11", "error")],
    "r11_user_reboot_new_event_id": [(4, "R11", "error")],
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
    "e5_underscore_2017_08_01": [(1, "E5", "error")],
    "e6_duplicate_event_id": [(1, "E6", "error")],
    "e7_status_201": [(2, "E7", "error")],
    "e8_no_metadata_header": [(3, "E8", "error")],
    "e9_terminate_extended": [(3, "E9", "error")],
    "e9_terminate_20_min": [(2, "E9", "error")],
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
        if f.rule not in ("R10", "E7", "E8"):
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
    assert first.startswith(f"{path}:4: error R8 [{DOC_ID}]: started at least 1007 s before NotBefore")
    assert "the capture declares VM WestNO_0 the only approver" in first
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


# ---------------------------------------------------------------- messages, header, api-version keys


def _check(lines, **kw):
    from vmspec.properties.conformance.events import check_observations, read_lines
    return check_observations(read_lines([(json.dumps(x) + "\n").encode() for x in lines], "x.jsonl"), **kw)


def _event(**kw):
    e = {"EventId": DOC_ID, "EventType": "Freeze", "ResourceType": "VirtualMachine", "Resources": ["vm0"],
         "EventStatus": "Scheduled", "NotBefore": "Mon, 19 Sep 2016 18:29:47 GMT", "Description": "",
         "EventSource": "Platform", "DurationInSeconds": 5}
    e.update(kw)
    return e


def _doc(t, inc, *events, **kw):
    return {"observed_at": t, **kw, "document": {"DocumentIncarnation": inc, "Events": list(events)}}


def test_a_wrong_day_name_says_which_part_is_wrong_and_still_dates_the_event():
    (f,) = check_file(str(DATA / "e2_wrong_day_name.jsonl")).findings
    assert "the day name is wrong: 19 Sep 2016 is a Monday (Mon), not Tue" in f.message
    assert "the date and time are well formed" in f.message and "it still dates the event for R8 and R9" in f.message
    # dated by its numbers: an early start is still judged
    report = _check([_doc("2016-09-19T18:10:00Z", 1),
                     _doc("2016-09-19T18:12:00Z", 2, _event(NotBefore="Tue, 19 Sep 2016 18:29:47 GMT")),
                     _doc("2016-09-19T18:13:00Z", 3, _event(EventStatus="Started", NotBefore=""))])
    assert [(f.line, f.rule) for f in report.findings] == [(2, "E2"), (3, "R8")]


def test_an_undatable_not_before_says_r8_and_r9_are_skipped():
    report = _check([_doc("2016-09-19T18:10:00Z", 1),
                     _doc("2016-09-19T18:12:00Z", 2, _event(NotBefore="Mon, 31 Feb 2016 18:29:47 GMT")),
                     _doc("2016-09-19T18:13:00Z", 3, _event(EventStatus="Started", NotBefore=""))])
    (f,) = report.findings
    assert f.rule == "E2" and "the date 31 Feb 2016 18:29:47 does not exist" in f.message
    assert "the event cannot be dated, so R8 and R9 are not checked for it" in f.message
    (f,) = _check([_doc("2016-09-19T18:12:00Z", 2, _event(NotBefore="soon"))]).findings
    assert "not an RFC 1123 date such as 'Mon, 19 Sep 2016 18:29:47 GMT'" in f.message and "not checked" in f.message


@pytest.mark.parametrize("version, rules", [("2017-03-01", []), ("2017-08-01", ["E2"]), ("2020-07-01", ["E2"])])
def test_iso_not_before_is_the_2017_03_01_form_only(version, rules):
    fields = {"Description", "EventSource", "DurationInSeconds"}
    e = {k: v for k, v in _event(NotBefore="2016-09-19T18:29:47Z").items() if version == "2020-07-01" or k not in fields}
    report = _check([_doc("2016-09-19T18:12:00Z", 2, e, api_version=version)])
    assert [f.rule for f in report.findings] == rules
    if rules:
        assert "ISO 8601, the form of api-version 2017-03-01 only" in report.findings[0].message


def test_blank_not_before_once_started_is_judged_from_2020_07_01():
    lines = [json.loads(x) for x in (DATA / "r11_started_keeps_notbefore.jsonl").read_text().splitlines()]
    older = [{**x, "api_version": "2019-08-01",
              "document": {**x["document"], "Events": [{k: v for k, v in e.items() if k != "DurationInSeconds"}
                                                       for e in x["document"]["Events"]]}} for x in lines]
    assert not _check(older).findings
    assert [f.rule for f in _check(lines).findings] == ["R11"]


def test_the_header_decides_whether_an_unseen_approval_is_an_error():
    stream = [_doc("2016-09-19T18:10:00Z", 1), _doc("2016-09-19T18:12:00Z", 2, _event()),
              _doc("2016-09-19T18:13:00Z", 3, _event(EventStatus="Started", NotBefore=""))]
    (f,) = _check(stream).findings
    assert f.severity == "warning" and "another VM of the availability set" in f.message and "only_approver" in f.message
    assert "acknowledged by" in f.source
    (f,) = _check([{"capture": {"vm": "vm0", "only_approver": False}}] + stream).findings
    assert f.severity == "warning" and "names only this VM" in f.message
    (f,) = _check([{"capture": {"vm": "vm9"}}] + stream).findings
    assert "names only vm0" in f.message
    (f,) = _check([{"capture": {"only_approver": True}}] + stream).findings
    assert f.severity == "error" and "declares this VM the only approver" in f.message
    approved = stream[:2] + [{**stream[2], "approved": [DOC_ID]}]
    assert not _check([{"capture": {"only_approver": True}}] + approved).findings


@pytest.mark.parametrize("lines, reason", [
    ([{"capture": {"vm": "vm0"}, "observed_at": "2016-09-19T18:10:00Z"}], "capture: a header line has the single key"),
    ([{"capture": {"approver": True}}], "capture.approver: unknown key"),
    ([{"capture": {"only_approver": "yes"}}], "capture.only_approver: expected a boolean, got a string"),
    ([{"capture": {"vm": ""}}], "capture.vm: expected a non-empty string"),
    ([{"capture": []}], "capture: expected an object"),
    ([_doc("2016-09-19T18:10:00Z", 1), {"capture": {"vm": "vm0"}}], ":2: capture: the header must be the first line"),
])
def test_a_bad_header_is_unreadable_input(lines, reason):
    from vmspec.properties.io.errors import InputError
    with pytest.raises(InputError) as err:
        _check(lines)
    assert reason in str(err.value)


def test_missed_poll_and_replaced_event_id_messages():
    (f,) = check_file(str(DATA / "warn_missed_poll_started.jsonl")).findings
    assert "DocumentIncarnation jumped from 1 to 3" in f.message and "Azure/vm-scheduled-events" in f.source
    (f,) = check_file(str(DATA / "r11_user_reboot_new_event_id.jsonl")).findings
    assert f.event_id.startswith("f020") and f"the Scheduled Reboot {DOC_ID} (line 2) left after this VM approved it" \
        in f.message and "EventId won't change" in f.source
    # a Platform Reboot first seen Started is still the hardware-failure exception
    (f,) = check_file(str(DATA / "warn_hardware_failure_reboot.jsonl")).findings
    assert f.severity == "warning" and "hardware failure" in f.message


def test_terminate_and_preempt_messages():
    (f,) = check_file(str(DATA / "e9_terminate_extended.jsonl")).findings
    assert "moved later, from 2019-09-19T18:20:00Z to 2019-09-19T18:25:00Z" in f.message
    (f,) = check_file(str(DATA / "e9_terminate_20_min.jsonl")).findings
    assert "at least 1200 s of notice" in f.message
    (f,) = check_file(str(DATA / "warn_preempt_short_notice.jsonl")).findings
    assert "Preempt is best effort" in f.message and "best effort basis" in f.source
    (f,) = check_file(str(DATA / "e8_no_metadata_header.jsonl")).findings
    assert "without the Metadata header at api-version 2017-08-01" in f.message


def test_json_output_shows_the_capture_header(capsys):
    code, out, _ = run(capsys, "events", "check", str(DATA / "r8_start_before_notbefore.jsonl"), "--json")
    data = json.loads(out)
    assert code == 1 and data["capture"] == {"line": 1, "vm": "WestNO_0", "only_approver": True,
                                             "metadata_header": True}
    code, out, _ = run(capsys, "events", "check", str(DATA / "warn_r8_unseen_approval.jsonl"), "--json")
    data = json.loads(out)
    assert code == 0 and data["capture"] == {"line": None, "vm": None, "only_approver": False, "metadata_header": True}
