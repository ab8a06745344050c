"""`vmspec fuzz`: the Hypothesis machine run outside pytest, its failures turned into the
shared counterexample value.

Hypothesis generates runs of `vmspec.properties.engines.machine.RolloutMachine` and finds a failing one
(under the ``dev`` and ``thorough`` campaigns it also shrinks it).  The run is then
reduced at the level of named steps (`reduce_path`): chunks and pairs of steps are
deleted, steps moved earlier, a few steps replaced by fewer, and each candidate replayed
through `Spec.successors` (an event step keeps naming its host's event, time takes the
one enabled time step), keeping any smaller run that still violates the same property.
On the catalogue's mutants this reaches the explorer's shortest counterexample
(tests/test_fuzz_mutants.py).  The result is built with `vmspec.properties.evidence.counterexample.build`
(engine ``fuzz``) and replayed before it is returned, so a counterexample that does not
reproduce is an error here, not a file on disk.

A campaign looks for every property: after a violation it runs again with that property
no longer failing the run, until a run passes or every watched property has failed.

Settings profiles (`CAMPAIGNS`): ``ci`` is derandomised and bounded, ``dev`` random and
quick, ``thorough`` long.  `tests/conftest.py` registers the same profiles for pytest.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.reporting import with_reporter
from hypothesis.stateful import run_state_machine_as_test

from vmspec.model import ACTION_INFO, ACTIONS, Spec, State, Step
from vmspec.properties.catalogue.registry import ALWAYS, EVENTUALLY, REGISTRY, SOMETIMES
from vmspec.properties.engines.machine import (
    Coverage,
    Monitor,
    PropertyViolated,
    Violation,
    machine_class,
    optional_actions,
)
from vmspec.properties.engines.strategies import World
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

ENGINE = "fuzz"
CHECK_EXAMPLES = 30  # examples per run length in `vmspec check`
# The seed of every derandomised search.  Left to itself, Hypothesis would derive it from
# the source text of the machine class, so that editing a docstring of the machine would
# change which runs a `ci` campaign makes.
DERANDOMIZED_SEED = 0

__all__ = ["CAMPAIGNS", "ENGINE", "FuzzError", "FuzzResult", "fuzz", "hypothesis_settings", "reduce_path",
           "stage", "steps_for"]

_COMMON: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "print_blob": False,
    "report_multiple_bugs": False,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
}

# Hypothesis settings per campaign.  `stateful_step_count` is the run length when the
# topology's size is unknown (drawn worlds; a fixed target uses `steps_for`); a campaign
# first runs `max_examples` examples at each of its `short_runs` lengths, then at the full
# length.  `ci` leaves Hypothesis' shrinker out (it costs seconds per failure on stateful
# runs and never ends shorter than the step-level reduction; notes/hypothesis.md).
CAMPAIGNS: dict[str, dict[str, Any]] = {
    "ci": {**_COMMON, "derandomize": True, "max_examples": 100, "stateful_step_count": 40,
           "phases": (Phase.explicit, Phase.reuse, Phase.generate, Phase.target), "short_runs": (20,)},
    "dev": {**_COMMON, "derandomize": False, "max_examples": 100, "stateful_step_count": 60, "short_runs": (20,)},
    "thorough": {**_COMMON, "derandomize": False, "max_examples": 2000, "stateful_step_count": 200,
                 "short_runs": (20,)},
}
NOT_SETTINGS = ("short_runs",)


class FuzzError(AssertionError):
    """The engine disagrees with itself: a shrunk run that does not replay."""


def hypothesis_settings(campaign: str = "ci", **overrides: Any) -> settings:
    """The Hypothesis settings of a named campaign, with any field overridden."""
    if campaign not in CAMPAIGNS:
        raise ValueError(f"unknown campaign {campaign!r}; choose one of {', '.join(CAMPAIGNS)}")
    fields = {k: v for k, v in CAMPAIGNS[campaign].items() if k not in NOT_SETTINGS}
    return settings(**{**fields, **overrides})


def steps_for(spec: Spec, campaign: str = "ci") -> int:
    """Steps per run: enough for a whole rollout of this topology (about a dozen steps a
    host), and at least the campaign's default."""
    return max(CAMPAIGNS[campaign]["stateful_step_count"], 12 * len(spec.host_names) + 10)


@dataclass
class FuzzResult:
    counterexamples: dict[str, cx.Counterexample] = field(default_factory=dict)
    coverage: Coverage = field(default_factory=Coverage)
    seconds: float = 0.0
    settings: dict = field(default_factory=dict)
    shrunk_lengths: dict[str, int] = field(default_factory=dict)  # Hypothesis' shrunk run, before reduction
    programs: dict[str, str] = field(default_factory=dict)  # Hypothesis' report of the minimal run

    @property
    def steps_per_second(self) -> float:
        return self.coverage.steps / self.seconds if self.seconds else 0.0

    @property
    def examples_per_second(self) -> float:
        return self.coverage.runs / self.seconds if self.seconds else 0.0


