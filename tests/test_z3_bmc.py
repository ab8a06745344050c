"""Bounded model checking: every safety mutant is found at its minimal depth (the length of a
breadth-first shortest counterexample), decoded, and replayed through the Python model."""

from __future__ import annotations

from collections import deque

import pytest
import z3

from vmspec.model import CONFIGS, Spec
from vmspec.properties.catalogue.mutants import MUTANTS
from vmspec.properties.catalogue.registry import ALWAYS, DEADLOCK, STATE, TRANSITION, by_name
from vmspec.properties.engines.z3 import props as P
from vmspec.properties.engines.z3.bmc import Unrolling, bmc, next_state
from vmspec.properties.engines.z3.concrete_mutants import SliceGuardDropped
from vmspec.properties.engines.z3.encode import ENCODINGS, Encoding, encoding_for
from vmspec.properties.evidence.counterexample import Counterexample, replay, spec_for

SAFETY_MUTANTS = [m for m in MUTANTS if any(by_name(b).kind == ALWAYS for b in m.breaks)]
SLOW = {"resync_never_runs"}  # a deadlock 14 steps deep: about 10 s of solving


def headline(m) -> str:
    return next(b for b in m.breaks if by_name(b).kind == ALWAYS)


def bfs_depth(spec: Spec, name: str, limit: int = 400_000) -> int | None:
    """Length of a shortest path to a violation of `name` (breadth-first, level by level)."""
    p = by_name(name)
    s0 = spec.initial_state()
    if p.scope == STATE and p.check(spec, s0):
        return 0
    depth = {s0: 0}
    queue = deque([s0])
    while queue and len(depth) < limit:
        s = queue.popleft()
        succ = list(spec.successors(s))
        if p.scope == DEADLOCK and p.check(spec, s, len(succ)):
            return depth[s]
        for st, t in succ:
            if (p.scope == TRANSITION and p.check(spec, s, st, t)) or (p.scope == STATE and p.check(spec, t)):
                return depth[s] + 1
            if t not in depth:
                depth[t] = depth[s] + 1
                queue.append(t)
    return None


def test_every_safety_mutant_has_an_encoding():
    assert {m.name for m in SAFETY_MUTANTS} <= set(ENCODINGS)
    assert all(P.encoded(headline(m)) for m in SAFETY_MUTANTS)


@pytest.mark.parametrize(
    "m", [pytest.param(m, marks=pytest.mark.slow) if m.name in SLOW else m for m in SAFETY_MUTANTS], ids=lambda m: m.name
)
def test_bmc_finds_mutant_at_minimal_depth_and_replays(m):
    config = CONFIGS[m.config]
    spec = spec_for(config.topology, config.params, m.name)
    name = headline(m)
    want = bfs_depth(spec, name)
    assert want is not None, f"breadth-first search does not reach a violation of {name}"
    r = bmc(encoding_for(spec, m.name), [name], max_depth=want, config=m.config)[name]
    assert r.disagreement is None, str(r.disagreement)
    assert r.depth == want
    c = r.counterexample
    assert c is not None and c.engine == "z3" and c.mutant == m.name and len(c) == want
    verdict = replay(c)
    assert verdict.reproduced, verdict.detail
    assert Counterexample.from_json(c.to_json()).actions() == c.actions()


def test_model_has_no_violation_within_depth_on_tiny():
    spec = CONFIGS["TINY"].spec()
    names = [n for n in P.STATE_FORMULAS] + list(P.TRANSITION_FORMULAS) + [P.DEADLOCK_FREE]
    results = bmc(encoding_for(spec), names, max_depth=4, config="TINY")
    assert not [n for n, r in results.items() if r.violated or r.disagreement]
    assert all(r.max_depth == 4 for r in results.values())


def test_slice_guard_dropped_trace_step_by_step():
    config = CONFIGS["TINY"]
    spec = spec_for(config.topology, config.params, "slice_guard_dropped")
    r = bmc(encoding_for(spec, "slice_guard_dropped"), ["one_slice_at_a_time"], max_depth=7, config="TINY")
    steps = [s.action for s in r["one_slice_at_a_time"].counterexample.steps]
    assert steps.count("platform_announce_event") == 2 and steps.count("platform_start_event") == 2
    assert steps.count("host_freeze") == 2 and steps[-1] == "host_freeze"
    assert "time_passes" in steps  # NotBefore must pass: nothing is approved in a shortest trace


class WrongEncoding(SliceGuardDropped):
    """An encoding that drops the slice guard while the Python model keeps it."""

    mutant = None


def test_a_disagreement_is_reported_not_hidden():
    spec = CONFIGS["TINY"].spec()  # the real model
    r = bmc(WrongEncoding(spec), ["one_slice_at_a_time"], max_depth=7, config="TINY")["one_slice_at_a_time"]
    assert r.depth == 7
    assert r.counterexample is None
    assert r.disagreement is not None and "refuses" in str(r.disagreement)


def test_stop_when_ends_at_the_headline():
    config = CONFIGS["TINY"]
    spec = spec_for(config.topology, config.params, "start_before_notbefore")
    names = ["start_after_notbefore_or_approval", "freeze_within_bound"]
    r = bmc(encoding_for(spec, "start_before_notbefore"), names, max_depth=16, config="TINY",
            stop_when={"start_after_notbefore_or_approval"})
    assert r["start_after_notbefore_or_approval"].depth == 2
    assert r["freeze_within_bound"].depth is None and r["freeze_within_bound"].max_depth == 2


def test_terms_moved_to_a_depth_are_the_terms_built_there():
    """Each step, property and deadlock check is built once and moved to depth k by substituting
    depth k's variables: the terms are exactly those building them at depth k gives."""
    enc = encoding_for(CONFIGS["UNSAFE_SHARED_HOST"].spec())
    u = Unrolling(enc)
    for _ in range(3):
        u.extend()
    for k in (1, 2):
        s, t, a = u.states[k], u.states[k + 1], u.choices[k]
        insts = enc.instances(s)
        built = z3.And([a >= 0, a < len(insts)] + [z3.Implies(a == j, x.guard) for j, x in enumerate(insts)]
                       + [next_state(s, t, a, insts)])
        assert u.constraints[k + 1].eq(built)
        assert not u.constraints[k].eq(built)  # the comparison sees a step at the wrong depth
    s, before = u.states[3], u.states[2]
    insts = enc.instances(before)
    j = next(j for j, x in enumerate(insts) if x.name == "time_passes")
    step = P.StepInfo(u.choices[2] == j, insts[j].dt)
    for name, f in P.STATE_FORMULAS.items():
        assert u.violation(name).eq(z3.Not(f(enc, s))), name
    for name, f in P.TRANSITION_FORMULAS.items():
        assert u.violation(name).eq(z3.Not(f(enc, before, s, step))), name
    assert u.violation(P.DEADLOCK_FREE).eq(z3.Not(enc.enabled(s)))


def test_encoding_rejects_unencodable_host_names():
    from vmspec.model import VM, AvailabilitySet, Host, Params, Topology
    from vmspec.properties.engines.z3.encode import EncodingError

    t = Topology((AvailabilitySet("a", 1, 1),), (Host("h#1"),), (VM("v", "a", 0, 0, "h#1"),))
    with pytest.raises(EncodingError, match="host name"):
        Encoding(Spec(t, Params()))

