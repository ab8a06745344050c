"""Trace conformance: conforming traces pass with exact time, every mutant's trace is
caught at the right line and rule, and violations carry a replayable prefix."""

import json
from fractions import Fraction
from pathlib import Path

import pytest

from vmspec.model import AZURE_DEFAULT, CONFIGS, SMALL, TINY
from vmspec.properties.catalogue.mutants import MUTANTS
from vmspec.properties.catalogue.registry import REGISTRY
from vmspec.properties.conformance.trace import TraceHeader, check_records, check_trace, write_violation
from vmspec.properties.conformance.trace.format import dumps_header, dumps_record, parse_line, record_from_json
from vmspec.properties.conformance.trace.generate import write_walk
from vmspec.properties.engines.walk import random_walks
from vmspec.properties.evidence.counterexample import Counterexample, replay
from vmspec.properties.evidence.diff import describe_state
from vmspec.properties.io.errors import InputError

DATA = Path(__file__).parent / "data" / "traces"
RULE_OF = {p.name: p.rule for p in REGISTRY}


def test_hand_written_trace_conforms_with_fractional_times():
    r, _ = check_trace(TINY.spec(), DATA / "tiny_conforming.jsonl", config="TINY", complete=True)
    assert r.ok and r.complete and r.records == 20
    assert r.duration == 200
    assert {"R1", "R2", "R3", "R5", "R8", "R9", "R13", "R15"} <= set(r.exercised)
    assert r.exercised["R2"]["platform_watchdog_resume"] == 1
    assert {"reach_freeze", "reach_watchdog_abort", "reach_early_start_by_approval"} <= set(r.reached)


@pytest.mark.parametrize(
    "name, line, rule, prop, mutant",
    [
        ("tiny_pause_overrun.jsonl", 13, "R2", "freeze_within_bound", "no_watchdog"),
        ("tiny_early_start.jsonl", 10, "R8", "start_after_notbefore_or_approval", "start_before_notbefore"),
    ],
)
def test_violations_name_line_rule_and_the_relaxed_guard(tmp_path, name, line, rule, prop, mutant):
    r, checker = check_trace(TINY.spec(), DATA / name, config="TINY")
    v = r.violation
    assert (v.line, v.rule, v.property, v.diagnosed_as) == (line, rule, prop, mutant)
    files = write_violation(checker, tmp_path)
    saved = Counterexample.load(next(f for f in files if f.suffix == ".json"))
    assert saved.engine == "trace" and saved.property == prop
    assert saved.engine_settings["violation_line"] == line
    prefix = next(f for f in files if f.name.endswith(".trace.jsonl"))
    again, _ = check_trace(TINY.spec(), prefix, config="TINY")  # the prefix re-checks to the same violation
    assert (again.violation.rule, again.violation.property) == (rule, prop)


def test_pause_bound_is_judged_on_exact_time(tmp_path):
    def trace(frozen: str) -> Path:
        p = tmp_path / f"t{frozen}.jsonl"
        lines = [dumps_header(0), dumps_record(0, "platform_announce_event", ("h0", "Freeze")),
                 dumps_record(30, "platform_start_event", ("h0#1",)), dumps_record(30, "host_freeze", ("h0",)),
                 dumps_record(30 + Fraction(frozen), "platform_watchdog_resume", ("h0",))]
        p.write_text("\n".join(lines) + "\n")
        return p

    assert check_trace(TINY.spec(), trace("30"))[0].ok
    late = check_trace(TINY.spec(), trace("30.000000001"))[0].violation
    assert late.rule == "R2" and "30.000000001 s" in late.message
    early = check_trace(TINY.spec(), trace("20"))[0].violation  # watchdog only once one more granule would cross
    assert early.line == 5 and early.rule == "R2" and ("refused by guard of platform_watchdog_resume: R2 (no VM of "
                                                        "the host is within one granule") in early.message


def test_wrong_belief_is_a_divergence_without_a_rule():
    v = check_trace(TINY.spec(), DATA / "tiny_wrong_belief.jsonl")[0].violation
    assert v.line == 6 and v.rule is None and "clock_lag is 6.874; the model has 6.875" in v.message


def test_unknown_names_are_input_errors():
    bad = record_from_json(parse_line('{"time":0,"action":"host_freeze","args":["h9"]}', "<t>", 4), "<t>", 4)
    with pytest.raises(InputError, match="host 'h9' is not in the topology") as info:
        check_records(TINY.spec(), [bad], source="<t>")
    assert info.value.line == 4


