"""Every action's guard and effect, on the TINY and SMALL configurations."""

from dataclasses import replace

import pytest

from vmspec.model import CONFIGS, SMALL, TINY, ActionNotEnabled, Params, Spec, Step
from vmspec.model.configs import Config
from vmspec.model.state import BLANK, LOADED, WRITTEN

FREEZE = ("platform_announce_event", ("h0", "Freeze"))


def run(spec, *steps, state=None):
    s = state or spec.initial_state()
    for name, args in steps:
        s = spec.step(s, Step(name, args))
    return s


def enabled(spec, s):
    return [str(st) for st in spec.enabled_actions(s)]


@pytest.fixture
def tiny():
    return TINY.spec()


def frozen_h0(spec):
    return run(spec, FREEZE, ("app_approve_event", ("h0#1",)), ("platform_start_event", ("h0#1",)),
               ("host_freeze", ("h0",)))


def test_initial_state(tiny):
    s = tiny.initial_state()
    assert [v.status for v in s.vms] == ["running", "running"]
    assert [v.memory for v in s.vms] == [LOADED, LOADED]
    assert s.events == () and s.incarnation == 1 and not s.removed
    assert enabled(tiny, s) == [
        "platform_announce_event(h0, Freeze)",
        "platform_announce_event(h1, Freeze)",
        "time_passes(10)",
    ]


def test_announce_schedules_an_event_with_the_minimum_notice(tiny):
    s = run(tiny, FREEZE)
    (e,) = s.events
    assert (e.event_id, e.event_type, e.resources, e.status) == ("h0#1", "Freeze", (0,), "Scheduled")
    assert e.not_before_in == e.notice == 30 and not e.approved and e.duration == 10
    assert s.incarnation == 2 and s.hosts[0].phase == "announced" and s.hosts[0].rounds == 1
    with pytest.raises(ActionNotEnabled):  # a second announcement while one is in flight
        tiny.step(s, Step(*FREEZE))


def test_announce_type_follows_the_update(tiny):
    small = SMALL.spec()
    s = small.initial_state()
    assert "platform_announce_event(h2, Reboot)" in enabled(small, s)
    with pytest.raises(ActionNotEnabled):
        small.step(s, Step("platform_announce_event", ("h2", "Freeze")))
    with pytest.raises(ActionNotEnabled):
        tiny.step(tiny.initial_state(), Step("platform_announce_event", ("h0", "Reboot")))


def test_approve_only_while_scheduled_and_before_notbefore(tiny):
    s = run(tiny, FREEZE)
    a = tiny.step(s, Step("app_approve_event", ("h0#1",)))
    assert a.events[0].approved and a.incarnation == s.incarnation  # not visible in the document
    with pytest.raises(ActionNotEnabled):
        tiny.step(a, Step("app_approve_event", ("h0#1",)))
    late = run(tiny, ("time_passes", (30,)), state=s)
    assert late.events[0].not_before_in == 0
    assert not tiny.guard(late, "app_approve_event", "h0#1")
    assert not tiny.guard(s, "app_approve_event", "nope#1")


def test_start_needs_notbefore_or_approval(tiny):
    s = run(tiny, FREEZE)
    assert not tiny.guard(s, "platform_start_event", "h0#1")
    by_time = run(tiny, ("time_passes", (30,)), ("platform_start_event", ("h0#1",)), state=s)
    by_approval = run(tiny, ("app_approve_event", ("h0#1",)), ("platform_start_event", ("h0#1",)), state=s)
    for t in (by_time, by_approval):
        e = t.events[0]
        assert e.status == "Started" and e.not_before_in is None
        assert t.hosts[0].phase == "started" and t.incarnation == s.incarnation + 1


