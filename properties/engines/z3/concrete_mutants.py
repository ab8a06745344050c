"""The mutants of `vmspec.properties.catalogue.mutants` in the concrete Z3 encoding.

Each safety mutant has an `Encoding` subclass here that overrides the same guard or effect
as its `Spec` subclass; `encode.ENCODINGS` lists every class defined here, so a new one
is picked up by bounded model checking and by the refinement checks without a list to keep.
"""

from __future__ import annotations

from dataclasses import replace

import z3

from vmspec.model.state import (
    ANNOUNCED,
    BLANK,
    EVENT_STATUSES,
    FROZEN,
    HOST_PHASES,
    IN_FREEZE,
    OUTSIDE,
    RUNNING,
    STALE,
    STARTED,
    WRITTEN,
)
from vmspec.properties.engines.z3.concrete_model import Encoding
from vmspec.properties.engines.z3.concrete_state import (
    FREEZE,
    IN_FREEZE_SLICE,
    IN_REBOOT_SLICE,
    PREEMPT,
    REBOOT,
    REDEPLOY,
    ROUNDS,
    SymEvent,
    SymState,
    SymVM,
    _ite,
    _set,
)


class SliceGuardDropped(Encoding):
    mutant = "slice_guard_dropped"

    def slice_allows(self, s: SymState, resources: tuple[z3.BoolRef, ...], etype: z3.ArithRef) -> z3.BoolRef:
        return z3.BoolVal(True)


class RebootSlicedLikeFreeze(Encoding):
    mutant = "reboot_sliced_like_freeze"

    def slice_allows(self, s: SymState, resources: tuple[z3.BoolRef, ...], etype: z3.ArithRef) -> z3.BoolRef:
        busy = self.busy(s, resources, etype)
        every = [z3.Or(f, r) for f, r in zip(busy[IN_FREEZE_SLICE], busy[IN_REBOOT_SLICE])]
        return z3.And([z3.Not(z3.And(every[i], every[j])) for i, ki, j, kj in self.cross_slice_pairs()
                       if ki == kj == IN_FREEZE_SLICE] or [z3.BoolVal(True)])


class ResourcesSpanUpdateDomains(Encoding):
    mutant = "resources_span_update_domains"

    def resources_within_one_update_domain(self, resources: tuple[z3.BoolRef, ...]) -> z3.BoolRef:
        return z3.BoolVal(True)


class RecoveryGapIgnored(Encoding):
    mutant = "recovery_gap_ignored"

    def recovery_gap_allows(self, s: SymState, resources: tuple[z3.BoolRef, ...]) -> z3.BoolRef:
        return z3.BoolVal(True)


class RedeployToAnyPatchedHost(Encoding):
    mutant = "redeploy_to_any_patched_host"

    def target_allowed(self, s: SymState, i: int, moving: tuple[z3.BoolRef, ...]) -> z3.BoolRef:
        return s.hosts[i].patched


class NoWatchdog(Encoding):
    mutant = "no_watchdog"

    def freeze_deadline_ok(self, s: SymState, dt: z3.ArithRef) -> z3.BoolRef:
        return z3.BoolVal(True)

    def watchdog_due(self, s: SymState, h: int) -> z3.BoolRef:
        return z3.BoolVal(False)


class MemoryResetOnResume(Encoding):
    mutant = "memory_reset_on_resume"

    def resumed_vm(self, v: SymVM) -> SymVM:
        return replace(super().resumed_vm(v), memory=z3.IntVal(BLANK))


class StaleMemoryAtResume(Encoding):
    mutant = "stale_memory_at_resume"

    def resumed_vm(self, v: SymVM) -> SymVM:
        resumed = super().resumed_vm(v)
        return replace(resumed, memory=z3.If(resumed.memory == WRITTEN, z3.IntVal(STALE), resumed.memory))


class LiveMigrationLosesMemory(Encoding):
    mutant = "live_migration_loses_memory"

    def migrated(self, s: SymState, h: int, target: z3.ArithRef) -> SymState:
        t = super().migrated(s, h, target)
        e = s.slots[h]
        stale = lambda v: replace(v, memory=z3.If(v.memory == WRITTEN, z3.IntVal(STALE), v.memory))
        vms = tuple(_ite(z3.And(e.resources[i], v.host == target), stale(v), v) for i, v in enumerate(t.vms))
        return replace(t, vms=vms)


class FrozenGuestKeepsWriting(Encoding):
    mutant = "frozen_guest_keeps_writing"

    def frozen_tick(self, v: SymVM, dt: z3.ArithRef, fcap: int) -> SymVM:
        return replace(super().frozen_tick(v, dt, fcap), memory=self.written(v.memory))


