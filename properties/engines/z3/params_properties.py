"""The properties of the all-sizes proof: every `always` property of the registry (under the
same names) as a universally quantified formula over a `PState`, the strengthening
invariants included, the transition properties over a step, and R16 as a consequence.

The only functions between sorts go from VMs to hosts, availability sets and units, so
every formula stays in the effectively-propositional fragment (with linear arithmetic
over the timers).
"""

from __future__ import annotations

from collections.abc import Callable

import z3

from vmspec.model import MAX_ROUNDS
from vmspec.properties.engines.z3.params_vocabulary import (
    ALL_TENANTS,
    ANNOUNCED,
    APPROVER_NONE,
    APPROVER_OUTSIDE,
    APPROVER_VM,
    BOUND,
    FREEZE,
    FROZEN,
    GONE,
    IDLE,
    IN_FREEZE,
    IN_REBOOT,
    LATENCY,
    LIVE,
    NONE,
    ONE_UD,
    OUTSIDE_OK,
    PREEMPT,
    REBOOT,
    REBOOTING,
    RECOVERED,
    REDEPLOY,
    REQUIRED,
    RUNNING,
    SCHEDULED,
    SCOPE_RESOURCES,
    STARTED,
    STARTED_EV,
    TERMINATE,
    A,
    ASetS,
    E,
    PState,
    PStep,
    _h,
    _v,
    aset_of,
    same_slice,
    scale_set_of,
    spot_of,
    ud_of,
    unit_of,
)

# ---------------------------------------------------------------------- invariants (same names as the registry)


def _started(s: PState, h: z3.ExprRef) -> z3.BoolRef:
    return z3.And(s.present(h), s.estatus(h) == STARTED_EV)


def _down(s: PState, v: z3.ExprRef) -> z3.BoolRef:
    """Frozen or rebooting: impacted by maintenance (a VM gone, R36 and R37, is not)."""
    return z3.Or(s.status(v) == FROZEN, s.status(v) == REBOOTING)


def _opt(x: z3.ArithRef) -> z3.BoolRef:
    return z3.Or(x == NONE, x >= 0)


def inv_wellformed(s: PState) -> z3.BoolRef:
    v, h = _v("v"), _h("h")
    return z3.And(
        A([v], z3.And(_opt(s.frozen_for(v)), _opt(s.unsynced(v)), s.snapshot(v) >= NONE, s.snapshot(v) <= 3)),
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
        z3.Or(s.memory(v) == 0, s.memory(v) == 1, s.memory(v) == 2, s.memory(v) == 3), s.clock_lag(v) >= 0,
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
    return A([v, w], z3.Implies(z3.And(_down(s, v), _down(s, w), aset_of(v) == aset_of(w)),
                                same_slice(s.status(v) == FROZEN, v, s.status(w) == FROZEN, w)))


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
            E([h], z3.And(s.present(h), s.res(h, v), s.phase(h) == IN_REBOOT)),
            z3.Or(s.patched(x), E([h], z3.And(z3.Or(_unplanned(s, h), z3.And(s.present(h), s.user(h))),
                                              s.res(h, v))))))))


def _unplanned(s: PState, h: z3.ExprRef) -> z3.BoolRef:
    """The event of `h` is a hardware-failure Reboot (`Event.unplanned`): a Platform Reboot with no notice."""
    return z3.And(s.present(h), s.etype(h) == REBOOT, s.notice(h) == 0, z3.Not(s.user(h)))


@invariant
def user_event_is_a_reboot(s: PState) -> z3.BoolRef:
    h = _h("h")
    return A([h], z3.Implies(z3.And(s.present(h), s.user(h)), s.etype(h) == REBOOT))


@invariant
def unplanned_reboot_impacts_at_once(s: PState) -> z3.BoolRef:
    h = _h("h")
    return A([h], z3.Implies(_unplanned(s, h), z3.And(s.estatus(h) == STARTED_EV,
                                                      z3.Or(s.phase(h) == IN_REBOOT, s.phase(h) == RECOVERED))))


