"""Bounded model checking: the transition relation of `encode` unrolled from the initial
state, depth by depth, until a property fails or the bound is reached.

Depths are tried in increasing order, so the first violation found is at the minimal
depth: the same length as a breadth-first shortest counterexample.  At each depth one query
asks whether any pending property fails; each property the solver's model violates is split
off with that model as its trace, and the rest are asked again until none fails.  Each query
goes to a fresh solver that simplifies first (the initial state's values propagated, the
next-state equations solved away): on AZURE_DEFAULT at depth 3 that is a few seconds where
one incremental solver with a query per property took about twenty (notes/performance.md).
The terms of a step, a property and the deadlock check are built once, over the first
states, and moved to each depth by substitution.  Each violation is
decoded (`decode`), replayed through the Python model and re-judged by the Python
predicate; a step the model refuses, a successor that differs or a predicate that holds
after all is an `EngineDisagreement`, reported as such and never turned into a verdict.
"""

from __future__ import annotations

import time
from collections.abc import Callable
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


def _variables(s: SymState) -> list[z3.ExprRef]:
    return [x for x in _leaves(s) if z3.is_const(x) and x.decl().kind() == z3.Z3_OP_UNINTERPRETED]


class Shift:
    """A simultaneous substitution of variables (`z3.substitute`), its arrays built once: the
    same substitution is applied to every term moved to one depth."""

    def __init__(self, pairs: list[tuple[z3.ExprRef, z3.ExprRef]]) -> None:
        for a, b in pairs:
            if not a.sort().eq(b.sort()):
                raise TypeError(f"substituting {b} of sort {b.sort()} for {a} of sort {a.sort()}")
        self.pairs, self.n = pairs, len(pairs)  # the terms are kept alive with the arrays naming them
        self.old = (z3.Ast * self.n)(*(a.as_ast() for a, _ in pairs))
        self.new = (z3.Ast * self.n)(*(b.as_ast() for _, b in pairs))

    def __call__(self, term: z3.ExprRef) -> z3.ExprRef:
        ctx = term.ctx
        return z3.z3._to_expr_ref(z3.Z3_substitute(ctx.ref(), term.as_ast(), self.n, self.old, self.new), ctx)


def solver_for_bmc() -> z3.Solver:
    """A fresh solver that simplifies before it searches: the initial state's values are
    propagated and the next-state equations solved away (`solve-eqs`), so a query sees the
    few terms the chosen actions leave open rather than every field of every state."""
    return z3.Then("simplify", "propagate-values", "solve-eqs", "simplify", "smt").solver()


