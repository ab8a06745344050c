"""The all-sizes proof: the safety rules for any number of availability sets, slices,
hosts and VMs, any parameter values, and real-valued time.

Style of Ivy and mypyvy: hosts, VMs, availability sets and slice units are uninterpreted
sorts; the state is a set of functions and relations over them (`status(v)`, `host(v)`,
`res(h, v)` ...); invariants are universally quantified; each action takes its arguments
as fresh constants and defines the next state as macros over the current one, so no
function symbol is added per step.  The only functions between sorts go from VMs to
hosts, availability sets and units (the quantifier alternation graph is acyclic), so
every obligation stays in the decidable effectively-propositional fragment extended with
linear arithmetic over the timers, and Z3 answers each in milliseconds.

This is an *abstraction* of `model/spec.py`, chosen so that a proof here is a proof there:
- time advances by any positive real `dt` allowed by the deadlines, not only the granule
  or the next NotBefore of `Spec.time_choices` (more behaviours, so still sound);
- a Redeploy may land on any other patched host, not only the first (`Spec.redeploy_target`);
- the pause bound, granularity, resync latency and notices are symbolic reals constrained
  only as `vmspec.model.params.Params` validates them, and the slice of a VM is any function into
  units, which covers update domains, fault domains and single VMs at once;
- an event's EventId is its host and round (notes/decisions.md D4), the removed ids a
  relation over hosts and rounds.
Everything else is the same guard and the same effect, action for action.
Which rules this proves, and which only hold for bounded configurations, is in notes/proofs.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import z3

from vmspec.model import MAX_ROUNDS
from vmspec.properties.catalogue.registry import by_name
from vmspec.properties.engines.z3.induction import FAILED, OK, UNKNOWN, InductionResult, Obligation

# ---------------------------------------------------------------------- sorts and enumerations

HostS, VMS, ASetS, UnitS = (z3.DeclareSort(n) for n in ("Host", "VM", "AvailabilitySet", "Unit"))
Status, (RUNNING, FROZEN, REBOOTING) = z3.EnumSort("Status", ("running", "frozen", "rebooting"))
Phase, (IDLE, ANNOUNCED, STARTED, IN_FREEZE, IN_REBOOT, RECOVERED) = z3.EnumSort(
    "Phase", ("idle", "announced", "started", "frozen", "rebooting", "recovered"))
EvStatus, (SCHEDULED, STARTED_EV) = z3.EnumSort("EventStatus", ("Scheduled", "Started"))
EvType, (FREEZE, REBOOT, REDEPLOY) = z3.EnumSort("EventType", ("Freeze", "Reboot", "Redeploy"))
NONE = -1

aset_of = z3.Function("aset", VMS, ASetS)  # rigid: a VM's availability set
unit_of = z3.Function("unit", VMS, UnitS)  # rigid: its slice (UD, FD or the VM itself)

# symbolic parameters (vmspec.model.params.Params validates the same constraints)
BOUND, G, LATENCY = z3.Reals("pause_bound granularity resync_latency")
ALLOW_REDEPLOY = z3.Bool("allow_redeploy")
NOTICE = z3.Function("notice_for", EvType, z3.RealSort())
REQUIRED = z3.Function("required_notice", EvType, z3.RealSort())
EXPECTED_PAUSE = z3.Real("expected_pause")


def parameter_axioms() -> list[z3.BoolRef]:
    t = z3.Const("t", EvType)
    return [G > 0, BOUND >= G, LATENCY >= 0, z3.ForAll([t], z3.And(REQUIRED(t) <= NOTICE(t), REQUIRED(t) >= 0))]


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


def pre_state() -> PState:
    F, R, I, B = z3.Function, z3.RealSort(), z3.IntSort(), z3.BoolSort()
    return PState(
        F("patched", HostS, B), F("needs_reboot", HostS, B), F("phase", HostS, Phase), F("rounds", HostS, I),
        F("status", VMS, Status), F("host", VMS, HostS), F("memory", VMS, I), F("snapshot", VMS, I),
        F("frozen_for", VMS, R), F("clock_lag", VMS, R), F("unsynced_for", VMS, R),
        F("present", HostS, B), F("event_type", HostS, EvType), F("res", HostS, VMS, B),
        F("event_status", HostS, EvStatus), F("not_before_in", HostS, R), F("notice", HostS, R),
        F("duration", HostS, R), F("approved", HostS, B), F("removed", HostS, I, B), z3.Int("incarnation"),
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


# ---------------------------------------------------------------------- invariants (same names as the registry)


def _started(s: PState, h: z3.ExprRef) -> z3.BoolRef:
    return z3.And(s.present(h), s.estatus(h) == STARTED_EV)


def _down(s: PState, v: z3.ExprRef) -> z3.BoolRef:
    return s.status(v) != RUNNING


def _opt(x: z3.ArithRef) -> z3.BoolRef:
    return z3.Or(x == NONE, x >= 0)


def inv_wellformed(s: PState) -> z3.BoolRef:
    v, h = _v("v"), _h("h")
    return z3.And(
        A([v], z3.And(_opt(s.frozen_for(v)), _opt(s.unsynced(v)), s.snapshot(v) >= NONE, s.snapshot(v) <= 2)),
        A([h], z3.And(s.rounds(h) >= 0, s.rounds(h) <= MAX_ROUNDS, z3.Implies(s.present(h), _opt(s.nbi(h))))),
    )


INVARIANTS: dict[str, Callable[[PState], z3.BoolRef]] = {}
TRANSITIONS: dict[str, Callable] = {}


def invariant(fn: Callable) -> Callable:
    INVARIANTS[fn.__name__] = fn
    return fn


def transition(fn: Callable) -> Callable:
    TRANSITIONS[fn.__name__] = fn
    return fn


@invariant
def type_ok(s: PState) -> z3.BoolRef:
    v = _v("v")
    return z3.And(s.incarnation >= 1, A([v], z3.And(
        z3.Or(s.memory(v) == 0, s.memory(v) == 1, s.memory(v) == 2), s.clock_lag(v) >= 0,
        (s.status(v) == FROZEN) == z3.And(s.frozen_for(v) != NONE, s.snapshot(v) != NONE))))


@invariant
def frozen_memory_matches_snapshot(s: PState) -> z3.BoolRef:
    v = _v("v")
    return A([v], z3.Implies(s.status(v) == FROZEN, s.memory(v) == s.snapshot(v)))


@invariant
def freeze_within_bound(s: PState) -> z3.BoolRef:
    v = _v("v")
    return A([v], z3.Implies(s.frozen_for(v) != NONE, s.frozen_for(v) <= BOUND))


@invariant
def clock_synced_after_resume(s: PState) -> z3.BoolRef:
    v = _v("v")
    return A([v], z3.Implies(z3.And(s.status(v) == RUNNING, s.clock_lag(v) != 0),
                             z3.And(s.unsynced(v) != NONE, s.unsynced(v) <= LATENCY)))


@invariant
def one_slice_at_a_time(s: PState) -> z3.BoolRef:
    v, w = _v("v"), _v("w")
    return A([v, w], z3.Implies(z3.And(_down(s, v), _down(s, w), aset_of(v) == aset_of(w)), unit_of(v) == unit_of(w)))


@invariant
def impact_needs_started_event(s: PState) -> z3.BoolRef:
    v, h = _v("v"), _h("h")
    return A([v], z3.Implies(_down(s, v), E([h], z3.And(_started(s, h), s.res(h, v)))))


@invariant
def removed_event_never_returns(s: PState) -> z3.BoolRef:
    h = _h("h")
    return A([h], z3.Implies(s.present(h), z3.Not(s.removed(h, s.rounds(h)))))


@invariant
def finished_event_removed(s: PState) -> z3.BoolRef:
    h = _h("h")
    return A([h], z3.Implies(s.present(h), s.phase(h) != IDLE))


@invariant
def event_matches_phase(s: PState) -> z3.BoolRef:
    h = _h("h")
    ph = s.phase(h)
    return A([h], z3.And(
        s.present(h) == (ph != IDLE),
        z3.Implies(ph == ANNOUNCED, s.estatus(h) == SCHEDULED),
        z3.Implies(z3.Or(ph == STARTED, ph == IN_FREEZE, ph == IN_REBOOT, ph == RECOVERED), s.estatus(h) == STARTED_EV),
        z3.Implies(ph == IN_FREEZE, s.etype(h) == FREEZE), z3.Implies(ph == IN_REBOOT, s.etype(h) != FREEZE)))


@invariant
def notbefore_while_scheduled(s: PState) -> z3.BoolRef:
    h = _h("h")
    return A([h], z3.Implies(s.present(h), (s.estatus(h) == SCHEDULED) == (s.nbi(h) != NONE)))


@invariant
def impacted_vms_match_phase(s: PState) -> z3.BoolRef:
    h, v = _h("h"), _v("v")
    ph, st, home = s.phase(h), s.status(v), s.host(v) == h
    return A([h, v], z3.Implies(z3.And(s.present(h), s.res(h, v)), z3.And(
        z3.Implies(z3.Or(ph == ANNOUNCED, ph == STARTED), z3.And(st == RUNNING, home)),
        z3.Implies(ph == IN_FREEZE, z3.And(st == FROZEN, home)),
        z3.Implies(ph == IN_REBOOT, st == REBOOTING), z3.Implies(ph == RECOVERED, st == RUNNING))))


@invariant
def impacted_vm_named_by_its_event(s: PState) -> z3.BoolRef:
    v, h = _v("v"), _h("h")
    x = s.host(v)
    return A([v], z3.And(
        z3.Implies(s.status(v) == FROZEN, z3.And(s.phase(x) == IN_FREEZE, s.present(x), s.res(x, v))),
        z3.Implies(s.status(v) == REBOOTING, z3.And(
            E([h], z3.And(s.present(h), s.res(h, v), s.phase(h) == IN_REBOOT)), s.patched(x)))))


@invariant
def vm_named_by_one_event(s: PState) -> z3.BoolRef:
    v, h, k = _v("v"), _h("h"), _h("k")
    return A([v, h, k], z3.Implies(z3.And(s.present(h), s.res(h, v), s.present(k), s.res(k, v)), h == k))


@invariant
def named_vm_on_event_host_or_patched(s: PState) -> z3.BoolRef:
    v, h = _v("v"), _h("h")
    return A([h, v], z3.Implies(z3.And(s.present(h), s.res(h, v)), z3.Or(s.host(v) == h, s.patched(s.host(v)))))


@invariant
def started_events_one_slice(s: PState) -> z3.BoolRef:
    v, w, h, k = _v("v"), _v("w"), _h("h"), _h("k")
    return A([v, w, h, k], z3.Implies(
        z3.And(_started(s, h), s.res(h, v), _started(s, k), s.res(k, w), aset_of(v) == aset_of(w)),
        unit_of(v) == unit_of(w)))


@invariant
def event_ids_current(s: PState) -> z3.BoolRef:
    h, r = _h("h"), z3.Int("r")
    return z3.And(A([h, r], z3.Implies(s.removed(h, r), z3.And(r >= 1, r <= s.rounds(h)))),
                  A([h], z3.Implies(s.present(h), s.rounds(h) >= 1)))


@invariant
def unsynced_clock_on_finished_host(s: PState) -> z3.BoolRef:
    v = _v("v")
    x = s.host(v)
    return A([v], z3.Implies(s.unsynced(v) != NONE, z3.And(s.status(v) == RUNNING, s.clock_lag(v) != 0,
                                                           z3.Or(s.patched(x), s.needs_reboot(x)))))


@invariant
def freeze_only_for_in_place_update(s: PState) -> z3.BoolRef:
    h = _h("h")
    ph = s.phase(h)
    return A([h], z3.Implies(z3.And(s.present(h), s.etype(h) == FREEZE, z3.Or(ph == ANNOUNCED, ph == STARTED, ph == IN_FREEZE)),
                             z3.Not(s.needs_reboot(h))))


@invariant
def unpatched_until_impact(s: PState) -> z3.BoolRef:
    h = _h("h")
    return A([h], z3.Implies(z3.Or(s.phase(h) == ANNOUNCED, s.phase(h) == STARTED), z3.Not(s.patched(h))))


@invariant
def timers_in_range(s: PState) -> z3.BoolRef:
    v = _v("v")
    fz = s.status(v) == FROZEN
    return A([v], z3.And((s.frozen_for(v) != NONE) == fz, (s.snapshot(v) != NONE) == fz))


def aset_keeps_a_running_vm(s: PState) -> z3.BoolRef:
    """R16, a consequence of R5: a set with VMs in two units keeps one running."""
    a, v, w, u = z3.Const("a", ASetS), _v("v"), _v("w"), _v("u")
    spread = E([v, w], z3.And(aset_of(v) == a, aset_of(w) == a, unit_of(v) != unit_of(w)))
    return A([a], z3.Implies(spread, E([u], z3.And(aset_of(u) == a, s.status(u) == RUNNING))))


CONSEQUENCES = {"aset_keeps_a_running_vm": aset_keeps_a_running_vm}


# ---------------------------------------------------------------------- transition properties


@dataclass(frozen=True)
class PStep:
    is_time: bool
    dt: z3.ArithRef


def _same_event(s: PState, t: PState, h: z3.ExprRef) -> z3.BoolRef:
    return z3.And(s.present(h), t.present(h), s.rounds(h) == t.rounds(h))


def _started_for(t: PState, v: z3.ExprRef, types: tuple) -> z3.BoolRef:
    h = _h("hs")
    return E([h], z3.And(_started(t, h), z3.Or([t.etype(h) == x for x in types]), t.res(h, v)))


@transition
def memory_kept_at_resume(s: PState, t: PState, st: PStep) -> z3.BoolRef:
    v = _v("v")
    return A([v], z3.Not(z3.And(s.status(v) == FROZEN, t.status(v) == RUNNING, t.memory(v) != s.snapshot(v))))


@transition
def guest_clock_monotonic(s: PState, t: PState, st: PStep) -> z3.BoolRef:
    v = _v("v")
    elapsed = st.dt if st.is_time else z3.RealVal(0)
    return A([v], z3.Or(s.status(v) == REBOOTING, t.status(v) == REBOOTING,
                        elapsed - (t.clock_lag(v) - s.clock_lag(v)) >= 0))


@transition
def reboot_update_never_under_freeze(s: PState, t: PState, st: PStep) -> z3.BoolRef:
    h = _h("h")
    return A([h], z3.Not(z3.And(z3.Not(s.patched(h)), t.patched(h), s.needs_reboot(h), t.present(h),
                                t.etype(h) == FREEZE)))


@transition
def reboot_update_announced_as_reboot(s: PState, t: PState, st: PStep) -> z3.BoolRef:
    h = _h("h")
    return A([h], z3.Not(z3.And(s.phase(h) == IDLE, t.phase(h) == ANNOUNCED, s.needs_reboot(h), t.present(h),
                                t.etype(h) == FREEZE)))


@transition
def start_after_notbefore_or_approval(s: PState, t: PState, st: PStep) -> z3.BoolRef:
    h = _h("h")
    return A([h], z3.Not(z3.And(_same_event(s, t, h), s.estatus(h) == SCHEDULED, t.estatus(h) == STARTED_EV,
                                s.nbi(h) != NONE, s.nbi(h) != 0, z3.Not(s.approved(h)))))


@transition
def notice_at_least_minimum(s: PState, t: PState, st: PStep) -> z3.BoolRef:
    h = _h("h")
    return A([h], z3.Implies(z3.And(t.present(h), t.estatus(h) == SCHEDULED, z3.Not(_same_event(s, t, h))),
                             z3.And(t.notice(h) >= REQUIRED(t.etype(h)), t.nbi(h) == t.notice(h))))


@transition
def incarnation_tracks_changes(s: PState, t: PState, st: PStep) -> z3.BoolRef:
    h, v = _h("h"), _v("v")
    same = z3.And(s.present(h) == t.present(h), z3.Implies(s.present(h), z3.And(
        s.rounds(h) == t.rounds(h), s.etype(h) == t.etype(h), s.estatus(h) == t.estatus(h),
        s.notice(h) == t.notice(h), s.duration(h) == t.duration(h), s.res(h, v) == t.res(h, v))))
    unchanged = A([h, v], same)
    return z3.If(unchanged, t.incarnation == s.incarnation, t.incarnation > s.incarnation)


@transition
def event_lifecycle(s: PState, t: PState, st: PStep) -> z3.BoolRef:
    h, v = _h("h"), _v("v")
    same = _same_event(s, t, h)
    return A([h, v], z3.Implies(t.present(h), z3.And(
        (t.estatus(h) == SCHEDULED) == (t.nbi(h) != NONE),
        z3.Implies(z3.Not(same), t.estatus(h) == SCHEDULED),
        z3.Implies(same, z3.And(z3.Not(z3.And(s.estatus(h) == STARTED_EV, t.estatus(h) == SCHEDULED)),
                                s.etype(h) == t.etype(h), s.res(h, v) == t.res(h, v))))))


@transition
def vm_stays_on_host(s: PState, t: PState, st: PStep) -> z3.BoolRef:
    v = _v("v")
    return A([v], z3.Implies(s.host(v) != t.host(v), _started_for(t, v, (REDEPLOY,))))


@transition
def memory_lost_only_by_reboot(s: PState, t: PState, st: PStep) -> z3.BoolRef:
    v = _v("v")
    ok_time = z3.And(z3.BoolVal(st.is_time), s.status(v) == RUNNING)
    return A([v], z3.Implies(s.memory(v) != t.memory(v), z3.Or(
        ok_time, z3.And(t.status(v) == REBOOTING, _started_for(t, v, (REBOOT, REDEPLOY))))))


# ---------------------------------------------------------------------- actions


@dataclass(frozen=True)
class PAction:
    name: str
    guard: z3.BoolRef
    post: PState
    step: PStep


def _res_run(s: PState, h0: z3.ExprRef, new_vm: Callable[[str, z3.ExprRef], z3.ExprRef], cond: Callable) -> PState:
    """VM fields redefined where `cond(v)` holds; `new_vm(field, v)` gives the new value."""
    kw = {}
    for f in ("status", "host", "memory", "snapshot", "frozen_for", "clock_lag", "unsynced"):
        old = getattr(s, f)
        kw[f] = (lambda v, f=f, old=old: z3.If(cond(v), new_vm(f, v), old(v)))
    return replace(s, **kw)


class Model:
    """The actions of `vmspec.model.spec.Spec` over `PState`; `variant` names a mutant to encode."""

    def __init__(self, variant: str | None = None) -> None:
        self.variant = variant

    def is_(self, name: str) -> bool:
        return self.variant == name

    def slice_allows(self, s: PState, h0: z3.ExprRef) -> z3.BoolRef:
        if self.is_("slice_guard_dropped"):
            return z3.BoolVal(True)
        v, w, h, k = _v("v"), _v("w"), _h("h"), _h("k")
        busy = lambda x, hh: z3.Or(z3.And(hh == h0, s.res(h0, x)), z3.And(_started(s, hh), s.res(hh, x)))
        return A([v, w, h, k], z3.Implies(z3.And(busy(v, h), busy(w, k), aset_of(v) == aset_of(w)),
                                          unit_of(v) == unit_of(w)))

    def resumed(self, s: PState, f: str, v: z3.ExprRef) -> z3.ExprRef:
        lag = s.clock_lag(v)
        if self.is_("clock_steps_back"):
            lag = lag + G
            values = {"unsynced": z3.RealVal(0)}
        else:
            values = {"unsynced": z3.If(lag != 0, z3.RealVal(0), z3.RealVal(NONE))}
        values.update(status=RUNNING, host=s.host(v), snapshot=z3.IntVal(NONE), frozen_for=z3.RealVal(NONE),
                      clock_lag=lag, memory=z3.IntVal(0) if self.is_("memory_reset_on_resume") else s.memory(v))
        return values[f]

    def actions(self, s: PState) -> list[PAction]:
        h0, k0, v0 = _h("h0"), _h("target"), _v("v0")
        dt, et = z3.Real("dt"), z3.Const("etype", EvType)
        no = PStep(False, z3.RealVal(0))
        out = []
        residents = E([_v("r")], s.host(_v("r")) == h0)
        idle_unpatched = z3.And(z3.Not(s.patched(h0)), s.phase(h0) == IDLE)

        # platform_announce_event(h0, et)
        may = z3.If(s.needs_reboot(h0),
                    z3.Or(et == REBOOT, z3.And(et == REDEPLOY, ALLOW_REDEPLOY,
                                               E([k0], z3.And(k0 != h0, s.patched(k0))))), et == FREEZE)
        if self.is_("reboot_update_under_freeze"):
            may = et == FREEZE
        notice = NOTICE(et) - (G if self.is_("short_notice") else 0)
        t = replace(
            s, present=at(h0, lambda h: z3.BoolVal(True), s.present), etype=at(h0, lambda h: et, s.etype),
            res=lambda h, v: z3.If(h == h0, s.host(v) == h0, s.res(h, v)),
            estatus=at(h0, lambda h: SCHEDULED, s.estatus), nbi=at(h0, lambda h: notice, s.nbi),
            notice=at(h0, lambda h: notice, s.notice),
            duration=at(h0, lambda h: z3.If(et == FREEZE, EXPECTED_PAUSE, z3.RealVal(-1)), s.duration),
            approved=at(h0, lambda h: z3.BoolVal(False), s.approved), incarnation=s.incarnation + 1,
            phase=at(h0, lambda h: ANNOUNCED, s.phase), rounds=at(h0, lambda h: s.rounds(h0) + 1, s.rounds))
        out.append(PAction("platform_announce_event",
                           z3.And(idle_unpatched, s.rounds(h0) < MAX_ROUNDS, may, residents), t, no))

        # platform_patch_empty_host(h0)
        t = replace(s, patched=at(h0, lambda h: z3.BoolVal(True), s.patched),
                    needs_reboot=at(h0, lambda h: z3.BoolVal(False), s.needs_reboot))
        out.append(PAction("platform_patch_empty_host", z3.And(idle_unpatched, z3.Not(residents)), t, no))

        sched = z3.And(s.present(h0), s.estatus(h0) == SCHEDULED)
        # app_approve_event
        t = replace(s, approved=at(h0, lambda h: z3.BoolVal(True), s.approved))
        out.append(PAction("app_approve_event", z3.And(sched, z3.Not(s.approved(h0)), s.nbi(h0) != 0,
                                                       s.nbi(h0) != NONE), t, no))
        # platform_start_event
        allowed = z3.BoolVal(True) if self.is_("start_before_notbefore") else z3.Or(s.nbi(h0) == 0, s.approved(h0))
        t = replace(s, estatus=at(h0, lambda h: STARTED_EV, s.estatus), nbi=at(h0, lambda h: z3.RealVal(NONE), s.nbi),
                    phase=at(h0, lambda h: STARTED, s.phase),
                    incarnation=s.incarnation if self.is_("incarnation_not_bumped") else s.incarnation + 1)
        out.append(PAction("platform_start_event", z3.And(sched, allowed, self.slice_allows(s, h0)), t, no))
        # platform_cancel_event
        t = replace(s, present=at(h0, lambda h: z3.BoolVal(False), s.present),
                    removed=lambda h, r: z3.Or(s.removed(h, r), z3.And(h == h0, r == s.rounds(h0))),
                    phase=at(h0, lambda h: IDLE, s.phase), incarnation=s.incarnation + 1)
        out.append(PAction("platform_cancel_event", z3.And(sched, s.rounds(h0) < MAX_ROUNDS - 1), t, no))

        # host_freeze
        fz_phase = z3.Or(s.phase(h0) == STARTED, s.phase(h0) == ANNOUNCED) if self.is_("freeze_without_started_event") \
            else s.phase(h0) == STARTED
        frozen_vals = lambda f, v: {"status": FROZEN, "snapshot": s.memory(v), "frozen_for": z3.RealVal(0)}.get(
            f, getattr(s, f)(v))
        t = _res_run(s, h0, frozen_vals, lambda v: s.res(h0, v))
        t = replace(t, phase=at(h0, lambda h: IN_FREEZE, s.phase))
        if self.is_("migrate_under_freeze"):
            t = replace(t, host=lambda v, t=t: z3.If(s.res(h0, v), k0, t.host(v)))
            guard_extra = k0 != h0
        else:
            guard_extra = z3.BoolVal(True)
        out.append(PAction("host_freeze", z3.And(fz_phase, s.present(h0), s.etype(h0) == FREEZE, guard_extra), t, no))

        # host_apply_patch
        g = z3.And(s.phase(h0) == IN_FREEZE, z3.Not(s.patched(h0)))
        if not self.is_("reboot_update_under_freeze"):
            g = z3.And(g, z3.Not(s.needs_reboot(h0)))
        out.append(PAction("host_apply_patch", g, replace(s, patched=at(h0, lambda h: z3.BoolVal(True), s.patched)), no))

        # platform_resume_host / platform_watchdog_resume
        resume = lambda: _res_run(s, h0, lambda f, v: self.resumed(s, f, v),
                                  lambda v: z3.And(s.status(v) == FROZEN, s.host(v) == h0))
        t = replace(resume(), phase=at(h0, lambda h: RECOVERED, s.phase))
        out.append(PAction("platform_resume_host", z3.And(s.phase(h0) == IN_FREEZE, s.patched(h0)), t, no))
        w = _v("w")
        due = z3.BoolVal(False) if self.is_("no_watchdog") else E([w], z3.And(
            s.frozen_for(w) != NONE, s.frozen_for(w) + G > BOUND, s.host(w) == h0))
        t = replace(resume(), phase=at(h0, lambda h: RECOVERED, s.phase),
                    needs_reboot=at(h0, lambda h: z3.BoolVal(True), s.needs_reboot))
        out.append(PAction("platform_watchdog_resume", z3.And(s.phase(h0) == IN_FREEZE, z3.Not(s.patched(h0)), due),
                           t, no))

        # host_reboot / host_redeploy
        for name, etype, dest in (("host_reboot", REBOOT, None), ("host_redeploy", REDEPLOY, k0)):
            vals = lambda f, v, dest=dest: {
                "status": REBOOTING, "host": s.host(v) if dest is None else dest, "memory": z3.IntVal(0),
                "snapshot": z3.IntVal(NONE), "frozen_for": z3.RealVal(NONE), "clock_lag": z3.RealVal(0),
                "unsynced": z3.RealVal(NONE)}[f]
            t = _res_run(s, h0, vals, lambda v: s.res(h0, v))
            t = replace(t, phase=at(h0, lambda h: IN_REBOOT, s.phase), patched=at(h0, lambda h: z3.BoolVal(True), s.patched),
                        needs_reboot=at(h0, lambda h: z3.BoolVal(False), s.needs_reboot))
            g = z3.And(s.phase(h0) == STARTED, s.present(h0), s.etype(h0) == etype)
            if dest is not None:
                g = z3.And(g, k0 != h0, s.patched(k0))
            out.append(PAction(name, g, t, no))

        # host_boot_vms
        vals = lambda f, v: {"status": RUNNING, "snapshot": z3.IntVal(NONE), "frozen_for": z3.RealVal(NONE),
                             "clock_lag": z3.RealVal(0), "unsynced": z3.RealVal(NONE)}.get(f, getattr(s, f)(v))
        t = replace(_res_run(s, h0, vals, lambda v: s.res(h0, v)), phase=at(h0, lambda h: RECOVERED, s.phase))
        out.append(PAction("host_boot_vms", z3.And(s.phase(h0) == IN_REBOOT, s.present(h0)), t, no))

        # vm_clock_resync
        vals = lambda f, v: {"snapshot": z3.IntVal(NONE), "frozen_for": z3.RealVal(NONE), "clock_lag": z3.RealVal(0),
                             "unsynced": z3.RealVal(NONE)}.get(f, getattr(s, f)(v))
        t = _res_run(s, h0, vals, lambda v: v == v0)
        g = z3.BoolVal(False) if self.is_("no_clock_resync") else z3.And(s.status(v0) == RUNNING, s.clock_lag(v0) != 0)
        out.append(PAction("vm_clock_resync", g, t, no))

        # platform_complete_event
        t = replace(s, present=at(h0, lambda h: z3.BoolVal(False), s.present),
                    removed=lambda h, r: z3.Or(s.removed(h, r), z3.And(h == h0, r == s.rounds(h0))),
                    phase=at(h0, lambda h: IDLE, s.phase), incarnation=s.incarnation + 1)
        out.append(PAction("platform_complete_event", z3.And(_started(s, h0), s.phase(h0) == RECOVERED), t, no))

        # time_passes(dt): any dt > 0 within the deadlines
        fcap, ucap = BOUND + G, LATENCY + G
        vv = _v("vt")
        ok_freeze = z3.BoolVal(True) if self.is_("no_watchdog") else A([vv], z3.Or(
            s.frozen_for(vv) == NONE, s.frozen_for(vv) + dt <= BOUND))
        ok_sync = z3.BoolVal(True) if self.is_("no_clock_resync") else A([vv], z3.Or(
            s.unsynced(vv) == NONE, s.unsynced(vv) + dt <= LATENCY))
        cap = lambda x, c: z3.If(x <= c, x, c)
        run = lambda v: s.status(v) == RUNNING
        frz = lambda v: s.status(v) == FROZEN
        written = lambda v: z3.If(s.memory(v) != 0, z3.IntVal(2), z3.IntVal(1))
        keeps_writing = self.is_("frozen_guest_keeps_writing")
        t = replace(
            s,
            memory=lambda v: z3.If(z3.Or(run(v), z3.And(frz(v), keeps_writing)), written(v), s.memory(v)),
            snapshot=lambda v: z3.If(run(v), z3.IntVal(NONE), s.snapshot(v)),
            frozen_for=lambda v: z3.If(run(v), z3.RealVal(NONE),
                                       z3.If(frz(v), cap(s.frozen_for(v) + dt, fcap), s.frozen_for(v))),
            clock_lag=lambda v: z3.If(frz(v), cap(s.clock_lag(v) + dt, fcap), s.clock_lag(v)),
            unsynced=lambda v: z3.If(z3.And(run(v), s.unsynced(v) != NONE), cap(s.unsynced(v) + dt, ucap), s.unsynced(v)),
            nbi=lambda h: z3.If(z3.And(s.nbi(h) != NONE, s.nbi(h) != 0),
                                z3.If(s.nbi(h) - dt >= 0, s.nbi(h) - dt, z3.RealVal(0)), s.nbi(h)),
        )
        out.append(PAction("time_passes", z3.And(dt > 0, ok_freeze, ok_sync), t, PStep(True, dt)))
        return out

    def some_action_enabled(self, s: PState) -> z3.BoolRef:
        """R20 for all sizes: time can pass by one granule, or some host resumes or is
        rescued by the watchdog, or some clock resyncs (the actions that relieve a deadline)."""
        v, h, w = _v("dv"), _h("dh"), _v("dw")
        time_ok = A([v], z3.And(z3.Or(s.frozen_for(v) == NONE, s.frozen_for(v) + G <= BOUND),
                                z3.Or(s.unsynced(v) == NONE, s.unsynced(v) + G <= LATENCY)))
        resume = E([h], z3.And(s.phase(h) == IN_FREEZE, s.patched(h)))
        dog = E([h, w], z3.And(s.phase(h) == IN_FREEZE, z3.Not(s.patched(h)), s.frozen_for(w) != NONE,
                               s.frozen_for(w) + G > BOUND, s.host(w) == h))
        resync = E([v], z3.And(s.status(v) == RUNNING, s.clock_lag(v) != 0))
        if self.is_("no_clock_resync"):
            resync = z3.BoolVal(False)
        return z3.Or(time_ok, resume, dog, resync)


# ---------------------------------------------------------------------- the proof


def initial_state_constraints(s: PState) -> z3.BoolRef:
    """Init of `Spec.initial_state`, for any topology: every host idle and unpatched (its
    update in place or not), every VM running with LOADED memory, an empty document."""
    h, v, r = _h("h"), _v("v"), z3.Int("r")
    return z3.And(
        s.incarnation == 1,
        A([h], z3.And(z3.Not(s.patched(h)), s.phase(h) == IDLE, s.rounds(h) == 0, z3.Not(s.present(h)))),
        A([h, r], z3.Not(s.removed(h, r))),
        A([v], z3.And(s.status(v) == RUNNING, s.memory(v) == 1, s.snapshot(v) == NONE, s.frozen_for(v) == NONE,
                      s.clock_lag(v) == 0, s.unsynced(v) == NONE)),
    )


def _rule(name: str) -> str:
    return by_name(name).rule if name != "encoding_wellformed" else "R0"


def _check(solver: z3.Solver, negated_goal: z3.BoolRef, ob: Obligation) -> None:
    started = time.perf_counter()
    solver.push()
    solver.add(negated_goal)
    answer = solver.check()
    for seed in (1, 2):  # quantifier instantiation is heuristic: retry an `unknown` with other seeds
        if answer != z3.unknown:
            break
        solver.set("random_seed", seed)
        answer = solver.check()
    solver.set("random_seed", 0)
    reason = solver.reason_unknown() if answer == z3.unknown else ""
    if answer == z3.unsat:
        ob.status, ob.used = OK, tuple(sorted(str(c) for c in solver.unsat_core()))
    elif answer == z3.sat:
        ob.status, ob.detail = FAILED, "a counterexample to induction exists (some size and parameters)"
    else:
        ob.status, ob.detail = UNKNOWN, f"Z3 answered unknown: {reason}"
    solver.pop()
    ob.seconds = round(time.perf_counter() - started, 4)


def _solver(timeout_ms: int, hyps: list[tuple[str, z3.BoolRef]]) -> z3.Solver:
    solver = z3.Solver()
    solver.set("timeout", timeout_ms)
    for label, fml in hyps:
        solver.assert_and_track(fml, label)
    return solver


@dataclass
class AllSizesResult(InductionResult):
    variant: str | None = None
    proved_rules: list[str] = field(default_factory=list)


def prove_all_sizes(variant: str | None = None, *, timeout_ms: int = 10_000,
                    actions: set[str] | None = None, only: set[str] | None = None) -> AllSizesResult:
    """The checklist for every size: Init => Inv, Inv and action => Inv' for each invariant
    and transition property, Inv => R16 and Inv => some action enabled (R20).  `actions`
    and `only` restrict the per-action part (to refute a mutant where it acts)."""
    started = time.perf_counter()
    m = Model(variant)
    result = AllSizesResult(variant=variant)
    s = pre_state()
    invariants = {"encoding_wellformed": inv_wellformed, **INVARIANTS}
    base = [("params", z3.And(parameter_axioms()))]
    hyps = base + [(f"{_rule(n)}:{n}", f(s)) for n, f in invariants.items()]

    init = _solver(timeout_ms, base + [("init", initial_state_constraints(s))])
    for n, f in invariants.items():
        ob = Obligation("init", n, _rule(n))
        _check(init, z3.Not(f(s)), ob)
        result.obligations.append(ob)

    for act in m.actions(s):
        if actions is not None and act.name not in actions:
            continue
        solver = _solver(timeout_ms, hyps + [(f"guard:{act.name}", act.guard)])
        for n, f in invariants.items():
            if only is not None and n not in only:
                continue
            ob = Obligation(act.name, n, _rule(n))
            _check(solver, z3.Not(f(act.post)), ob)
            result.obligations.append(ob)
        for n, f in TRANSITIONS.items():
            if only is not None and n not in only:
                continue
            ob = Obligation(act.name, n, _rule(n))
            _check(solver, z3.Not(f(s, act.post, act.step)), ob)
            result.obligations.append(ob)

    solver = _solver(timeout_ms, hyps)
    for n, f in CONSEQUENCES.items():
        ob = Obligation("any", n, _rule(n))
        _check(solver, z3.Not(f(s)), ob)
        result.obligations.append(ob)
    ob = Obligation("any", "deadlock_free", _rule("deadlock_free"))
    _check(solver, z3.Not(m.some_action_enabled(s)), ob)
    result.obligations.append(ob)

    result.seconds = round(time.perf_counter() - started, 3)
    result.proved_rules = sorted({o.rule for o in result.obligations if o.ok} -
                                 {o.rule for o in result.obligations if not o.ok}, key=lambda r: int(r[1:]))
    return result


VARIANTS = ("slice_guard_dropped", "no_watchdog", "memory_reset_on_resume", "frozen_guest_keeps_writing",
            "no_clock_resync", "clock_steps_back", "start_before_notbefore", "short_notice",
            "reboot_update_under_freeze", "incarnation_not_bumped", "migrate_under_freeze",
            "freeze_without_started_event")

__all__ = ["CONSEQUENCES", "INVARIANTS", "TRANSITIONS", "VARIANTS", "AllSizesResult", "Model", "prove_all_sizes"]


def enabled_somewhere(variant: str | None = None, *, timeout_ms: int = 30_000) -> dict[str, str]:
    """Vacuity check: per action, whether some state satisfying every invariant enables it
    ("sat").  An action no invariant state enables would make its obligations hold trivially."""
    m = Model(variant)
    s = pre_state()
    hyps = parameter_axioms() + [inv_wellformed(s)] + [f(s) for f in INVARIANTS.values()]
    # A witness may be small: two hosts, two VMs, one set, two units, nothing removed yet
    # (closing the domains lets Z3 build the model instead of answering unknown).
    h, v, a, u, r = _h("h"), _v("v"), z3.Const("a", ASetS), z3.Const("u", UnitS), z3.Int("r")
    ha, hb, va, vb, aa, ua, ub = _h("ha"), _h("hb"), _v("va"), _v("vb"), z3.Const("aa", ASetS), \
        z3.Const("ua", UnitS), z3.Const("ub", UnitS)
    closed = [A([h], z3.Or(h == ha, h == hb)), A([v], z3.Or(v == va, v == vb)), A([a], a == aa),
              A([u], z3.Or(u == ua, u == ub)), A([h, r], z3.Not(s.removed(h, r)))]
    out = {}
    for act in m.actions(s):
        answer = "unknown"
        for extra in ([], closed):  # open domains first, then the small closed ones
            solver = z3.Solver()
            solver.set("timeout", timeout_ms)
            solver.add(*hyps, *extra, act.guard)
            answer = str(solver.check())
            if answer != "unknown":
                break
        out[act.name] = answer
    return out


__all__ += ["enabled_somewhere"]
