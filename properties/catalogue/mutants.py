"""The mutant catalogue: deliberately broken variants of the model, each breaking one rule.

A checker is trusted only once it has caught these.  Each mutant is a subclass of
`vmspec.model.Spec` that overrides the one guard or effect it breaks, so the rest of the model
stays the reference.  `breaks` lists the properties the mutant must be caught violating (their shortest traces are
pinned by the engines' tests); `also_breaks` lists strengthening invariants it is shown to
violate as well;
`config` names the smallest named configuration on which it shows.  A mutant whose class
declares ``symmetric = True`` treats interchangeable hosts, VMs and slices alike, so the
explorer may merge symmetric states; any other runs without reduction
(`vmspec.properties.engines.symmetry.declared_symmetric`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from vmspec.model import Spec, State
from vmspec.model.spec import Outcome, _Preempt
from vmspec.model.state import (
    ANNOUNCED,
    BLANK,
    FROZEN,
    IN_FREEZE,
    OUTSIDE,
    RUNNING,
    STARTED_STATUS,
    USER_SOURCE,
    Event,
    VMState,
    evolve_state,
    evolve_vm,
    older_image,
    written,
)


@dataclass(frozen=True)
class Mutant:
    name: str
    rule: str
    breaks: tuple[str, ...]  # properties it must be caught violating (the first is the headline)
    description: str
    spec_class: type[Spec]
    config: str = "TINY"
    also_breaks: tuple[str, ...] = ()  # strengthening invariants it violates on the way


    def spec(self, topology: object, params: object) -> Spec:
        return self.spec_class(topology, params)  # type: ignore[arg-type]


class SliceGuardDropped(Spec):
    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def slice_allows(self, s: State, resources: tuple[int, ...], event_type: str) -> bool:
        return True


class RebootSlicedLikeFreeze(Spec):
    """One slice kind for every event type: Reboots and Redeploys sequenced by the freeze slice."""

    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def slice_allows(self, s: State, resources: tuple[int, ...], event_type: str) -> bool:
        busy = [(i, "Freeze") for e in s.events if e.status == STARTED_STATUS for i in e.resources]
        busy += [(i, "Freeze") for i in resources]
        return all(len(units) <= 1 for units in self.impacted_slices(busy).values())


class ResourcesSpanUpdateDomains(Spec):
    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def resources_within_one_update_domain(self, resources: tuple[int, ...]) -> bool:
        return True


class RecoveryGapIgnored(Spec):
    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def recovery_gap_allows(self, s: State, resources: tuple[int, ...]) -> bool:
        return True


class RedeployToAnyPatchedHost(Spec):
    """A Redeploy lands on the first other patched host, whatever it carries or undergoes."""

    symmetric = True  # picks the first host as the model does; allow_redeploy keeps hosts in place

    def target_allowed(self, s: State, i: int, moving: tuple[int, ...]) -> bool:
        return s.hosts[i].patched


class LiveMigrationLosesMemory(Spec):
    """A live migration resumes its VMs on the destination with an older image of their memory:
    the pages they wrote last before the blackout were never copied (the realistic failure of a
    migration, which a memory token saturating at WRITTEN could not see)."""

    symmetric = True  # live migration turns symmetry reduction off altogether

    def migrated(self, s: State, h: int, e: Event, target: int) -> State:
        t = super().migrated(s, h, e, target)
        vms = tuple(evolve_vm(v, memory=older_image(v.memory)) if i in e.resources and v.host == target else v
                    for i, v in enumerate(t.vms))
        return evolve_state(t, vms=vms)


class NoWatchdog(Spec):
    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def freeze_deadline_ok(self, s: State, dt: int) -> bool:
        return True

    def watchdog_due(self, s: State, h: int) -> bool:
        return False


class MemoryResetOnResume(Spec):
    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def resumed_vm(self, v: VMState) -> VMState:
        return replace(super().resumed_vm(v), memory=BLANK)


class StaleMemoryAtResume(Spec):
    """A migration that copies memory while the guest runs and resumes it from that copy
    without the pages dirtied since: the VM comes back with an older image of its memory."""

    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def resumed_vm(self, v: VMState) -> VMState:
        resumed = super().resumed_vm(v)
        return replace(resumed, memory=older_image(resumed.memory))


class NoClockResync(Spec):
    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def vm_clock_resync(self, s: State, vm: int) -> Outcome | None:
        return None

    def resync_deadline_ok(self, s: State, dt: int) -> bool:
        return True


class ResyncNeverRuns(Spec):
    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def vm_clock_resync(self, s: State, vm: int) -> Outcome | None:
        return None


class ClockStepsBack(Spec):
    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def resumed_vm(self, v: VMState) -> VMState:
        resumed = super().resumed_vm(v)
        return replace(resumed, clock_lag=resumed.clock_lag + self.params.granularity, unsynced_for=0)


class StartBeforeNotBefore(Spec):
    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def start_allowed(self, e: Event) -> bool:
        return True


class RebootUpdateUnderFreeze(Spec):
    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def event_types_for(self, s: State, h: int) -> tuple[str, ...]:
        return ("Freeze",)

    def host_apply_patch(self, s: State, h: int) -> Outcome | None:
        host = s.hosts[h]
        if host.phase != IN_FREEZE or host.patched:
            return None
        return replace(s, hosts=self._set_phase(s, h, IN_FREEZE, patched=True))


class IncarnationNotBumped(Spec):
    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def platform_start_event(self, s: State, event_id: str) -> Outcome | None:
        nxt = super().platform_start_event(s, event_id)
        return replace(nxt, incarnation=s.incarnation) if nxt else nxt


class CompletedEventLeft(Spec):
    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def platform_complete_event(self, s: State, event_id: str) -> Outcome | None:
        nxt = super().platform_complete_event(s, event_id)
        return replace(nxt, events=s.events, removed=s.removed) if nxt else nxt


class CompletedStatusPublished(Spec):
    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def platform_complete_event(self, s: State, event_id: str) -> Outcome | None:
        nxt = super().platform_complete_event(s, event_id)
        e = s.event(event_id)
        if not nxt or e is None:
            return nxt
        return replace(nxt, events=self._replace_event(s, replace(e, status="Completed")), removed=s.removed)


class MigrateUnderFreeze(Spec):
    """Picks the target host by index, (h + 1) % n: not symmetric in hosts, so it is explored
    without symmetry reduction (it does not declare `symmetric`)."""

    def host_freeze(self, s: State, h: int) -> Outcome | None:
        nxt = super().host_freeze(s, h)
        if not nxt or len(s.hosts) < 2:
            return nxt
        other = (h + 1) % len(s.hosts)
        vms = tuple(replace(v, host=other) if v.status == FROZEN and v.host == h else v for v in nxt.vms)
        return replace(nxt, vms=vms)


class WaitsForApproval(Spec):
    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def start_allowed(self, e: Event) -> bool:
        return e.approved


class ApprovalFromAnyVM(Spec):
    """Accepts an approval from every VM of the topology and from outside, whatever the sets the
    event names and the profile's scope: a VM of another set (or, in dev timing, a VM the event
    does not name) releases the event."""

    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def approvers_for(self, s: State, e: Event) -> tuple[int, ...]:
        return tuple(range(len(s.vms))) + (OUTSIDE,)


class FirstTenantReleases(Spec):
    """Where every tenant must approve, the first tenant's approval releases the event."""

    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def every_tenant_approved(self, e: Event, tenants: tuple[int, ...]) -> bool:
        return True