@dataclass
class Unrolling:
    """The initial state and `depth` copies of the transition relation, as constraints.

    The terms of one step (its guards and next state, each property, the deadlock check) are
    the same at every depth but for the variables they speak of: each is built once over the
    first states (`states[0]`, `states[1]`, `choices[0]`) and moved to depth k by substituting
    the variables of depth k (`z3.substitute`, in Z3, simultaneously), which gives the very
    terms building them at depth k would (`tests/test_z3_bmc.py` compares them)."""

    enc: Encoding
    constraints: list[z3.BoolRef] = field(init=False)
    states: list[SymState] = field(init=False)
    choices: list[z3.ArithRef] = field(init=False)

    def __post_init__(self) -> None:
        self.states = [self.enc.variables("s0")]
        self.choices = []
        self.constraints = [state_eq(self.states[0], self.enc.concrete(self.enc.spec.initial_state()))]
        self._templates: dict[tuple, z3.ExprRef] = {}
        self._shifts: dict[tuple[int, int], Shift] = {}

    @property
    def depth(self) -> int:
        return len(self.choices)

    def _moved(self, key: tuple, k: int, width: int, build: Callable[[], z3.ExprRef]) -> z3.ExprRef:
        """The term `build` makes over the first `width` states (and, for 2, the first choice),
        built once, moved to start at state k."""
        term = self._templates.get(key)
        if term is None:
            term = self._templates[key] = build()
        if k == 0:
            return term
        shift = self._shifts.get((k, width))
        if shift is None:
            old = [v for n in range(width) for v in _variables(self.states[n])] + self.choices[:width - 1]
            new = [v for n in range(width) for v in _variables(self.states[k + n])] + self.choices[k:k + width - 1]
            shift = self._shifts[k, width] = Shift(list(zip(old, new)))
        return shift(term)

    def extend(self) -> None:
        """Add one step: an action choice `a_k` and, per action instance, guard and effect."""
        k = self.depth
        self.states.append(self.enc.variables(f"s{k + 1}"))
        self.choices.append(z3.Int(f"a{k}"))
        self.constraints.append(self._moved(("step",), k, 2, self._step))  # type: ignore[arg-type]

    def _step(self) -> z3.BoolRef:
        s, t, a = self.states[0], self.states[1], self.choices[0]
        insts = self.instances(0)
        return z3.And([a >= 0, a < len(insts)] + [z3.Implies(a == j, inst.guard) for j, inst in enumerate(insts)]
                      + [next_state(s, t, a, insts)])

    def instances(self, k: int) -> list[Instance]:
        """The action instances out of state k (built for the first state once; for another only
        to decode a trace)."""
        return self.enc.instances(self.states[k])

    def step_info(self, k: int) -> P.StepInfo:
        """Whether step k (from state k to k+1) is time_passes, and its seconds."""
        insts = self.instances(k)
        j = next(j for j, inst in enumerate(insts) if inst.name == "time_passes")
        return P.StepInfo(self.choices[k] == j, insts[j].dt)  # type: ignore[arg-type]

    def violation(self, prop: str) -> z3.BoolRef | None:
        """The property fails at the last state (or on the last step); None when it cannot yet."""
        enc, k, first = self.enc, self.depth, self.states[0]
        if prop in P.STATE_FORMULAS:
            return z3.Not(self._moved(("state", prop), k, 1, lambda: P.STATE_FORMULAS[prop](enc, first)))
        if prop in P.TRANSITION_FORMULAS:
            if k == 0:
                return None
            return z3.Not(self._moved(("transition", prop), k - 1, 2, lambda: P.TRANSITION_FORMULAS[prop](
                enc, first, self.states[1], self.step_info(0))))
        if prop == P.DEADLOCK_FREE:
            return z3.Not(self._moved(("deadlock",), k, 1, lambda: enc.enabled(first)))
        raise KeyError(f"property {prop!r} has no Z3 encoding")

    def check(self, goal: z3.BoolRef, timeout_ms: int = 0) -> tuple[z3.CheckSatResult, z3.ModelRef | None, str]:
        """Whether some path of the current depth satisfies `goal`: the answer, a model when
        sat, Z3's reason when unknown."""
        solver = solver_for_bmc()
        if timeout_ms:
            solver.set("timeout", timeout_ms)
        solver.add(*self.constraints)
        solver.add(goal)
        answer = solver.check()
        if answer == z3.sat:
            return answer, solver.model(), ""
        return answer, None, solver.reason_unknown() if answer == z3.unknown else ""

    def trace(self, model: z3.ModelRef) -> DecodedTrace:
        chosen = [self.instances(k)[model.eval(a, model_completion=True).as_long()] for k, a in enumerate(self.choices)]
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
    parts: dict[str, float] | None = None,
) -> dict[str, BmcResult]:
    """Check `properties` at depths 0..max_depth; each stops at its first (minimal) violation.
    The run ends early once every property in `stop_when` is violated (the others then
    hold up to that depth).  `depth_seconds`, when given, receives the time of each depth;
    `parts` the CPU seconds spent building terms in Python (`build`), in Z3's queries
    (`solve`) and decoding and replaying counterexamples (`replay`)."""
    spent = parts if parts is not None else {}
    for key in ("build", "solve", "replay"):
        spent.setdefault(key, 0.0)
    clock = time.process_time
    for name in properties:
        p = by_name(name)
        if p.kind != ALWAYS or not P.encoded(name):
            raise KeyError(f"{name} is not an always-property with a Z3 encoding")
    u = Unrolling(enc)
    results = {n: BmcResult(n, by_name(n).rule, None, max_depth) for n in properties}
    pending = list(properties)
    started = time.perf_counter()
    while True:
        # One query per depth asks whether any pending property fails there; each property the
        # model violates is split off (its trace is that model's), and the rest asked again.
        mark = clock()
        live = [(name, phi) for name in pending if (phi := u.violation(name)) is not None]
        spent["build"] += clock() - mark
        while live:
            mark = clock()
            answer, model, reason = u.check(z3.Or([phi for _, phi in live]), timeout_ms)
            spent["solve"] += clock() - mark
            if answer == z3.unknown:
                raise UnknownResult(f"bmc {', '.join(n for n, _ in live)} at depth {u.depth}: {reason}")
            if answer == z3.unsat:
                break
            assert model is not None
            hit = [n for n, phi in live if z3.is_true(model.eval(phi, model_completion=True))]
            if not hit:
                raise UnknownResult(f"bmc at depth {u.depth}: Z3's model violates none of the properties it was asked for")
            mark = clock()
            for name in hit:
                pending.remove(name)
                _record(enc, results[name], u, model, config)
            spent["replay"] += clock() - mark
            live = [(n, phi) for n, phi in live if n not in hit]
        if depth_seconds is not None:
            depth_seconds.append(round(time.perf_counter() - started - sum(depth_seconds), 4))
        done = stop_when is not None and all(results[n].depth is not None for n in stop_when if n in results)
        if not pending or u.depth >= max_depth or done:
            break
        mark = clock()
        u.extend()
        spent["build"] += clock() - mark
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