def test_start_respects_the_slice(tiny):
    s = frozen_h0(tiny)
    s = run(tiny, ("platform_announce_event", ("h1", "Freeze")), ("app_approve_event", ("h1#1",)), state=s)
    assert not tiny.guard(s, "platform_start_event", "h1#1")  # h1 carries the other UD of as0
    same_ud = Spec(TINY.topology, replace(TINY.params, freeze_slice="vm"))
    assert not same_ud.slice_allows(s, (1,), "Freeze")
    one_fd = replace(TINY.topology.availability_sets[0], fault_domains=1)
    topo = replace(TINY.topology, availability_sets=(one_fd,),
                   vms=tuple(replace(v, fault_domain=0) for v in TINY.topology.vms))
    fd_spec = Spec(topo, replace(TINY.params, freeze_slice="fault_domain"))
    assert fd_spec.slice_allows(s, (1,), "Freeze")  # both VMs share fault domain 0
    # research 1.5: a Reboot goes by update domain whatever the freeze slice, and a Freeze by
    # fault domain never overlaps a Reboot in the same set
    assert not fd_spec.slice_allows(s, (1,), "Reboot")
    assert not fd_spec.slice_allows(s, (0,), "Reboot")


def test_reboots_go_one_update_domain_at_a_time_in_every_profile():
    spec = CONFIGS["TWO_REBOOTS"].spec()
    s = run(spec, ("platform_announce_event", ("h0", "Reboot")), ("platform_announce_event", ("h1", "Reboot")),
            ("app_approve_event", ("h0#1",)), ("app_approve_event", ("h1#1",)), ("platform_start_event", ("h0#1",)))
    assert spec.params.freeze_slice == "fault_domain"
    assert not spec.guard(s, "platform_start_event", "h1#1")  # same fault domain, other update domain


def test_cancel_only_scheduled_and_only_once_per_host(tiny):
    s = run(tiny, FREEZE)
    c = tiny.step(s, Step("platform_cancel_event", ("h0#1",)))
    assert c.events == () and c.removed == {"h0#1"} and c.hosts[0].phase == "idle"
    assert c.incarnation == s.incarnation + 1
    again = run(tiny, FREEZE, state=c)
    assert again.events[0].event_id == "h0#2"
    assert not tiny.guard(again, "platform_cancel_event", "h0#2")
    started = run(tiny, ("app_approve_event", ("h0#1",)), ("platform_start_event", ("h0#1",)), state=s)
    assert not tiny.guard(started, "platform_cancel_event", "h0#1")


def test_freeze_keeps_memory_and_host(tiny):
    before = run(tiny, FREEZE, ("time_passes", (30,)), ("platform_start_event", ("h0#1",)))
    s = tiny.step(before, Step("host_freeze", ("h0",)))
    v = s.vms[0]
    assert (v.status, v.host, v.memory, v.snapshot, v.frozen_for) == ("frozen", 0, WRITTEN, WRITTEN, 0)
    assert s.hosts[0].phase == "frozen" and s.vms[1] == before.vms[1]
    assert not tiny.guard(run(tiny, FREEZE), "host_freeze", "h0")  # not before the event starts


def test_time_while_frozen_stops_the_guest_clock_and_bounds_the_pause(tiny):
    s = frozen_h0(tiny)
    s = run(tiny, ("time_passes", (10,)), ("time_passes", (10,)), ("time_passes", (10,)), state=s)
    v = s.vms[0]
    assert (v.frozen_for, v.clock_lag, v.memory) == (30, 30, LOADED)  # frozen guests neither write nor tick
    assert s.vms[1].memory == WRITTEN and s.vms[1].clock_lag == 0  # the running guest writes
    assert enabled(tiny, s).count("time_passes(10)") == 0  # the bound: time waits for the watchdog
    assert not tiny.guard(s, "time_passes", 1)


def test_patch_then_resume_keeps_memory_and_leaves_the_clock_lagging(tiny):
    s = run(tiny, ("time_passes", (10,)), ("host_apply_patch", ("h0",)), state=frozen_h0(tiny))
    assert s.hosts[0].patched and s.hosts[0].phase == "frozen"
    assert not tiny.guard(s, "host_apply_patch", "h0")
    r = tiny.step(s, Step("platform_resume_host", ("h0",)))
    v = r.vms[0]
    assert (v.status, v.memory, v.snapshot, v.frozen_for, v.clock_lag, v.unsynced_for) == (
        "running", LOADED, None, None, 10, 0)
    assert r.hosts[0].phase == "recovered"
    assert not tiny.guard(r, "time_passes", 10)  # resync latency 5 s, a granule 10 s: the clock is synced first
    synced = tiny.step(r, Step("vm_clock_resync", ("vm0",)))
    assert synced.vms[0].clock_lag == 0 and synced.vms[0].unsynced_for is None
    assert not tiny.guard(synced, "vm_clock_resync", "vm0")