class GroupSpansSlices(Spec):
    """An event announced for several hosts takes in hosts of any slice of a set."""

    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def within_slice(self, resources, event_type: str) -> bool:  # type: ignore[no-untyped-def]
        return True


class ShortNotice(Spec):
    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def announced_notice(self, event_type: str) -> int:
        return self.params.notice_for(event_type) - self.params.granularity


class FrozenGuestKeepsWriting(Spec):
    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def time_passes(self, s: State, dt: int) -> Outcome | None:
        nxt = super().time_passes(s, dt)
        if not nxt:
            return nxt
        return replace(nxt, vms=tuple(replace(v, memory=written(v.memory)) if v.status == FROZEN else v for v in nxt.vms))


class MemoryWipedAtFreeze(Spec):
    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def host_freeze(self, s: State, h: int) -> Outcome | None:
        nxt = super().host_freeze(s, h)
        if not nxt:
            return nxt
        vms = tuple(
            replace(v, memory=BLANK, snapshot=BLANK) if v.status == FROZEN and s.vms[i].status == RUNNING else v
            for i, v in enumerate(nxt.vms)
        )
        return replace(nxt, vms=vms)


class EventIdChangesOnStart(Spec):
    """Like an emulator that answers an approval with a fresh EventId."""
    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def platform_start_event(self, s: State, event_id: str) -> Outcome | None:
        nxt = super().platform_start_event(s, event_id)
        if not nxt:
            return nxt
        events = tuple(
            replace(e, event_id=e.event_id + "'") if e.event_id == event_id else e for e in nxt.events
        )
        return replace(nxt, events=events, removed=nxt.removed | {event_id})


