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
- a Redeploy may land on any other host the rules allow (R26), not only the first (`Spec.redeploy_target`);
- the pause bound, granularity, resync latency and notices are symbolic reals constrained
  only as `vmspec.model.params.Params` validates them; a VM's update domain and its freeze
  slice are any functions into units, the freeze slice equal to the update domain when a
  symbolic flag says so (the 2017 profiles) and of another kind otherwise (fault domains,
  single VMs), so one proof covers every profile's slices (R5 per event type); the R22
  guarantee is a symbolic flag too;
- an event's EventId is its host and round (notes/decisions.md D4), the removed ids a
  relation over hosts and rounds.
Everything else is the same guard and the same effect, action for action.
Which rules this proves, and which only hold for bounded configurations, is in notes/proofs.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import z3

from vmspec.properties.catalogue.registry import by_name
from vmspec.properties.engines.z3.induction import FAILED, OK, UNKNOWN, InductionResult, Obligation
from vmspec.properties.engines.z3.params_actions import Model
from vmspec.properties.engines.z3.params_properties import CONSEQUENCES, INVARIANTS, TRANSITIONS, inv_wellformed
from vmspec.properties.engines.z3.params_vocabulary import (
    IDLE,
    NONE,
    RUNNING,
    A,
    ASetS,
    PState,
    UnitS,
    _h,
    _v,
    parameter_axioms,
    pre_state,
)

# ---------------------------------------------------------------------- the proof


def initial_state_constraints(s: PState) -> z3.BoolRef:
    """Init of `Spec.initial_state`, for any topology: every host idle and unpatched (its
    update in place or not), every VM running with LOADED memory, an empty document."""
    h, v, r = _h("h"), _v("v"), z3.Int("r")
    a, u = z3.Const("a", ASetS), z3.Const("u", UnitS)
    return z3.And(
        s.incarnation == 1,
        A([h], z3.And(z3.Not(s.patched(h)), s.phase(h) == IDLE, s.rounds(h) == 0, z3.Not(s.present(h)))),
        A([h, r], z3.Not(s.removed(h, r))),
        A([a], s.gap_left(a) == NONE), A([a, u], z3.Not(s.recovering(a, u))),
        A([v], z3.And(s.status(v) == RUNNING, s.memory(v) == 1, s.snapshot(v) == NONE, s.frozen_for(v) == NONE,
                      s.clock_lag(v) == 0, s.unsynced(v) == NONE)),
    )


def _rule(name: str) -> str:
    return by_name(name).rule if name != "encoding_wellformed" else "R0"


def _check(solver: z3.Solver, negated_goal: z3.BoolRef, ob: Obligation) -> None:
    started = time.perf_counter()
    solver.push()
    solver.add(negated_goal.translate(solver.ctx))
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


def _solver(timeout_ms: int, hyps: list[tuple[str, z3.BoolRef]], ctx: z3.Context) -> z3.Solver:
    """A solver in `ctx` holding the hypotheses, each tracked under its label."""
    solver = z3.Solver(ctx=ctx)
    solver.set("timeout", timeout_ms)
    for label, fml in hyps:
        solver.assert_and_track(fml.translate(ctx), z3.Bool(label, ctx))
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

    # Every solver lives in a context of this proof's own, the terms translated into it: its
    # answers then cannot depend on what earlier work did to the process-wide context
    # (notes/proofs.md, "In-process refutations").
    ctx = z3.Context()
    init = _solver(timeout_ms, base + [("init", initial_state_constraints(s))], ctx)
    for n, f in invariants.items():
        ob = Obligation("init", n, _rule(n))
        _check(init, z3.Not(f(s)), ob)
        result.obligations.append(ob)

    for act in m.actions(s):
        if actions is not None and act.name not in actions:
            continue
        solver = _solver(timeout_ms, hyps + [(f"guard:{act.name}", act.guard)], ctx)
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

    solver = _solver(timeout_ms, hyps, ctx)
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


VARIANTS = ("slice_guard_dropped", "no_watchdog", "memory_reset_on_resume", "stale_memory_at_resume",
            "frozen_guest_keeps_writing",
            "no_clock_resync", "clock_steps_back", "start_before_notbefore", "short_notice",
            "reboot_update_under_freeze", "incarnation_not_bumped", "migrate_under_freeze",
            "freeze_without_started_event", "reboot_sliced_like_freeze", "resources_span_update_domains",
            "recovery_gap_ignored", "redeploy_to_any_patched_host",
            "maintenance_disguised_as_failure", "failure_rebooted_as_maintenance",
            "approval_from_any_vm", "first_tenant_releases",
            "maintenance_as_user_event",
            "live_migration_loses_memory", "preempt_regular_vm", "terminate_ignores_pending")

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
