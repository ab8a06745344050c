"""Bounded model checking: the transition relation of `encode` unrolled from the initial
state, depth by depth, until a property fails or the bound is reached.

Depths are tried in increasing order, so the first violation found is at the minimal
depth: the same length as a breadth-first shortest counterexample.  Each violation is
decoded (`decode`), replayed through the Python model and re-judged by the Python
predicate; a step the model refuses, a successor that differs or a predicate that holds
after all is an `EngineDisagreement`, reported as such and never turned into a verdict.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import z3

from vmspec.model import State
from vmspec.properties.catalogue.registry import ALWAYS, DEADLOCK, TRANSITION, by_name
from vmspec.properties.engines.z3 import props as P
from vmspec.properties.engines.z3.concrete_model import Encoding
from vmspec.properties.engines.z3.concrete_state import Instance, SymState, _leaves, state_eq
from vmspec.properties.engines.z3.decode import DecodedTrace, EngineDisagreement, decode_trace, to_counterexample
from vmspec.properties.evidence import counterexample as cx


class UnknownResult(RuntimeError):
    """Z3 answered `unknown`: an error, never a pass."""


def next_state(s: SymState, t: SymState, a: z3.ArithRef, insts: list[Instance]) -> z3.BoolRef:
    """`t` is the successor of `s` under the instance numbered `a`: per field, an
    if-then-else over only the instances that change it (most actions touch few fields)."""
    eqs = []
    posts = [_leaves(inst.post) for inst in insts]
    for f, (old, new) in enumerate(zip(_leaves(s), _leaves(t))):
        value = old
        for j in reversed(range(len(insts))):
            x = posts[j][f]
            if x is not old and not x.eq(old):  # identity first: most instances keep most terms
                value = z3.If(a == j, x, value)
        eqs.append(new == value)
    return z3.And(eqs)


@dataclass
class Unrolling:
    """The initial state and `depth` copies of the transition relation in one solver."""

    enc: Encoding
    solver: z3.Solver = field(init=False)
    states: list[SymState] = field(init=False)
    choices: list[z3.ArithRef] = field(init=False)
    instances: list[list[Instance]] = field(init=False)

    def __post_init__(self) -> None:
        self.solver = z3.Solver()
        self.states = [self.enc.variables("s0")]
        self.choices, self.instances = [], []
        self.solver.add(state_eq(self.states[0], self.enc.concrete(self.enc.spec.initial_state())))

    @property
    def depth(self) -> int:
        return len(self.choices)

    def extend(self) -> None:
        """Add one step: an action choice `a_k` and, per action instance, guard and effect."""
        k = self.depth
        s, t = self.states[k], self.enc.variables(f"s{k + 1}")
        insts = self.enc.instances(s)
        a = z3.Int(f"a{k}")
        self.solver.add(a >= 0, a < len(insts))
        for j, inst in enumerate(insts):
            self.solver.add(z3.Implies(a == j, inst.guard))
        self.solver.add(next_state(s, t, a, insts))
        self.states.append(t)
        self.choices.append(a)
        self.instances.append(insts)

    def step_info(self, k: int) -> P.StepInfo:
        """Whether step k (from state k to k+1) is time_passes, and its seconds."""
        insts = self.instances[k]
        j = next(j for j, inst in enumerate(insts) if inst.name == "time_passes")
        return P.StepInfo(self.choices[k] == j, insts[j].dt)  # type: ignore[arg-type]

    def violation(self, prop: str) -> z3.BoolRef | None:
        """The property fails at the last state (or on the last step); None when it cannot yet."""
        enc, k = self.enc, self.depth
        if prop in P.STATE_FORMULAS:
            return z3.Not(P.STATE_FORMULAS[prop](enc, self.states[k]))
        if prop in P.TRANSITION_FORMULAS:
            if k == 0:
                return None
            return z3.Not(P.TRANSITION_FORMULAS[prop](enc, self.states[k - 1], self.states[k], self.step_info(k - 1)))
        if prop == P.DEADLOCK_FREE:
            return z3.Not(enc.enabled(self.states[k]))
        raise KeyError(f"property {prop!r} has no Z3 encoding")

    def trace(self, model: z3.ModelRef) -> DecodedTrace:
        chosen = [self.instances[k][model.eval(a, model_completion=True).as_long()] for k, a in enumerate(self.choices)]
        return decode_trace(self.enc, model, self.states, chosen)


@dataclass
class BmcResult:
    property: str
    rule: str
    depth: int | None  # minimal violating depth, or None if none up to max_depth
    max_depth: int
    counterexample: cx.Counterexample | None = None
    disagreement: EngineDisagreement | None = None
    seconds: float = 0.0

    @property
    def violated(self) -> bool:
        return self.counterexample is not None


def _python_message(enc: Encoding, prop: str, path: list, trace: DecodedTrace) -> str | None:
    """The Python predicate's verdict on the replayed path (None: it holds)."""
    p, spec = by_name(prop), enc.spec
    states: list[State] = [spec.initial_state()] + [t for _, t in path]
    if p.scope == DEADLOCK:
        return p.check(spec, states[-1], sum(1 for _ in spec.successors(states[-1])))
    if p.scope == TRANSITION:
        return p.check(spec, states[-2], path[-1][0], states[-1])
    return p.check(spec, states[-1])


