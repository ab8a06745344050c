"""Both Z3 encodings refine the Python model (notes/proofs.md, "Refinement checks").

The concrete encoding must agree with `Spec.successors` both ways (same enabled steps,
same post-states) and with every registry predicate; the all-sizes encoding's invariants,
quantified over the concrete hosts and VMs, must agree with their predicates, and its
abstract transitions must allow every step of the model.  Checked on every reachable
state of small configurations, along seeded walks, on unreachable states that satisfy the
invariants (drawn by Hypothesis), and for every mutant each encoding encodes (the list
comes from the encodings).  Each check is shown to catch a deliberately mismatched pair.
"""

from __future__ import annotations

import functools
import time
from dataclasses import replace

import pytest
import z3
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from vmspec.model import AZURE_DEFAULT, CONFIGS, PROFILES, SMALL, Spec, State, profile
from vmspec.properties.catalogue.mutants import MUTANT_BY_NAME
from vmspec.properties.catalogue.registry import ALWAYS, STATE, of_kind
from vmspec.properties.engines.z3 import props as P
from vmspec.properties.engines.z3.encode import ENCODINGS, encoding_for
from vmspec.properties.engines.z3.params_proof import VARIANTS
from vmspec.properties.engines.z3.refinement import (
    AllSizesRefinement,
    ConcreteRefinement,
    Tally,
    breadth_first,
    reachable,
    walk_states,
)
from vmspec.properties.evidence.counterexample import spec_for


def _report(label: str, tally: Tally, seconds: float) -> None:
    rate = tally.states / seconds if seconds else 0.0
    print(f"{label}: {tally.states} states, {tally.steps} steps, {tally.skipped} skipped, "
          f"{len(tally.disagreements)} disagreements, {seconds:.1f} s ({rate:.0f} states/s)")


def _assert_agree(label: str, check, states) -> Tally:
    started = time.perf_counter()
    tally = check.check_all(states)
    _report(label, tally, time.perf_counter() - started)
    assert tally.states > 0
    assert not tally.disagreements, "\n".join(map(str, tally.disagreements[:5]))
    return tally


@functools.cache
def _space(config: str, mutant: str | None = None, limit: int | None = None) -> tuple[Spec, tuple[State, ...]]:
    c = CONFIGS[config]
    spec = spec_for(c.topology, c.params, mutant)
    return spec, tuple(reachable(spec, limit))


@functools.cache
def _reachable_set(config: str) -> frozenset[State]:
    return frozenset(_space(config)[1])


@functools.cache
def _concrete(config: str, mutant: str | None = None) -> ConcreteRefinement:
    spec = _space(config, mutant, 1)[0]
    return ConcreteRefinement(spec, encoding_for(spec, mutant))


@functools.cache
def _all_sizes(config: str, mutant: str | None = None) -> AllSizesRefinement:
    return AllSizesRefinement(_space(config, mutant, 1)[0], mutant)


# ---------------------------------------------------------------------- every reachable state


@pytest.mark.parametrize("config, count", [("UNSAFE_SHARED_HOST", 186), ("TWO_REBOOTS", 992), ("RECOVERY_GAP", 4480),
                                           ("TYPICAL_PAUSE", 494),
                                           ("REDEPLOY_TARGET", 4988)])
def test_small_spaces_both_encodings(config, count):
    """UNSAFE_SHARED_HOST refuses R22's announcement; TWO_REBOOTS has Freezes by fault domain and
    Reboots by update domain (R5 per event type); TYPICAL_PAUSE's watchdog may resume at any
    time before the hard bound (R2)."""
    spec, states = _space(config)
    assert len(states) == count
    t = _assert_agree(f"{config} concrete", _concrete(config), states)
    assert t.states == count and t.skipped == 0
    t = _assert_agree(f"{config} all-sizes", _all_sizes(config), states)
    assert t.states == count and t.skipped == 0


