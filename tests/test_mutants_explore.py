"""Every mutant is caught by the explorer with its exact shortest counterexample, and the
correct model passes on the same configurations.

The pins are the breadth-first (shortest) counterexamples with symmetry reduction on,
stopping once the mutant's headline properties are caught; the unreduced search must find
counterexamples of the same kind and length.  A new mutant needs a pin here.
"""

from __future__ import annotations

import pytest

from vmspec.model import CONFIGS, Step
from vmspec.properties.catalogue.mutants import MUTANTS
from vmspec.properties.catalogue.registry import EVENTUALLY, by_name
from vmspec.properties.engines.explore import explore, verdicts
from vmspec.properties.engines.graph import starved_on_cycle
from vmspec.properties.engines.symmetry import declared_symmetric
from vmspec.properties.evidence.counterexample import replay

PINS = {
    'group_spans_slices': {
        'event_hosts_one_slice': ('safety', None, [('platform_announce_group', ('h0', 'Reboot'))]),
    },
    'first_tenant_releases': {
        'approved_by_every_tenant': ('safety', None, [('platform_announce_event', ('h0', 'Freeze')), ('app_approve_event', ('h0#1', 'vm0'))]),
    },
    'approval_from_any_vm': {
        'approval_from_the_set': ('safety', None, [('platform_announce_event', ('h0', 'Freeze')), ('app_approve_event', ('h0#1', 'vm1'))]),
    },
    'slice_guard_dropped': {
        'one_slice_at_a_time': ('safety', None, [('platform_announce_event', ('h0', 'Freeze')), ('platform_announce_event', ('h1', 'Freeze')), ('time_passes', (30,)), ('platform_start_event', ('h0#1',)), ('platform_start_event', ('h1#1',)), ('host_freeze', ('h0',)), ('host_freeze', ('h1',))]),
        'aset_keeps_a_running_vm': ('safety', None, [('platform_announce_event', ('h0', 'Freeze')), ('platform_announce_event', ('h1', 'Freeze')), ('time_passes', (30,)), ('platform_start_event', ('h0#1',)), ('platform_start_event', ('h1#1',)), ('host_freeze', ('h0',)), ('host_freeze', ('h1',))]),
    },
    'reboot_sliced_like_freeze': {
        'one_slice_at_a_time': ('safety', None, [('platform_announce_event', ('h0', 'Reboot')), ('platform_announce_event', ('h1', 'Reboot')), ('time_passes', (30,)), ('platform_start_event', ('h0#1',)), ('platform_start_event', ('h1#1',)), ('host_reboot', ('h0',)), ('host_reboot', ('h1',))]),
        'aset_keeps_a_running_vm': ('safety', None, [('platform_announce_event', ('h0', 'Reboot')), ('platform_announce_event', ('h1', 'Reboot')), ('time_passes', (30,)), ('platform_start_event', ('h0#1',)), ('platform_start_event', ('h1#1',)), ('host_reboot', ('h0',)), ('host_reboot', ('h1',))]),
    },
    'resources_span_update_domains': {
        'event_resources_one_update_domain': ('safety', None, [('platform_announce_event', ('h0', 'Freeze'))]),
    },
    'recovery_gap_ignored': {
        'recovery_gap_kept': ('safety', None, [('platform_announce_event', ('h0', 'Reboot')), ('platform_announce_event', ('h1', 'Freeze')), ('time_passes', (30,)), ('platform_start_event', ('h0#1',)), ('host_reboot', ('h0',)), ('host_boot_vms', ('h0',)), ('platform_complete_event', ('h0#1',)), ('platform_start_event', ('h1#1',))]),
    },
    'redeploy_to_any_patched_host': {
        'redeploy_target_within_rules': ('safety', None, [('platform_patch_empty_host', ('spare',)), ('platform_announce_event', ('h0', 'Redeploy')), ('platform_announce_event', ('h1', 'Redeploy')), ('time_passes', (20,)), ('platform_start_event', ('h0#1',)), ('host_redeploy', ('h0',)), ('host_boot_vms', ('h0',)), ('platform_complete_event', ('h0#1',)), ('platform_start_event', ('h1#1',)), ('host_redeploy', ('h1',))]),
    },
    'live_migration_loses_memory': {
        'live_migration_within_rules': ('safety', None, [('platform_patch_empty_host', ('spare',)), ('platform_announce_event', ('h0', 'Freeze')), ('time_passes', (30,)), ('platform_start_event', ('h0#1',)), ('host_freeze', ('h0',)), ('host_live_migrate', ('h0',))]),
        'memory_kept_at_resume': ('safety', None, [('platform_patch_empty_host', ('spare',)), ('platform_announce_event', ('h0', 'Freeze')), ('time_passes', (30,)), ('platform_start_event', ('h0#1',)), ('host_freeze', ('h0',)), ('host_live_migrate', ('h0',))]),
        'memory_lost_only_by_reboot': ('safety', None, [('platform_patch_empty_host', ('spare',)), ('platform_announce_event', ('h0', 'Freeze')), ('time_passes', (30,)), ('platform_start_event', ('h0#1',)), ('host_freeze', ('h0',)), ('host_live_migrate', ('h0',))]),
    },
    'no_watchdog': {
        'freeze_within_bound': ('safety', None, [('platform_announce_event', ('h0', 'Freeze')), ('app_approve_event', ('h0#1', 'vm0')), ('platform_start_event', ('h0#1',)), ('host_freeze', ('h0',)), ('time_passes', (10,)), ('time_passes', (10,)), ('time_passes', (10,)), ('time_passes', (10,))]),
    },
    'memory_reset_on_resume': {
        'memory_kept_at_resume': ('safety', None, [('platform_announce_event', ('h0', 'Freeze')), ('app_approve_event', ('h0#1', 'vm0')), ('platform_start_event', ('h0#1',)), ('host_freeze', ('h0',)), ('host_apply_patch', ('h0',)), ('platform_resume_host', ('h0',))]),
    },
    'stale_memory_at_resume': {
        'memory_kept_at_resume': ('safety', None, [('platform_announce_event', ('h0', 'Freeze')), ('time_passes', (30,)), ('platform_start_event', ('h0#1',)), ('host_freeze', ('h0',)), ('host_apply_patch', ('h0',)), ('platform_resume_host', ('h0',))]),
    },
    'frozen_guest_keeps_writing': {
        'frozen_memory_matches_snapshot': ('safety', None, [('platform_announce_event', ('h0', 'Freeze')), ('app_approve_event', ('h0#1', 'vm0')), ('platform_start_event', ('h0#1',)), ('host_freeze', ('h0',)), ('time_passes', (10,))]),
    },
    'memory_wiped_at_freeze': {
        'memory_lost_only_by_reboot': ('safety', None, [('platform_announce_event', ('h0', 'Freeze')), ('app_approve_event', ('h0#1', 'vm0')), ('platform_start_event', ('h0#1',)), ('host_freeze', ('h0',))]),
    },
    'no_clock_resync': {
        'clock_synced_after_resume': ('safety', None, [('platform_announce_event', ('h0', 'Freeze')), ('app_approve_event', ('h0#1', 'vm0')), ('platform_start_event', ('h0#1',)), ('host_freeze', ('h0',)), ('host_apply_patch', ('h0',)), ('time_passes', (10,)), ('platform_resume_host', ('h0',)), ('time_passes', (10,))]),
    },
    'clock_steps_back': {
        'guest_clock_monotonic': ('safety', None, [('platform_announce_event', ('h0', 'Freeze')), ('app_approve_event', ('h0#1', 'vm0')), ('platform_start_event', ('h0#1',)), ('host_freeze', ('h0',)), ('host_apply_patch', ('h0',)), ('platform_resume_host', ('h0',))]),
    },
    'start_before_notbefore': {
        'start_after_notbefore_or_approval': ('safety', None, [('platform_announce_event', ('h0', 'Freeze')), ('platform_start_event', ('h0#1',))]),
    },
    'short_notice': {
        'notice_at_least_minimum': ('safety', None, [('platform_announce_event', ('h0', 'Freeze'))]),
    },
    'reboot_update_under_freeze': {
        'reboot_update_announced_as_reboot': ('safety', None, [('platform_announce_event', ('h2', 'Freeze'))]),
        'reboot_update_never_under_freeze': ('safety', None, [('platform_announce_event', ('h2', 'Freeze')), ('app_approve_event', ('h2#1', 'vm2')), ('platform_start_event', ('h2#1',)), ('host_freeze', ('h2',)), ('host_apply_patch', ('h2',))]),
    },
    'incarnation_not_bumped': {
        'incarnation_tracks_changes': ('safety', None, [('platform_announce_event', ('h0', 'Freeze')), ('app_approve_event', ('h0#1', 'vm0')), ('platform_start_event', ('h0#1',))]),
    },
    'event_id_changes_on_start': {
        'event_lifecycle': ('safety', None, [('platform_announce_event', ('h0', 'Freeze')), ('app_approve_event', ('h0#1', 'vm0')), ('platform_start_event', ('h0#1',))]),
    },
    'completed_status_published': {
        'only_scheduled_or_started': ('safety', None, [('platform_announce_event', ('h0', 'Freeze')), ('app_approve_event', ('h0#1', 'vm0')), ('platform_start_event', ('h0#1',)), ('host_freeze', ('h0',)), ('host_apply_patch', ('h0',)), ('platform_resume_host', ('h0',)), ('platform_complete_event', ('h0#1',))]),
        'finished_event_removed': ('safety', None, [('platform_announce_event', ('h0', 'Freeze')), ('app_approve_event', ('h0#1', 'vm0')), ('platform_start_event', ('h0#1',)), ('host_freeze', ('h0',)), ('host_apply_patch', ('h0',)), ('platform_resume_host', ('h0',)), ('platform_complete_event', ('h0#1',))]),
    },
    'host_phase_typo': {
        'type_ok': ('safety', None, [('platform_announce_event', ('h0', 'Freeze')), ('app_approve_event', ('h0#1', 'vm0')), ('platform_start_event', ('h0#1',)), ('host_freeze', ('h0',)), ('host_apply_patch', ('h0',)), ('platform_resume_host', ('h0',)), ('platform_complete_event', ('h0#1',))]),
    },
    'event_id_reused': {
        'removed_event_never_returns': ('safety', None, [('platform_announce_event', ('h0', 'Freeze')), ('platform_cancel_event', ('h0#1',)), ('platform_announce_event', ('h0', 'Freeze'))]),
    },
    'completed_event_left': {
        'finished_event_removed': ('safety', None, [('platform_announce_event', ('h0', 'Freeze')), ('app_approve_event', ('h0#1', 'vm0')), ('platform_start_event', ('h0#1',)), ('host_freeze', ('h0',)), ('host_apply_patch', ('h0',)), ('platform_resume_host', ('h0',)), ('platform_complete_event', ('h0#1',))]),
    },
    'migrate_under_freeze': {
        'vm_stays_on_host': ('safety', None, [('platform_announce_event', ('h0', 'Freeze')), ('app_approve_event', ('h0#1', 'vm0')), ('platform_start_event', ('h0#1',)), ('host_freeze', ('h0',))]),
    },
    'freeze_without_started_event': {
        'impact_needs_started_event': ('safety', None, [('platform_announce_event', ('h0', 'Freeze')), ('host_freeze', ('h0',))]),
    },
    'waits_for_approval': {
        'every_host_patched': ('lasso', 4, [('platform_announce_event', ('h0', 'Freeze')), ('platform_announce_event', ('h1', 'Freeze')), ('time_passes', (30,)), ('time_passes', (10,))]),
    },
    'resync_never_runs': {
        'every_host_patched': ('stutter', None, [('platform_announce_event', ('h0', 'Freeze')), ('platform_announce_event', ('h1', 'Freeze')), ('app_approve_event', ('h0#1', 'vm0')), ('platform_start_event', ('h0#1',)), ('host_freeze', ('h0',)), ('host_apply_patch', ('h0',)), ('time_passes', (10,)), ('platform_resume_host', ('h0',)), ('platform_complete_event', ('h0#1',))]),
        'frozen_vm_resumes': ('stutter', None, [('platform_announce_event', ('h0', 'Freeze')), ('platform_announce_event', ('h1', 'Freeze')), ('time_passes', (30,)), ('platform_start_event', ('h0#1',)), ('host_freeze', ('h0',)), ('host_apply_patch', ('h0',)), ('time_passes', (10,)), ('platform_resume_host', ('h0',)), ('platform_complete_event', ('h0#1',)), ('platform_start_event', ('h1#1',)), ('host_freeze', ('h1',))]),
        'deadlock_free': ('deadlock', None, [('platform_announce_event', ('h0', 'Freeze')), ('platform_announce_event', ('h1', 'Freeze')), ('time_passes', (30,)), ('platform_start_event', ('h0#1',)), ('host_freeze', ('h0',)), ('host_apply_patch', ('h0',)), ('platform_resume_host', ('h0',)), ('platform_complete_event', ('h0#1',)), ('platform_start_event', ('h1#1',)), ('host_freeze', ('h1',)), ('host_apply_patch', ('h1',)), ('time_passes', (10,)), ('platform_resume_host', ('h1',)), ('platform_complete_event', ('h1#1',))]),
    },
    'resume_forgotten': {
        'frozen_vm_resumes': ('stutter', None, [('platform_announce_event', ('h0', 'Freeze')), ('platform_announce_event', ('h1', 'Freeze')), ('app_approve_event', ('h0#1', 'vm0')), ('platform_start_event', ('h0#1',)), ('host_freeze', ('h0',)), ('host_apply_patch', ('h0',)), ('time_passes', (10,)), ('time_passes', (10,)), ('time_passes', (10,))]),
        'deadlock_free': ('deadlock', None, [('platform_announce_event', ('h0', 'Freeze')), ('platform_announce_event', ('h1', 'Freeze')), ('app_approve_event', ('h0#1', 'vm0')), ('platform_start_event', ('h0#1',)), ('platform_cancel_event', ('h1#1',)), ('platform_announce_event', ('h1', 'Freeze')), ('host_freeze', ('h0',)), ('host_apply_patch', ('h0',)), ('time_passes', (10,)), ('time_passes', (10,)), ('time_passes', (10,))]),
    },
    'pause_timer_kept_after_resume': {
        'timers_in_range': ('safety', None, [('platform_announce_event', ('h0', 'Freeze')), ('app_approve_event', ('h0#1', 'vm0')), ('platform_start_event', ('h0#1',)), ('host_freeze', ('h0',)), ('host_apply_patch', ('h0',)), ('platform_resume_host', ('h0',))]),
    },
    'notbefore_kept_when_started': {
        'notbefore_while_scheduled': ('safety', None, [('platform_announce_event', ('h0', 'Freeze')), ('app_approve_event', ('h0#1', 'vm0')), ('platform_start_event', ('h0#1',))]),
        'event_lifecycle': ('safety', None, [('platform_announce_event', ('h0', 'Freeze')), ('app_approve_event', ('h0#1', 'vm0')), ('platform_start_event', ('h0#1',))]),
    },
    'maintenance_disguised_as_failure': {
        'failure_applies_no_update': ('safety', None, [('host_hardware_failure', ('h0',))]),
    },
    'failure_rebooted_as_maintenance': {
        'unplanned_reboot_impacts_at_once': ('safety', None, [('host_hardware_failure', ('h0',))]),
        'failure_applies_no_update': ('safety', None, [('host_hardware_failure', ('h0',)), ('host_reboot', ('h0',))]),
    },
    'maintenance_as_user_event': {
        'user_event_applies_no_update': ('safety', None, [('platform_announce_event', ('h0', 'Freeze')), ('app_approve_event', ('h0#1', 'vm0')), ('platform_start_event', ('h0#1',)), ('host_freeze', ('h0',)), ('host_apply_patch', ('h0',))]),
    },
    'preempt_regular_vm': {
        'gone_only_by_started_eviction': ('safety', None, [('platform_preempt_vm', ('vm0',)), ('app_approve_event', ('h0#1', 'vm0')), ('platform_start_event', ('h0#1',)), ('host_evict_vm', ('h0',))]),
    },
    'terminate_ignores_pending': {
        'terminate_waits_for_pending_terminates': ('safety', None, [('user_delete_vm', ('vm0',)), ('app_approve_event', ('h0#1', 'vm0')), ('user_delete_vm', ('vm1',)), ('platform_start_event', ('h0#1',))]),
    },
    'gone_vm_still_on_host': {
        'gone_only_by_started_eviction': ('safety', None, [('user_delete_vm', ('vm0',)), ('app_approve_event', ('h0#1', 'vm0')), ('platform_start_event', ('h0#1',)), ('host_evict_vm', ('h0',)), ('platform_announce_event', ('h0', 'Freeze')), ('app_approve_event', ('h0#2', 'vm0')), ('platform_start_event', ('h0#2',)), ('host_freeze', ('h0',))]),
    },
}