@invariant
def eviction_names_its_kind_of_vm(s: PState) -> z3.BoolRef:
    h, v = _h("h"), _v("v")
    return A([h, v], z3.Implies(z3.And(s.present(h), s.res(h, v)), z3.And(
        z3.Implies(s.etype(h) == PREEMPT, spot_of(v)), z3.Implies(s.etype(h) == TERMINATE, scale_set_of(aset_of(v))))))


@invariant
def gone_vm_named_by_no_event(s: PState) -> z3.BoolRef:
    h, v = _h("h"), _v("v")
    return A([h, v], z3.Implies(z3.And(s.present(h), s.res(h, v)), s.status(v) != GONE))


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
        same_slice(s.etype(h) == FREEZE, v, s.etype(k) == FREEZE, w)))


@invariant
def event_resources_one_update_domain(s: PState) -> z3.BoolRef:
    v, w, h = _v("v"), _v("w"), _h("h")
    return z3.Implies(ONE_UD, A([h, v, w], z3.Implies(
        z3.And(s.present(h), s.res(h, v), s.res(h, w), aset_of(v) == aset_of(w)), ud_of(v) == ud_of(w))))


@invariant
def approval_from_the_set(s: PState) -> z3.BoolRef:
    """R28: an approved event records its approver: a VM of a set it names (one it names under the
    narrow scope), or the API from outside where allowed; an unapproved one records none."""
    h = _h("h")
    kind = s.approver_kind(h)
    return A([h], z3.Implies(s.present(h), z3.And(
        s.approved(h) == (kind != APPROVER_NONE),
        z3.Implies(kind == APPROVER_OUTSIDE, OUTSIDE_OK),
        z3.Implies(kind == APPROVER_VM, z3.And(s.approver_in_set(h), z3.Implies(SCOPE_RESOURCES, s.approver_named(h)))),
        z3.Or(kind == APPROVER_NONE, kind == APPROVER_VM, kind == APPROVER_OUTSIDE))))


@invariant
def approved_by_every_tenant(s: PState) -> z3.BoolRef:
    """R29: where every tenant must approve, an approved event has a recorded approval of the tenant of
    every VM it names, and only tenants it names are recorded."""
    h, r, a = _h("h"), _v("r"), z3.Const("a", ASetS)
    return z3.Implies(ALL_TENANTS, z3.And(
        A([h, r], z3.Implies(z3.And(s.present(h), s.approved(h), s.res(h, r)), s.tenant_approved(h, aset_of(r)))),
        A([h, a], z3.Implies(z3.And(s.present(h), s.tenant_approved(h, a)),
                             E([r], z3.And(s.res(h, r), aset_of(r) == a))))))


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
    """R16, a consequence of R5: a set with VMs in two update domains keeps one running while
    one reboots; a set with VMs in two freeze slices, while one is frozen."""
    a, v, w, u, x = z3.Const("a", ASetS), _v("v"), _v("w"), _v("u"), _v("x")
    keeps = E([u], z3.And(aset_of(u) == a, s.status(u) == RUNNING))
    c = []
    for status, unit in ((REBOOTING, ud_of), (FROZEN, unit_of)):
        spread = E([v, w], z3.And(aset_of(v) == a, aset_of(w) == a, unit(v) != unit(w),
                                  s.status(v) != GONE, s.status(w) != GONE))  # a VM gone is of no set (R36, R37)
        hit = E([x], z3.And(aset_of(x) == a, s.status(x) == status))
        c.append(A([a], z3.Implies(z3.And(spread, hit), keeps)))
    return z3.And(c)


CONSEQUENCES = {"aset_keeps_a_running_vm": aset_keeps_a_running_vm}


# ---------------------------------------------------------------------- transition properties


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
        z3.Implies(z3.Not(same), z3.Or(t.estatus(h) == SCHEDULED, _unplanned(t, h))),
        z3.Implies(same, z3.And(z3.Not(z3.And(s.estatus(h) == STARTED_EV, t.estatus(h) == SCHEDULED)),
                                s.etype(h) == t.etype(h), s.res(h, v) == t.res(h, v))))))