def test_resume_needs_the_patch(tiny):
    assert not tiny.guard(frozen_h0(tiny), "platform_resume_host", "h0")


def test_resync_latency_lets_time_pass_until_it_expires():
    spec = Spec(TINY.topology, replace(TINY.params, resync_latency=10))
    s = run(spec, ("time_passes", (10,)), ("host_apply_patch", ("h0",)), ("platform_resume_host", ("h0",)),
            state=frozen_h0(spec))
    s = spec.step(s, Step("time_passes", (10,)))
    assert s.vms[0].unsynced_for == 10 and s.vms[0].clock_lag == 10
    assert not spec.guard(s, "time_passes", 10)


def test_watchdog_fires_only_at_the_bound_and_turns_the_update_into_a_reboot(tiny):
    s = frozen_h0(tiny)
    assert not tiny.guard(s, "platform_watchdog_resume", "h0")
    s = run(tiny, *[("time_passes", (10,))] * 3, state=s)
    w = tiny.step(s, Step("platform_watchdog_resume", ("h0",)))
    assert w.vms[0].status == "running" and w.vms[0].memory == LOADED
    assert w.hosts[0].needs_reboot and not w.hosts[0].patched and w.hosts[0].phase == "recovered"
    done = run(tiny, ("vm_clock_resync", ("vm0",)), ("platform_complete_event", ("h0#1",)), state=w)
    assert enabled(tiny, done)[0] == "platform_announce_event(h0, Reboot)"
    patched = run(tiny, *[("time_passes", (10,))] * 3, ("host_apply_patch", ("h0",)), state=frozen_h0(tiny))
    assert not tiny.guard(patched, "platform_watchdog_resume", "h0")


def test_reboot_loses_memory_and_patches():
    small = SMALL.spec()
    s = run(small, ("platform_announce_event", ("h2", "Reboot")), ("app_approve_event", ("h2#1",)),
            ("platform_start_event", ("h2#1",)))
    r = small.step(s, Step("host_reboot", ("h2",)))
    v = r.vms[2]
    assert (v.status, v.memory, v.clock_lag) == ("rebooting", BLANK, 0)
    assert r.hosts[2].patched and not r.hosts[2].needs_reboot and r.hosts[2].phase == "rebooting"
    assert not small.guard(s, "host_freeze", "h2")
    b = small.step(r, Step("host_boot_vms", ("h2",)))
    assert b.vms[2].status == "running" and b.hosts[2].phase == "recovered"
    assert not small.guard(r, "host_boot_vms", "h0")


def test_redeploy_moves_vms_to_a_patched_host():
    cfg = SMALL
    spec = Spec(cfg.topology, replace(cfg.params, allow_redeploy=True))
    s = spec.initial_state()
    assert "platform_announce_event(h2, Redeploy)" not in enabled(spec, s)  # no patched host yet
    s = replace(s, hosts=(replace(s.hosts[0], patched=True),) + s.hosts[1:])
    # h0 is patched but carries vm0, of another update domain of as0 than h2's vm2 (R26)
    assert "platform_announce_event(h2, Redeploy)" not in enabled(spec, s)
    spec = CONFIGS["REDEPLOY_TARGET"].spec()
    s = run(spec, ("platform_patch_empty_host", ("spare",)), ("platform_announce_event", ("h1", "Redeploy")),
            ("app_approve_event", ("h1#1",)), ("platform_start_event", ("h1#1",)), ("host_redeploy", ("h1",)))
    v = s.vms[1]
    assert (v.status, v.host, v.memory) == ("rebooting", 0, BLANK) and s.hosts[2].patched
    assert s.events[0].notice == 20  # Redeploy notice, dev timing