class EventIdReused(Spec):
    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def event_id(self, host: int, round_: int) -> str:
        return f"{self.host_names[host]}#1"


class FreezeWithoutStartedEvent(Spec):
    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def host_freeze(self, s: State, h: int) -> Outcome | None:
        e = s.event_of_host(h)
        if s.hosts[h].phase == ANNOUNCED and e is not None and e.event_type == "Freeze":
            return self.frozen(s, h, e)  # freezes while the event is still Scheduled
        return super().host_freeze(s, h)


class HostPhaseTypo(Spec):
    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def platform_complete_event(self, s: State, event_id: str) -> Outcome | None:
        nxt = super().platform_complete_event(s, event_id)
        e = s.event(event_id)
        if not nxt or e is None:
            return nxt
        return replace(nxt, hosts=self._set(nxt.hosts, e.host, replace(nxt.hosts[e.host], phase="done")))


class NotBeforeKeptWhenStarted(Spec):
    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def platform_start_event(self, s: State, event_id: str) -> Outcome | None:
        nxt = super().platform_start_event(s, event_id)
        e = s.event(event_id)
        if not nxt or e is None:
            return nxt
        started = nxt.event(event_id)
        events = tuple(replace(x, not_before_in=e.not_before_in) if x is started else x for x in nxt.events)
        return replace(nxt, events=events)


class PauseTimerKeptAfterResume(Spec):
    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def resumed_vm(self, v: VMState) -> VMState:
        return replace(super().resumed_vm(v), frozen_for=v.frozen_for)


class MaintenanceDisguisedAsFailure(Spec):
    """Reboots a host for its update without notice and reports it as a hardware failure."""

    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def failed(self, s: State, h: int, e: Event) -> State:
        t = super().failed(s, h, e)
        return replace(t, hosts=self._set_phase(t, h, t.hosts[h].phase, patched=True, needs_reboot=False))


class FailureRebootedAsMaintenance(Spec):
    """Publishes the failure's Reboot, then leaves the VMs running until the host is rebooted as
    for maintenance (which applies its update)."""

    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def failed(self, s: State, h: int, e: Event) -> State:
        return s


class MaintenanceAsUserEvent(Spec):
    """Announces the platform's maintenance with EventSource User, as if the VM's owner had asked for
    it: applications that approve User events at once (the documented advice) let it start early."""

    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def platform_announce_event(self, s: State, h: int, event_type: str) -> Outcome:
        t = super().platform_announce_event(s, h, event_type)
        if not t:
            return t
        e = t.event_of_host(h)
        assert e is not None
        return replace(t, events=tuple(replace(x, source=USER_SOURCE) if x is e else x for x in t.events))