def test_live_migration_walks_both_encodings():
    """LIVE_MIGRATION (R27: VMs move in turn to patched hosts, memory kept): three seeded walks,
    on which each VM reaches the spare host (the whole space under -m slow)."""
    spec = _space("LIVE_MIGRATION", None, 1)[0]
    states = _walks(spec, range(3), 80)
    assert {i for s in states for i, v in enumerate(s.vms) if v.host == 0} == {0, 1, 2}
    _assert_agree("LIVE_MIGRATION concrete", _concrete("LIVE_MIGRATION"), states)
    _assert_agree("LIVE_MIGRATION all-sizes", _all_sizes("LIVE_MIGRATION"), states)


@pytest.mark.slow
def test_live_migration_space_both_encodings():
    spec, states = _space("LIVE_MIGRATION")
    assert len(states) == 5650
    t = _assert_agree("LIVE_MIGRATION concrete", _concrete("LIVE_MIGRATION"), states)
    assert (t.states, t.steps, t.skipped) == (5650, 14100, 0)
    t = _assert_agree("LIVE_MIGRATION all-sizes", _all_sizes("LIVE_MIGRATION"), states)
    assert (t.states, t.steps, t.skipped) == (5650, 14100, 0)


def test_set_wide_prefix_both_encodings():
    """SET_WIDE (R30: one Reboot names the VMs of h0 and h1): the first 400 states breadth-first
    agree with the concrete encoding's membership vector; the all-sizes encoding does not encode
    events of several hosts, so it judges only the states without one (decisions D17)."""
    spec, states = _space("SET_WIDE", None, 400)
    assert any(e.also_hosts for s in states for e in s.events)
    t = _assert_agree("SET_WIDE concrete", _concrete("SET_WIDE"), states)
    assert t.skipped == 0
    t = _assert_agree("SET_WIDE all-sizes", _all_sizes("SET_WIDE"), states)
    assert t.skipped > 0


@pytest.mark.slow
def test_set_wide_space_both_encodings():
    spec, states = _space("SET_WIDE")
    assert len(states) == 39555
    t = _assert_agree("SET_WIDE concrete", _concrete("SET_WIDE"), states)
    assert t.skipped == 0
    _assert_agree("SET_WIDE all-sizes", _all_sizes("SET_WIDE"), states)


def test_set_approvals_prefix_both_encodings():
    """SET_APPROVALS (R28: any VM of the set, or the API from outside, approves): the first
    3,000 states breadth-first, every approver of every event (the whole space is slow)."""
    spec, states = _space("SET_APPROVALS", None, 3000)
    assert any(e.approved_by is not None and e.approved_by not in e.resources for s in states for e in s.events)
    _assert_agree("SET_APPROVALS concrete", _concrete("SET_APPROVALS"), states)
    _assert_agree("SET_APPROVALS all-sizes", _all_sizes("SET_APPROVALS"), states)


@pytest.mark.slow
def test_set_approvals_space_both_encodings():
    spec, states = _space("SET_APPROVALS")
    assert len(states) == 24235
    _assert_agree("SET_APPROVALS concrete", _concrete("SET_APPROVALS"), states)
    _assert_agree("SET_APPROVALS all-sizes", _all_sizes("SET_APPROVALS"), states)


def test_all_tenants_prefix_both_encodings():
    """ALL_TENANTS (R29: h0's event starts early only once both its tenants approved): the first
    3,000 states breadth-first, partial approvals included (the whole space is slow)."""
    spec, states = _space("ALL_TENANTS", None, 3000)
    assert any(e.tenants_approved and not e.approved for s in states for e in s.events)
    _assert_agree("ALL_TENANTS concrete", _concrete("ALL_TENANTS"), states)
    _assert_agree("ALL_TENANTS all-sizes", _all_sizes("ALL_TENANTS"), states)


@pytest.mark.slow
def test_all_tenants_space_both_encodings():
    spec, states = _space("ALL_TENANTS")
    assert len(states) == 19443
    _assert_agree("ALL_TENANTS concrete", _concrete("ALL_TENANTS"), states)
    _assert_agree("ALL_TENANTS all-sizes", _all_sizes("ALL_TENANTS"), states)


