"""Seeded random walks: thousands of steps per named configuration, every always-property
checked after every step, every sometimes-property reached."""

import pytest

from vmspec.model import AZURE_DEFAULT, SMALL, TINY, UNSAFE_SHARED_HOST
from vmspec.properties.catalogue.mutants import MUTANTS
from vmspec.properties.catalogue.registry import SOMETIMES, of_kind
from vmspec.properties.engines.walk import random_walks
from vmspec.properties.evidence.counterexample import replay

SOMETIMES_NAMES = {p.name for p in of_kind(SOMETIMES)}


@pytest.mark.parametrize("config, steps", [(TINY, 4000), (SMALL, 4000), (AZURE_DEFAULT, 6000)])
def test_named_configurations_pass_and_reach_every_sometimes(config, steps):
    r = random_walks(config.spec(), steps=steps, seed=7, config=config.name)
    assert r.steps == steps
    assert r.violations == {}, {k: v.render() for k, v in r.violations.items()}
    assert r.reached == SOMETIMES_NAMES
    assert r.completed >= 1 and r.actions["host_freeze"] > 0 and r.actions["platform_resume_host"] > 0


def test_unsafe_topology_never_completes_its_rollout():
    r = random_walks(UNSAFE_SHARED_HOST.spec(), steps=3000, seed=1, config=UNSAFE_SHARED_HOST.name)
    assert r.violations == {}
    assert r.completed == 0 and "reach_rollout_complete" not in r.reached
    assert r.actions["platform_start_event"] >= 1  # h1 is maintained; h0 never starts


def test_walks_are_reproducible():
    a = random_walks(TINY.spec(), steps=500, seed=3)
    b = random_walks(TINY.spec(), steps=500, seed=3)
    assert (a.actions, a.distinct_states, a.completed) == (b.actions, b.distinct_states, b.completed)


SAFETY_MUTANTS = [m for m in MUTANTS if m.name != "waits_for_approval"]


@pytest.mark.parametrize("mutant", SAFETY_MUTANTS, ids=lambda m: m.name)
def test_walks_catch_every_safety_mutant_and_the_trace_replays(mutant):
    from vmspec.model import CONFIGS

    config = CONFIGS[mutant.config]
    spec = mutant.spec(config.topology, config.params)
    r = random_walks(spec, steps=6000, seed=11, config=config.name, mutant=mutant.name)
    headline = mutant.breaks[0] if mutant.breaks[0] != "frozen_vm_resumes" else "deadlock_free"
    assert headline in r.violations
    cx = r.violations[headline]
    assert cx.rule == next(p.rule for p in of_kind("always") if p.name == headline)
    verdict = replay(cx)
    assert verdict.reproduced, verdict.detail


def test_waits_for_approval_is_invisible_to_safety_walks():
    """The liveness mutant breaks no safety property: only the explorer's lasso search finds it."""
    m = next(m for m in MUTANTS if m.name == "waits_for_approval")
    r = random_walks(m.spec(TINY.topology, TINY.params), steps=3000, seed=2)
    assert r.violations == {}
