"""Analysis of an explored state graph: strongly connected components, fair lassos,
shortest paths, and export to DOT and GraphML with networkx.

The explorer keeps its graph compact (one tuple of successor indices per state); the
whole-graph pass that finds cycles is an iterative Tarjan over those tuples, because a
networkx graph of a few hundred thousand states costs seconds and hundreds of megabytes
to build.  Only the small parts that can hold a liveness violation (the non-trivial
components) become networkx graphs, where the fairness analysis and the lasso are built.

Liveness (R18, R19) is checked under weak fairness per action instance (name and
arguments, `vmspec.model.ACTION_INFO[name].fair`): a run that keeps an obligation pending
forever is a violation only if every fair action instance enabled in all its states is
taken on it.  A component C of the states where the obligation is pending hosts such a run
exactly when every fair instance enabled in all states of C is taken on an edge inside C
(for weak fairness no sub-component needs a second look: an instance enabled throughout C
and never taken in C is also enabled throughout, and never taken in, any part of it).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from vmspec.model import ACTION_INFO, Step

__all__ = [
    "Lasso",
    "fair_lasso",
    "is_fair",
    "nontrivial_sccs",
    "starved_in",
    "to_networkx",
    "write_graph",
]


def nontrivial_sccs(succ: Sequence[Sequence[int]], keep: Callable[[int], bool] | None = None) -> list[list[int]]:
    """Strongly connected components with a cycle (two or more states, or a self-loop)
    of the graph `succ` (state index -> successor indices), restricted to the states for
    which `keep` is true.  Iterative Tarjan: no recursion limit, linear time."""
    n = len(succ)
    index = [-1] * n
    low = [0] * n
    on_stack = bytearray(n)
    stack: list[int] = []
    out: list[list[int]] = []
    counter = 0
    for root in range(n):
        if index[root] != -1 or (keep is not None and not keep(root)):
            continue
        work = [(root, 0)]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = 1
        while work:
            v, pos = work[-1]
            nbrs = succ[v]
            if pos < len(nbrs):
                work[-1] = (v, pos + 1)
                w = nbrs[pos]
                if keep is not None and not keep(w):
                    continue
                if index[w] == -1:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = 1
                    work.append((w, 0))
                elif on_stack[w] and index[w] < low[v]:
                    low[v] = index[w]
                continue
            work.pop()
            if work:
                u = work[-1][0]
                if low[v] < low[u]:
                    low[u] = low[v]
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack[w] = 0
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1 or v in succ[v]:
                    out.append(sorted(comp))
    return out


def starved_in(succ: Sequence[Sequence[int]], labels: Sequence[Sequence[Step]], comp: Iterable[int]) -> set[Step]:
    """The fair action instances enabled in every state of the component `comp` of a
    concrete graph (`succ`, with the step of each edge in `labels`) and taken on no edge
    inside it, over the integer lists themselves: empty exactly when `comp` hosts a weakly
    fair run, and when it is not empty no part of `comp` hosts one either (see the header)."""
    inside = set(comp)
    always: set[Step] | None = None
    taken: set[Step] = set()
    for i in inside:
        steps = labels[i]
        here = {st for st in steps if _fair(st)}
        always = here if always is None else always & here
        taken.update(st for st, j in zip(steps, succ[i]) if j in inside)
    return (always or set()) - taken


def _fair(step: Step) -> bool:
    info = ACTION_INFO.get(step.name)
    return info is not None and info.fair


def is_fair(graph: nx.MultiDiGraph, nodes: set, enabled: dict[Hashable, frozenset]) -> tuple[bool, set]:
    """Whether the component `nodes` of `graph` hosts a weakly fair run; also the fair
    instances enabled throughout it and never taken inside it (empty when fair)."""
    always = None
    for x in nodes:
        here = {st for st in enabled[x] if _fair(st)}
        always = here if always is None else always & here
    taken = {d["step"] for u, v, d in graph.subgraph(nodes).edges(data=True)}
    starved = (always or set()) - taken
    return not starved, starved


@dataclass(frozen=True)
class Lasso:
    """A fair cycle: `path` from the entry state to the cycle start, then `cycle`
    (steps with the states they reach) returning to the start."""

    entry_path: list[tuple[Step, Hashable]]
    cycle: list[tuple[Step, Hashable]]
    obligation: str

    def __len__(self) -> int:
        return len(self.entry_path) + len(self.cycle)


def _path_edges(graph: nx.MultiDiGraph, nodes: Iterable) -> list[tuple[Step, Hashable]]:
    """The steps along a node path, taking the first (stable) edge between consecutive nodes."""
    nodes = list(nodes)
    out = []
    for u, v in zip(nodes, nodes[1:]):
        data = graph.get_edge_data(u, v)
        out.append((data[min(data)]["step"], v))
    return out


def _closed_walk(graph: nx.MultiDiGraph, comp: nx.MultiDiGraph, start: Hashable, nodes: set,
                 enabled: dict[Hashable, frozenset]) -> list[tuple[Step, Hashable]]:
    """A shortest cycle through `start` inside `comp`, extended by detours until it is
    weakly fair on its own: every fair instance enabled at all its states is taken on it."""
    best = None
    for _, v, _k, d in sorted(comp.out_edges(start, keys=True, data=True), key=lambda e: (str(e[3]["step"]), e[2])):
        back = nx.shortest_path(comp, v, start)
        walk = [(d["step"], v)] + _path_edges(comp, back)
        if best is None or len(walk) < len(best):
            best = walk
    walk = best or []
    while True:
        states = {start} | {x for _, x in walk}
        always = None
        for x in states:
            here = {st for st in enabled[x] if _fair(st)}
            always = here if always is None else always & here
        starved = sorted((always or set()) - {st for st, _ in walk}, key=str)
        if not starved:
            return walk
        need = starved[0]
        edge = next(((u, v, d) for u, v, d in sorted(comp.edges(data=True), key=lambda e: str(e)) if d["step"] == need), None)
        if edge is not None:
            u, v, d = edge
            walk += _path_edges(comp, nx.shortest_path(comp, start, u)) + [(need, v)]
            walk += _path_edges(comp, nx.shortest_path(comp, v, start))
        else:  # disabled somewhere in the component: visit that state
            z = min((x for x in nodes if need not in enabled[x]), key=lambda x: nx.shortest_path_length(comp, start, x))
            walk += _path_edges(comp, nx.shortest_path(comp, start, z)) + _path_edges(comp, nx.shortest_path(comp, z, start))


def fair_lasso(
    graph: nx.MultiDiGraph,
    root: Hashable,
    enabled: dict[Hashable, frozenset],
    pending: Callable[[Hashable], frozenset],
) -> Lasso | None:
    """The shortest fair lasso from `root` in `graph` (a concrete state graph with a
    `step` on each edge) keeping one obligation pending, or None when there is none."""
    obligations = sorted(set().union(*(pending(x) for x in graph.nodes)))
    best: Lasso | None = None
    dist = nx.single_source_shortest_path(graph, root)
    for ob in obligations:
        keep = [x for x in graph.nodes if ob in pending(x)]
        sub = graph.subgraph(keep)
        for comp_nodes in nx.strongly_connected_components(sub):
            comp = sub.subgraph(comp_nodes)
            if len(comp_nodes) == 1 and not comp.has_edge(next(iter(comp_nodes)), next(iter(comp_nodes))):
                continue
            fair, _ = is_fair(graph, set(comp_nodes), enabled)
            if not fair:
                continue
            start = min((x for x in comp_nodes if x in dist), key=lambda x: (len(dist[x]), str(x)), default=None)
            if start is None:
                continue
            lasso = Lasso(_path_edges(graph, dist[start]), _closed_walk(graph, comp, start, set(comp_nodes), enabled), ob)
            if best is None or len(lasso) < len(best):
                best = lasso
    return best


# ---------------------------------------------------------------------- whole-graph export


def to_networkx(succ: Sequence[Sequence[int]], labels: Sequence[Sequence[Step]],
                describe: Callable[[int], str] | None = None) -> nx.MultiDiGraph:
    """The explored graph as a networkx multigraph: nodes are state indices (0 is the
    initial state), each edge carries its `action` as text."""
    g = nx.MultiDiGraph()
    for i in range(len(succ)):
        g.add_node(i, label=describe(i) if describe else str(i))
    for i, (targets, steps) in enumerate(zip(succ, labels)):
        for j, st in zip(targets, steps):
            g.add_edge(i, j, action=str(st))
    return g


def _dot(g: nx.MultiDiGraph) -> str:
    def q(text: object) -> str:
        return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    lines = ["digraph vmspec {", "  node [shape=box, fontsize=9];", "  edge [fontsize=8];"]
    for n, d in g.nodes(data=True):
        extra = ", style=filled, fillcolor=lightblue" if n == 0 else ""
        lines.append(f"  {n} [label={q(d.get('label', n))}{extra}];")
    for u, v, d in g.edges(data=True):
        lines.append(f"  {u} -> {v} [label={q(d.get('action', ''))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_graph(g: nx.MultiDiGraph, path: Path) -> Path:
    """Write `g` as DOT (``.dot``/``.gv``) or GraphML (``.graphml``), atomically."""
    from vmspec.properties.io.files import write_atomic

    suffix = path.suffix.lower()
    if suffix in (".dot", ".gv"):
        return write_atomic(path, _dot(g))
    if suffix == ".graphml":
        return write_atomic(path, "\n".join(nx.generate_graphml(g)) + "\n")
    raise ValueError(f"unknown graph format {suffix!r}; use .dot or .graphml")


def starved_on_cycle(spec: object, states: Sequence[Hashable], steps: Sequence[Step]) -> set[Step]:
    """The fair action instances enabled in every state of a cycle (`states`, the states
    the cycle visits) but never taken by its `steps`: empty exactly when the cycle, repeated
    forever, is a weakly fair run of `spec`."""
    always: set[Step] | None = None
    for x in states:
        here = {st for st, _ in spec.successors(x) if _fair(st)}  # type: ignore[attr-defined]
        always = here if always is None else always & here
    return (always or set()) - set(steps)