def test_tiny_space_all_sizes():
    spec, states = _space("TINY")
    assert len(states) == 11931
    t = _assert_agree("TINY all-sizes", _all_sizes("TINY"), states)
    assert (t.states, t.steps) == (11931, 30483)


@pytest.mark.slow
def test_tiny_space_concrete():
    spec, states = _space("TINY")
    t = _assert_agree("TINY concrete", _concrete("TINY"), states)
    assert (t.states, t.steps) == (11931, 30483)


def test_unplanned_first_states_both_encodings():
    """Hardware failures (R34): both encodings agree with the model on UNPLANNED's first states
    (breadth-first, so failures of either host and of both are among them)."""
    spec, states = _space("UNPLANNED", None, 1500)
    assert any(e.unplanned for s in states for e in s.events)
    _assert_agree("UNPLANNED concrete", _concrete("UNPLANNED"), states)
    _assert_agree("UNPLANNED all-sizes", _all_sizes("UNPLANNED"), states)


@pytest.mark.slow
def test_unplanned_space_both_encodings():
    spec, states = _space("UNPLANNED")
    assert len(states) == 21440
    t = _assert_agree("UNPLANNED concrete", _concrete("UNPLANNED"), states)
    assert (t.states, t.steps) == (21440, 53290)
    t = _assert_agree("UNPLANNED all-sizes", _all_sizes("UNPLANNED"), states)
    assert (t.states, t.steps) == (21440, 53290)


@pytest.mark.slow
def test_small_space_both_encodings():
    spec, states = _space("SMALL")
    _assert_agree("SMALL all-sizes", _all_sizes("SMALL"), states)
    _assert_agree("SMALL concrete", _concrete("SMALL"), states)


# ---------------------------------------------------------------------- seeded walks


def _walks(spec: Spec, seeds: range, length: int) -> list[State]:
    return [s for seed in seeds for s in walk_states(spec, seed, length)]


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_walks_of_each_profile(name):
    """Each profile on SMALL's topology (redeploys allowed, so Redeploy is exercised too)."""
    spec = Spec(SMALL.topology, profile(name, allow_redeploy=True, notice_divisor=30))
    states = _walks(spec, range(1), 40)
    _assert_agree(f"{name} walks concrete", ConcreteRefinement(spec, encoding_for(spec)), states)
    _assert_agree(f"{name} walks all-sizes", AllSizesRefinement(spec), states)


def test_walk_of_azure_default_all_sizes():
    spec = AZURE_DEFAULT.spec()
    _assert_agree("AZURE_DEFAULT walk all-sizes", AllSizesRefinement(spec), _walks(spec, range(1), 12))


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PROFILES))
def test_walks_of_azure_default_with_each_profile(name):
    spec = Spec(AZURE_DEFAULT.topology, profile(name, allow_redeploy=True))
    states = _walks(spec, range(3), 150)
    _assert_agree(f"AZURE_DEFAULT/{name} walks all-sizes", AllSizesRefinement(spec), states)
    _assert_agree(f"AZURE_DEFAULT/{name} walks concrete", ConcreteRefinement(spec, encoding_for(spec)), states)


# ---------------------------------------------------------------------- every encoded mutant

CONCRETE_MUTANTS = sorted(m for m in ENCODINGS if m is not None)


def test_mutant_lists_come_from_the_encodings():
    assert len(CONCRETE_MUTANTS) == len(ENCODINGS) - 1 >= 20
    assert set(VARIANTS) <= set(CONCRETE_MUTANTS) <= set(MUTANT_BY_NAME)


@pytest.mark.parametrize("mutant", CONCRETE_MUTANTS)
def test_each_mutant_encoding_refines_its_mutant(mutant):
    config = MUTANT_BY_NAME[mutant].config
    spec, states = _space(config, mutant, 40)
    _assert_agree(f"{mutant} concrete", _concrete(config, mutant), states)
    if mutant in VARIANTS:
        _assert_agree(f"{mutant} all-sizes", _all_sizes(config, mutant), states)