class MemoryWipedAtFreeze(Encoding):
    mutant = "memory_wiped_at_freeze"

    def frozen(self, s: SymState, h: int) -> SymState:
        t = super().frozen(s, h)
        blank = z3.IntVal(BLANK)
        vms = tuple(
            _ite(z3.And(self._status(b, FROZEN), self._status(a, RUNNING)), replace(b, memory=blank, snapshot=blank), b)
            for a, b in zip(s.vms, t.vms)
        )
        return replace(t, vms=vms)


class NoClockResync(Encoding):
    mutant = "no_clock_resync"

    def resync_guard(self, s: SymState, i: int) -> z3.BoolRef:
        return z3.BoolVal(False)

    def resync_deadline_ok(self, s: SymState, dt: z3.ArithRef) -> z3.BoolRef:
        return z3.BoolVal(True)


class ResyncNeverRuns(Encoding):
    mutant = "resync_never_runs"

    def resync_guard(self, s: SymState, i: int) -> z3.BoolRef:
        return z3.BoolVal(False)


class ClockStepsBack(Encoding):
    mutant = "clock_steps_back"

    def resumed_vm(self, v: SymVM) -> SymVM:
        r = super().resumed_vm(v)
        return replace(r, clock_lag=r.clock_lag + self.g, unsynced_for=z3.IntVal(0))


class StartBeforeNotBefore(Encoding):
    mutant = "start_before_notbefore"

    def start_allowed(self, e: SymEvent) -> z3.BoolRef:
        return z3.BoolVal(True)


class WaitsForApproval(Encoding):
    mutant = "waits_for_approval"

    def start_allowed(self, e: SymEvent) -> z3.BoolRef:
        return e.approved


class ApprovalFromAnyVM(Encoding):
    mutant = "approval_from_any_vm"

    def approver_candidates(self) -> tuple[int, ...]:
        return tuple(range(self.n_vms)) + (OUTSIDE,)

    def may_approve(self, e: SymEvent, a: int) -> z3.BoolRef:
        return z3.BoolVal(True)


class FirstTenantReleases(Encoding):
    mutant = "first_tenant_releases"

    def every_tenant_approved(self, e: SymEvent, tenants: tuple[z3.BoolRef, ...]) -> z3.BoolRef:
        return z3.BoolVal(True)


class GroupSpansSlices(Encoding):
    mutant = "group_spans_slices"

    def within_slice(self, resources: tuple[z3.BoolRef, ...], etype: int) -> z3.BoolRef:
        return z3.BoolVal(True)


class ShortNotice(Encoding):
    mutant = "short_notice"

    def announced_notice(self, etype: int) -> int:
        return super().announced_notice(etype) - self.g


class RebootUpdateUnderFreeze(Encoding):
    mutant = "reboot_update_under_freeze"

    def event_types_for(self, s: SymState, h: int) -> dict[int, z3.BoolRef]:
        return {FREEZE: z3.BoolVal(True), REBOOT: z3.BoolVal(False), REDEPLOY: z3.BoolVal(False)}

    def apply_patch_guard(self, s: SymState, h: int) -> z3.BoolRef:
        return z3.And(self.is_phase(s, h, IN_FREEZE), z3.Not(s.hosts[h].patched))


class IncarnationNotBumped(Encoding):
    mutant = "incarnation_not_bumped"

    def platform_start_event(self, s: SymState, h: int) -> tuple[z3.BoolRef, SymState]:
        guard, t = super().platform_start_event(s, h)
        return guard, replace(t, incarnation=s.incarnation)


class EventIdChangesOnStart(Encoding):
    mutant = "event_id_changes_on_start"

    def platform_start_event(self, s: SymState, h: int) -> tuple[z3.BoolRef, SymState]:
        guard, t = super().platform_start_event(s, h)
        e = s.slots[h]
        removed = tuple((z3.Or(pair[0], e.id_round == r), pair[1]) for r, pair in zip(ROUNDS, t.removed[h]))
        t = replace(t, removed=_set(t.removed, h, removed))
        return guard, self._with_slot(t, h, renamed=z3.BoolVal(True))


class CompletedStatusPublished(Encoding):
    mutant = "completed_status_published"
    statuses = EVENT_STATUSES + ("Completed",)

    def platform_complete_event(self, s: SymState, h: int) -> tuple[z3.BoolRef, SymState]:
        guard, t = super().platform_complete_event(s, h)
        t = self._with_slot(replace(t, removed=s.removed), h, present=z3.BoolVal(True),
                            status=z3.IntVal(self.status_ix("Completed")))
        return guard, t


