"""Exact time in ticks, and incremental property checks with their debug mode.

The trace checker keeps time as integer ticks over a common denominator, widening it as
times need (and as a Fraction past a bound); properties are re-checked only when a part of
the state they declare they read changed, and with ``VMSPEC_CHECK_SKIPPED=1`` (on in this
suite) a wrong declaration is caught where it would have changed a verdict."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest

from vmspec.model import CONFIGS, TINY, Spec, Step
from vmspec.properties.catalogue import registry
from vmspec.properties.catalogue.registry import (
    EVERYTHING,
    REGISTRY,
    SkippedCheckFailed,
    changed,
    check_skipped,
)
from vmspec.properties.conformance.trace import conform
from vmspec.properties.conformance.trace.conform import TraceChecker
from vmspec.properties.engines.explore import explore
from vmspec.properties.engines.walk import random_walks


def test_the_suite_runs_with_the_debug_mode_on():
    assert check_skipped()


def test_time_widens_its_denominator_and_stays_exact():
    spec = TINY.spec()
    c = TraceChecker(spec, start=Fraction(1, 2))
    for t in (Fraction(3, 2), Fraction("2.25"), Fraction("2.251"), Fraction(7, 3), Fraction(5)):
        c.advance(t)
        assert c.now == t and isinstance(c.now, Fraction)
    assert c.violation is None and c.result().duration == Fraction(5) - Fraction(1, 2)


def test_time_falls_back_to_fractions_past_the_bound(monkeypatch):
    monkeypatch.setattr(conform, "_MAX_TICKS_PER_SECOND", 50)
    c = TraceChecker(TINY.spec())
    c.advance(Fraction("0.125"))
    c.apply(Step("time_passes", (Fraction(1, 7),)))  # lcm(8, 7) = 56 > 50: Fraction from here on
    c.advance(Fraction(3))
    assert c._den is None and c.now == 3 and c.violation is None


def test_time_passing_in_an_idle_state_keeps_the_state_itself():
    spec = TINY.spec()
    s = spec.initial_state()
    t = spec.step(s, Step("time_passes", (1,)))  # running guests write: the VMs change
    assert changed(s, t) == registry.PARTS["vms"]
    assert spec.step(t, Step("time_passes", (1,))) is t  # nothing left to change
    assert changed(t, t) == 0


def test_every_registry_property_declares_what_it_reads():
    undeclared = [p.name for p in REGISTRY if p.reads == EVERYTHING and p.scope != registry.DEADLOCK]
    assert undeclared == []


def _lying(monkeypatch, name: str, reads: tuple[str, ...]) -> None:
    """Make property `name` declare it reads only `reads` (a wrong declaration)."""
    lying = [replace(p, reads=registry.parts(reads)) if p.name == name else p for p in REGISTRY]
    monkeypatch.setattr(registry, "REGISTRY", lying)
    for module in ("explore", "walk", "machine"):
        monkeypatch.setattr(f"vmspec.properties.engines.{module}.REGISTRY", lying)
    monkeypatch.setattr(conform, "REGISTRY", lying)


@pytest.mark.parametrize("engine", ["explore", "walk", "trace", "machine"])
def test_a_wrong_declaration_is_caught_by_the_debug_mode(monkeypatch, engine):
    # memory_lost_only_by_reboot reads the VMs; claiming it reads only the removed EventIds
    # makes every engine skip it when time passes (which changes the VMs only), and under the
    # mutant whose frozen guests keep writing that skip would hide a violation.
    from vmspec.properties.catalogue.mutants import MUTANTS

    m = next(m for m in MUTANTS if m.name == "frozen_guest_keeps_writing")
    spec = m.spec(CONFIGS[m.config].topology, CONFIGS[m.config].params)
    run = explore(spec, symmetry=False).counterexamples["memory_lost_only_by_reboot"]
    _lying(monkeypatch, "memory_lost_only_by_reboot", ("removed",))
    with pytest.raises(SkippedCheckFailed, match="memory_lost_only_by_reboot"):
        if engine == "explore":
            explore(spec, symmetry=False)
        elif engine == "walk":
            random_walks(spec, steps=20000, seed=0)
        elif engine == "trace":
            c = TraceChecker(spec)
            for st in run.steps:
                c.apply(Step(st.action, tuple(st.args)))
        else:
            from vmspec.properties.engines.machine import Monitor

            mon = Monitor(spec)
            for st in run.steps:
                if mon.take(Step(st.action, tuple(st.args))) or mon.check_state():
                    break


def _reachable(spec):
    seen, order = {spec.initial_state()}, [spec.initial_state()]
    for s in order:
        for _, t in spec.successors(s):
            if t not in seen:
                seen.add(t)
                order.append(t)
    return order


def test_time_that_leaves_a_timer_free_state_unchanged_does_so_for_every_duration():
    """The trace checker skips the model step in a still state; this is what it relies on,
    on every reachable TINY state."""
    spec = TINY.spec()
    still = 0
    for s in _reachable(spec):
        if any(v.frozen_for is not None or v.unsynced_for is not None for v in s.vms):
            continue
        if spec.time_passes(s, spec.params.granularity) is s:
            still += 1
            for dt in (Fraction(1, 1000), 1, 7, Fraction(10**6, 3)):
                assert spec.time_passes(s, dt) is s
    assert still > 0


def test_an_idle_trace_skips_the_model_step_in_a_still_state(monkeypatch):
    monkeypatch.setenv(registry.CHECK_SKIPPED_ENV, "0")
    calls = []
    real = Spec.time_passes
    monkeypatch.setattr(Spec, "time_passes", lambda self, s, dt: calls.append(dt) or real(self, s, dt))
    spec = TINY.spec()
    c = TraceChecker(spec)
    for k in range(1, 12):
        c.advance(Fraction(k * 1000))
    assert c.violation is None and c._still is c.state
    n = len(calls)
    c.advance(Fraction(20_000))
    c.advance(Fraction(20_001))
    assert len(calls) == n and c.steps == 13 and c.result().actions == {"time_passes": 13}


def test_the_debug_mode_catches_a_state_wrongly_taken_as_still():
    """The still shortcut's broken variant: a state where time does change things, taken as
    still; the debug mode (on in this suite) takes the step and refuses."""
    spec = TINY.spec()
    c = TraceChecker(spec)
    c._still = c.state  # the initial state: running guests have not written yet, so time changes it
    with pytest.raises(SkippedCheckFailed, match="changed a state"):
        c.advance(Fraction(1))