def _run(m, symmetry=True, **kw):
    cfg = CONFIGS[m.config]
    stop = () if any(by_name(p).kind == EVENTUALLY for p in m.breaks) else m.breaks
    return explore(m.spec(cfg.topology, cfg.params), config=cfg.name, mutant=m.name, symmetry=symmetry,
                   keep_graph=False, stop_when=stop, **kw)


def test_every_mutant_has_a_pin():
    assert sorted(PINS) == sorted(m.name for m in MUTANTS)
    for m in MUTANTS:
        assert sorted(PINS[m.name]) == sorted(m.breaks), m.name


@pytest.mark.parametrize("m", MUTANTS, ids=lambda m: m.name)
def test_mutant_caught_with_pinned_shortest_counterexample(m):
    result = _run(m)
    for prop in m.breaks:
        c = result.counterexamples.get(prop)
        assert c is not None, f"{m.name}: {prop} not caught"
        kind, loop_start, steps = PINS[m.name][prop]
        assert (c.property, c.kind, c.loop_start) == (prop, kind, loop_start)
        assert c.actions() == [Step(a, args) for a, args in steps]
        assert c.mutant == m.name and c.engine == "explore"
        verdict = replay(c)
        assert verdict.reproduced, verdict.detail
        if c.kind == "lasso":
            _assert_fair_here_unfair_in_model(m, c, verdict.states)
        else:  # the same steps on the correct model do not reproduce the violation
            correct = replay(type(c)(**{**c.__dict__, "mutant": None}))
            assert not correct.reproduced, f"{m.name}: {prop} also fails on the correct model: {correct.detail}"