def test_redeploy_target_within_the_rules():
    """R26: patched, free of maintenance, no VM of another update domain of the set."""
    spec = CONFIGS["REDEPLOY_TARGET"].spec()
    s = spec.step(spec.initial_state(), Step("platform_patch_empty_host", ("spare",)))
    assert spec.redeploy_target(s, 2, (1,)) == 0  # h1's vm1 may go to the spare host
    busy = replace(s, hosts=(replace(s.hosts[0], phase="announced"),) + s.hosts[1:])
    assert spec.redeploy_target(busy, 2, (1,)) is None  # an event in flight on the target
    back = replace(s, vms=(replace(s.vms[0], host=0),) + s.vms[1:])
    assert spec.redeploy_target(back, 2, (1,)) is None  # it carries vm0, update domain 0 of as0
    rebooting = replace(s, vms=(s.vms[0], replace(s.vms[1], host=0, status="rebooting")))
    assert not spec.target_allowed(rebooting, 0, (0,))  # a VM rebooting there


def test_patch_empty_host():
    topo = replace(TINY.topology, hosts=TINY.topology.hosts + (replace(TINY.topology.hosts[0], name="spare"),))
    spec = Spec(topo, TINY.params)
    s = spec.step(spec.initial_state(), Step("platform_patch_empty_host", ("spare",)))
    assert s.hosts[2].patched and s.events == ()
    assert not spec.guard(spec.initial_state(), "platform_patch_empty_host", "h0")


def test_complete_removes_the_event_once_vms_are_back(tiny):
    s = run(tiny, ("host_apply_patch", ("h0",)), state=frozen_h0(tiny))
    assert not tiny.guard(s, "platform_complete_event", "h0#1")
    s = tiny.step(s, Step("platform_resume_host", ("h0",)))
    c = tiny.step(s, Step("platform_complete_event", ("h0#1",)))
    assert c.events == () and c.removed == {"h0#1"} and c.incarnation == s.incarnation + 1
    assert c.hosts[0].phase == "idle" and c.hosts[0].patched


def test_time_jumps_to_the_next_deadline_when_nothing_is_timing(tiny):
    s = run(tiny, FREEZE)
    assert tiny.time_choices(s) == (30,)
    assert tiny.time_choices(frozen_h0(tiny)) == (10,)
    assert tiny.time_choices(tiny.initial_state()) == (10,)


def test_step_rejects_unknown_actions_and_bad_arguments(tiny):
    s = tiny.initial_state()
    with pytest.raises(ActionNotEnabled, match="unknown action 'reboot_everything'"):
        tiny.step(s, Step("reboot_everything", ()))
    with pytest.raises(ActionNotEnabled, match="bad arguments"):
        tiny.step(s, Step("host_freeze", ("nohost",)))
    with pytest.raises(ActionNotEnabled, match="bad arguments"):
        tiny.step(s, Step("time_passes", (1.5,)))
    with pytest.raises(ActionNotEnabled, match="bad arguments"):
        tiny.step(s, Step("time_passes", (True,)))
    with pytest.raises(ActionNotEnabled, match=r"time_passes\(0\) refused by guard of time_passes: time only moves "
                       r"forward \(R4\)"):
        tiny.step(s, Step("time_passes", (0,)))


def test_successors_and_step_agree(tiny):
    s = frozen_h0(tiny)
    for st, t in tiny.successors(s):
        assert tiny.step(s, st) == t


def test_rollout_completes_and_time_still_passes(tiny):
    s = tiny.initial_state()
    for h in ("h0", "h1"):
        s = run(tiny, ("platform_announce_event", (h, "Freeze")), ("app_approve_event", (f"{h}#1",)),
                ("platform_start_event", (f"{h}#1",)), ("host_freeze", (h,)), ("host_apply_patch", (h,)),
                ("platform_resume_host", (h,)), ("platform_complete_event", (f"{h}#1",)), state=s)
    assert tiny.rollout_complete(s)
    assert enabled(tiny, s) == ["time_passes(10)"]


