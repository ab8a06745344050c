"""The Hypothesis stateful machine (vmspec.properties.engines.machine): a thin adapter over the model.

The machine's own run is a test: on safe drawn worlds, realistic round-robin topologies
and AZURE_DEFAULT the correct model breaks no property and gets stuck nowhere.  On
valid-but-unsafe placements it must find the stuck host (R5 blocks its event forever,
so R18 fails as a fair lasso), exactly as the explorer does on UNSAFE_SHARED_HOST.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

from vmspec.model import ACTIONS, CONFIGS, VM, AvailabilitySet, Host, Topology, profile
from vmspec.properties.engines.explore import explore
from vmspec.properties.engines.fuzz import fuzz, fuzz_target
from vmspec.properties.engines.machine import Monitor, RolloutMachine, argument_domains, machine_class
from vmspec.properties.engines.strategies import (
    World,
    mixed_slice_hosts,
    params,
    round_robin_topologies,
    safe_worlds,
    unsafe_worlds,
)
from vmspec.properties.evidence.verdict import Target


def _world(name: str) -> st.SearchStrategy[World]:
    cfg = CONFIGS[name]
    return st.just(World(name, cfg.topology, cfg.params))


# ---------------------------------------------------------------------- the machine as tests

TestSafeWorlds = machine_class(safe_worlds(max_hosts=3, max_vms=4), name="SafeWorlds").TestCase
TestSafeWorlds.settings = settings(settings.default, max_examples=min(settings.default.max_examples, 40))
# The profile's full count of examples (100 under ci and dev) under -m slow.
TestSafeWorldsFull = machine_class(safe_worlds(max_hosts=3, max_vms=4), name="SafeWorldsFull").TestCase
TestSafeWorldsFull.pytestmark = [pytest.mark.slow]

RealisticWorlds = machine_class(
    st.builds(World, st.just("round-robin"), round_robin_topologies(max_sets=2, max_vms_per_set=8),
              st.sampled_from([profile("azure-2017"), profile("dev-timing")])),
    name="Realistic",
)
TestRealisticWorlds = RealisticWorlds.TestCase
TestRealisticWorlds.settings = settings(settings.default, max_examples=min(settings.default.max_examples, 15),
                                        stateful_step_count=120)


# ---------------------------------------------------------------------- structure


EVICTIONS = {"platform_preempt_vm", "user_delete_vm", "host_evict_vm"}


def test_one_rule_per_model_action():
    """Every action has its rule; an optional one (hardware failures, R34; user restarts, R35) only in
    a machine whose worlds can take it, so every other campaign draws as before."""
    from vmspec.properties.engines.machine import OPTIONAL_ACTIONS, optional_actions

    rules = {r.function.__name__ for r in RolloutMachine.setup_state().rules}
    assert rules == {a.name for a in ACTIONS} - set(OPTIONAL_ACTIONS)
    unplanned = CONFIGS["UNPLANNED"]
    cls = machine_class(st.just(World("UNPLANNED", unplanned.topology, unplanned.params)),
                        optional=optional_actions(unplanned.params))
    assert {r.function.__name__ for r in cls.setup_state().rules} == {a.name for a in ACTIONS} - {"user_reboot_vm", "host_live_migrate",
                                                                                   "platform_announce_group"} - EVICTIONS
    assert "host_hardware_failure" in cls.unfair and "host_hardware_failure" not in RolloutMachine.unfair
    users = CONFIGS["USER_EVENTS"]
    cls = machine_class(st.just(World("USER_EVENTS", users.topology, users.params)),
                        optional=optional_actions(users.params))
    assert {r.function.__name__ for r in cls.setup_state().rules} == {a.name for a in ACTIONS} - {"host_hardware_failure", "host_live_migrate",
                                                                                   "platform_announce_group"} - EVICTIONS
    assert "user_reboot_vm" in cls.unfair and "user_reboot_vm" not in RolloutMachine.unfair
    live = CONFIGS["LIVE_MIGRATION"]  # live migration (R27): a fair action, so never silenced
    cls = machine_class(_world("LIVE_MIGRATION"), optional=optional_actions(live.params))
    assert {r.function.__name__ for r in cls.setup_state().rules} == {a.name for a in ACTIONS} - {"host_hardware_failure", "user_reboot_vm",
                                                                                   "platform_announce_group"} - EVICTIONS
    assert "host_live_migrate" not in cls.unfair
    wide = CONFIGS["SET_WIDE"]  # events of several hosts (R30): an unfair alternative to the single announcement
    cls = machine_class(_world("SET_WIDE"), optional=optional_actions(wide.params))
    assert "platform_announce_group" in {r.function.__name__ for r in cls.setup_state().rules}
    assert "platform_announce_group" in cls.unfair
    spot = CONFIGS["SPOT_SCALE_SET"]  # R36, R37: the evictions, unfair, and the eviction itself, fair
    cls = machine_class(_world("SPOT_SCALE_SET"), optional=optional_actions(spot.params))
    assert {r.function.__name__ for r in cls.setup_state().rules} == \
        {a.name for a in ACTIONS} - {"host_hardware_failure", "user_reboot_vm", "host_live_migrate", "platform_announce_group"}
    assert {"platform_preempt_vm", "user_delete_vm"} <= set(cls.unfair) and "host_evict_vm" not in cls.unfair
    assert optional_actions(replace(spot.params, spot_evictions=False)) == {"user_delete_vm", "host_evict_vm"}


LiveMigration = machine_class(_world("LIVE_MIGRATION"), name="LiveMigration",
                              optional=frozenset({"host_live_migrate"}))
TestLiveMigration = LiveMigration.TestCase
TestLiveMigration.settings = settings(settings.default, max_examples=min(settings.default.max_examples, 15))


def test_preconditions_follow_successors():
    spec = CONFIGS["TINY"].spec()
    m = Monitor(spec)
    assert set(m.enabled) == {st_.name for st_ in spec.enabled_actions(spec.initial_state())}
    assert set(m.enabled) == {"platform_announce_event", "time_passes"}
    assert sorted(m.enabled["platform_announce_event"]) == [("h0", "Freeze"), ("h1", "Freeze")]


def test_argument_domains_cover_every_enabled_step_on_a_walk():
    spec = CONFIGS["SMALL"].spec()
    domains = argument_domains(spec)
    m = Monitor(spec)
    for _ in range(60):
        for name, args in m.enabled.items():
            if name != "time_passes":
                assert set(args) <= set(domains[name]), name
        m.take(next(iter(m.successors)))


def test_monitor_reports_the_first_violation_with_its_path():
    from vmspec.properties.catalogue.mutants import mutant

    m = mutant("short_notice")
    cfg = CONFIGS[m.config]
    mon = Monitor(m.spec(cfg.topology, cfg.params), frozenset(m.breaks))
    v = mon.take(next(st_ for st_ in mon.successors if st_.name == "platform_announce_event"))
    assert v is not None and v.prop.name == "notice_at_least_minimum" and len(mon.path) == 1


def test_azure_default_runs_exercise_the_whole_cycle():
    result = fuzz_target(Target(CONFIGS["AZURE_DEFAULT"].topology, CONFIGS["AZURE_DEFAULT"].params, "AZURE_DEFAULT"),
                         campaign="ci", examples=8)
    assert result.counterexamples == {}
    cov = result.coverage
    for action in ("platform_announce_event", "host_freeze", "host_apply_patch", "platform_resume_host",
                   "vm_clock_resync", "platform_complete_event", "host_reboot", "host_boot_vms"):
        assert cov.actions[action] > 0, f"{action} never taken: {cov.summary()}"
    assert cov.completed > 0 and cov.reached["reach_rollout_complete"]
    assert "never taken" in cov.summary()  # AZURE_DEFAULT has no empty host and no Redeploy


def test_a_run_that_never_freezes_is_visible():
    never = World("TINY-no-freeze", CONFIGS["TINY"].topology, profile("azure-2017", min_notice=10**6))
    result = fuzz(st.just(never), campaign="ci", examples=5, steps=3)
    assert result.coverage.actions["host_freeze"] == 0
    assert "host_freeze" in result.coverage.never_taken()
    assert not result.coverage.reached["reach_freeze"]


def test_silenced_actions_are_unfair_and_never_taken_while_others_are_enabled():
    from vmspec.properties.engines.machine import UNFAIR_ACTIONS

    assert set(UNFAIR_ACTIONS) == {a.name for a in ACTIONS if not a.fair}
    assert "host_apply_patch" in UNFAIR_ACTIONS and "time_passes" not in UNFAIR_ACTIONS
    machine = machine_class(_world("TINY"))()
    machine.monitor = Monitor(CONFIGS["TINY"].spec())
    machine.silenced = frozenset({"platform_announce_event"})  # not unfair; only to see the rule at work
    assert not machine.is_enabled("platform_announce_event") and machine.is_enabled("time_passes")
    machine.silenced = frozenset({"platform_announce_event", "time_passes"})  # everything silenced: go on
    assert machine.is_enabled("platform_announce_event")


def test_redeploy_is_reachable_when_allowed():
    a = AvailabilitySet("as0", 2, 1)
    t = Topology((a,), (Host("spare"), Host("h1", "reboot")), (VM("vm0", "as0", 0, 0, "h1"),))
    world = World("redeploy", t, profile("dev-timing", allow_redeploy=True))
    result = fuzz(st.just(world), campaign="ci", examples=40, steps=40)  # a whole rollout: patch, announce, wait, move
    assert result.counterexamples == {}
    assert result.coverage.actions["platform_patch_empty_host"] > 0
    assert result.coverage.actions["host_redeploy"] > 0, result.coverage.summary()


# ---------------------------------------------------------------------- unsafe placements


def test_unsafe_placements_are_found_not_avoided():
    result = fuzz(unsafe_worlds(max_hosts=3, max_vms=4), campaign="ci", watch=["every_host_patched"],
                  all_properties=False)
    c = result.counterexamples["every_host_patched"]
    stuck = mixed_slice_hosts(c.topology, c.params)
    assert stuck and c.kind in ("lasso", "deadlock")
    assert any(f"host {h} patched" in c.message for h in stuck), c.message


def test_unsafe_shared_host_lasso_matches_the_explorer():
    cfg = CONFIGS["UNSAFE_SHARED_HOST"]
    result = fuzz_target(Target(cfg.topology, cfg.params, cfg.name), campaign="ci", examples=30)
    c = result.counterexamples["every_host_patched"]
    e = explore(cfg.spec(), config=cfg.name, keep_graph=False).counterexamples["every_host_patched"]
    assert (c.kind, len(c), c.loop_start) == (e.kind, len(e), e.loop_start) == ("lasso", 8, 8)
    assert set(result.counterexamples) == {"every_host_patched"}  # safety holds; only liveness fails


def test_a_host_spanning_two_update_domains_is_unsafe_but_valid():
    a = AvailabilitySet("as0", 2, 1)
    t = Topology((a,), (Host("h0"),), (VM("v0", "as0", 0, 0, "h0"), VM("v1", "as0", 1, 0, "h0")))
    ud = [("update_domain", 0), ("update_domain", 1)]
    assert mixed_slice_hosts(t, profile("azure-2017")) == {"h0": {"as0": ud}}
    # one fault domain: a Freeze by fault domain could start, but the Reboot an overrunning
    # Freeze is redone as goes by update domain in every profile (research 1.5)
    assert mixed_slice_hosts(t, profile("typical-2026")) == {"h0": {"as0": ud}}


@pytest.mark.parametrize("slice_", ["update_domain", "fault_domain", "vm"])
def test_round_robin_placement_is_unsafe_only_when_vms_are_the_slice(slice_):
    p = profile("azure-2017", freeze_slice=slice_)

    @given(round_robin_topologies())
    def check(t):
        stuck = mixed_slice_hosts(t, p)
        if slice_ == "vm":  # a round-robin host holds every VM of its (UD, FD) pair; a reboot goes by UD
            assert bool(stuck) == any(sum(v.host == h.name for v in t.vms) > 1 for h in t.hosts if h.update == "in_place")
        else:  # one host per (set, UD, FD): never two UDs or two FDs of a set on one host
            assert stuck == {}

    check()


def test_parameters_strategy_draws_valid_profiles():
    @given(params())
    def check(p):
        assert p.pause_bound >= p.granularity

    check()


def test_machine_runs_directly_with_explicit_settings():
    cls = machine_class(_world("TINY"))
    run_state_machine_as_test(cls, settings=settings(max_examples=5, stateful_step_count=20, deadline=None,
                                                     database=None))
    assert cls.coverage.runs >= 5