def _assert_fair_here_unfair_in_model(m, c, states):
    """The reported cycle is weakly fair in the mutant; in the correct model the same cycle
    starves a fair action (so it is no counterexample there)."""
    cfg = CONFIGS[m.config]
    cycle_states = states[c.loop_start - 1 : -1]
    cycle_steps = c.actions()[c.loop_start - 1 :]
    assert starved_on_cycle(m.spec(cfg.topology, cfg.params), cycle_states, cycle_steps) == set()
    assert starved_on_cycle(cfg.spec(), cycle_states, cycle_steps) != set()


@pytest.mark.parametrize("m", MUTANTS, ids=lambda m: m.name)
def test_unreduced_search_finds_same_kind_and_length(m):
    """Reduction is used only where the mutant declares itself symmetric, and changes neither
    the verdicts nor the shortest counterexamples' kinds and lengths."""
    reduced, unreduced = _run(m), _run(m, symmetry=False)
    cfg = CONFIGS[m.config]
    assert reduced.symmetry == declared_symmetric(m.spec(cfg.topology, cfg.params))
    assert not unreduced.symmetry
    decided = [{(v.property, v.status) for v in verdicts(r, decided_only=True) if v.property in m.breaks}
               for r in (reduced, unreduced)]
    assert decided[0] == decided[1]
    for prop in m.breaks:
        a, b = reduced.counterexamples[prop], unreduced.counterexamples[prop]
        assert (a.kind, len(a), a.loop_start) == (b.kind, len(b), b.loop_start)
        assert replay(b).reproduced


def test_correct_model_passes_on_tiny():
    result = explore(CONFIGS["TINY"].spec(), config="TINY", keep_graph=False)
    assert result.complete and result.counterexamples == {}
    assert not [v for v in verdicts(result) if v.failed]


@pytest.mark.slow
@pytest.mark.parametrize("m", MUTANTS, ids=lambda m: m.name)
def test_full_search_verdicts_agree_with_and_without_symmetry(m):
    cfg = CONFIGS[m.config]
    runs = [explore(m.spec(cfg.topology, cfg.params), config=cfg.name, mutant=m.name, symmetry=s, keep_graph=False)
            for s in (True, False)]
    statuses = [{v.property: v.status for v in verdicts(r)} for r in runs]
    assert statuses[0] == statuses[1]
    assert all(p in runs[0].counterexamples for p in m.breaks)