def test_configs_are_values_apart_from_the_model():
    assert isinstance(TINY, Config) and TINY.spec().topology is TINY.topology
    assert Params() != TINY.params  # exhaustive configs use dev timing


def test_a_hardware_failure_reboots_at_once_without_patching_and_only_where_modelled():
    """R34: under a profile with hardware failures an idle host fails: a Platform Reboot appears
    already Started with no notice, its VMs restart (memory lost) and the host stays unpatched;
    the rollout then announces its maintenance as usual.  Profiles without failures refuse it."""
    spec = CONFIGS["UNPLANNED"].spec()
    s = spec.step(spec.initial_state(), Step("host_hardware_failure", ("h0",)))
    (e,) = s.events
    assert (e.event_id, e.event_type, e.status, e.not_before_in, e.notice, e.source) == (
        "h0#1", "Reboot", "Started", None, 0, "Platform")
    assert e.unplanned and spec.description(e) == "Host server is undergoing an emergency repair."
    assert s.vms[0].status == "rebooting" and s.vms[0].memory == 0 and s.vms[1].status == "running"
    assert not s.hosts[0].patched and s.hosts[0].phase == "rebooting" and s.incarnation == 2
    s = run(spec, ("host_boot_vms", ("h0",)), ("platform_complete_event", ("h0#1",)), state=s)
    assert s.events == () and s.removed == {"h0#1"} and not s.hosts[0].patched
    assert not spec.guard(s, "host_hardware_failure", "h0")  # a host fails at most once
    announced = run(spec, ("platform_announce_event", ("h0", "Freeze")), state=s)
    assert announced.events[0].event_id == "h0#2" and not announced.events[0].unplanned
    assert spec.refusal(spec.initial_state(), Step("host_hardware_failure", ("h0",))) is None
    tiny = CONFIGS["TINY"].spec()
    assert tiny.refusal(tiny.initial_state(), Step("host_hardware_failure", ("h0",))).name == "disabled"


def test_a_users_restart_is_a_user_reboot_approvable_at_once_that_applies_no_update():
    """R35: under a profile with user events the owner of a running VM restarts it: a Reboot naming
    that VM alone, EventSource User, Scheduled with the Reboot's notice; its VM approves it at once,
    the platform starts it, the VM restarts (memory lost) and the host stays unpatched; the rollout
    then announces its maintenance as usual.  Profiles without user events refuse it."""
    spec = CONFIGS["USER_EVENTS"].spec()
    s = spec.step(spec.initial_state(), Step("user_reboot_vm", ("vm1",)))
    (e,) = s.events
    notice = spec.params.notice_for("Reboot")
    assert (e.event_id, e.event_type, e.resources, e.status, e.not_before_in, e.notice, e.duration, e.source) == (
        "h1#1", "Reboot", (1,), "Scheduled", notice, notice, -1, "User")
    assert spec.description(e) == "Virtual machine is going to be restarted as requested by authorized user."
    assert not e.unplanned and s.hosts[1].phase == "announced" and s.incarnation == 2
    assert not spec.guard(s, "user_reboot_vm", "vm1")  # one event per host
    s = run(spec, ("app_approve_event", ("h1#1", "vm1")), ("platform_start_event", ("h1#1",)),
            ("host_reboot", ("h1",)), state=s)
    assert s.vms[1].status == "rebooting" and s.vms[1].memory == BLANK and s.vms[0].status == "running"
    assert not s.hosts[1].patched and not s.hosts[1].needs_reboot
    s = run(spec, ("host_boot_vms", ("h1",)), ("platform_complete_event", ("h1#1",)), state=s)
    assert s.events == () and s.removed == {"h1#1"} and not s.hosts[1].patched
    assert spec.refusal(s, Step("user_reboot_vm", ("vm1",))).name == "rounds"  # modelled once per host (D24)
    announced = run(spec, ("platform_announce_event", ("h1", "Freeze")), state=s)
    assert announced.events[0].event_id == "h1#2" and announced.events[0].source == "Platform"
    tiny = CONFIGS["TINY"].spec()
    assert tiny.refusal(tiny.initial_state(), Step("user_reboot_vm", ("vm0",))).name == "disabled"