@pytest.mark.slow
@pytest.mark.parametrize("mutant", CONCRETE_MUTANTS)
def test_each_mutant_encoding_refines_its_mutant_thoroughly(mutant):
    config = MUTANT_BY_NAME[mutant].config
    spec, states = _space(config, mutant, 20_000)
    _assert_agree(f"{mutant} concrete", _concrete(config, mutant), states)
    if mutant in VARIANTS:
        _assert_agree(f"{mutant} all-sizes", _all_sizes(config, mutant), states)


# ---------------------------------------------------------------------- the checks catch a mismatch


def _first_disagreement(check, states) -> Tally:
    for s in states:
        t = check.check(s)
        if t.disagreements:
            return t
    return Tally()


@pytest.mark.parametrize("mutant", CONCRETE_MUTANTS)
def test_model_encoding_disagrees_with_each_mutant(mutant):
    """The concrete check is sensitive: the model's encoding against a mutant spec is caught,
    with the state, the action and both answers."""
    config = MUTANT_BY_NAME[mutant].config
    spec = _space(config, mutant, 1)[0]
    check = _concrete(config).with_spec(spec)
    found = _first_disagreement(check, breadth_first(spec))
    assert found.disagreements, f"the model's encoding agrees with {mutant} everywhere"
    d = found.disagreements[0]
    assert d.encoding != d.model and str(d.state) in str(d) and d.action in str(d)


@pytest.mark.parametrize("mutant", VARIANTS)
def test_model_abstraction_disagrees_with_each_variant(mutant):
    """The all-sizes check is sensitive: a variant's steps or states are caught by the model's
    abstraction (where the abstraction already allows the mutant's step, its invariants
    disagree with the mutant's broken state)."""
    config = MUTANT_BY_NAME[mutant].config
    spec = _space(config, mutant, 1)[0]
    found = _first_disagreement(_all_sizes(config).with_spec(spec), breadth_first(spec))
    assert found.disagreements, f"the model's abstraction agrees with {mutant} everywhere"


def test_a_wrong_formula_is_caught(monkeypatch):
    wrong = {**P.STATE_FORMULAS,
             "freeze_within_bound": lambda enc, s: z3.And([z3.Or(v.frozen_for == -1, v.frozen_for < enc.params.pause_bound)
                                                          for v in s.vms])}
    monkeypatch.setattr(P, "STATE_FORMULAS", wrong)
    spec, states = _space("TINY")
    found = _first_disagreement(ConcreteRefinement(spec, encoding_for(spec)), states)
    assert [d.check for d in found.disagreements] == ["state formula freeze_within_bound"]
    assert found.disagreements[0].encoding is False and found.disagreements[0].model == "holds"


# ---------------------------------------------------------------------- unreachable states


STATE_INVARIANTS = of_kind(ALWAYS, STATE)


def _holds_everywhere(spec: Spec, s: State) -> bool:
    return all(p.check(spec, s) is None for p in STATE_INVARIANTS)