@pytest.mark.parametrize("event_id", ["h0", "h9#1", "h0#0", "h0#1'"])
def test_an_event_id_the_model_never_issued_is_a_refused_step_that_replays(tmp_path, event_id):
    """An implementation may use an EventId the model never issued (a changed or made-up id):
    the step is refused (a violation, not an input error), and its counterexample replays."""
    p = tmp_path / "t.jsonl"
    lines = DATA.joinpath("tiny_early_start.jsonl").read_text().splitlines()[:2]
    lines.append(f'{{"time":1714000030.250,"action":"platform_start_event","args":["{event_id}"]}}')
    p.write_text("\n".join(lines) + "\n")
    r, checker = check_trace(TINY.spec(), p, config="TINY")
    assert r.violation is not None and r.violation.line == 3 and r.violation.refused
    files = write_violation(checker, tmp_path / "out")
    saved = Counterexample.load(next(f for f in files if f.suffix == ".json"))
    assert replay(saved).reproduced, replay(saved).detail


@pytest.mark.parametrize("config", [TINY, SMALL, AZURE_DEFAULT], ids=lambda c: c.name)
def test_generated_walks_with_observed_states_conform(tmp_path, config):
    p = write_walk(config.spec(), tmp_path / "w.jsonl", steps=1500, seed=5, observe=True)
    r, _ = check_trace(config.spec(), p, config=config.name)
    assert r.ok, r.violation.describe()
    assert r.steps == 1500 and r.complete and r.cut > 0


def _mutant_trace(m):
    """The records of a mutant's shortest walk counterexample, with the mutant's states observed."""
    cfg = CONFIGS[m.config]
    spec = m.spec(cfg.topology, cfg.params)
    walks = random_walks(spec, steps=6000, seed=11, config=cfg.name, mutant=m.name)
    cx = min(walks.violations.values(), key=len)
    s, now, records = spec.initial_state(), Fraction(0), [TraceHeader(0, Fraction(0))]
    for i, ts in enumerate(cx.steps, 1):
        t = spec.step(s, ts.step)
        if ts.action == "time_passes":
            now += Fraction(ts.args[0])
        line = dumps_record(now, ts.action, () if ts.action == "time_passes" else ts.args, describe_state(spec, t))
        records.append(record_from_json(parse_line(line, "<m>", i), "<m>", i))
        s = t
    return cfg, records


LIVENESS = {"waits_for_approval", "resync_never_runs", "resume_forgotten"}
# A frozen guest whose memory moves breaks R1 and R15 in the same step; transition
# properties are checked first, so the trace checker names R15.
ALSO = {"frozen_guest_keeps_writing": "R15",
        # the correct model refuses to announce a host whose only VM is gone (R36) by its R11 clause: a host
        # that carries no VM is patched without an event
        "gone_vm_still_on_host": "R11"}


@pytest.mark.parametrize("m", [m for m in MUTANTS if m.name not in LIVENESS], ids=lambda m: m.name)
def test_every_safety_mutant_trace_is_caught_under_its_rule(m):
    cfg, records = _mutant_trace(m)
    r, _ = check_records(cfg.spec(), records, config=cfg.name, source=m.name)
    v = r.violation
    assert v is not None, f"{m.name} not caught"
    assert v.rule in (m.rule, ALSO.get(m.name)) or v.property in m.breaks, v.describe()
    assert v.counterexample is not None and v.counterexample.rule == v.rule


@pytest.mark.parametrize("name", ["resync_never_runs", "resume_forgotten"])
def test_liveness_mutants_are_caught_when_the_trace_must_complete(name):
    m = next(m for m in MUTANTS if m.name == name)
    cfg, records = _mutant_trace(m)
    assert check_records(cfg.spec(), records, config=cfg.name)[0].ok  # a finite prefix breaks no safety rule
    v = check_records(cfg.spec(), records, config=cfg.name, complete=True)[0].violation
    assert v is not None and v.rule in {"R18", "R19"}


def test_cycles_are_cut_so_the_prefix_stays_short(tmp_path):
    p = write_walk(TINY.spec(), tmp_path / "w.jsonl", steps=5000, seed=2)
    with open(p, "a") as fh:  # after thousands of idle steps, an illegal freeze
        fh.write(json.dumps({"time": 10**7, "action": "host_freeze", "args": ["h0"]}) + "\n")
    r, checker = check_trace(TINY.spec(), p)
    assert r.violation.line == 5002 and len(r.violation.prefix) < 60