class HostPhaseTypo(Encoding):
    mutant = "host_phase_typo"
    phases = HOST_PHASES + ("done",)

    def platform_complete_event(self, s: SymState, h: int) -> tuple[z3.BoolRef, SymState]:
        guard, t = super().platform_complete_event(s, h)
        return guard, self._with_host(t, h, phase=z3.IntVal(self.phase("done")))


class EventIdReused(Encoding):
    mutant = "event_id_reused"

    def id_round(self, rounds: z3.ArithRef) -> z3.ArithRef:
        return z3.IntVal(1)


class CompletedEventLeft(Encoding):
    mutant = "completed_event_left"

    def platform_complete_event(self, s: SymState, h: int) -> tuple[z3.BoolRef, SymState]:
        guard, t = super().platform_complete_event(s, h)
        return guard, replace(t, slots=s.slots, removed=s.removed)


class MigrateUnderFreeze(Encoding):
    mutant = "migrate_under_freeze"

    def host_freeze(self, s: SymState, h: int) -> tuple[z3.BoolRef, SymState]:
        guard, t = super().host_freeze(s, h)
        if self.n_hosts < 2:
            return guard, t
        other = (h + 1) % self.n_hosts
        vms = tuple(_ite(z3.And(self._status(v, FROZEN), v.host == h), replace(v, host=z3.IntVal(other)), v)
                    for v in t.vms)
        return guard, replace(t, vms=vms)


class FreezeWithoutStartedEvent(Encoding):
    mutant = "freeze_without_started_event"

    def freeze_guard(self, s: SymState, h: int) -> z3.BoolRef:
        e = s.slots[h]
        return z3.And(z3.Or(self.is_phase(s, h, ANNOUNCED), self.is_phase(s, h, STARTED)), e.present,
                      e.etype == FREEZE)


class ResumeForgotten(Encoding):
    mutant = "resume_forgotten"

    def platform_resume_host(self, s: SymState, h: int) -> tuple[z3.BoolRef, SymState]:
        _, t = super().platform_resume_host(s, h)
        return z3.BoolVal(False), t


class NotBeforeKeptWhenStarted(Encoding):
    mutant = "notbefore_kept_when_started"

    def platform_start_event(self, s: SymState, h: int) -> tuple[z3.BoolRef, SymState]:
        guard, t = super().platform_start_event(s, h)
        return guard, self._with_slot(t, h, not_before_in=s.slots[h].not_before_in)


class PauseTimerKeptAfterResume(Encoding):
    mutant = "pause_timer_kept_after_resume"

    def resumed_vm(self, v: SymVM) -> SymVM:
        return replace(super().resumed_vm(v), frozen_for=v.frozen_for)


class MaintenanceDisguisedAsFailure(Encoding):
    mutant = "maintenance_disguised_as_failure"

    def failed(self, s: SymState, h: int) -> SymState:
        return self._with_host(super().failed(s, h), h, patched=z3.BoolVal(True), needs_reboot=z3.BoolVal(False))


class MaintenanceAsUserEvent(Encoding):
    mutant = "maintenance_as_user_event"

    def platform_announce_event(self, s: SymState, h: int, etype: int) -> tuple[z3.BoolRef, SymState]:
        guard, t = super().platform_announce_event(s, h, etype)
        return guard, self._with_slot(t, h, user=z3.BoolVal(True))


class FailureRebootedAsMaintenance(Encoding):
    mutant = "failure_rebooted_as_maintenance"

    def failed(self, s: SymState, h: int) -> SymState:
        return s


class PreemptRegularVm(Encoding):
    mutant = "preempt_regular_vm"

    def platform_preempt_vm(self, s: SymState, i: int) -> tuple[z3.BoolRef, SymState]:
        if not self.params.spot_evictions:
            return z3.BoolVal(False), s
        return self._eviction_announced(s, i, PREEMPT)


class TerminateIgnoresPending(Encoding):
    mutant = "terminate_ignores_pending"

    def terminate_order_allows(self, s: SymState, h: int) -> z3.BoolRef:
        return z3.BoolVal(True)


class GoneVmStillOnHost(Encoding):
    mutant = "gone_vm_still_on_host"

    def residents(self, s: SymState, h: int) -> tuple[z3.BoolRef, ...]:
        return tuple(v.host == h for v in s.vms)


MUTANT_ENCODINGS: tuple[type[Encoding], ...] = tuple(
    cls for cls in list(globals().values())
    if isinstance(cls, type) and issubclass(cls, Encoding) and cls.mutant is not None
)

__all__ = ["MUTANT_ENCODINGS"]
