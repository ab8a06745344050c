"""Inductive proof for one concrete configuration, as a checklist.

The invariant `Inv` is the conjunction of every encoded state property of the registry,
including the strengthening invariants appended to it for this proof (notes/proofs.md).
The checklist is:

- ``initial state satisfies R5 one_slice_at_a_time``: Init => inv, per invariant;
- ``platform_start_event preserves R5 one_slice_at_a_time``: Inv and the action => inv',
  per (action, invariant) pair, and likewise per transition property;
- ``every state has a step (R20 deadlock_free)``: Inv => some action is enabled.

Each obligation is checked in its own solver frame, with the hypotheses tracked under
their rule ids (`assert_and_track`), so the unsat core of a proof names the invariants it
used.  `unknown` is an error (`status == "unknown"`), never a pass.  A failed obligation
carries the decoded counterexample to induction (a pre-state and step), which need not be
reachable: induction alone does not refute, bounded model checking does.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import z3

from vmspec.model import ACTIONS
from vmspec.properties.catalogue.registry import by_name
from vmspec.properties.engines.z3 import props as P
from vmspec.properties.engines.z3.decode import decode_state, step_of
from vmspec.properties.engines.z3.encode import Encoding

OK, FAILED, UNKNOWN = "ok", "failed", "unknown"
WELLFORMED = "encoding_wellformed"  # the integers of the encoding denote model values


@dataclass
class Obligation:
    action: str  # an action name, or "init" / "any" (deadlock)
    property: str
    rule: str
    status: str = UNKNOWN
    seconds: float = 0.0
    used: tuple[str, ...] = ()  # rule:property labels of the unsat core
    detail: str = ""  # why it failed: the counterexample to induction

    @property
    def ok(self) -> bool:
        return self.status == OK

    def line(self) -> str:
        if self.action == "init":
            what = f"initial state satisfies {self.rule} {self.property}"
        elif self.action == "any":
            what = f"every state has a step ({self.rule} {self.property})"
        else:
            what = f"{self.action} preserves {self.rule} {self.property}"
        return f"{what} ... {self.status}" + (f"  [{self.detail}]" if self.detail else "")


@dataclass
class InductionResult:
    obligations: list[Obligation] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.obligations)

    def failed(self) -> list[Obligation]:
        return [o for o in self.obligations if not o.ok]


def _label(name: str) -> str:
    return f"{by_name(name).rule}:{name}" if name != WELLFORMED else f"R0:{WELLFORMED}"


def _hypotheses(enc: Encoding, s, invariants: list[str]) -> list[tuple[str, z3.BoolRef]]:
    out = [(_label(WELLFORMED), enc.wellformed(s))]
    out += [(_label(n), P.STATE_FORMULAS[n](enc, s)) for n in invariants]
    return out


def _solve(solver: z3.Solver, goal_negation: z3.BoolRef | list[z3.BoolRef], ob: Obligation, explain) -> None:
    """Check one obligation in its own frame: unsat proves it.  A list is one frame per
    case (one per argument of the action): the obligation holds when every case is unsat."""
    started = time.perf_counter()
    used: set[str] = set()
    ob.status = OK
    for phi in goal_negation if isinstance(goal_negation, list) else [goal_negation]:
        solver.push()
        solver.add(phi)
        answer = solver.check()
        if answer == z3.unsat:
            used.update(str(c) for c in solver.unsat_core())
        elif answer == z3.sat:
            ob.status, ob.detail = FAILED, explain(solver.model())
        else:
            ob.status, ob.detail = UNKNOWN, f"Z3 answered unknown: {solver.reason_unknown()}"
        solver.pop()
        if ob.status != OK:
            break
    ob.used = tuple(sorted(used)) if ob.status == OK else ()
    ob.seconds = round(time.perf_counter() - started, 4)


def invariants_for(enc: Encoding) -> list[str]:
    """The state properties proved (and assumed): every encoded always/state property."""
    return list(P.STATE_FORMULAS)


def prove(enc: Encoding, *, invariants: list[str] | None = None, transitions: list[str] | None = None,
          deadlock: bool = True, timeout_ms: int = 60_000) -> InductionResult:
    """The whole checklist for `enc`."""
    invariants = invariants if invariants is not None else invariants_for(enc)
    transitions = transitions if transitions is not None else list(P.TRANSITION_FORMULAS)
    started = time.perf_counter()
    result = InductionResult()
    _prove_init(enc, invariants, result)
    s = enc.variables("pre")
    insts = enc.instances(s)
    for action in [a.name for a in ACTIONS]:
        mine = [i for i in insts if i.name == action]
        if not mine:
            continue
        solver = z3.Solver()
        solver.set("timeout", timeout_ms)
        for label, fml in _hypotheses(enc, s, invariants):
            solver.assert_and_track(fml, label)

        def explain(model: z3.ModelRef, mine=mine) -> str:
            return _cti(enc, s, mine, model)

        for name in [WELLFORMED] + invariants:
            ob = Obligation(action, name, _label(name).split(":")[0])
            post = (lambda t: enc.wellformed(t)) if name == WELLFORMED else (lambda t, n=name: P.STATE_FORMULAS[n](enc, t))
            _solve(solver, [z3.And(i.guard, z3.Not(post(i.post))) for i in mine], ob, explain)
            result.obligations.append(ob)
        for name in transitions:
            ob = Obligation(action, name, by_name(name).rule)
            phi = [z3.And(i.guard, z3.Not(P.TRANSITION_FORMULAS[name](enc, s, i.post, _info(i)))) for i in mine]
            _solve(solver, phi, ob, explain)
            result.obligations.append(ob)
    if deadlock:
        solver = z3.Solver()
        solver.set("timeout", timeout_ms)
        for label, fml in _hypotheses(enc, s, invariants):
            solver.assert_and_track(fml, label)
        ob = Obligation("any", P.DEADLOCK_FREE, by_name(P.DEADLOCK_FREE).rule)
        _solve(solver, z3.Not(enc.enabled(s)), ob, lambda m: "stuck in " + _state_text(enc, s, m))
        result.obligations.append(ob)
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def _info(inst) -> P.StepInfo:
    is_time = inst.name == "time_passes"
    return P.StepInfo(z3.BoolVal(is_time), inst.dt if is_time else z3.IntVal(0))


def _prove_init(enc: Encoding, invariants: list[str], result: InductionResult) -> None:
    init = enc.concrete(enc.spec.initial_state())
    for name in [WELLFORMED] + invariants:
        ob = Obligation("init", name, _label(name).split(":")[0])
        fml = enc.wellformed(init) if name == WELLFORMED else P.STATE_FORMULAS[name](enc, init)
        solver = z3.Solver()
        _solve(solver, z3.Not(fml), ob, lambda m: "the initial state violates it")
        result.obligations.append(ob)


def _state_text(enc: Encoding, s, model: z3.ModelRef) -> str:
    try:
        return repr(decode_state(enc, s, lambda t: model.eval(t, model_completion=True)))
    except (ValueError, IndexError):
        return "a state outside the model's domain"


def _cti(enc: Encoding, s, mine, model: z3.ModelRef) -> str:
    """A counterexample to induction: the pre-state and the step Z3 chose."""
    ev = lambda t: model.eval(t, model_completion=True)
    for inst in mine:
        if z3.is_true(ev(inst.guard)):
            try:
                before = decode_state(enc, s, ev)
                return f"from {before} by {step_of(enc, inst, before, ev)}"
            except Exception:  # an unreachable, undecodable pre-state is still a CTI
                return f"by {inst.name}{inst.key[1:]} from a state outside the model's domain"
    return "no decodable pre-state"


__all__ = ["FAILED", "OK", "UNKNOWN", "InductionResult", "Obligation", "invariants_for", "prove"]



def enabled_somewhere(enc: Encoding, invariants: list[str] | None = None) -> dict[str, bool]:
    """Vacuity check: per action, whether some state satisfying every invariant enables it.
    An action that none enables would make its preservation obligations hold trivially."""
    invariants = invariants if invariants is not None else invariants_for(enc)
    s = enc.variables("pre")
    solver = z3.Solver()
    for _, fml in _hypotheses(enc, s, invariants):
        solver.add(fml)
    out: dict[str, bool] = {}
    for inst in enc.instances(s):
        if out.get(inst.name):
            continue
        answer = solver.check(inst.guard)
        if answer == z3.unknown:
            raise RuntimeError(f"vacuity check of {inst.name}: Z3 answered unknown")
        out[inst.name] = answer == z3.sat
    return out


__all__ += ["enabled_somewhere"]
