"""The actions of the all-sizes proof: each action of `model/spec.py` over a `PState`, its
arguments fresh constants, its next state macros over the current one; `Model(variant)`
encodes a mutant of `vmspec.properties.catalogue.mutants` by name (`params_proof.VARIANTS`).

An abstraction of the model, so that a proof here is a proof there: time advances by any
positive real allowed by the deadlines, and a Redeploy lands on any other patched host.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import z3

from vmspec.model import MAX_ROUNDS
from vmspec.properties.engines.z3.params_properties import _started
from vmspec.properties.engines.z3.params_vocabulary import (
    ALL_TENANTS,
    ALLOW_REDEPLOY,
    ANNOUNCED,
    APPROVER_NONE,
    APPROVER_OUTSIDE,
    APPROVER_VM,
    BOUND,
    EARLY_WATCHDOG,
    EXPECTED_PAUSE,
    FREEZE,
    FROZEN,
    GAP,
    GONE,
    HARDWARE_FAILURES,
    IDLE,
    IN_FREEZE,
    IN_REBOOT,
    LATENCY,
    LIVE,
    NONE,
    NOTICE,
    ONE_UD,
    OUTSIDE_OK,
    PREEMPT,
    REBOOT,
    REBOOTING,
    RECOVERED,
    REDEPLOY,
    RUNNING,
    SCHEDULED,
    SCOPE_RESOURCES,
    SPOT_EVICTIONS,
    STARTED,
    STARTED_EV,
    TERMINATE,
    TERMINATIONS,
    USER_EVENTS,
    A,
    E,
    EvType,
    G,
    PState,
    PStep,
    _h,
    _v,
    aset_of,
    at,
    same_slice,
    scale_set_of,
    spot_of,
    ud_of,
    vm_before,
)

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


def _on(s: PState, v: z3.ExprRef, h: z3.ExprRef) -> z3.BoolRef:
    """VM `v` is on host `h` (`Spec.residents`: a VM gone, R36 and R37, is on no host)."""
    return z3.And(s.host(v) == h, s.status(v) != GONE)


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
        kind = (lambda hh: z3.BoolVal(True)) if self.is_("reboot_sliced_like_freeze") else (
            lambda hh: s.etype(hh) == FREEZE)
        return A([v, w, h, k], z3.Implies(z3.And(busy(v, h), busy(w, k), aset_of(v) == aset_of(w)),
                                          same_slice(kind(h), v, kind(k), w)))

    def failure_slice_allows(self, s: PState, h0: z3.ExprRef) -> z3.BoolRef:
        """R5 for a failure of `h0` (`Spec.slice_allows` with its VMs as a Reboot)."""
        if self.is_("slice_guard_dropped"):
            return z3.BoolVal(True)
        v, w, h, k = _v("fv"), _v("fw"), _h("fh"), _h("fk")
        busy = lambda x, hh: z3.Or(z3.And(hh == h0, _on(s, x, h0)), z3.And(_started(s, hh), s.res(hh, x)))
        kind = (lambda hh: z3.BoolVal(True)) if self.is_("reboot_sliced_like_freeze") else (
            lambda hh: z3.And(hh != h0, s.etype(hh) == FREEZE))
        return A([v, w, h, k], z3.Implies(z3.And(busy(v, h), busy(w, k), aset_of(v) == aset_of(w)),
                                          same_slice(kind(h), v, kind(k), w)))

    def resources_within_one_update_domain(self, s: PState, h0: z3.ExprRef) -> z3.BoolRef:
        """R22: where the profile keeps the guarantee, the VMs on `h0` lie in one update domain per set."""
        if self.is_("resources_span_update_domains"):
            return z3.BoolVal(True)
        v, w = _v("ov"), _v("ow")
        return z3.Implies(ONE_UD, A([v, w], z3.Implies(
            z3.And(_on(s, v, h0), _on(s, w, h0), aset_of(v) == aset_of(w)), ud_of(v) == ud_of(w))))

    def target_allowed(self, s: PState, k: z3.ExprRef, moving: Callable) -> z3.BoolRef:
        """R26: host `k` is patched, idle, carries no frozen or rebooting VM and no VM of another
        update domain of a set a VM `moving(v)` belongs to."""
        if self.is_("redeploy_to_any_patched_host"):
            return s.patched(k)
        w, v = _v("tw"), _v("tv")
        return z3.And(s.patched(k), s.phase(k) == IDLE,
                      A([w], z3.Implies(_on(s, w, k), s.status(w) == RUNNING)),
                      A([w, v], z3.Implies(z3.And(_on(s, w, k), moving(v), aset_of(w) == aset_of(v)),
                                           ud_of(w) == ud_of(v))))

    def spot_ok(self, v0: z3.ExprRef) -> z3.BoolRef:
        """R36: only a Spot VM is preempted."""
        if self.is_("preempt_regular_vm"):
            return z3.BoolVal(True)
        return spot_of(v0)

    def terminate_order_allows(self, s: PState, h0: z3.ExprRef) -> z3.BoolRef:
        """R37: a Terminate approved before its NotBefore waits while another Terminate naming a VM of its
        scale set is Scheduled, unapproved, with its NotBefore ahead."""
        if self.is_("terminate_ignores_pending"):
            return z3.BoolVal(True)
        k, v, w = _h("tk"), _v("tv"), _v("tw")
        early = z3.And(s.etype(h0) == TERMINATE, s.nbi(h0) != 0)
        pending = E([k, v, w], z3.And(k != h0, s.present(k), s.etype(k) == TERMINATE, s.estatus(k) == SCHEDULED,
                                      z3.Not(s.approved(k)), s.nbi(k) != 0, s.res(h0, v), s.res(k, w),
                                      aset_of(v) == aset_of(w)))
        return z3.Not(z3.And(early, pending))

    def recovery_gap_allows(self, s: PState, h0: z3.ExprRef) -> z3.BoolRef:
        """R21: no VM named by the event of `h0` in another update domain of a set whose gap runs."""
        if self.is_("recovery_gap_ignored"):
            return z3.BoolVal(True)
        v = _v("gv")
        return A([v], z3.Implies(z3.And(s.res(h0, v), s.gap_left(aset_of(v)) != NONE),
                                 s.recovering(aset_of(v), ud_of(v))))
    def may_approve(self, s: PState, h0: z3.ExprRef, v0: z3.ExprRef, outside: z3.BoolRef) -> z3.BoolRef:
        """R28: the API from outside where allowed, or VM `v0` of a set the event names (one it
        names under the narrow scope)."""
        if self.is_("approval_from_any_vm"):
            return z3.BoolVal(True)
        r = _v("ar")
        named_set = E([r], z3.And(s.res(h0, r), aset_of(r) == aset_of(v0)))
        return z3.If(outside, OUTSIDE_OK, z3.If(SCOPE_RESOURCES, s.res(h0, v0), named_set))

    def resumed(self, s: PState, f: str, v: z3.ExprRef) -> z3.ExprRef:
        lag = s.clock_lag(v)
        if self.is_("clock_steps_back"):
            lag = lag + G
            values = {"unsynced": z3.RealVal(0)}
        else:
            values = {"unsynced": z3.If(lag != 0, z3.RealVal(0), z3.RealVal(NONE))}
        values.update(status=RUNNING, host=s.host(v), snapshot=z3.IntVal(NONE), frozen_for=z3.RealVal(NONE),
                      clock_lag=lag, memory=s.memory(v))
        if self.is_("memory_reset_on_resume"):
            values["memory"] = z3.IntVal(0)
        elif self.is_("stale_memory_at_resume"):  # an older image of written memory (STALE = 3)
            values["memory"] = z3.If(s.memory(v) == 2, z3.IntVal(3), s.memory(v))
        return values[f]

    def actions(self, s: PState) -> list[PAction]:
        h0, k0, v0 = _h("h0"), _h("target"), _v("v0")
        dt, et = z3.Real("dt"), z3.Const("etype", EvType)
        no = PStep(False, z3.RealVal(0))
        out = []
        residents = E([_v("r")], _on(s, _v("r"), h0))
        idle_unpatched = z3.And(z3.Not(s.patched(h0)), s.phase(h0) == IDLE)

        # platform_announce_event(h0, et)
        may = z3.If(s.needs_reboot(h0),
                    z3.Or(et == REBOOT, z3.And(et == REDEPLOY, ALLOW_REDEPLOY, E([k0], z3.And(
                        k0 != h0, self.target_allowed(s, k0, lambda v: _on(s, v, h0)))))), et == FREEZE)
        if self.is_("reboot_update_under_freeze"):
            may = et == FREEZE
        notice = NOTICE(et) - (G if self.is_("short_notice") else 0)
        # R27: a live migration names the first VM on the host of each availability set
        first = lambda v: z3.Not(E([_v("fw")], z3.And(_on(s, _v("fw"), h0), aset_of(_v("fw")) == aset_of(v),
                                                       vm_before(_v("fw"), v))))
        named = lambda v: z3.And(_on(s, v, h0), z3.Implies(z3.And(LIVE, et == FREEZE), first(v)))
        t = replace(
            s, present=at(h0, lambda h: z3.BoolVal(True), s.present), etype=at(h0, lambda h: et, s.etype),
            res=lambda h, v: z3.If(h == h0, named(v), s.res(h, v)),
            estatus=at(h0, lambda h: SCHEDULED, s.estatus), nbi=at(h0, lambda h: notice, s.nbi),
            notice=at(h0, lambda h: notice, s.notice),
            duration=at(h0, lambda h: z3.If(et == FREEZE, EXPECTED_PAUSE, z3.RealVal(-1)), s.duration),
            approved=at(h0, lambda h: z3.BoolVal(False), s.approved), incarnation=s.incarnation + 1,
            approver_kind=at(h0, lambda h: z3.IntVal(APPROVER_NONE), s.approver_kind),
            tenant_approved=lambda h, a: z3.And(h != h0, s.tenant_approved(h, a)),
            user=at(h0, lambda h: z3.BoolVal(self.is_("maintenance_as_user_event")), s.user),
            phase=at(h0, lambda h: ANNOUNCED, s.phase), rounds=at(h0, lambda h: s.rounds(h0) + 1, s.rounds))
        out.append(PAction("platform_announce_event",
                           z3.And(idle_unpatched, s.rounds(h0) < MAX_ROUNDS, may, residents,
                                  self.resources_within_one_update_domain(s, h0)), t, no))

        # platform_patch_empty_host(h0)
        t = replace(s, patched=at(h0, lambda h: z3.BoolVal(True), s.patched),
                    needs_reboot=at(h0, lambda h: z3.BoolVal(False), s.needs_reboot))
        out.append(PAction("platform_patch_empty_host", z3.And(idle_unpatched, z3.Not(residents)), t, no))

        sched = z3.And(s.present(h0), s.estatus(h0) == SCHEDULED)
        # app_approve_event(h0, v0 or from outside): who approved is recorded (R28)
        outside0 = z3.Bool("outside0")
        # R29: where every tenant must approve, the approver's tenant is recorded and the last one releases it
        tenants = lambda h, a: z3.Or(s.tenant_approved(h, a), z3.And(ALL_TENANTS, h == h0, a == aset_of(v0)))
        rt = _v("rt")
        done = z3.Or(z3.Not(ALL_TENANTS), z3.BoolVal(self.is_("first_tenant_releases")),
                     z3.Not(E([rt], z3.And(s.res(h0, rt), z3.Not(tenants(h0, aset_of(rt)))))))
        t = replace(s, approved=at(h0, lambda h: done, s.approved),
                    approver_kind=at(h0, lambda h: z3.If(done, z3.If(outside0, APPROVER_OUTSIDE, APPROVER_VM),
                                                         APPROVER_NONE), s.approver_kind),
                    approver_in_set=at(h0, lambda h: E([_v("as")], z3.And(s.res(h0, _v("as")),
                                                                          aset_of(_v("as")) == aset_of(v0))),
                                       s.approver_in_set),
                    approver_named=at(h0, lambda h: z3.And(z3.Not(outside0), s.res(h0, v0)), s.approver_named),
                    tenant_approved=tenants)
        once = z3.Implies(ALL_TENANTS, z3.Not(s.tenant_approved(h0, aset_of(v0))))
        out.append(PAction("app_approve_event", z3.And(sched, self.may_approve(s, h0, v0, outside0),
                                                       z3.Not(s.approved(h0)), s.nbi(h0) != 0,
                                                       s.nbi(h0) != NONE, once), t, no))
        # platform_start_event
        allowed = z3.BoolVal(True) if self.is_("start_before_notbefore") else z3.Or(s.nbi(h0) == 0, s.approved(h0))
        t = replace(s, estatus=at(h0, lambda h: STARTED_EV, s.estatus), nbi=at(h0, lambda h: z3.RealVal(NONE), s.nbi),
                    phase=at(h0, lambda h: STARTED, s.phase),
                    incarnation=s.incarnation if self.is_("incarnation_not_bumped") else s.incarnation + 1)
        out.append(PAction("platform_start_event", z3.And(sched, allowed, self.slice_allows(s, h0),
                                                          self.recovery_gap_allows(s, h0),
                                                          self.terminate_order_allows(s, h0)), t, no))
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
            s.frozen_for(w) != NONE, z3.Or(EARLY_WATCHDOG, s.frozen_for(w) + G > BOUND), s.host(w) == h0))
        t = replace(resume(), phase=at(h0, lambda h: RECOVERED, s.phase),
                    needs_reboot=at(h0, lambda h: z3.BoolVal(True), s.needs_reboot))
        out.append(PAction("platform_watchdog_resume", z3.And(s.phase(h0) == IN_FREEZE, z3.Not(s.patched(h0)), due),
                           t, no))

        # host_live_migrate(h0): R27, the frozen VMs of h0's event resume on another host within the rules
        moved = lambda v: z3.And(s.res(h0, v), s.status(v) == FROZEN)
        t = _res_run(s, h0, lambda f, v: k0 if f == "host" else self.resumed(s, f, v), moved)
        if self.is_("live_migration_loses_memory"):  # an older image of written memory (STALE = 3)
            t = replace(t, memory=lambda v, t=t: z3.If(z3.And(moved(v), s.memory(v) == 2), z3.IntVal(3), t.memory(v)))
        t = replace(t, phase=at(h0, lambda h: RECOVERED, s.phase))
        out.append(PAction("host_live_migrate", z3.And(LIVE, s.phase(h0) == IN_FREEZE, s.present(h0), k0 != h0,
                                                        self.target_allowed(s, k0, lambda v: s.res(h0, v))), t, no))

        # host_reboot / host_redeploy
        for name, etype, dest in (("host_reboot", REBOOT, None), ("host_redeploy", REDEPLOY, k0)):
            vals = lambda f, v, dest=dest: {
                "status": REBOOTING, "host": s.host(v) if dest is None else dest, "memory": z3.IntVal(0),
                "snapshot": z3.IntVal(NONE), "frozen_for": z3.RealVal(NONE), "clock_lag": z3.RealVal(0),
                "unsynced": z3.RealVal(NONE)}[f]
            t = _res_run(s, h0, vals, lambda v: s.res(h0, v))
            # the host is patched, unless its user asked for the restart (R35)
            t = replace(t, phase=at(h0, lambda h: IN_REBOOT, s.phase),
                        patched=at(h0, lambda h: z3.Or(z3.Not(s.user(h0)), s.patched(h0)), s.patched),
                        needs_reboot=at(h0, lambda h: z3.And(s.user(h0), s.needs_reboot(h0)), s.needs_reboot))
            g = z3.And(s.phase(h0) == STARTED, s.present(h0), s.etype(h0) == etype)
            if dest is not None:
                g = z3.And(g, k0 != h0, self.target_allowed(s, k0, lambda v: s.res(h0, v)))
            out.append(PAction(name, g, t, no))

        # host_boot_vms
        vals = lambda f, v: {"status": RUNNING, "snapshot": z3.IntVal(NONE), "frozen_for": z3.RealVal(NONE),
                             "clock_lag": z3.RealVal(0), "unsynced": z3.RealVal(NONE)}.get(f, getattr(s, f)(v))
        t = replace(_res_run(s, h0, vals, lambda v: s.res(h0, v)), phase=at(h0, lambda h: RECOVERED, s.phase))
        # R21: each set with a VM named by the event starts the gap of that VM's update domain
        bv = _v("bv")
        touched = lambda a: z3.And(GAP > 0, E([bv], z3.And(s.res(h0, bv), aset_of(bv) == a)))
        t = replace(t, gap_left=lambda a: z3.If(touched(a), GAP, s.gap_left(a)),
                    recovering=lambda a, u: z3.If(touched(a), E([bv], z3.And(s.res(h0, bv), aset_of(bv) == a,
                                                                             ud_of(bv) == u)), s.recovering(a, u)))
        out.append(PAction("host_boot_vms", z3.And(s.phase(h0) == IN_REBOOT, s.present(h0)), t, no))

        # host_hardware_failure(h0): R34, a Reboot already Started, no notice, memory lost, not patched
        r = _v("fr")
        vals = lambda f, v: {
            "status": REBOOTING, "memory": z3.IntVal(0), "snapshot": z3.IntVal(NONE), "frozen_for": z3.RealVal(NONE),
            "clock_lag": z3.RealVal(0), "unsynced": z3.RealVal(NONE)}.get(f, getattr(s, f)(v))
        t = s if self.is_("failure_rebooted_as_maintenance") else _res_run(s, h0, vals, lambda v: _on(s, v, h0))
        t = replace(
            t, present=at(h0, lambda h: z3.BoolVal(True), s.present), etype=at(h0, lambda h: REBOOT, s.etype),
            res=lambda h, v: z3.If(h == h0, _on(s, v, h0), s.res(h, v)),
            estatus=at(h0, lambda h: STARTED_EV, s.estatus), nbi=at(h0, lambda h: z3.RealVal(NONE), s.nbi),
            notice=at(h0, lambda h: z3.RealVal(0), s.notice), duration=at(h0, lambda h: z3.RealVal(-1), s.duration),
            approved=at(h0, lambda h: z3.BoolVal(False), s.approved), incarnation=s.incarnation + 1,
            approver_kind=at(h0, lambda h: z3.IntVal(APPROVER_NONE), s.approver_kind),
            tenant_approved=lambda h, a: z3.And(h != h0, s.tenant_approved(h, a)),
            user=at(h0, lambda h: z3.BoolVal(False), s.user),
            phase=at(h0, lambda h: STARTED if self.is_("failure_rebooted_as_maintenance") else IN_REBOOT, s.phase),
            rounds=at(h0, lambda h: s.rounds(h0) + 1, s.rounds))
        if self.is_("maintenance_disguised_as_failure"):
            t = replace(t, patched=at(h0, lambda h: z3.BoolVal(True), s.patched),
                        needs_reboot=at(h0, lambda h: z3.BoolVal(False), s.needs_reboot))
        g = z3.And(HARDWARE_FAILURES, idle_unpatched, s.rounds(h0) == 0, residents,
                   A([r], z3.Implies(_on(s, r, h0), s.status(r) == RUNNING)), self.failure_slice_allows(s, h0))
        out.append(PAction("host_hardware_failure", g, t, no))

        # vm_clock_resync
        vals = lambda f, v: {"snapshot": z3.IntVal(NONE), "frozen_for": z3.RealVal(NONE), "clock_lag": z3.RealVal(0),
                             "unsynced": z3.RealVal(NONE)}.get(f, getattr(s, f)(v))
        t = _res_run(s, h0, vals, lambda v: v == v0)
        g = z3.BoolVal(False) if self.is_("no_clock_resync") else z3.And(s.status(v0) == RUNNING, s.clock_lag(v0) != 0)
        out.append(PAction("vm_clock_resync", g, t, no))

        # user_reboot_vm(v0) / platform_preempt_vm(v0) / user_delete_vm(v0): R35, a Reboot with EventSource
        # User; R36, R37, a Preempt (a Spot VM) or a Terminate (a scale set's VM); each naming v0 alone,
        # Scheduled with its type's notice, on v0's host before its maintenance
        hv = s.host(v0)
        for name, etype, enabled, user in (
                ("user_reboot_vm", REBOOT, USER_EVENTS, True),
                ("platform_preempt_vm", PREEMPT, z3.And(SPOT_EVICTIONS, self.spot_ok(v0)), False),
                ("user_delete_vm", TERMINATE, z3.And(TERMINATIONS, scale_set_of(aset_of(v0))), False)):
            t = replace(
                s, present=at(hv, lambda h: z3.BoolVal(True), s.present),
                etype=at(hv, lambda h, etype=etype: etype, s.etype),
                res=lambda h, v: z3.If(h == hv, v == v0, s.res(h, v)),
                estatus=at(hv, lambda h: SCHEDULED, s.estatus),
                nbi=at(hv, lambda h, etype=etype: NOTICE(etype), s.nbi),
                notice=at(hv, lambda h, etype=etype: NOTICE(etype), s.notice),
                duration=at(hv, lambda h: z3.RealVal(-1), s.duration),
                approved=at(hv, lambda h: z3.BoolVal(False), s.approved), incarnation=s.incarnation + 1,
                approver_kind=at(hv, lambda h: z3.IntVal(APPROVER_NONE), s.approver_kind),
                user=at(hv, lambda h, user=user: z3.BoolVal(user), s.user),
                tenant_approved=lambda h, a: z3.And(h != hv, s.tenant_approved(h, a)),
                phase=at(hv, lambda h: ANNOUNCED, s.phase), rounds=at(hv, lambda h: s.rounds(hv) + 1, s.rounds))
            g = z3.And(enabled, s.status(v0) == RUNNING, z3.Not(s.patched(hv)), s.phase(hv) == IDLE,
                       s.rounds(hv) == 0)
            out.append(PAction(name, g, t, no))

        # host_evict_vm(h0): R36, R37, the VM of a Started Preempt or Terminate is gone, the event removed
        vals = lambda f, v: {"status": GONE, "snapshot": z3.IntVal(NONE), "frozen_for": z3.RealVal(NONE),
                             "clock_lag": z3.RealVal(0), "unsynced": z3.RealVal(NONE)}.get(f, getattr(s, f)(v))
        t = _res_run(s, h0, vals, lambda v: s.res(h0, v))
        t = replace(t, present=at(h0, lambda h: z3.BoolVal(False), s.present),
                    removed=lambda h, r: z3.Or(s.removed(h, r), z3.And(h == h0, r == s.rounds(h0))),
                    phase=at(h0, lambda h: IDLE, s.phase), incarnation=s.incarnation + 1)
        out.append(PAction("host_evict_vm", z3.And(s.phase(h0) == STARTED, s.present(h0),
                                                   z3.Or(s.etype(h0) == PREEMPT, s.etype(h0) == TERMINATE)), t, no))

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
            gap_left=lambda a: z3.If(z3.Or(s.gap_left(a) == NONE, s.gap_left(a) <= dt), z3.RealVal(NONE),
                                     s.gap_left(a) - dt),
            recovering=lambda a, u: z3.And(s.gap_left(a) != NONE, s.gap_left(a) > dt, s.recovering(a, u)),
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



__all__ = ["Model", "PAction"]