class PreemptRegularVm(Spec):
    """Preempts any VM, a regular (pay-as-you-go) one too, as if every VM were a Spot VM."""

    symmetric = True  # treats every VM alike, Spot or not (symmetry reduction is sound)

    def platform_preempt_vm(self, s: State, vm: int) -> Outcome:
        t = super().platform_preempt_vm(s, vm)
        if t or t.name != "not_spot":
            return t
        refused = self._eviction_refusal(s, vm, _Preempt)
        return refused if refused is not None else self._evict_announced(s, vm, "Preempt")


class TerminateIgnoresPending(Spec):
    """Deletes a scale set's VM as soon as its Terminate is approved, although another Terminate of the
    set is neither approved nor timed out."""

    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def terminate_order_allows(self, s: State, e: Event) -> bool:
        return True


class GoneVmStillOnHost(Spec):
    """Still counts an evicted VM on its host: the host's maintenance names it and impacts it again."""

    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def residents(self, s: State, host: int) -> tuple[int, ...]:
        return tuple(i for i, v in enumerate(s.vms) if v.host == host)


class ResumeForgotten(Spec):
    symmetric = True  # treats interchangeable hosts, VMs and slices alike (symmetry reduction is sound)

    def platform_resume_host(self, s: State, h: int) -> Outcome | None:
        return None


MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        "slice_guard_dropped",
        "R5",
        ("one_slice_at_a_time", "aset_keeps_a_running_vm"),
        "events start without the slice guard, so two update domains freeze at once",
        SliceGuardDropped,
        also_breaks=('started_events_one_slice',),
    ),
    Mutant(
        "reboot_sliced_like_freeze",
        "R5",
        ("one_slice_at_a_time", "aset_keeps_a_running_vm"),
        "reboots are sequenced by the freeze slice (fault domains under typical-2026), so two update "
        "domains of a set reboot at once",
        RebootSlicedLikeFreeze,
        "TWO_REBOOTS",
        also_breaks=("started_events_one_slice",),
    ),
    Mutant(
        "resources_span_update_domains",
        "R22",
        ("event_resources_one_update_domain",),
        "an event is announced for a host carrying two update domains of a set, naming VMs of both",
        ResourcesSpanUpdateDomains,
        "UNSAFE_SHARED_HOST",
    ),
    Mutant(
        "recovery_gap_ignored",
        "R21",
        ("recovery_gap_kept",),
        "another update domain's event starts as soon as a rebooted update domain is back, without the "
        "recovery gap",
        RecoveryGapIgnored,
        "RECOVERY_GAP",
    ),
    Mutant(
        "redeploy_to_any_patched_host",
        "R26",
        ("redeploy_target_within_rules",),
        "a Redeploy moves its VMs to the first other patched host, even one carrying another update domain "
        "of their set",
        RedeployToAnyPatchedHost,
        "REDEPLOY_TARGET",
    ),
    Mutant(
        "live_migration_loses_memory",
        "R27",
        ("live_migration_within_rules", "memory_kept_at_resume", "memory_lost_only_by_reboot"),
        "a live migration resumes its VMs on the destination with an older image of their memory: the pages "
        "written last before the blackout were never copied",
        LiveMigrationLosesMemory,
        "LIVE_MIGRATION",
    ),
    Mutant(
        "no_watchdog",
        "R2",
        ("freeze_within_bound",),
        "no watchdog: an overrunning patch keeps the VMs frozen past the bound",
        NoWatchdog,
    ),
    Mutant(
        "memory_reset_on_resume",
        "R1",
        ("memory_kept_at_resume",),
        "memory is re-initialised when a frozen VM resumes",
        MemoryResetOnResume,
    ),
    Mutant(
        "stale_memory_at_resume",
        "R1",
        ("memory_kept_at_resume",),
        "a VM resumes with an older image of its memory: the pages it wrote before the freeze are lost "
        "(a rollback, invisible to a memory token that saturates at WRITTEN)",
        StaleMemoryAtResume,
    ),
    Mutant(
        "frozen_guest_keeps_writing",
        "R1",
        ("frozen_memory_matches_snapshot",),
        "a frozen guest's memory keeps changing as if it were still running",
        FrozenGuestKeepsWriting,
    ),
    Mutant(
        "memory_wiped_at_freeze",
        "R15",
        ("memory_lost_only_by_reboot",),
        "memory is wiped when a VM is frozen (the snapshot is taken of the wiped memory)",
        MemoryWipedAtFreeze,
    ),
    Mutant(
        "no_clock_resync",
        "R3",
        ("clock_synced_after_resume",),
        "the guest clock is never resynchronised after a resume",
        NoClockResync,
    ),
    Mutant(
        "clock_steps_back",
        "R4",
        ("guest_clock_monotonic",),
        "resume restores the guest clock one granule too early, stepping it back",
        ClockStepsBack,
    ),
    Mutant(
        "start_before_notbefore",
        "R8",
        ("start_after_notbefore_or_approval",),
        "a Scheduled event starts before NotBefore without any approval",
        StartBeforeNotBefore,
    ),
    Mutant(
        "approval_from_any_vm",
        "R28",
        ("approval_from_the_set",),
        "an approval is accepted from any VM or from outside, whatever sets the event names and the profile allows",
        ApprovalFromAnyVM,
    ),
    Mutant(
        "first_tenant_releases",
        "R29",
        ("approved_by_every_tenant",),
        "on shared infrastructure the first tenant's approval releases the event, without the other tenants'",
        FirstTenantReleases,
        "ALL_TENANTS",
    ),
    Mutant(
        "group_spans_slices",
        "R30",
        ("event_hosts_one_slice",),
        "an event announced for several hosts names VMs of two update domains of a set under a Reboot",
        GroupSpansSlices,
        "SET_WIDE",
    ),
    Mutant(
        "short_notice",
        "R9",
        ("notice_at_least_minimum",),
        "events are announced one granule less than the minimum notice ahead",
        ShortNotice,
    ),
    Mutant(
        "reboot_update_under_freeze",
        "R6",
        ("reboot_update_announced_as_reboot", "reboot_update_never_under_freeze"),
        "an update that needs a reboot is announced as a Freeze and applied in place",
        RebootUpdateUnderFreeze,
        "SMALL",
        also_breaks=('freeze_only_for_in_place_update',),
    ),
    Mutant(
        "incarnation_not_bumped",
        "R10",
        ("incarnation_tracks_changes",),
        "DocumentIncarnation is not bumped when an event starts",
        IncarnationNotBumped,
    ),
    Mutant(
        "event_id_changes_on_start",
        "R11",
        ("event_lifecycle",),
        "a started event appears under a new EventId, as an emulator that renames approved events",
        EventIdChangesOnStart,
        also_breaks=('event_ids_current',),
    ),
    Mutant(
        "completed_status_published",
        "R11",
        ("only_scheduled_or_started", "finished_event_removed"),
        "a finished event is published with a Completed status instead of being removed",
        CompletedStatusPublished,
    ),
    Mutant(
        "host_phase_typo",
        "R0",
        ("type_ok",),
        "a completed host is left in a phase that does not exist",
        HostPhaseTypo,
        also_breaks=('event_matches_phase',),
    ),
    Mutant(
        "pause_timer_kept_after_resume",
        "R0",
        ("timers_in_range",),
        "a resumed VM keeps the pause timer of its freeze",
        PauseTimerKeptAfterResume,
    ),
    Mutant(
        "notbefore_kept_when_started",
        "R11",
        ("notbefore_while_scheduled", "event_lifecycle"),
        "a started event keeps its NotBefore instead of publishing it empty",
        NotBeforeKeptWhenStarted,
    ),
    Mutant(
        "event_id_reused",
        "R12",
        ("removed_event_never_returns",),
        "a re-announced host reuses the EventId of its removed event",
        EventIdReused,
    ),
    Mutant(
        "completed_event_left",
        "R13",
        ("finished_event_removed",),
        "a completed event is left in the document",
        CompletedEventLeft,
        also_breaks=('event_matches_phase', 'unsynced_clock_on_finished_host', 'vm_named_by_one_event'),
    ),
    Mutant(
        "migrate_under_freeze",
        "R14",
        ("vm_stays_on_host",),
        "frozen VMs are moved to another host under a Freeze",
        MigrateUnderFreeze,
        also_breaks=('impacted_vms_match_phase', 'impacted_vm_named_by_its_event', 'named_vm_on_event_host_or_patched'),
    ),
    Mutant(
        "freeze_without_started_event",
        "R7",
        ("impact_needs_started_event",),
        "VMs are frozen as soon as the event is Scheduled, before it starts",
        FreezeWithoutStartedEvent,
        also_breaks=('unpatched_until_impact',),
    ),
    Mutant(
        "waits_for_approval",
        "R18",
        ("every_host_patched",),
        "the scheduler waits for an approval that may never come, ignoring NotBefore",
        WaitsForApproval,
    ),
    Mutant(
        "resync_never_runs",
        "R20",
        ("deadlock_free", "every_host_patched", "frozen_vm_resumes"),
        "the clock resync never runs but time still waits for it: the platform deadlocks",
        ResyncNeverRuns,
    ),
    Mutant(
        "resume_forgotten",
        "R19",
        ("frozen_vm_resumes", "deadlock_free"),
        "a patched host never resumes its VMs",
        ResumeForgotten,
    ),
    Mutant(
        "maintenance_disguised_as_failure",
        "R34",
        ("failure_applies_no_update",),
        "the platform reboots a host for its update without notice and reports a hardware failure",
        MaintenanceDisguisedAsFailure,
        "UNPLANNED",
    ),
    Mutant(
        "failure_rebooted_as_maintenance",
        "R34",
        ("unplanned_reboot_impacts_at_once", "failure_applies_no_update"),
        "a hardware failure's Reboot is published but the VMs keep running until the host is rebooted as "
        "maintenance, applying its update",
        FailureRebootedAsMaintenance,
        "UNPLANNED",
    ),
    Mutant(
        "maintenance_as_user_event",
        "R35",
        ("user_event_applies_no_update",),
        "the platform announces its maintenance with EventSource User, as if the VM's owner had asked for it",
        MaintenanceAsUserEvent,
        "USER_EVENTS",
        also_breaks=("user_event_is_a_reboot",),
    ),
    Mutant(
        "preempt_regular_vm",
        "R36",
        ("gone_only_by_started_eviction",),
        "the platform preempts a regular VM as if it were a Spot VM",
        PreemptRegularVm,
        "SPOT_SCALE_SET",
        also_breaks=("eviction_names_its_kind_of_vm",),
    ),
    Mutant(
        "terminate_ignores_pending",
        "R37",
        ("terminate_waits_for_pending_terminates",),
        "an approved Terminate deletes its VM at once, although another Terminate of the scale set is neither "
        "approved nor timed out",
        TerminateIgnoresPending,
        "SCALE_IN",
    ),
    Mutant(
        "gone_vm_still_on_host",
        "R36",
        ("gone_only_by_started_eviction",),
        "an evicted VM still counts on its host: the host's maintenance names it and impacts it again",
        GoneVmStillOnHost,
        "SPOT_SCALE_SET",
        also_breaks=("gone_vm_named_by_no_event",),
    ),
)

MUTANT_BY_NAME: dict[str, Mutant] = {m.name: m for m in MUTANTS}


def mutant(name: str) -> Mutant:
    try:
        return MUTANT_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown mutant {name!r}; `vmspec mutants` lists them") from None