@transition
def recovery_gap_kept(s: PState, t: PState, st: PStep) -> z3.BoolRef:
    h, v = _h("h"), _v("v")
    a = aset_of(v)
    return A([h, v], z3.Not(z3.And(_same_event(s, t, h), s.estatus(h) == SCHEDULED, t.estatus(h) == STARTED_EV,
                                   s.res(h, v), s.gap_left(a) != NONE, s.gap_left(a) > 0,
                                   z3.Not(s.recovering(a, ud_of(v))))))


@transition
def redeploy_target_within_rules(s: PState, t: PState, st: PStep) -> z3.BoolRef:
    v, w = _v("v"), _v("w")
    k = t.host(v)
    return A([v, w], z3.Implies(s.host(v) != k, z3.And(
        s.patched(k), s.phase(k) == IDLE,
        z3.Implies(z3.And(s.host(w) == k, s.status(w) != GONE), z3.And(s.status(w) == RUNNING,
                                          z3.Implies(aset_of(w) == aset_of(v), ud_of(w) == ud_of(v)))))))


@transition
def vm_stays_on_host(s: PState, t: PState, st: PStep) -> z3.BoolRef:
    v = _v("v")
    return A([v], z3.Implies(s.host(v) != t.host(v), z3.Or(_started_for(t, v, (REDEPLOY,)),
                                                          z3.And(LIVE, _started_for(t, v, (FREEZE,))))))


@transition
def live_migration_within_rules(s: PState, t: PState, st: PStep) -> z3.BoolRef:
    v = _v("v")
    return A([v], z3.Implies(z3.And(LIVE, s.host(v) != t.host(v), _started_for(t, v, (FREEZE,))), z3.And(
        s.status(v) == FROZEN, t.status(v) == RUNNING, s.patched(t.host(v)), t.memory(v) == s.snapshot(v))))


@transition
def memory_lost_only_by_reboot(s: PState, t: PState, st: PStep) -> z3.BoolRef:
    v = _v("v")
    ok_time = z3.And(z3.BoolVal(st.is_time), s.status(v) == RUNNING)
    return A([v], z3.Implies(s.memory(v) != t.memory(v), z3.Or(
        ok_time, z3.And(t.status(v) == REBOOTING, _started_for(t, v, (REBOOT, REDEPLOY))))))




@transition
def failure_applies_no_update(s: PState, t: PState, st: PStep) -> z3.BoolRef:
    h = _h("h")
    return A([h], z3.Not(z3.And(z3.Not(s.patched(h)), t.patched(h), _unplanned(t, h))))


@transition
def user_event_applies_no_update(s: PState, t: PState, st: PStep) -> z3.BoolRef:
    h = _h("h")
    return A([h], z3.Not(z3.And(z3.Not(s.patched(h)), t.patched(h), t.present(h), t.user(h))))


@transition
def gone_only_by_started_eviction(s: PState, t: PState, st: PStep) -> z3.BoolRef:
    v, h = _v("v"), _h("h")
    by = E([h], z3.And(_started(s, h), s.res(h, v), z3.Or(z3.And(s.etype(h) == PREEMPT, spot_of(v)),
                                                          z3.And(s.etype(h) == TERMINATE, scale_set_of(aset_of(v))))))
    return A([v], z3.And(z3.Not(z3.And(s.status(v) == GONE, t.status(v) != GONE)),
                         z3.Implies(z3.And(s.status(v) != GONE, t.status(v) == GONE), by)))


@transition
def terminate_waits_for_pending_terminates(s: PState, t: PState, st: PStep) -> z3.BoolRef:
    h, k, v, w = _h("h"), _h("k"), _v("v"), _v("w")
    early = z3.And(_same_event(s, t, h), s.estatus(h) == SCHEDULED, t.estatus(h) == STARTED_EV,
                   s.etype(h) == TERMINATE, s.nbi(h) > 0)
    pending = z3.And(k != h, s.present(k), s.etype(k) == TERMINATE, s.estatus(k) == SCHEDULED, z3.Not(s.approved(k)),
                     s.nbi(k) > 0, s.res(h, v), s.res(k, w), aset_of(v) == aset_of(w))
    return A([h, k, v, w], z3.Not(z3.And(early, pending)))


__all__ = ["CONSEQUENCES", "INVARIANTS", "TRANSITIONS", "inv_wellformed"]