@st.composite
def perturbed(draw, config: str):
    """A reachable state of `config` with a few fields changed to other values of their domain."""
    spec, states = _space(config)
    s = draw(st.sampled_from(states))
    g, bound = spec.params.granularity, spec.params.pause_bound
    timer = st.one_of(st.none(), st.integers(0, bound + g))
    for _ in range(draw(st.integers(1, 4))):
        what = draw(st.sampled_from(["vm", "host", "event", "incarnation", "removed"]))
        if what == "vm":
            i = draw(st.integers(0, len(s.vms) - 1))
            v = s.vms[i]
            field = draw(st.sampled_from(["memory", "snapshot", "frozen_for", "clock_lag", "unsynced_for", "status"]))
            value = {"memory": st.integers(0, 2), "snapshot": st.one_of(st.none(), st.integers(0, 2)),
                     "frozen_for": timer, "unsynced_for": timer, "clock_lag": st.integers(0, bound + g),
                     "status": st.sampled_from(["running", "frozen", "rebooting"])}[field]
            v = replace(v, **{field: draw(value)})
            s = replace(s, vms=s.vms[:i] + (v,) + s.vms[i + 1:])
        elif what == "host":
            h = draw(st.integers(0, len(s.hosts) - 1))
            x = replace(s.hosts[h], **{draw(st.sampled_from(["patched", "needs_reboot"])): draw(st.booleans())})
            s = replace(s, hosts=s.hosts[:h] + (x,) + s.hosts[h + 1:])
        elif what == "event" and s.events:
            k = draw(st.integers(0, len(s.events) - 1))
            e = s.events[k]
            field = draw(st.sampled_from(["not_before_in", "approved", "notice"]))
            value = {"not_before_in": st.one_of(st.none(), st.integers(0, e.notice)), "approved": st.booleans(),
                     "notice": st.integers(0, 2 * e.notice)}[field]
            e = replace(e, **{field: draw(value)})
            s = replace(s, events=s.events[:k] + (e,) + s.events[k + 1:])
        elif what == "incarnation":
            s = replace(s, incarnation=draw(st.integers(1, 60)))
        elif what == "removed":
            h = draw(st.integers(0, len(s.hosts) - 1))
            eid = spec.event_id(h, draw(st.integers(1, s.hosts[h].rounds or 1)))
            if s.event(eid) is None:
                s = replace(s, removed=s.removed ^ {eid})
    return s


UNREACHABLE = settings(max_examples=100, deadline=None, derandomize=True,
                       suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@UNREACHABLE
@given(data=st.data(), config=st.sampled_from(["TINY", "UNSAFE_SHARED_HOST"]))
def test_unreachable_invariant_states(data, config):
    """Induction steps from every state satisfying the invariants, reachable or not: both
    encodings must agree with the model there too."""
    spec, _ = _space(config)
    s = data.draw(perturbed(config))
    assume(s not in _reachable_set(config) and _holds_everywhere(spec, s))
    for check in (_concrete(config), _all_sizes(config)):
        t = check.check(s)
        assert t.states == 1 and not t.disagreements, "\n".join(map(str, t.disagreements[:3]))


@UNREACHABLE
@given(data=st.data(), config=st.sampled_from(["TINY", "UNSAFE_SHARED_HOST"]))
def test_perturbed_states_invariant_formulas(data, config):
    """On any perturbed state, invariants holding or not, each formula agrees with its predicate."""
    spec, _ = _space(config)
    s = data.draw(perturbed(config))
    for check in (_concrete(config), _all_sizes(config)):
        t = check.check_state(s)
        assert not t.disagreements, "\n".join(map(str, t.disagreements[:3]))



def test_user_events_first_states_both_encodings():
    """User restarts (R35): both encodings agree with the model on USER_EVENTS' first states
    (breadth-first, so a user's Reboot of either VM, Scheduled, approved and Started, is among them)."""
    spec, states = _space("USER_EVENTS", None, 1500)
    assert any(e.source == "User" and e.status == "Started" for s in states for e in s.events)
    _assert_agree("USER_EVENTS concrete", _concrete("USER_EVENTS"), states)
    _assert_agree("USER_EVENTS all-sizes", _all_sizes("USER_EVENTS"), states)


def test_spot_scale_set_first_states_both_encodings():
    """Evictions (R36, R37): both encodings agree with the model on SPOT_SCALE_SET's first states
    (breadth-first, so a Preempt and a Terminate, Started, and a VM gone are among them)."""
    spec, states = _space("SPOT_SCALE_SET", None, 1500)
    assert any(v.status == "gone" for s in states for v in s.vms)
    assert any(e.event_type == "Terminate" and e.status == "Started" for s in states for e in s.events)
    _assert_agree("SPOT_SCALE_SET concrete", _concrete("SPOT_SCALE_SET"), states)
    _assert_agree("SPOT_SCALE_SET all-sizes", _all_sizes("SPOT_SCALE_SET"), states)