def _refused(spec, s, name, *args):
    with pytest.raises(ActionNotEnabled) as exc:
        spec.step(s, Step(name, args))
    return exc.value.refusal.name


def test_live_migration_moves_a_hosts_vms_of_one_set_in_turn():
    """R27, R14: on LIVE_MIGRATION, h0's two VMs of as0 are named by one event each, frozen for the
    blackout and resumed on the patched spare host with their memory; h0 is patched once empty."""
    spec = CONFIGS["LIVE_MIGRATION"].spec()
    s0 = spec.initial_state()
    assert spec.event_types_for(s0, 1) == ()  # no patched host can take vm0 yet: nothing announced
    s = run(spec, ("platform_patch_empty_host", ("spare",)), ("platform_announce_event", ("h0", "Freeze")))
    assert s.event("h0#1").resources == (0,)  # the first VM of as0 on h0 only (one VM of a set at a time)
    s = run(spec, ("time_passes", (30,)), ("platform_start_event", ("h0#1",)), ("host_freeze", ("h0",)), state=s)
    assert _refused(spec, s, "host_apply_patch", "h0") == "live_migration"  # never patched under the freeze
    assert _refused(spec, s, "platform_resume_host", "h0") == "unpatched"  # never resumed in place
    before = s.vms[0]
    s = run(spec, ("time_passes", (10,)), ("host_live_migrate", ("h0",)), state=s)
    v = s.vms[0]
    assert (v.status, v.host, v.memory, v.clock_lag) == ("running", 0, before.memory, 10)
    assert not s.hosts[1].patched and s.hosts[1].phase == "recovered" and s.vms[1].host == 1
    s = run(spec, ("platform_complete_event", ("h0#1",)), ("vm_clock_resync", ("vm0",)),
            ("platform_announce_event", ("h0", "Freeze")), ("time_passes", (30,)), ("platform_start_event", ("h0#2",)),
            ("host_freeze", ("h0",)), ("host_live_migrate", ("h0",)), ("platform_complete_event", ("h0#2",)), state=s)
    assert [v.host for v in s.vms] == [0, 0, 2] and not s.hosts[1].patched  # h0 vacated, vm1 beside vm0
    assert _refused(spec, s, "platform_announce_event", "h0", "Freeze") == "no_vms"  # nothing left to name
    s = run(spec, ("platform_patch_empty_host", ("h0",)), state=s)
    assert s.hosts[1].patched
    # vm2, of as0's other update domain, may not join vm0 and vm1 on the spare host, but h0 now takes it
    assert spec.redeploy_target(s, 2, (2,)) == 1


def test_live_migration_watchdog_only_without_a_destination():
    """R27, R2: the watchdog resumes a live migration in place only when no host can take its VMs."""
    spec = CONFIGS["LIVE_MIGRATION"].spec()
    s = run(spec, ("platform_patch_empty_host", ("spare",)), ("platform_announce_event", ("h0", "Freeze")),
            ("time_passes", (30,)), ("platform_start_event", ("h0#1",)), ("host_freeze", ("h0",)), ("time_passes", (10,)))
    assert _refused(spec, s, "platform_watchdog_resume", "h0") == "can_migrate"
    gone = replace(s, hosts=(replace(s.hosts[0], phase="announced"),) + s.hosts[1:])  # the spare is taken
    assert _refused(spec, gone, "host_live_migrate", "h0") == "no_target"
    t = run(spec, ("platform_watchdog_resume", ("h0",)), state=gone)
    assert t.vms[0].host == 1 and t.hosts[1].needs_reboot  # resumed in place; redone as a Reboot


def test_live_migration_is_off_outside_its_profile(tiny):
    s = frozen_h0(tiny)
    assert _refused(tiny, s, "host_live_migrate", "h0") == "disabled"
    assert Params(freeze_slice="vm", live_migration=True).live_migration
    with pytest.raises(ValueError, match="live_migration"):
        Params(freeze_slice="fault_domain", live_migration=True)


