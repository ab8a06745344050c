"""The vocabulary of the all-sizes proof (`params_proof`): sorts, parameters and the state.

Hosts, VMs, availability sets and slice units are uninterpreted sorts; statuses, phases
and event types enumerations; the parameters symbolic, constrained only as
`vmspec.model.params.Params` validates them; a state (`PState`) is a set of functions over
the sorts, each field a Python function building a Z3 term, so that a next state is the
current one with a few fields redefined (no function symbol is added per step).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import z3

# ---------------------------------------------------------------------- sorts and enumerations

HostS, VMS, ASetS, UnitS = (z3.DeclareSort(n) for n in ("Host", "VM", "AvailabilitySet", "Unit"))
Status, (RUNNING, FROZEN, REBOOTING, GONE) = z3.EnumSort("Status", ("running", "frozen", "rebooting", "gone"))
Phase, (IDLE, ANNOUNCED, STARTED, IN_FREEZE, IN_REBOOT, RECOVERED) = z3.EnumSort(
    "Phase", ("idle", "announced", "started", "frozen", "rebooting", "recovered"))
EvStatus, (SCHEDULED, STARTED_EV) = z3.EnumSort("EventStatus", ("Scheduled", "Started"))
EvType, (FREEZE, REBOOT, REDEPLOY, PREEMPT, TERMINATE) = z3.EnumSort(
    "EventType", ("Freeze", "Reboot", "Redeploy", "Preempt", "Terminate"))
NONE = -1

aset_of = z3.Function("aset", VMS, ASetS)  # rigid: a VM's availability set
unit_of = z3.Function("unit", VMS, UnitS)  # rigid: its freeze slice (UD, FD or the VM itself)
ud_of = z3.Function("update_domain", VMS, UnitS)  # rigid: its update domain (the slice of a Reboot or Redeploy)
spot_of = z3.Function("spot", VMS, z3.BoolSort())  # rigid: a Spot VM (R36)
scale_set_of = z3.Function("scale_set", ASetS, z3.BoolSort())  # rigid: the set is a scale set (R37)

# symbolic parameters (vmspec.model.params.Params validates the same constraints)
BOUND, G, LATENCY = z3.Reals("pause_bound granularity resync_latency")
ALLOW_REDEPLOY = z3.Bool("allow_redeploy")
NOTICE = z3.Function("notice_for", EvType, z3.RealSort())
REQUIRED = z3.Function("required_notice", EvType, z3.RealSort())
EXPECTED_PAUSE = z3.Real("expected_pause")
FREEZE_BY_UD = z3.Bool("freeze_slice_is_update_domain")  # Params.freeze_slice == "update_domain"
ONE_UD = z3.Bool("resources_one_update_domain")  # Params.resources_one_update_domain (R22)
GAP = z3.Real("recovery_gap")  # Params.gap(): the recovery gap after a rebooted update domain (R21)
EARLY_WATCHDOG = z3.Bool("watchdog_any_time")  # Params.watchdog_any_time (R2)
HARDWARE_FAILURES = z3.Bool("hardware_failures")  # Params.hardware_failures (R34)
USER_EVENTS = z3.Bool("user_events")  # Params.user_events (R35)
SPOT_EVICTIONS = z3.Bool("spot_evictions")  # Params.spot_evictions (R36)
TERMINATIONS = z3.Bool("terminate_notifications")  # Params.terminate_timeout is not None (R37)
OUTSIDE_OK = z3.Bool("approval_from_outside")  # Params.approval_from_outside (R28)
SCOPE_RESOURCES = z3.Bool("approval_scope_is_resources")  # Params.approval_scope == "resources" (R28)
ALL_TENANTS = z3.Bool("all_tenants_approve")  # Params.all_tenants_approve (R29)
LIVE = z3.Bool("live_migration")  # Params.live_migration (R27)
# rigid: VM index order, by which a live migration names the first VM of each set on its host (R27)
vm_before = z3.Function("vm_before", VMS, VMS, z3.BoolSort())
# who approved an event (R28), as `approver_kind`: nobody yet, a VM, or the API from outside
APPROVER_NONE, APPROVER_VM, APPROVER_OUTSIDE = 0, 1, 2


def parameter_axioms() -> list[z3.BoolRef]:
    t, v = z3.Const("t", EvType), z3.Const("v", VMS)
    w, x = z3.Const("w", VMS), z3.Const("x", VMS)
    # an announced Reboot keeps a notice of at least a second (Params: notice_divisor <= 900), so
    # no notice at all marks a hardware failure (R34)
    return [z3.Not(z3.And(ALL_TENANTS, OUTSIDE_OK)),  # Params refuses the pair (R29)
            G > 0, BOUND >= G, LATENCY >= 0, GAP >= 0, NOTICE(REBOOT) >= 1, z3.ForAll([t], z3.And(REQUIRED(t) <= NOTICE(t), REQUIRED(t) >= 0)),
            z3.ForAll([v], z3.Implies(FREEZE_BY_UD, unit_of(v) == ud_of(v))),
            # vm_before is a strict total order (the VMs' topology order)
            z3.ForAll([v], z3.Not(vm_before(v, v))),
            z3.ForAll([v, w], z3.Or(v == w, vm_before(v, w), vm_before(w, v))),
            z3.ForAll([v, w, x], z3.Implies(z3.And(vm_before(v, w), vm_before(w, x)), vm_before(v, x)))]


def same_slice(fv: z3.BoolRef, v: z3.ExprRef, fw: z3.BoolRef, w: z3.ExprRef) -> z3.BoolRef:
    """R5: `v` (counted in its freeze slice when `fv`, else in its update domain) and `w`
    (likewise) fall in one slice: slices of different kinds never meet unless the freeze
    slice is the update domain."""
    return z3.If(z3.And(fv, fw), unit_of(v) == unit_of(w),
                 z3.If(z3.And(z3.Not(fv), z3.Not(fw)), ud_of(v) == ud_of(w),
                       z3.And(FREEZE_BY_UD, ud_of(v) == ud_of(w))))


# ---------------------------------------------------------------------- state as macros


@dataclass(frozen=True)
class PState:
    """One state: each field is a Python function building a Z3 term, so a next state is
    the current one with a few fields redefined."""

    patched: Callable
    needs_reboot: Callable
    phase: Callable
    rounds: Callable
    status: Callable
    host: Callable
    memory: Callable
    snapshot: Callable
    frozen_for: Callable
    clock_lag: Callable
    unsynced: Callable
    present: Callable
    etype: Callable
    res: Callable  # (host, vm)
    estatus: Callable
    nbi: Callable
    notice: Callable
    duration: Callable
    approved: Callable
    removed: Callable  # (host, round)
    incarnation: z3.ArithRef
    gap_left: Callable  # (availability set): seconds its recovery gap still runs, NONE when none (R21)
    recovering: Callable  # (availability set, unit): the update domain whose gap runs (R21)
    # R28, who approved: APPROVER_NONE / _VM / _OUTSIDE, whether the approving VM is of a set the
    # event names, and whether the event names it (recorded when approved: no quantifier over VMs)
    approver_kind: Callable
    approver_in_set: Callable
    approver_named: Callable
    tenant_approved: Callable  # (host, availability set): that tenant approved the host's event (R29)
    user: Callable  # (host): its event's EventSource is User, its user's request (R35)


def pre_state() -> PState:
    F, R, I, B = z3.Function, z3.RealSort(), z3.IntSort(), z3.BoolSort()
    return PState(
        F("patched", HostS, B), F("needs_reboot", HostS, B), F("phase", HostS, Phase), F("rounds", HostS, I),
        F("status", VMS, Status), F("host", VMS, HostS), F("memory", VMS, I), F("snapshot", VMS, I),
        F("frozen_for", VMS, R), F("clock_lag", VMS, R), F("unsynced_for", VMS, R),
        F("present", HostS, B), F("event_type", HostS, EvType), F("res", HostS, VMS, B),
        F("event_status", HostS, EvStatus), F("not_before_in", HostS, R), F("notice", HostS, R),
        F("duration", HostS, R), F("approved", HostS, B), F("removed", HostS, I, B), z3.Int("incarnation"),
        F("gap_left", ASetS, R), F("recovering", ASetS, UnitS, B),
        F("approver_kind", HostS, I), F("approver_in_set", HostS, B), F("approver_named", HostS, B),
        F("tenant_approved", HostS, ASetS, B),
        F("user", HostS, B),
    )


def at(h0: z3.ExprRef, new: Callable, old: Callable) -> Callable:
    """A host-indexed field changed at host `h0` only."""
    return lambda h: z3.If(h == h0, new(h), old(h))


def _h(n: str) -> z3.ExprRef:
    return z3.Const(n, HostS)


def _v(n: str) -> z3.ExprRef:
    return z3.Const(n, VMS)


def A(vars_: list, body: z3.BoolRef) -> z3.BoolRef:
    return z3.ForAll(vars_, body)


def E(vars_: list, body: z3.BoolRef) -> z3.BoolRef:
    return z3.Exists(vars_, body)



@dataclass(frozen=True)
class PStep:
    is_time: bool
    dt: z3.ArithRef


__all__ = ["PState", "PStep", "parameter_axioms", "pre_state"]