# ---------------------------------------------------------------- an observed state can show a removed event (R12)


def _completed_h0(tmp_path, last_state, *, time_passes=True):
    """A trace that completes h0's Freeze, then reports `last_state`."""
    lines = [dumps_header(0), dumps_record(0, "platform_announce_event", ("h0", "Freeze")),
             dumps_record(30, "platform_start_event", ("h0#1",)), dumps_record(30, "host_freeze", ("h0",)),
             dumps_record(30, "host_apply_patch", ("h0",)), dumps_record(30, "platform_resume_host", ("h0",)),
             dumps_record(30, "platform_complete_event", ("h0#1",))]
    lines.append(dumps_record(Fraction("30.5"), "time_passes", (), last_state) if time_passes
                 else dumps_record(30, "platform_announce_event", ("h1", "Freeze"), last_state))
    p = tmp_path / "r12.jsonl"
    p.write_text("\n".join(lines) + "\n")
    return p


SHOWN_AGAIN = {"document": {"Events": [{"EventId": "h0#1", "EventType": "Freeze", "Resources": ["vm0"],
                                        "EventStatus": "Started"}]}}


@pytest.mark.parametrize("time_passes", [True, False], ids=["after-time", "after-a-step"])
def test_a_removed_event_shown_again_is_r12_and_replays(tmp_path, time_passes):
    path = _completed_h0(tmp_path, SHOWN_AGAIN, time_passes=time_passes)
    r, checker = check_trace(TINY.spec(), path, config="TINY")
    v = r.violation
    assert (v.line, v.rule, v.property) == (8, "R12", "removed_event_never_returns"), v.describe()
    assert "h0#1 is in the document after it was removed" in v.message
    files = write_violation(checker, tmp_path / "out", "trace-r12")
    saved = Counterexample.load(next(f for f in files if f.suffix == ".json"))
    assert saved.observed == SHOWN_AGAIN and saved.rule == "R12"
    assert replay(saved).reproduced, replay(saved).detail
    prefix = next(f for f in files if f.name.endswith(".trace.jsonl"))
    assert check_trace(TINY.spec(), prefix)[0].violation.rule == "R12"


def test_the_removed_list_is_part_of_the_state_and_compared(tmp_path):
    said = {"document": {"removed": ["h0#1"], "Events": []}}
    assert check_trace(TINY.spec(), _completed_h0(tmp_path, said))[0].ok
    forgot = check_trace(TINY.spec(), _completed_h0(tmp_path, {"document": {"removed": []}}))[0].violation
    assert forgot.rule is None and "state.document.removed" in forgot.message
    both = {"document": {"removed": ["h0#1"]}}  # the model's own view: h0#1 gone, nothing shown
    assert check_trace(TINY.spec(), _completed_h0(tmp_path, both))[0].ok
    with pytest.raises(InputError, match="state.document.removed"):
        check_trace(TINY.spec(), _completed_h0(tmp_path, {"document": {"removed": "h0#1"}}))


@pytest.mark.parametrize("old,new", [('"EventType":"Freeze"', '"EventType":"Greeze"'),
                                     ('"EventSource":"Platform"', '"EventSource":"Plaform"'),
                                     ('"phase":"announced"', '"phase":"annouced"')])
def test_a_believed_state_outside_the_vocabulary_is_r0_and_replays(tmp_path, old, new):
    """No property reads a believed state's unknown EventType, source or phase before R0 judges it
    (an unknown EventType once reached the notice rule as a KeyError)."""
    from vmspec.properties.conformance.trace.generate import walk_lines

    lines = list(walk_lines(TINY.spec(), steps=40, seed=3, observe=True))
    at = next(i for i, line in enumerate(lines) if old in line)
    lines[at] = lines[at].replace(old, new, 1)
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(lines) + "\n")
    r, checker = check_trace(TINY.spec(), path, config="TINY")
    assert (r.violation.rule, r.violation.property) == ("R0", "type_ok"), r.violation
    saved = Counterexample.load(next(f for f in write_violation(checker, tmp_path / "out") if f.suffix == ".json"))
    assert replay(saved).reproduced