def test_a_spot_vm_is_preempted_with_30_s_notice_and_never_runs_again():
    """R36: on SPOT_SCALE_SET only the Spot VM vm1 may be preempted: a Preempt naming it alone,
    Scheduled with the documented 30 s (1 s in dev timing); once Started the VM is gone, the event
    removed, the host idle and still unpatched; the VM is on no host any more, so its host is then
    patched without an event, and nothing brings it back.  A profile without evictions refuses it."""
    spec = CONFIGS["SPOT_SCALE_SET"].spec()
    assert spec.refusal(spec.initial_state(), Step("platform_preempt_vm", ("vm0",))).name == "not_spot"
    s = spec.step(spec.initial_state(), Step("platform_preempt_vm", ("vm1",)))
    (e,) = s.events
    notice = spec.params.notice_for("Preempt")
    assert notice == 30 // 30
    assert (e.event_id, e.event_type, e.resources, e.status, e.not_before_in, e.duration, e.source) == (
        "h1#1", "Preempt", (1,), "Scheduled", notice, -1, "Platform")
    assert spec.description(e) == "Spot virtual machine is being evicted." and e.eviction and not e.unplanned
    assert spec.refusal(s, Step("host_evict_vm", ("h1",))).name == "not_started"
    s = run(spec, ("time_passes", (notice,)), ("platform_start_event", ("h1#1",)), ("host_evict_vm", ("h1",)),
            state=s)
    assert s.vms[1].status == "gone" and s.events == () and s.removed == {"h1#1"} and s.incarnation == 4
    assert s.hosts[1].phase == "idle" and not s.hosts[1].patched and spec.residents(s, 1) == ()
    assert spec.refusal(s, Step("platform_announce_event", ("h1", "Freeze"))).name == "no_vms"
    s = run(spec, ("platform_patch_empty_host", ("h1",)), state=s)
    assert s.hosts[1].patched
    for name in ("platform_preempt_vm", "user_delete_vm", "user_reboot_vm", "vm_clock_resync"):
        assert not spec.guard(s, name, "vm1")
    tiny = CONFIGS["TINY"].spec()
    assert tiny.refusal(tiny.initial_state(), Step("platform_preempt_vm", ("vm1",))).name == "disabled"


def test_an_approved_terminate_waits_for_the_other_pending_terminate_of_its_scale_set():
    """R37: deleting both VMs of the scale set schedules two Terminates with the notBeforeTimeout (5 min,
    10 s in dev timing); vm0's, approved, may not start while vm1's is neither approved nor timed out;
    once vm1's is approved it may; at its own NotBefore a Terminate starts regardless.  Only a scale
    set's VM is deleted."""
    spec = CONFIGS["SPOT_SCALE_SET"].spec()
    s = run(spec, ("user_delete_vm", ("vm0",)), ("user_delete_vm", ("vm1",)), ("app_approve_event", ("h0#1", "vm0")))
    assert [(e.event_type, e.not_before_in, e.notice) for e in s.events] == [("Terminate", 10, 10)] * 2
    assert spec.description(s.events[0]) == "Virtual machine is being deleted from its scale set."
    assert spec.refusal(s, Step("platform_start_event", ("h0#1",))).name == "terminate_pending"
    t = run(spec, ("app_approve_event", ("h1#1", "vm1")), ("platform_start_event", ("h0#1",)),
            ("host_evict_vm", ("h0",)), state=s)
    assert t.vms[0].status == "gone" and t.vms[1].status == "running"
    late = run(spec, ("time_passes", (10,)), ("platform_start_event", ("h0#1",)), state=s)  # mandatory at NotBefore
    assert late.event("h0#1").status == "Started"
    tiny = Spec(TINY.topology, replace(TINY.params, terminate_timeout=300))
    assert tiny.refusal(tiny.initial_state(), Step("user_delete_vm", ("vm0",))).name == "not_scale_set"
    with pytest.raises(ValueError, match="terminate_timeout must be"):
        Params(terminate_timeout=60)
