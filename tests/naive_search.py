"""A deliberately naive second search, written apart from the explorer, to check its pinned counts.

Plain breadth-first search with a dict over `Spec.successors`: no symmetry, no interning, no
index lists, no garbage-collector tricks, no early stop.  It shares nothing with
`vmspec.properties.engines.explore` but the model itself, so a bug in the explorer's
optimisations cannot pin its own numbers.  The symmetric counts are checked the slow way too:
every concrete state is mapped to its canonical form, and the classes are counted.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class NaiveCount:
    states: int  # distinct reachable states
    transitions: int  # enabled steps summed over the states
    depth: int  # the largest breadth-first distance from the initial state


def naive_bfs(spec) -> tuple[NaiveCount, dict]:
    """Every reachable state with its breadth-first distance, and the counts."""
    start = spec.initial_state()
    distance = {start: 0}
    queue = deque([start])
    transitions = 0
    while queue:
        s = queue.popleft()
        for _step, t in spec.successors(s):
            transitions += 1
            if t not in distance:
                distance[t] = distance[s] + 1
                queue.append(t)
    return NaiveCount(len(distance), transitions, max(distance.values())), distance


def naive_symmetric_count(spec, distance: dict, canonical) -> NaiveCount:
    """The counts a search over canonical forms must report: one class per canonical form of
    a reachable state, the successors of one member per class (every member has as many),
    and the largest over classes of the smallest distance of a member."""
    classes: dict = {}
    for s, d in distance.items():
        c = canonical(s)
        if c not in classes or d < classes[c][0]:
            classes[c] = (d, s)
    transitions = sum(sum(1 for _ in spec.successors(s)) for _d, s in classes.values())
    return NaiveCount(len(classes), transitions, max(d for d, _s in classes.values()))
