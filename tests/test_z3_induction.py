"""The inductive checklist on concrete configurations: every obligation proved, cores that
name rule ids, strengthening invariants that are really needed, mutants that are not
inductive, and `unknown` treated as a failure."""

from __future__ import annotations

import pytest

from vmspec.model import CONFIGS, Spec, profile
from vmspec.properties.catalogue.registry import by_name
from vmspec.properties.engines.z3 import engine
from vmspec.properties.engines.z3.encode import encoding_for
from vmspec.properties.engines.z3.induction import (
    OK,
    UNKNOWN,
    InductionResult,
    Obligation,
    enabled_somewhere,
    invariants_for,
    prove,
)
from vmspec.properties.evidence.counterexample import spec_for
from vmspec.properties.evidence.verdict import Target


@pytest.mark.parametrize("name", ["TINY", "SMALL", "UNSAFE_SHARED_HOST"])
def test_every_obligation_is_proved(name):
    r = prove(encoding_for(CONFIGS[name].spec()))
    assert r.ok, [o.line() for o in r.failed()]
    assert len(r.obligations) > 400


@pytest.mark.parametrize("prof", ["typical-2026", "live-migration", "short-notice"])
def test_profiles_are_proved(prof):
    c = CONFIGS["TINY"]
    r = prove(encoding_for(Spec(c.topology, profile(prof))))
    assert r.ok, [o.line() for o in r.failed()]


@pytest.mark.slow
def test_live_migration_is_proved():
    r = prove(encoding_for(CONFIGS["LIVE_MIGRATION"].spec()))
    assert r.ok, [o.line() for o in r.failed()]
    assert any(o.action == "host_live_migrate" and o.property == "live_migration_within_rules" for o in r.obligations)


@pytest.mark.slow
def test_events_of_several_hosts_are_proved():
    """SET_WIDE (R30): one Reboot may name the VMs of h0 and h1; the strengthening invariants close
    with the membership vector (the all-sizes proof does not encode it, notes/proofs.md).  About 40 s;
    by default the encoding is checked against the model on SET_WIDE's first states
    (test_z3_refinement.py) and catches group_spans_slices by BMC (test_z3_bmc.py)."""
    r = prove(encoding_for(CONFIGS["SET_WIDE"].spec()))
    assert r.ok, [o.line() for o in r.failed()]
    assert any(o.action == "platform_announce_group" and o.property == "event_hosts_one_slice" for o in r.obligations)


def test_redeploy_is_proved():
    c = CONFIGS["SMALL"]
    r = prove(encoding_for(Spec(c.topology, profile("dev-timing", allow_redeploy=True))))
    assert r.ok, [o.line() for o in r.failed()]


def test_checklist_lines_and_cores_name_rules():
    r = prove(encoding_for(CONFIGS["TINY"].spec()))
    lines = [o.line() for o in r.obligations]
    assert "platform_resume_host preserves R1 frozen_memory_matches_snapshot ... ok" in lines
    assert "initial state satisfies R5 one_slice_at_a_time ... ok" in lines
    assert "every state has a step (R20 deadlock_free) ... ok" in lines
    ob = next(o for o in r.obligations if o.action == "host_freeze" and o.property == "one_slice_at_a_time")
    assert "R5:started_events_one_slice" in ob.used  # the core reads as rule ids
    assert all(":" in u and u.split(":")[0].startswith("R") for o in r.obligations for u in o.used)


def test_strengthening_is_needed():
    enc = encoding_for(CONFIGS["TINY"].spec())
    weaker = [n for n in invariants_for(enc) if n != "started_events_one_slice"]
    r = prove(enc, invariants=weaker, transitions=[], deadlock=False)
    failed = {(o.action, o.property) for o in r.failed()}
    assert ("host_freeze", "one_slice_at_a_time") in failed
    assert by_name("started_events_one_slice").rule == "R5"


def test_every_action_is_enabled_in_some_invariant_state():
    """SMALL enables every action but the hardware failure and the user's restart (its profile has
    neither, R34, R35), the live migration (R27), the announcement of several hosts (R30) and the
    announcement of evictions (R36, R37; the eviction itself is enabled by a Started eviction event naming no
    VM, which the invariants leave open); UNPLANNED, USER_EVENTS, LIVE_MIGRATION, SET_WIDE and SPOT_SCALE_SET
    enable those."""
    small = enabled_somewhere(encoding_for(CONFIGS["SMALL"].spec()))
    assert {a for a, on in small.items() if not on} == {"host_hardware_failure", "user_reboot_vm", "host_live_migrate",
                                                        "platform_announce_group", "platform_preempt_vm",
                                                        "user_delete_vm"}
    assert enabled_somewhere(encoding_for(CONFIGS["SET_WIDE"].spec()))["platform_announce_group"]
    spot = enabled_somewhere(encoding_for(CONFIGS["SPOT_SCALE_SET"].spec()))
    assert spot["platform_preempt_vm"] and spot["user_delete_vm"] and spot["host_evict_vm"]
    assert enabled_somewhere(encoding_for(CONFIGS["USER_EVENTS"].spec()))["user_reboot_vm"]
    assert enabled_somewhere(encoding_for(CONFIGS["UNPLANNED"].spec()))["host_hardware_failure"]
    live = enabled_somewhere(encoding_for(CONFIGS["LIVE_MIGRATION"].spec()))
    assert live["host_live_migrate"] and not live["host_apply_patch"]


@pytest.mark.parametrize("mutant, action, prop", [
    ("slice_guard_dropped", "platform_start_event", "started_events_one_slice"),
    ("no_watchdog", "time_passes", "freeze_within_bound"),
    ("memory_reset_on_resume", "platform_resume_host", "memory_kept_at_resume"),
    ("stale_memory_at_resume", "platform_resume_host", "memory_kept_at_resume"),
    ("clock_steps_back", "platform_resume_host", "guest_clock_monotonic"),
    ("incarnation_not_bumped", "platform_start_event", "incarnation_tracks_changes"),
    ("event_id_reused", "platform_announce_event", "removed_event_never_returns"),
])
def test_mutants_are_not_inductive(mutant, action, prop):
    c = CONFIGS["TINY"]
    enc = encoding_for(spec_for(c.topology, c.params, mutant), mutant)
    r = prove(enc, deadlock=False)
    ob = next(o for o in r.obligations if (o.action, o.property) == (action, prop))
    assert ob.status == "failed" and ob.detail  # the counterexample to induction is decoded


def test_unknown_is_a_failure_never_a_pass():
    r = InductionResult([Obligation("time_passes", "freeze_within_bound", "R2", OK),
                         Obligation("host_freeze", "type_ok", "R0", UNKNOWN)])
    assert not r.ok and r.failed()[0].status == UNKNOWN
    c = CONFIGS["TINY"]
    run = engine.ProveRun(Target(c.topology, c.params, "TINY"), 0, induction=r)
    v = next(v for v in run.verdicts() if v.property == "type_ok")
    assert v.status == "unknown" and v.failed
    assert not run.ok
