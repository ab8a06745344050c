"""Exhaustive explicit-state exploration: breadth-first search over `Spec.successors`.

Every always-property of the registry is checked on every distinct state (scope
``state``), on every transition (scope ``transition``) and on every state's number of
successors (scope ``deadlock``, R20); breadth-first order makes the first violation of
each property its shortest counterexample.  Sometimes-properties record whether they
were reached (vacuity); a run that reaches none of them fails.  Eventually-properties
(R18, R19) are checked afterwards on the explored graph (`vmspec.properties.engines.graph`): a deadlock
that leaves an obligation pending, a state where only unfair actions are enabled (a fair
behaviour may stutter there forever, as in TLA+), or a weakly fair cycle that keeps one
pending forever, is a counterexample (kind ``deadlock``, ``stutter`` or ``lasso``).

With symmetry reduction (`vmspec.properties.engines.symmetry`) states are merged by canonical form, but
the search keeps, for each canonical form, the concrete state first reached, and the step
that reached it from its parent's concrete state: every counterexample path is therefore
a concrete run of the model and replays as it is.  A cycle of the reduced graph is only a
cycle up to renaming, so liveness re-explores the concrete states behind each candidate
component before it reports a lasso.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import resource
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vmspec.model import ACTION_INFO, Spec, State, Step
from vmspec.properties.catalogue.registry import (
    ALWAYS,
    DEADLOCK,
    EVENTUALLY,
    EVERYTHING,
    REGISTRY,
    SOMETIMES,
    STATE,
    STEP,
    TRANSITION,
    Incremental,
    changed,
)
from vmspec.properties.engines.encoding import encode
from vmspec.properties.engines.graph import fair_lasso, nontrivial_sccs, starved_in, to_networkx
from vmspec.properties.engines.symmetry import Symmetry, declared_symmetric
from vmspec.properties.evidence import counterexample as cx
from vmspec.properties.evidence.verdict import (
    HOLDS,
    NOT_FALSIFIED,
    NOT_REACHED,
    REACHED,
    UNKNOWN,
    VIOLATED,
    StageResult,
    Target,
    Verdict,
)

if TYPE_CHECKING:
    import networkx as nx


__all__ = ["ENGINE", "ExploreResult", "explore", "stage", "verdicts"]

ENGINE = "explore"
CHECK_MAX_STATES = 50_000  # bound of the explore stage of `vmspec check` (--max-states)
_PROGRESS_AFTER = 2.0  # seconds before the progress display appears


@dataclass
class ExploreResult:
    """Figures and findings of one exhaustive search."""

    states: int  # distinct states (canonical forms under symmetry)
    transitions: int
    depth: int  # the largest breadth-first depth
    seconds: float
    peak_rss_mb: float  # peak resident memory of the process
    complete: bool  # False if max_states cut the search
    counterexamples: dict[str, cx.Counterexample]  # property name -> shortest counterexample
    reached: set[str]  # sometimes-properties reached
    symmetry: bool = True
    symmetry_refused: str | None = None  # the spec class reduction was refused for (not declared symmetric)
    config: str = "?"
    mutant: str | None = None
    search_seconds: float = 0.0  # the breadth-first search alone, without the liveness pass
    worker_cpu_s: tuple[float, ...] = ()  # CPU seconds of each worker process of a parallel search
    _succ: list | None = field(default=None, repr=False)
    _labels: list | None = field(default=None, repr=False)
    _graph: Any = field(default=None, repr=False)

    @property
    def states_per_second(self) -> float:
        return self.states / self.search_seconds if self.search_seconds else 0.0

    @property
    def graph(self) -> nx.MultiDiGraph | None:
        """The explored graph (nodes: state indices, 0 initial; edges: actions), built on
        first use; None when the search ran with ``keep_graph=False``."""
        if self._graph is None and self._succ is not None:
            self._graph = to_networkx(self._succ, self._labels)
        return self._graph

    def figures(self) -> dict:
        return {
            "states": self.states,
            "transitions": self.transitions,
            "depth": self.depth,
            "seconds": round(self.seconds, 3),
            "search_seconds": round(self.search_seconds, 3),
            "states_per_second": round(self.states_per_second),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "complete": self.complete,
            "symmetry": self.symmetry,
        }


def _peak_rss_mb(children: bool = False) -> float:
    """The peak resident memory of this process (or of the largest worker process ended, when
    `children`, if larger)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # Linux reports KiB
    if children:
        kib = max(kib, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return kib / 1024.0


class _Search:
    """The breadth-first search and what it records; one object per run."""

    def __init__(self, spec: Spec, key: Callable[[State, tuple], tuple] | None, config: str, mutant: str | None,
                 settings: dict) -> None:
        # Under symmetry states are indexed by `key(state, encoding)`, the encoding of their
        # canonical form (`encoding.encode`: plain tuples, hashed in C); without it by the state
        # itself (a concrete state is hashed about as fast as it is encoded, and only once).
        self.spec, self.key, self.config, self.mutant, self.settings = spec, key, config, mutant, settings
        self.encode = encode
        self.states: list[State] = []
        self.keys: list[Any] = []
        self.parent: list[int] = []
        self.via: list[Step | None] = []
        self.depth: list[int] = []
        self.succ: list[tuple[int, ...]] = []
        self.labels: list[tuple[Step, ...]] = []
        self.index: dict[Any, int] = {}
        self.found: dict[str, cx.Counterexample] = {}
        self.reached: set[str] = set()
        self.pending: dict[str, list[frozenset]] = {p.name: [] for p in REGISTRY if p.kind == EVENTUALLY}
        self.deadlocks: dict[str, int] = {}  # eventually-property -> first deadlock state leaving it pending
        self.stutters: dict[str, int] = {}  # ... -> first state with only unfair actions enabled, leaving it pending
        self.transitions = 0
        self._interned: dict[frozenset, frozenset] = {}
        # States indexed by their concrete encoding rather than by the states themselves (the
        # parallel search, `vmspec.properties.engines.parallel`): the graph is still concrete.
        self.by_encoding = False

    @property
    def concrete(self) -> bool:
        """Whether the graph's states are concrete states (no symmetry reduction)."""
        return self.key is None

    def key_of(self, t: State, e: tuple) -> Any:
        """The index key of state `t` (with encoding `e`) in this search."""
        if self.key is not None:
            return self.key(t, e)
        return e if self.by_encoding else t

    # -------------------------------------------------------------- paths and findings

    def path_to(self, i: int) -> list[tuple[Step, State]]:
        out = []
        while i > 0:
            out.append((self.via[i], self.states[i]))
            i = self.parent[i]
        out.reverse()
        return out

    def report(self, prop: str, path: list, message: str, kind: str = cx.SAFETY, loop_start: int | None = None) -> None:
        self.found[prop] = cx.build(
            self.spec, path, prop, message, kind=kind, engine=ENGINE, config=self.config, mutant=self.mutant,
            loop_start=loop_start, engine_settings=self.settings,
        )

    # -------------------------------------------------------------- the search

    def add(self, t: State, k: Any, parent: int, step: Step | None, d: int) -> int:
        j = len(self.states)
        self.index[k] = j
        self.states.append(t)
        self.keys.append(k)
        self.parent.append(parent)
        self.via.append(step)
        self.depth.append(d)
        self.visit(j, t, parent)
        return j

    def visit(self, j: int, t: State, parent: int = -1) -> None:
        """Checks made once per distinct state.  A property reading no part that changed
        from the parent keeps the parent's value: held (or already found), not reached, the
        same obligations pending."""
        spec, found, reached = self.spec, self.found, self.reached
        mask = changed(self.states[parent], t) if parent >= 0 else EVERYTHING
        due, skipped = self.state_inc.split(mask)
        for p in due:
            if p.name not in found:
                msg = p.check(spec, t)
                if msg:
                    self.report(p.name, self.path_to(j), msg)
        debug = self.state_inc.debug
        if debug:
            for p in skipped:
                if p.name not in found:
                    p.skipped_wrongly(p.check(spec, t))
        due, skipped = self.sometimes_inc.split(mask)
        for p in due:
            if p.name not in reached and p.check(spec, t):
                reached.add(p.name)
        if debug:
            for p in skipped:
                if p.name not in reached:
                    p.skipped_wrongly(p.check(spec, t))
        interned = self._interned
        for p in self.eventually:
            if p.reads & mask:
                pend = p.check(spec, t)
                self.pending[p.name].append(interned.setdefault(pend, pend))
            else:
                pend = self.pending[p.name][parent]
                if debug:
                    p.skipped_wrongly(p.check(spec, t), pend)
                self.pending[p.name].append(pend)

    def run(self, max_states: int | None, progress: Callable[[int, int], None] | None,
            stop_when: frozenset[str] = frozenset()) -> bool:
        spec, key = self.spec, self.key
        self.state_props = [p for p in REGISTRY if p.kind == ALWAYS and p.scope == STATE]
        trans_props = [p for p in REGISTRY if p.kind == ALWAYS and p.scope == TRANSITION]
        deadlock_props = [p for p in REGISTRY if p.kind == ALWAYS and p.scope == DEADLOCK]
        self.sometimes_state = [p for p in REGISTRY if p.kind == SOMETIMES and p.scope == STATE]
        sometimes_trans = [p for p in REGISTRY if p.kind == SOMETIMES and p.scope == TRANSITION]
        self.eventually = [p for p in REGISTRY if p.kind == EVENTUALLY]
        self.state_inc, self.sometimes_inc = Incremental(self.state_props), Incremental(self.sometimes_state)
        debug = self.state_inc.debug
        s0 = spec.initial_state()
        self.add(s0, key(s0, self.encode(s0)) if key else s0, -1, None, 0)
        enc = self.encode
        index, states, found, reached = self.index, self.states, self.found, self.reached
        active = [(p.name, p.check, p.reads, p) for p in trans_props]
        looking = [(p.name, p.check, p.reads, p) for p in sometimes_trans]
        fair = {name: info.fair for name, info in ACTION_INFO.items()}
        i = 0
        while i < len(states):
            if max_states is not None and len(states) >= max_states:
                return False
            if stop_when and stop_when <= found.keys():
                return False
            if progress is not None and not i & 1023:
                progress(len(states), len(states) - i)
            s = states[i]
            d = self.depth[i] + 1
            targets, steps = [], []
            for st, t in spec.successors(s):
                k = key(t, enc(t)) if key else t
                j = index.get(k)
                if j is None:
                    j = self.add(t, k, i, st, d)
                targets.append(j)
                steps.append(st)
                mask = changed(s, t) | STEP  # a transition property reading nothing that changed holds
                for name, check, reads, p in active:
                    if not reads & mask:
                        if debug and name not in found:
                            p.skipped_wrongly(check(spec, s, st, t))
                        continue
                    msg = check(spec, s, st, t)
                    if msg:
                        self.report(name, self.path_to(i) + [(st, t)], msg)
                        active = [a for a in active if a[0] not in found]
                for name, check, reads, p in looking:
                    if not reads & mask:
                        if debug and name not in reached:
                            p.skipped_wrongly(check(spec, s, st, t))
                        continue
                    if check(spec, s, st, t):
                        reached.add(name)
                        looking = [a for a in looking if a[0] not in reached]
            self.transitions += len(targets)
            self.succ.append(tuple(targets))
            self.labels.append(tuple(steps))
            if not targets:
                self.dead_end(i, deadlock_props)
            elif not any(fair[st.name] for st in steps):
                self.unfair_only(i)
            i += 1
        return True

    def unfair_only(self, i: int) -> None:
        """Only unfair actions are enabled in state i: a weakly fair behaviour may stutter
        there forever (a lasso of one state), so every obligation pending in i stays so."""
        for name, pend in self.pending.items():
            if pend[i] and name not in self.stutters:
                self.stutters[name] = i

    def dead_end(self, i: int, deadlock_props: list) -> None:
        """R20, and every obligation a deadlock leaves pending forever (R18, R19)."""
        for p in deadlock_props:
            if p.name not in self.found:
                msg = p.check(self.spec, self.states[i], 0)
                if msg:
                    self.report(p.name, self.path_to(i), msg, cx.DEADLOCK_KIND)
        for name, pend in self.pending.items():
            if pend[i] and name not in self.deadlocks:
                self.deadlocks[name] = i

    # -------------------------------------------------------------- liveness

    def liveness(self) -> None:
        """A shortest deadlock, stutter or fair lasso per eventually-property, whichever is
        shorter (a deadlock before a stutter of the same length)."""
        expanded = len(self.succ)
        for name, pend in self.pending.items():
            best: tuple[int, list, str, str, int | None] | None = None
            if name in self.deadlocks:
                i = self.deadlocks[name]
                path = self.path_to(i)
                msg = "no action is enabled while " + ", ".join(sorted(pend[i])) + " is still pending"
                best = (len(path), path, msg, cx.DEADLOCK_KIND, None)
            if name in self.stutters:
                i = self.stutters[name]
                path = self.path_to(i)
                if best is None or len(path) < best[0]:
                    only = ", ".join(sorted({st.name for st in self.labels[i]}))
                    msg = (f"only unfair actions ({only}) are enabled, so the run may stay here forever while "
                           + ", ".join(sorted(pend[i])) + " is still pending")
                    best = (len(path), path, msg, cx.STUTTER, None)
            comps = nontrivial_sccs(self.succ, lambda i, pend=pend: i < expanded and bool(pend[i]))
            for comp in comps:
                if self.concrete and starved_in(self.succ, self.labels, comp):
                    continue  # the graph is concrete and no part of comp hosts a weakly fair run
                found = self.lasso_in(name, comp)
                if found is not None and (best is None or len(found[1]) < best[0]):
                    best = found
            if best is not None:
                _, path, msg, kind, loop_start = best
                self.report(name, path, msg, kind, loop_start)

    def lasso_in(self, name: str, comp: list[int]) -> tuple[int, list, str, str, int] | None:
        """Re-explore the concrete states behind the (possibly reduced) component `comp`
        and look for a weakly fair cycle there keeping an obligation of `name` pending.

        The concrete states are explored into integer lists first (every enabled step, the
        edges leaving the component kept as targets outside it), where each obligation's
        components are tested for a weakly fair run as on a concrete search graph
        (`nontrivial_sccs`, `starved_in`); only when one hosts such a run is the networkx graph
        built, in the same order as the search met its states, and the lasso drawn there."""
        import networkx as nx

        from vmspec.properties.catalogue.registry import by_name

        spec, enc = self.spec, self.encode
        prop = by_name(name)
        inside = {self.keys[i] for i in comp}
        root = min(comp, key=lambda i: (self.depth[i], i))
        start = self.states[root]
        ids = {enc(start): 0}
        nodes, within = [start], [True]  # concrete states met, and whether each is behind `comp`
        succ: list[tuple[int, ...]] = [()]
        labels: list[tuple[Step, ...]] = [()]
        order = [0]  # the states behind `comp`, in breadth-first order (each expanded once)
        for x_i in order:
            targets, steps = [], []
            for st, t in spec.successors(nodes[x_i]):
                e = enc(t)
                j = ids.get(e)
                if j is None:
                    j = ids[e] = len(nodes)
                    nodes.append(t)
                    succ.append(())
                    labels.append(())
                    within.append(self.key_of(t, e) in inside)
                    if within[j]:
                        order.append(j)
                targets.append(j)
                steps.append(st)
            succ[x_i], labels[x_i] = tuple(targets), tuple(steps)
        pend = {i: prop.check(spec, nodes[i]) for i in order}
        hosts_fair_run = False
        for ob in sorted(set().union(*pend.values())):
            for c in nontrivial_sccs(succ, lambda i, ob=ob: within[i] and ob in pend[i]):
                if not starved_in(succ, labels, c):
                    hosts_fair_run = True
                    break
            if hosts_fair_run:
                break
        if not hosts_fair_run:
            return None
        g = nx.MultiDiGraph()
        g.add_node(start)
        enabled: dict[State, frozenset] = {}
        for x_i in order:
            x = nodes[x_i]
            for j, st in zip(succ[x_i], labels[x_i]):
                if within[j]:
                    g.add_edge(x, nodes[j], step=st)
            enabled[x] = frozenset(labels[x_i])
        cache = {nodes[i]: pend[i] for i in order}

        def pending(x: State) -> frozenset:
            if x not in cache:
                cache[x] = prop.check(spec, x)
            return cache[x]

        lasso = fair_lasso(g, start, enabled, pending)
        if lasso is None:
            return None
        prefix = self.path_to(root) + lasso.entry_path
        path = prefix + lasso.cycle
        msg = f"{lasso.obligation} is pending forever on a fair cycle of {len(lasso.cycle)} steps"
        return (len(path), path, msg, cx.LASSO, len(prefix) + 1)


def explore(
    spec: Spec,
    *,
    config: str = "?",
    mutant: str | None = None,
    symmetry: bool = True,
    max_states: int | None = None,
    progress: bool = False,
    keep_graph: bool = True,
    stop_when: Iterable[str] = (),
    jobs: int = 1,
) -> ExploreResult:
    """Explore every reachable state of `spec` breadth-first and check the registry.

    `stop_when` names always-properties after whose (shortest) counterexamples the search
    may stop: it is then incomplete, and decides nothing else.  With `jobs` > 1 the search
    runs on that many forked processes (`vmspec.properties.engines.parallel`), with the same
    states, transitions, depths, verdicts and counterexamples."""
    started = time.perf_counter()
    refused = symmetry and not declared_symmetric(spec)
    symmetry = symmetry and not refused  # a spec that may break symmetry is explored unreduced
    sym = Symmetry.of(spec) if symmetry else None
    key = None if sym is None or sym.trivial else sym.key
    settings = {"symmetry": symmetry, "max_states": max_states, "stop_when": sorted(stop_when)}
    search = _Search(spec, key, config, mutant, settings)
    display = _Progress(started) if progress else None
    was_enabled = gc.isenabled()
    gc.disable()  # the search allocates millions of acyclic tuples: cyclic GC would only rescan them
    try:
        if jobs > 1 and "fork" in mp.get_all_start_methods():
            from vmspec.properties.engines.parallel import parallel_search

            complete = parallel_search(search, jobs, max_states, display.update if display else None,
                                       frozenset(stop_when))
        else:
            complete = search.run(max_states, display.update if display else None, frozenset(stop_when))
        search_seconds = time.perf_counter() - started
        if display:
            display.update(len(search.states), len(search.states) - len(search.succ), "liveness")
        search.liveness()
    finally:
        if was_enabled:
            gc.enable()
        if display:
            display.stop()
    return ExploreResult(
        states=len(search.states),
        transitions=search.transitions,
        depth=max(search.depth),
        seconds=time.perf_counter() - started,
        peak_rss_mb=_peak_rss_mb(children=jobs > 1),
        complete=complete,
        counterexamples=dict(search.found),
        reached=set(search.reached),
        symmetry=symmetry,
        symmetry_refused=type(spec).__name__ if refused else None,
        config=config,
        mutant=mutant,
        search_seconds=search_seconds,
        worker_cpu_s=getattr(search, "worker_cpu_s", ()),
        _succ=search.succ if keep_graph else None,
        _labels=search.labels if keep_graph else None,
    )


class _Progress:
    """A live line on stderr (states, frontier, rate) for searches longer than two seconds."""

    def __init__(self, started: float) -> None:
        self.started, self.live = started, None

    def update(self, states: int, frontier: int, phase: str = "search") -> None:
        elapsed = time.perf_counter() - self.started
        if self.live is None:
            if elapsed < _PROGRESS_AFTER:
                return
            from rich.live import Live

            from vmspec.properties.cli.output import err_console

            self.live = Live(console=err_console, transient=True, auto_refresh=False)
            self.live.start()
        rate = states / elapsed if elapsed else 0.0
        self.live.update(
            f"[bold]explore[/] {phase}: {states:,} states, frontier {frontier:,}, {rate:,.0f} states/s, "
            f"{elapsed:.1f} s", refresh=True,
        )

    def stop(self) -> None:
        if self.live is not None:
            self.live.stop()


# ---------------------------------------------------------------------- verdicts and the check stage


def verdicts(result: ExploreResult, *, decided_only: bool = False) -> list[Verdict]:
    """One verdict per registered property.  A complete search says *holds*; an incomplete one
    says what it found (violations, reached situations) and that the rest is *not falsified*
    within the states it saw; a sometimes-property it has not reached is ``unknown``, or left
    out when `decided_only`."""
    out = []
    bound = f"first {result.states:,} states"
    for p in REGISTRY:
        c = result.counterexamples.get(p.name)
        if p.kind == SOMETIMES:
            if p.name in result.reached:
                out.append(Verdict(p.name, p.rule, p.kind, ENGINE, REACHED))
            elif result.complete:
                out.append(Verdict(p.name, p.rule, p.kind, ENGINE, NOT_REACHED,
                                   f"unreachable: not reached in all {result.states:,} states"))
            elif not decided_only:
                out.append(Verdict(p.name, p.rule, p.kind, ENGINE, UNKNOWN, "not reached before the state bound"))
        elif c is not None:
            out.append(Verdict(p.name, p.rule, p.kind, ENGINE, VIOLATED, f"{c.message} ({c.kind}, {len(c)} steps)", c))
        elif result.complete:
            out.append(Verdict(p.name, p.rule, p.kind, ENGINE, HOLDS))
        else:
            out.append(Verdict(p.name, p.rule, p.kind, ENGINE, NOT_FALSIFIED,
                               f"search stopped at {result.states:,} states", bound=bound))
    if result.complete and not result.reached and not decided_only:
        out.append(Verdict("sometimes (any)", "-", SOMETIMES, ENGINE, NOT_REACHED,
                           "the search reached none of the sometimes-properties: it proved nothing"))
    return out


def summary(result: ExploreResult) -> str:
    done = "complete" if result.complete else f"stopped at the {result.states:,}-state bound (incomplete)"
    return (
        f"{result.states:,} distinct states, {result.transitions:,} transitions, depth {result.depth}, "
        f"{result.seconds:.2f} s ({result.states_per_second:,.0f} states/s), peak RSS {result.peak_rss_mb:.0f} MB, "
        f"symmetry {'on' if result.symmetry else 'off'}"
        + (f" ({result.symmetry_refused} does not declare itself symmetric)" if result.symmetry_refused else "")
        + f", {done}"
    )


def stage(target: Target, opts: Any) -> StageResult:
    """The explorer's verdicts for `vmspec check`: bounded by ``--max-states`` (default 50,000);
    a search cut by the bound reports only what it decided."""

    max_states = getattr(opts, "max_states", None) or CHECK_MAX_STATES
    result = explore(
        target.spec(), config=target.label, mutant=target.mutant, symmetry=not getattr(opts, "no_symmetry", False),
        max_states=max_states, keep_graph=False,
    )
    bound = (f"complete, {result.states:,} states" if result.complete
             else f"stopped at {result.states:,} states, depth {result.depth}")
    return StageResult(ENGINE, verdicts(result, decided_only=True), summary(result), result.figures(), bound)