# ---------------------------------------------------------------------- one Hypothesis search


def search(worlds: st.SearchStrategy[World], *, mutant: str | None, watch: frozenset[str] | None,
           config: settings, seed: int | None, coverage: Coverage,
           optional: frozenset[str] = frozenset()) -> tuple[PropertyViolated | None, str]:
    """Run the machine once under `config`; return the minimal failure (or None) and
    Hypothesis' report of it.  `optional`: the optional actions the worlds can take."""
    cls = machine_class(worlds, mutant=mutant, watch=watch, optional=optional)
    cls.coverage = coverage
    if seed is None and config.derandomize:
        seed = DERANDOMIZED_SEED
    if seed is not None:
        cls = hypothesis_seed(seed)(cls)
    lines: list[str] = []
    try:
        with with_reporter(lines.append):
            run_state_machine_as_test(cls, settings=config)
    except PropertyViolated as exc:
        return exc, "\n".join(lines + list(getattr(exc, "__notes__", [])))
    return None, ""


# ---------------------------------------------------------------------- step-level reduction

Plan = list[tuple[Step, "int | None"]]  # steps to replay, each with the host its event belongs to


def _host_of(s: State, step: Step) -> int | None:
    """The host an event step is about, so a replay can follow its event across renumbering."""
    if ACTION_INFO[step.name].kind == "event":
        e = s.event(step.args[0])
        return None if e is None else e.host
    return None


def _resolve(m: Monitor, step: Step, host: int | None) -> Step | None:
    """`step` if enabled now; else the same action on the same host's current event, or
    the one enabled time step; None when nothing matches."""
    if step in m.successors:
        return step
    if step.name == "time_passes":
        return next((x for x in m.successors if x.name == "time_passes"), None)
    if host is not None:
        return next((x for x in m.successors if x.name == step.name and (e := m.state.event(x.args[0])) is not None
                     and e.host == host), None)
    return None


class _Reducer:
    """Replays candidate plans for one property, counting the steps it spends."""

    def __init__(self, spec: Spec, prop: str, budget: int) -> None:
        self.spec, self.prop, self.budget, self.spent = spec, prop, budget, 0

    @property
    def exhausted(self) -> bool:
        return self.spent >= self.budget

    def replay(self, plan: Plan, lenient: bool = True) -> tuple[Monitor, Violation] | None:
        """Replay `plan`, failing only on the property; the monitor and violation when it
        fails.  With `lenient`, a step that matches nothing enabled is skipped: what runs
        is still a run of the model, only shorter."""
        m = Monitor(self.spec, frozenset({self.prop}))
        found = m.check_state()
        for step, host in plan:
            if found:
                break
            chosen = _resolve(m, step, host)
            if chosen is None:
                if lenient:
                    continue
                return None
            self.spent += 1
            found = m.take(chosen) or m.check_state()
        return (m, found) if found else None

    def sweep_deletions(self, best: tuple[Monitor, Violation]) -> tuple[Monitor, Violation]:
        """Delete chunks of halving size, from the end, keeping every deletion that works."""
        size = 1 << max(0, len(best[0].path).bit_length() - 1)
        while size >= 1 and not self.exhausted:
            end = len(best[0].path)
            while end > 0 and not self.exhausted:
                plan = _plan_of(best[0])
                got = self.replay(plan[: max(0, end - size)] + plan[end:])
                if got is not None and len(got[0].path) < len(best[0].path):
                    best = got
                end -= size
            size //= 2
        return best

    def first_improvement(self, best: tuple[Monitor, Violation], moves: Iterable[Plan]) -> tuple[Monitor, Violation]:
        """The first candidate whose run is smaller in shortlex order (`_order`), or `best`."""
        bound = _order(best[0])
        for cand in moves:
            if self.exhausted:
                break
            got = self.replay(cand)
            if got is not None and _order(got[0]) < bound:
                return got
        return best


_ACTION_RANK = {a.name: i for i, a in enumerate(ACTIONS)}


def _order(m: Monitor) -> tuple:
    """Shortlex order on runs: shorter first, then by action (in `ACTIONS` order, so
    announcements before approvals before time) and arguments.  A same-length move that
    goes down in this order (an announcement moved earlier) is kept: it often opens the
    way to a shorter run, and the order being well founded, reduction still ends."""
    return len(m.path), tuple((_ACTION_RANK[st_.name], repr(st_.args)) for st_, _ in m.path)


