"""R21: the recovery gap after a rebooted update domain (notes/decisions.md D13)."""

from __future__ import annotations

import pytest

from vmspec.model import CONFIGS, VM, AvailabilitySet, Host, InvalidParams, Step, Topology, profile
from vmspec.model.spec import Spec
from vmspec.properties.catalogue.registry import by_name
from vmspec.properties.engines.z3.refinement import reachable
from vmspec.properties.evidence.diff import changes, describe_state


def _run(spec: Spec, steps: list[tuple[str, tuple]]):
    s = spec.initial_state()
    for name, args in steps:
        s = spec.step(s, Step(name, args))
    return s


# h0's reboot is announced, started and done; h1's Freeze waits with NotBefore passed
_REBOOT_H0 = [("platform_announce_event", ("h0", "Reboot")), ("platform_announce_event", ("h1", "Freeze")),
              ("time_passes", (30,)), ("platform_start_event", ("h0#1",)), ("host_reboot", ("h0",)),
              ("host_boot_vms", ("h0",))]


def test_boot_starts_the_gap_and_holds_the_other_update_domain_until_it_ends():
    spec = CONFIGS["RECOVERY_GAP"].spec()
    assert spec.params.gap() == 60  # 1800 s in dev timing (divided by 30 like the notices)
    s = _run(spec, _REBOOT_H0)
    assert s.recovering == ((0, 60),)
    assert "as0.recovery_gap: none -> update domain 0, 60 s" in changes(spec, _run(spec, _REBOOT_H0[:-1]), s)
    assert describe_state(spec, s)["recovering"] == {"as0": {"update_domain": 0, "seconds_left": 60}}
    s = spec.step(s, Step("platform_complete_event", ("h0#1",)))
    refusal = spec.refusal(s, Step("platform_start_event", ("h1#1",)))
    assert refusal is not None and refusal.name == "recovery_gap" and refusal.rules == ("R21",)
    # nothing else is timing: time jumps to the end of the gap, as to a NotBefore (D1)
    assert spec.time_choices(s) == (60,)
    s = spec.step(s, Step("time_passes", (60,)))
    assert s.recovering == (None,)
    assert spec.refusal(s, Step("platform_start_event", ("h1#1",))) is None


def test_the_same_update_domain_may_go_on_during_the_gap():
    topo = Topology(
        (AvailabilitySet("as0", update_domains=2, fault_domains=2),),
        (Host("h0", update="reboot"), Host("h0b", update="reboot"), Host("h1")),
        (VM("vm0", "as0", 0, 0, "h0"), VM("vm0b", "as0", 0, 1, "h0b"), VM("vm1", "as0", 1, 1, "h1")),
    )
    spec = Spec(topo, profile("dev-timing"))
    s = _run(spec, [("platform_announce_event", ("h0", "Reboot")), ("platform_announce_event", ("h0b", "Reboot")),
                    ("platform_announce_event", ("h1", "Freeze")), ("time_passes", (30,)),
                    ("platform_start_event", ("h0#1",)), ("host_reboot", ("h0",)), ("host_boot_vms", ("h0",)),
                    ("platform_complete_event", ("h0#1",))])
    assert spec.refusal(s, Step("platform_start_event", ("h1#1",))).rules == ("R21",)
    assert spec.refusal(s, Step("platform_start_event", ("h0b#1",))) is None
    s = _run_from(spec, s, [("platform_start_event", ("h0b#1",)), ("host_reboot", ("h0b",)),
                            ("time_passes", (10,)), ("host_boot_vms", ("h0b",))])
    assert s.recovering == ((0, 60),)  # the later return starts the gap anew


def _run_from(spec: Spec, s, steps):
    for name, args in steps:
        s = spec.step(s, Step(name, args))
    return s


def test_a_gap_of_zero_turns_the_rule_off():
    cfg = CONFIGS["RECOVERY_GAP"]
    spec = Spec(cfg.topology, profile("dev-timing", recovery_gap=0))
    s = _run(spec, _REBOOT_H0 + [("platform_complete_event", ("h0#1",))])
    assert s.recovering == (None,)
    assert spec.refusal(s, Step("platform_start_event", ("h1#1",))) is None
    with pytest.raises(InvalidParams, match="recovery_gap"):
        profile("dev-timing", recovery_gap=-1)


def test_the_guard_bites_in_the_named_configuration():
    """Not vacuous: some reachable state of RECOVERY_GAP has an event that R8 lets start and
    R21 holds back, and the property that checks R21 holds on every step of the model."""
    spec = CONFIGS["RECOVERY_GAP"].spec()
    held = 0
    prop = by_name("recovery_gap_kept")
    for s in reachable(spec):
        for e in s.events:
            if e.status == "Scheduled" and (e.not_before_in == 0 or e.approved):
                r = spec.refusal(s, Step("platform_start_event", (e.event_id,)))
                held += r is not None and r.rules == ("R21",)
        for step, t in spec.successors(s):
            assert prop.check(spec, s, step, t) is None
    assert held > 0
