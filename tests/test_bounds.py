"""Hard and typical pause bounds (R2, R31): the hard bound is an error, a pause beyond the
typical one a warning; the watchdog may resume at any time up to the hard bound, except under
dev timing, which keeps it to the last granule (notes/decisions.md D21)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from vmspec.model import CONFIGS, TINY, Step
from vmspec.model.params import PROFILES, InvalidParams, profile
from vmspec.properties.catalogue.registry import REGISTRY, WARNINGS, by_name
from vmspec.properties.conformance.trace import check_trace
from vmspec.properties.conformance.trace.format import dumps_header, dumps_record
from vmspec.properties.engines.explore import explore, verdicts

TYPICAL = CONFIGS["TYPICAL_PAUSE"]


def test_profiles_state_both_bounds():
    hard = {n: (p.pause_bound, p.typical_bound) for n, p in PROFILES.items()}
    assert hard["azure-2017"] == (30, 30) and hard["typical-2026"] == (30, 10) and hard["live-migration"] == (30, 5)
    assert PROFILES["dev-timing"].watchdog_any_time is False
    assert all(p.watchdog_any_time for n, p in PROFILES.items() if n != "dev-timing")
    with pytest.raises(InvalidParams, match="typical_pause"):
        profile("azure-2017", typical_pause=31)


def test_the_typical_bound_is_a_warning_never_an_engine_verdict():
    assert [p.name for p in WARNINGS] == ["pause_within_typical"] and WARNINGS[0].rule == "R31"
    assert "pause_within_typical" not in {p.name for p in REGISTRY}
    with pytest.raises(KeyError):
        by_name("pause_within_typical")


def test_typical_pause_config_holds_and_pauses_beyond_the_typical_bound():
    r = explore(TYPICAL.spec(), config="TYPICAL_PAUSE", keep_graph=False)
    assert r.complete and r.counterexamples == {} and not [v for v in verdicts(r) if v.failed]
    assert (r.states, r.transitions) == (494, 1170)
    spec = TYPICAL.spec()
    # beyond the typical 10 s and up to the hard 30 s a pause is the model's own behaviour
    s = spec.initial_state()
    for st in (Step("platform_announce_event", ("h0", "Freeze")), Step("app_approve_event", ("h0#1",)),
               Step("platform_start_event", ("h0#1",)), Step("host_freeze", ("h0",))):
        s = spec.step(s, st)
    assert spec.guard(s, "platform_watchdog_resume", "h0")  # at once: the watchdog need not wait
    for _ in range(6):
        s = spec.step(s, Step("time_passes", (5,)))
    assert s.vms[0].frozen_for == 30 and WARNINGS[0].check(spec, s) and not by_name("freeze_within_bound").check(spec, s)
    assert not spec.guard(s, "time_passes", 5)


def _trace(tmp_path: Path, resume_at, action="platform_resume_host") -> Path:
    lines = [dumps_header(0), dumps_record(0, "platform_announce_event", ("h0", "Freeze")),
             dumps_record(30, "platform_start_event", ("h0#1",)), dumps_record(30, "host_freeze", ("h0",))]
    if action == "platform_resume_host":
        lines.append(dumps_record(30 + Fraction(resume_at) / 2, "host_apply_patch", ("h0",)))
    lines += [dumps_record(30 + Fraction(resume_at), action, ("h0",)),
              dumps_record(30 + Fraction(resume_at), "vm_clock_resync", ("vm0",))]
    p = tmp_path / "t.jsonl"
    p.write_text("\n".join(lines) + "\n")
    return p


def test_a_pause_beyond_the_typical_bound_is_a_warning_in_traces(tmp_path):
    r, _ = check_trace(TYPICAL.spec(), _trace(tmp_path, "12.5"), config="TYPICAL_PAUSE")
    assert r.ok
    assert len(r.warnings) == 1 and r.warnings[0].startswith("line 6: R31 pause_within_typical: VM vm0 has been "
                                                              "frozen 12.5 s, beyond the typical 10 s")
    assert r.to_json()["warnings"] == list(r.warnings) and r.to_json()["ok"]
    r, _ = check_trace(TYPICAL.spec(), _trace(tmp_path, "9.5"), config="TYPICAL_PAUSE")
    assert r.ok and r.warnings == ()


def test_a_pause_beyond_the_hard_bound_is_violated(tmp_path):
    r, _ = check_trace(TYPICAL.spec(), _trace(tmp_path, "30.001"), config="TYPICAL_PAUSE")
    assert (r.violation.rule, r.violation.property) == ("R2", "freeze_within_bound")


@pytest.mark.parametrize("config, accepted", [("TYPICAL_PAUSE", True), ("TINY", False)])
def test_an_early_watchdog_is_accepted_except_under_dev_timing(tmp_path, config, accepted):
    r, _ = check_trace(CONFIGS[config].spec(), _trace(tmp_path, "2", "platform_watchdog_resume"), config=config)
    assert r.ok is accepted
    if not accepted:
        assert r.violation.rule == "R2" and "platform_watchdog_resume" in (r.violation.refused or "")


def test_tiny_keeps_the_last_granule_watchdog_and_its_count():
    assert TINY.params.watchdog_any_time is False


@pytest.mark.parametrize("duration, found", [(9, []), (12, [("R31", "warning")]), (31, [("R2", "error")]),
                                             (-1, [])])
def test_a_freezes_announced_duration_beyond_the_typical_pause_is_a_warning_in_captures(duration, found):
    import json

    from vmspec.properties.conformance.events import check_observations, read_lines

    event = {"EventId": "e1", "EventType": "Freeze", "ResourceType": "VirtualMachine", "Resources": ["vm0"],
             "EventStatus": "Scheduled", "NotBefore": "Mon, 19 Sep 2016 18:29:47 GMT", "Description": "",
             "EventSource": "Platform", "DurationInSeconds": duration}
    lines = [{"observed_at": "2016-09-19T18:10:00Z", "document": {"DocumentIncarnation": 1, "Events": [event]}},
             {"observed_at": "2016-09-19T18:11:00Z", "document": {"DocumentIncarnation": 1, "Events": [event]}}]
    report = check_observations(read_lines([(json.dumps(x) + "\n").encode() for x in lines], "x.jsonl"))
    assert [(f.rule, f.severity) for f in report.findings] == found
    if found and found[0][0] == "R31":
        assert "beyond the typical pause of 10 s" in report.findings[0].message


def test_reports_show_the_typical_breach_as_a_warning_beside_the_hard_violation():
    from vmspec.properties.catalogue.mutants import mutant
    from vmspec.properties.evidence import report as R

    m = mutant("no_watchdog")
    r = explore(m.spec(TYPICAL.topology, TYPICAL.params), config="TYPICAL_PAUSE", mutant=m.name, keep_graph=False,
                stop_when=m.breaks)
    cx = r.counterexamples["freeze_within_bound"]
    md = R.render_markdown(cx)
    assert md.startswith("# R2 broken") and "pause bound 30 s (typical 10 s)" in md
    assert "## Warnings" in md and "- warning: after step 7: R31 pause_within_typical: VM vm0 has been frozen 15 s" in md
    assert "violated" not in md.split("## Warnings")[1].split("## Setting")[0]
    data = R.report_json(cx)
    assert len(data["warnings"]) == 1 and "R31 pause_within_typical" in data["warnings"][0]
    assert "<h2>Warnings</h2>" in R.render_html(cx)


@pytest.mark.parametrize("after, ok", [("0.5", True), ("5", True), ("5.001", False)])
def test_a_resync_within_the_documented_latency_is_accepted(tmp_path, after, ok):
    """R3: 5 s in every profile (Windows time-sync polls the host every 5 s), so an
    implementation that resyncs half a second after the resume conforms, on TINY too."""
    lines = [dumps_header(0), dumps_record(0, "platform_announce_event", ("h0", "Freeze")),
             dumps_record(30, "platform_start_event", ("h0#1",)), dumps_record(30, "host_freeze", ("h0",)),
             dumps_record(36, "host_apply_patch", ("h0",)), dumps_record(36, "platform_resume_host", ("h0",)),
             dumps_record(36 + Fraction(after), "vm_clock_resync", ("vm0",))]
    p = tmp_path / "t.jsonl"
    p.write_text("\n".join(lines) + "\n")
    r, _ = check_trace(TINY.spec(), p, config="TINY")
    assert r.ok is ok
    if not ok:
        assert (r.violation.line, r.violation.rule) == (7, "R3")


def test_exhaustive_configurations_can_represent_the_pause_they_announce():
    """D20: where a search is exhaustive, a Freeze's DurationInSeconds is a whole number of
    granules, so a pause of exactly the announced length is a state of the model."""
    for name, c in CONFIGS.items():
        if name != "AZURE_DEFAULT":
            assert c.params.expected_pause % c.params.granularity == 0, name