def reduce_path(spec: Spec, path: list[tuple[Step, State]], prop: str, span: int = 8,
                budget: int = 60_000) -> tuple[Monitor, Violation]:
    """Shorten a failing run while it still violates `prop`.  Moves, cheapest first:
    delete chunks of steps; delete two steps at most `span` apart; move one step earlier;
    put one step in place of two; replace two or three consecutive steps by fewer.  Each
    candidate is replayed leniently (a step no longer enabled is skipped) and kept when the
    run that results is smaller in shortlex order (`_order`), until no move helps or
    `budget` steps have been replayed.  Returns that run (as a monitor) and its violation."""
    r = _Reducer(spec, prop, budget)
    states = [spec.initial_state()] + [t for _, t in path]
    best = r.replay([(st_, _host_of(states[i], st_)) for i, (st_, _) in enumerate(path)], lenient=False)
    if best is None:
        raise FuzzError(f"the shrunk run does not violate {prop} when replayed")
    order = None
    while order != _order(best[0]) and not r.exhausted:  # until no move helps
        order = _order(best[0])
        best = r.sweep_deletions(best)
        for moves in (_deletions_of_two, _moves_earlier, _pairs_to_one, _replacements):
            smaller = r.first_improvement(best, moves(spec, best[0], span))
            if smaller is not best:
                best = smaller
                break  # cheap moves again on the smaller run
    return best


def _deletions_of_two(spec: Spec, m: Monitor, span: int) -> Iterator[Plan]:
    """The run without two steps at most `span` apart (a cancel and its re-announce...)."""
    plan = _plan_of(m)
    for i, j in combinations(reversed(range(len(plan))), 2):
        if i - j <= span:
            yield [p for k, p in enumerate(plan) if k not in (i, j)]


def _moves_earlier(spec: Spec, m: Monitor, span: int) -> Iterator[Plan]:
    """The run with one step moved earlier (an announcement moved before a wait makes the
    approval it needed superfluous; the lenient replay then skips it)."""
    plan = _plan_of(m)
    for i in reversed(range(1, len(plan))):
        for p in range(i):
            yield plan[:p] + [plan[i]] + plan[p:i] + plan[i + 1:]


def _pairs_to_one(spec: Spec, m: Monitor, span: int) -> Iterator[Plan]:
    """Steps j < i at most `span` apart replaced by one step enabled before step p, at p,
    for j <= p <= i (one wait for NotBefore instead of two approvals...)."""
    plan = _plan_of(m)
    for i, j in combinations(reversed(range(len(plan))), 2):
        if i - j > span:
            continue
        rest = plan[:j] + plan[j + 1:i] + plan[i + 1:]
        for p in range(j, i + 1):
            at = p if p == j else p - 1  # where position p lands once step j is gone
            for step, _ in m.spec.successors(m.states[p]):
                yield rest[:at] + [(step, _host_of(m.states[p], step))] + rest[at:]


def _replacements(spec: Spec, m: Monitor, span: int) -> Iterator[Plan]:
    """The run with steps i..i+k-1 (k = 2 or 3) replaced by 1..k-1 steps enabled from
    the state before step i (a patch and a resume instead of a watchdog's wait...)."""
    plan = _plan_of(m)
    for i in reversed(range(len(plan) - 1)):
        for alt in _paths_from(spec, m.states[i], 2):
            for k in (2, 3):
                if len(alt) < k and i + k <= len(plan):
                    yield plan[:i] + alt + plan[i + k:]


def _paths_from(spec: Spec, s: State, depth: int) -> Iterator[Plan]:
    """Every run of 1..depth steps from `s`, as plans."""
    for step, t in spec.successors(s):
        yield [(step, _host_of(s, step))]
        if depth > 1:
            for rest in _paths_from(spec, t, depth - 1):
                yield [(step, _host_of(s, step))] + rest


def _plan_of(m: Monitor) -> Plan:
    return [(st_, _host_of(m.states[i], st_)) for i, (st_, _) in enumerate(m.path)]


# ---------------------------------------------------------------------- the campaign


def failing_properties() -> list[str]:
    """Every property whose violation fails a run (sometimes-properties only measure coverage)."""
    return [p.name for p in REGISTRY if p.kind != SOMETIMES]


