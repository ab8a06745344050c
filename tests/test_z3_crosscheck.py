"""Cross-check of the two encodings: on states drawn by random walks through the Python
model, the Z3 transition relation and `Spec.successors` agree step for step (same enabled
steps, same successors), and every Z3 property formula agrees with its Python predicate."""

from __future__ import annotations

import random

import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vmspec.model import CONFIGS, Spec, profile
from vmspec.properties.catalogue.registry import by_name
from vmspec.properties.engines.z3 import props as P
from vmspec.properties.engines.z3.decode import decode_state, step_of
from vmspec.properties.engines.z3.encode import encoding_for
from vmspec.properties.evidence.counterexample import spec_for

WORLDS = {
    "TINY": (CONFIGS["TINY"].topology, CONFIGS["TINY"].params),
    "SMALL": (CONFIGS["SMALL"].topology, CONFIGS["SMALL"].params),
    "UNSAFE_SHARED_HOST": (CONFIGS["UNSAFE_SHARED_HOST"].topology, CONFIGS["UNSAFE_SHARED_HOST"].params),
    "SMALL/redeploy": (CONFIGS["SMALL"].topology, profile("dev-timing", allow_redeploy=True, resync_latency=10)),
    "TINY/live-migration": (CONFIGS["TINY"].topology, profile("live-migration", notice_divisor=30)),
}
MUTANTS = [None, "slice_guard_dropped", "no_watchdog", "event_id_changes_on_start", "completed_status_published",
           "host_phase_typo", "migrate_under_freeze", "memory_wiped_at_freeze", "clock_steps_back",
           "reboot_update_under_freeze", "frozen_guest_keeps_writing"]


def walk(spec: Spec, seed: int, length: int):
    """A reachable state: `length` uniformly random steps from the initial state."""
    rng = random.Random(seed)
    s = spec.initial_state()
    for _ in range(length):
        succ = list(spec.successors(s))
        if not succ:
            break
        s = rng.choice(succ)[1]
    return s


def agree(spec: Spec, enc, s) -> None:
    sym = enc.concrete(s)
    assert decode_state(enc, sym) == s
    python = dict(spec.successors(s))
    z3side = {}
    for inst in enc.instances(sym):
        guard = z3.simplify(inst.guard)
        assert z3.is_true(guard) or z3.is_false(guard)
        if z3.is_true(guard):
            z3side[step_of(enc, inst, s, z3.simplify)] = decode_state(enc, inst.post)
    assert set(z3side) == set(python), f"enabled steps differ in {s}"
    for step, t in python.items():
        assert z3side[step] == t, f"successor of {step} differs"
    for name, formula in P.STATE_FORMULAS.items():
        assert z3.is_true(z3.simplify(formula(enc, sym))) == (by_name(name).check(spec, s) is None), name
    assert z3.is_true(z3.simplify(P.deadlock_free(enc, sym))) == bool(python)
    for step, t in python.items():
        info = P.StepInfo(z3.BoolVal(step.name == "time_passes"),
                          z3.IntVal(step.args[0] if step.name == "time_passes" else 0))
        for name, formula in P.TRANSITION_FORMULAS.items():
            holds = z3.is_true(z3.simplify(formula(enc, sym, enc.concrete(t), info)))
            assert holds == (by_name(name).check(spec, s, step, t) is None), (name, step)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(world=st.sampled_from(sorted(WORLDS)), seed=st.integers(0, 10**6), length=st.integers(0, 40))
def test_model_and_z3_agree_on_reachable_states(world, seed, length):
    topology, params = WORLDS[world]
    spec = Spec(topology, params)
    agree(spec, encoding_for(spec), walk(spec, seed, length))


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(mutant=st.sampled_from(MUTANTS[1:]), seed=st.integers(0, 10**6), length=st.integers(0, 12))
def test_mutant_encodings_agree_with_mutant_specs(mutant, seed, length):
    config = CONFIGS["SMALL" if mutant == "reboot_update_under_freeze" else "TINY"]
    spec = spec_for(config.topology, config.params, mutant)
    s = walk(spec, seed, length)
    if any(len([e for e in s.events if e.host == h]) > 1 for h in range(len(s.hosts))):
        return  # past the mutant's first violation: two events of one host, which the slots cannot show
    agree(spec, encoding_for(spec, mutant), s)
