"""Seeded random walks: the model's own sanity run.

Each walk starts a rollout from the initial state and picks uniformly among the enabled
steps until the rollout completes, gets stuck or grows too long, then starts again, until
the step budget is spent.  A violation does not end the rollout: later properties may fail
further on, and each property keeps the shortest trace found.  Every always-property is checked after
every step; sometimes-properties record whether they were reached.  Liveness needs the
whole state graph and is left to the explorer.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field

from vmspec.model import Spec, State, Step
from vmspec.properties.catalogue.registry import (
    ALWAYS,
    DEADLOCK,
    EVERYTHING,
    REGISTRY,
    SOMETIMES,
    STATE,
    STEP,
    TRANSITION,
    Incremental,
    changed,
)
from vmspec.properties.evidence import counterexample as cx
from vmspec.properties.evidence.verdict import (
    NOT_FALSIFIED,
    NOT_REACHED,
    REACHED,
    VIOLATED,
    StageResult,
    Target,
    Verdict,
)

ENGINE = "walk"


@dataclass
class WalkResult:
    steps: int = 0
    rollouts: int = 0
    completed: int = 0
    distinct_states: int = 0
    seconds: float = 0.0
    violations: dict[str, cx.Counterexample] = field(default_factory=dict)
    reached: set[str] = field(default_factory=set)
    actions: Counter = field(default_factory=Counter)

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.seconds if self.seconds else 0.0


def random_walks(
    spec: Spec,
    *,
    steps: int = 5000,
    seed: int = 0,
    config: str = "?",
    mutant: str | None = None,
    max_rollout: int = 2000,
) -> WalkResult:
    rng = random.Random(seed)
    result = WalkResult()
    state_props = [p for p in REGISTRY if p.kind == ALWAYS and p.scope == STATE]
    trans_props = [p for p in REGISTRY if p.kind == ALWAYS and p.scope == TRANSITION]
    deadlock = [p for p in REGISTRY if p.scope == DEADLOCK]
    sometimes_state = [p for p in REGISTRY if p.kind == SOMETIMES and p.scope == STATE]
    sometimes_trans = [p for p in REGISTRY if p.kind == SOMETIMES and p.scope == TRANSITION]
    # After a step only the properties reading a part it changed are re-checked, plus those
    # that failed earlier in the rollout (a walk goes on after a violation).
    inc_state, inc_trans = Incremental(state_props), Incremental(trans_props)
    inc_some_state, inc_some_trans = Incremental(sometimes_state), Incremental(sometimes_trans)
    debug = inc_state.debug
    seen: set[State] = set()
    started = time.perf_counter()
    settings = {"steps": steps, "seed": seed, "max_rollout": max_rollout}

    def record(name: str, path: list, message: str, kind: str = cx.SAFETY) -> None:
        old = result.violations.get(name)
        if old is None or len(path) < len(old):
            result.violations[name] = cx.build(
                spec, path, name, message, kind=kind, engine=ENGINE, config=config, mutant=mutant,
                engine_settings=settings,
            )

    while result.steps < steps:
        s = spec.initial_state()
        path: list[tuple[Step, State]] = []
        result.rollouts += 1
        failing: set[str] = set()  # state properties failing in the current state
        failed: set[str] = set()  # transition properties that failed in this rollout
        for p in state_props:
            msg = p.check(spec, s)
            if msg:
                failing.add(p.name)
                record(p.name, path, msg)
        while result.steps < steps and len(path) < max_rollout:
            seen.add(s)
            succ = list(spec.successors(s))
            for p in deadlock:
                msg = p.check(spec, s, len(succ))
                if msg:
                    record(p.name, path, msg, cx.DEADLOCK_KIND)
            if not succ:
                break
            st, t = succ[rng.randrange(len(succ))]
            path.append((st, t))
            result.steps += 1
            result.actions[st.name] += 1
            mask = changed(s, t)
            due, skipped = inc_trans.split(mask | STEP)
            for p in trans_props if failed else due:
                msg = p.check(spec, s, st, t)
                if msg:
                    failed.add(p.name)
                    record(p.name, path, msg)
            if debug and not failed:
                for p in skipped:
                    p.skipped_wrongly(p.check(spec, s, st, t))
            due, skipped = inc_state.split(mask)
            now_failing: set[str] = set()
            for p in state_props if failing else due:
                msg = p.check(spec, t)
                if msg:
                    now_failing.add(p.name)
                    record(p.name, path, msg)
            if debug and not failing:
                for p in skipped:
                    p.skipped_wrongly(p.check(spec, t))
            failing = now_failing
            reached = result.reached
            first = len(path) == 1  # nothing was evaluated on the initial state of the rollout
            for inc, args in ((inc_some_trans, (s, st, t)), (inc_some_state, (t,))):
                due, skipped = inc.split(EVERYTHING if first else mask | STEP)
                for p in due:
                    if p.name not in reached and p.check(spec, *args):
                        reached.add(p.name)
                if debug:
                    for p in skipped:
                        if p.name not in reached:
                            p.skipped_wrongly(p.check(spec, *args))
            s = t
            if spec.rollout_complete(s):
                result.completed += 1
                break
    result.distinct_states = len(seen)
    result.seconds = time.perf_counter() - started
    return result


def stage(target: Target, *, steps: int = 5000, seed: int = 0) -> StageResult:
    """Verdicts of the random walks for `vmspec check`: a walk samples, so an always-property
    it did not falsify is *not falsified* within its steps, never *holds*."""

    spec = target.spec()
    r = random_walks(spec, steps=steps, seed=seed, config=target.label, mutant=target.mutant)
    out = []
    bound = f"{r.steps:,} steps"
    summary = (
        f"{r.steps} steps in {r.rollouts} rollouts ({r.completed} complete), {r.distinct_states} distinct states, "
        f"{r.steps_per_second:,.0f} steps/s, seed {seed}"
    )
    for p in REGISTRY:
        if p.kind == ALWAYS:
            c = r.violations.get(p.name)
            if c is None:
                out.append(Verdict(p.name, p.rule, p.kind, ENGINE, NOT_FALSIFIED, bound=bound))
            else:
                out.append(Verdict(p.name, p.rule, p.kind, ENGINE, VIOLATED, f"{c.message} ({len(c)} steps)", c))
        elif p.kind == SOMETIMES:
            status = REACHED if p.name in r.reached else NOT_REACHED
            detail = "" if status == REACHED else f"never reached in {r.steps} steps"
            out.append(Verdict(p.name, p.rule, p.kind, ENGINE, status, detail))
    figures = {"steps": r.steps, "rollouts": r.rollouts, "completed": r.completed,
               "distinct_states": r.distinct_states, "seconds": round(r.seconds, 3), "actions": dict(r.actions)}
    return StageResult(ENGINE, out, summary, figures, f"{r.steps:,} steps, seed {seed}")
