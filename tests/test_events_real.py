"""Captures built from real published Scheduled Events documents (the Azure documentation,
Microsoft's mock server and samples, open-source handlers, users' logs in issue threads):
each has a note naming its source and the verdict the documented contract gives, and the
checker gives exactly that verdict: allowed documents pass, forbidden ones fail with the
right rule."""

from pathlib import Path

import pytest

from vmspec.properties.conformance.events import check_file

REAL = Path(__file__).parent / "data" / "events" / "real"

# capture -> the exact (line, rule, severity) findings it yields without --strict
VERDICTS = {
    "aks_3719_freeze_started": [],
    "aks_node_termination_handler_fixture": [],
    "azure_docs_39758_freeze": [],
    "docs_terminate_notification": [],
    "vm_scheduled_events_readme_log": [],
    "docs_2023_live_migration": [(2, "E2", "error")],
    "webdevops_exporter_example": [(1, "E2", "error"), (1, "E2", "error")],
    "mock_server_canceled": [(2, "E2", "error")],
    "mock_server_live_migration": [(2, "E2", "error"), (3, "R11", "error")],
    "mock_server_spot_eviction": [(2, "E2", "error"), (3, "R11", "error")],
    "mock_server_user_reboot_approved": [(3, "E2", "error"), (4, "R11", "error")],
    "docs_2017_03_01_schema": [(1, "E1", "error"), (1, "E2", "error")],  # read as 2020-07-01, the default
}


def test_every_real_capture_has_a_note_and_a_verdict():
    assert {p.stem for p in REAL.glob("*.jsonl")} == set(VERDICTS)
    for name in VERDICTS:
        note = (REAL / f"{name}.md").read_text()
        assert "**Source:**" in note and "**Verdict:**" in note and "**Ours:**" in note, name
        passes = "**Verdict:** passes" in note or "at 2017-03-01 it passes" in note
        assert passes == (not VERDICTS[name] or name == "docs_2017_03_01_schema"), name


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_each_real_capture_gets_the_documented_verdict(name):
    report = check_file(str(REAL / f"{name}.jsonl"))
    assert [(f.line, f.rule, f.severity) for f in report.findings] == VERDICTS[name]
    assert report.failed == bool(VERDICTS[name])
    strict = check_file(str(REAL / f"{name}.jsonl"), strict=True)
    assert [(f.line, f.rule) for f in strict.findings] == [(line, rule) for line, rule, _ in VERDICTS[name]]


@pytest.mark.parametrize("version, verdict", [("2017-03-01", []), ("2017-08-01", [(1, "E2")]),
                                              ("2019-01-01", [(1, "E2")])])
def test_the_2017_03_01_document_passes_only_at_its_own_version(version, verdict):
    report = check_file(str(REAL / "docs_2017_03_01_schema.jsonl"), api_version=version)
    assert [(f.line, f.rule) for f in report.findings] == verdict


def test_the_real_deviations_are_named_precisely():
    (f,) = check_file(str(REAL / "docs_2023_live_migration.jsonl")).findings
    assert "11 Apr 2026 is a Saturday (Sat), not Mon" in f.message
    days = [f.message for f in check_file(str(REAL / "webdevops_exporter_example.jsonl")).findings]
    assert "19 Sep 2019 is a Thursday" in days[0] and "19 Dec 2018 is a Wednesday" in days[1]
    findings = check_file(str(REAL / "mock_server_user_reboot_approved.jsonl")).findings
    assert "ISO 8601, the form of api-version 2017-03-01 only" in findings[0].message
    assert "left after this VM approved it" in findings[1].message


def test_the_approved_user_reboot_is_a_miss_without_the_event_source_rule():
    """Were the mock server's User Reboot a Platform one, the new EventId appearing Started
    would be the hardware-failure exception: a warning, not the R11 error it is for a User event."""
    import json

    from vmspec.properties.conformance.events import check_observations, read_lines
    lines = (REAL / "mock_server_user_reboot_approved.jsonl").read_text().splitlines()
    as_platform = [x.replace('"EventSource": "User"', '"EventSource": "Platform"') for x in lines]
    report = check_observations(read_lines([(x + "\n").encode() for x in as_platform], "p.jsonl"))
    assert [(f.line, f.rule, f.severity) for f in report.findings] == [(3, "E2", "error"), (4, "R11", "warning")]
    assert json.loads(lines[0]) == {"capture": {"vm": "vmss_vm1"}}