def fuzz(
    worlds: st.SearchStrategy[World],
    *,
    mutant: str | None = None,
    config: str = "drawn",
    campaign: str = "ci",
    examples: int | None = None,
    steps: int | None = None,
    seed: int | None = None,
    watch: Iterable[str] | None = None,
    all_properties: bool = True,
    reduce: bool = True,
    optional: frozenset[str] = frozenset(),
) -> FuzzResult:
    """Search `worlds` for violations of the watched properties (default: all); with
    `all_properties`, keep searching after each one is found.  `optional` names the optional
    actions (`machine.OPTIONAL_ACTIONS`, such as hardware failures) the worlds can take."""
    overrides: dict[str, Any] = {"verbosity": Verbosity.normal}
    if examples is not None:
        overrides["max_examples"] = examples
    if seed is not None:
        overrides["derandomize"] = False
    hs = hypothesis_settings(campaign, **overrides)
    full = steps if steps is not None else hs.stateful_step_count
    ladder = [n for n in CAMPAIGNS[campaign]["short_runs"] if n < full] + [full]
    remaining = list(watch) if watch is not None else failing_properties()
    result = FuzzResult(settings={"campaign": campaign, "max_examples": hs.max_examples, "run_lengths": ladder,
                                  "seed": seed, "derandomize": hs.derandomize})
    started = time.perf_counter()
    while remaining:
        exc, program = None, ""
        for n in ladder:  # many cheap short runs first, then runs long enough for a whole rollout
            exc, program = search(worlds, mutant=mutant, watch=frozenset(remaining),
                                  config=settings(hs, stateful_step_count=n), seed=seed, coverage=result.coverage,
                                  optional=optional)
            if exc is not None:
                break
        if exc is None:
            break
        name = exc.violation.prop.name
        result.shrunk_lengths[name] = len(exc.path)
        result.programs[name] = program
        result.counterexamples[name] = to_counterexample(exc, config=config, mutant=mutant,
                                                         settings=result.settings, reduce=reduce)
        remaining.remove(name)
        if not all_properties:
            break
    result.seconds = time.perf_counter() - started
    return result


def to_counterexample(exc: PropertyViolated, *, config: str, mutant: str | None, settings: dict,
                      reduce: bool = True) -> cx.Counterexample:
    """The shared counterexample value of a shrunk run (reduced further when asked), replayed."""
    v, path = exc.violation, exc.path
    if reduce:
        m, v = reduce_path(exc.spec, path, v.prop.name)
        path = m.path
    label = exc.world.label if config == "drawn" else config
    built = cx.build(exc.spec, path, v.prop.name, v.message, kind=v.kind, engine=ENGINE, config=label,
                     mutant=mutant, loop_start=v.loop_start,
                     engine_settings={**settings, "hypothesis_shrunk_steps": len(exc.path)})
    verdict = cx.replay(built)
    if not verdict.reproduced:
        raise FuzzError(f"fuzz counterexample for {v.prop.name} does not replay: {verdict.detail}")
    return built


def fuzz_target(target: Target, **kw: Any) -> FuzzResult:
    """`fuzz` on one fixed topology and parameter set (a named configuration or a file)."""
    spec = target.spec()
    campaign = kw.get("campaign", "ci")
    if kw.get("steps") is None:
        kw["steps"] = steps_for(spec, campaign)
    world = World(target.label, target.topology, target.params)
    kw.setdefault("optional", optional_actions(target.params))
    return fuzz(st.just(world), mutant=target.mutant, config=target.label, **kw)


# ---------------------------------------------------------------------- vmspec check


def verdicts(result: FuzzResult) -> list[Verdict]:
    """Always- and eventually-properties are violated or *not falsified* within the runs made
    (sampling proves nothing); sometimes-properties reached or not."""
    out = []
    bound = f"{result.coverage.runs} runs, {result.coverage.steps:,} steps"
    for p in REGISTRY:
        c = result.counterexamples.get(p.name)
        if c is not None:
            out.append(Verdict(p.name, p.rule, p.kind, ENGINE, VIOLATED, f"{c.message} ({len(c)} steps)", c))
        elif p.kind in (ALWAYS, EVENTUALLY):
            out.append(Verdict(p.name, p.rule, p.kind, ENGINE, NOT_FALSIFIED, bound=bound))
        elif p.kind == SOMETIMES:
            runs = result.coverage.reached[p.name]
            status = REACHED if runs else NOT_REACHED
            detail = "" if runs else f"never reached in {result.coverage.runs} runs"
            out.append(Verdict(p.name, p.rule, p.kind, ENGINE, status, detail))
    return out


def stage(target: Target, opts: Any = None) -> StageResult:
    """Verdicts of a `ci` fuzz campaign for `vmspec check` (CHECK_EXAMPLES examples per
    run length, seeded by check's --seed)."""

    seed = getattr(opts, "seed", None)
    r = fuzz_target(target, examples=CHECK_EXAMPLES, seed=seed)
    summary = (f"{r.coverage.summary()}; {r.steps_per_second:,.0f} steps/s, "
               f"{r.examples_per_second:,.1f} examples/s, campaign ci" + (f", seed {seed}" if seed is not None else ""))
    figures = {"seconds": round(r.seconds, 3), "coverage": r.coverage.to_json(), "settings": r.settings,
               "hypothesis_shrunk_steps": r.shrunk_lengths}
    return StageResult(ENGINE, verdicts(r), summary, figures, f"{r.coverage.runs} runs, ≤{r.settings['run_lengths'][-1]} steps")