def bmc(
    enc: Encoding, properties: list[str], *, max_depth: int, config: str, timeout_ms: int = 0,
    stop_when: set[str] | None = None, depth_seconds: list[float] | None = None,
) -> dict[str, BmcResult]:
    """Check `properties` at depths 0..max_depth; each stops at its first (minimal) violation.
    The run ends early once every property in `stop_when` is violated (the others then
    hold up to that depth).  `depth_seconds`, when given, receives the time of each depth."""
    for name in properties:
        p = by_name(name)
        if p.kind != ALWAYS or not P.encoded(name):
            raise KeyError(f"{name} is not an always-property with a Z3 encoding")
    u = Unrolling(enc)
    if timeout_ms:
        u.solver.set("timeout", timeout_ms)
    results = {n: BmcResult(n, by_name(n).rule, None, max_depth) for n in properties}
    pending = list(properties)
    started = time.perf_counter()
    while True:
        for name in list(pending):
            phi = u.violation(name)
            if phi is None:
                continue
            probe = z3.Bool(f"violates.{name}.{u.depth}")  # an assumption, so learnt lemmas survive
            u.solver.add(z3.Implies(probe, phi))
            answer = u.solver.check(probe)
            model = u.solver.model() if answer == z3.sat else None
            if answer == z3.unknown:
                raise UnknownResult(f"bmc {name} at depth {u.depth}: {u.solver.reason_unknown()}")
            if answer == z3.sat:
                pending.remove(name)
                _record(enc, results[name], u, model, config)  # type: ignore[arg-type]
        if depth_seconds is not None:
            depth_seconds.append(round(time.perf_counter() - started - sum(depth_seconds), 4))
        done = stop_when is not None and all(results[n].depth is not None for n in stop_when if n in results)
        if not pending or u.depth >= max_depth or done:
            break
        u.extend()
    for r in results.values():
        if r.depth is None:
            r.max_depth = u.depth
    for r in results.values():
        r.seconds = round(time.perf_counter() - started, 3)
    return results


def _record(enc: Encoding, r: BmcResult, u: Unrolling, model: z3.ModelRef, config: str) -> None:
    r.depth = u.depth
    settings = {"depth": u.depth, "encoding": type(enc).__name__}
    try:
        trace = u.trace(model)
        kind = cx.DEADLOCK_KIND if by_name(r.property).scope == DEADLOCK else cx.SAFETY
        from vmspec.properties.engines.z3.decode import check_against_model

        path = check_against_model(enc, trace)
        message = _python_message(enc, r.property, path, trace)
        if message is None:
            raise EngineDisagreement(u.depth, trace.steps[-1] if trace.steps else None,  # type: ignore[arg-type]
                                     f"Z3 says {r.property} fails here, the Python predicate says it holds")
        r.counterexample = to_counterexample(enc, trace, r.property, message, kind=kind, config=config,
                                             settings=settings)
    except EngineDisagreement as exc:
        r.disagreement = exc


__all__ = ["BmcResult", "UnknownResult", "Unrolling", "bmc"]
