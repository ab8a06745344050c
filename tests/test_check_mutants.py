"""`vmspec check` ends with a verdict on every mutant, never a traceback.

A mutant that deadlocks (`resume_forgotten` forgets to resume a frozen host) used to crash
the fuzz stage: once the deadlock was found and no longer watched, a later run reaching it
had no rule left to take.  A deadlocked run now stutters to its end
(`vmspec.properties.engines.machine.STUTTER_RULE`).  The default tests check the stutter and
the fuzz campaign on the mutants that deadlock; `-m slow` runs every mutant through every
stage of `vmspec check` on TINY (several minutes: the Z3 stage's bounded model checking
dominates).
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from vmspec.model import CONFIGS
from vmspec.properties.catalogue.mutants import MUTANTS
from vmspec.properties.cli.main import main
from vmspec.properties.engines.fuzz import fuzz_target, hypothesis_settings, search
from vmspec.properties.engines.machine import Coverage
from vmspec.properties.engines.strategies import World
from vmspec.properties.evidence.verdict import Target

TINY = CONFIGS["TINY"]


def test_a_deadlocked_run_stutters_to_its_end_without_a_model_step():
    """Nothing watched: runs of resume_forgotten reach its deadlock and end there, each
    stutter taking no step of the model."""
    world = World(TINY.name, TINY.topology, TINY.params)
    coverage = Coverage()
    exc, _ = search(st.just(world), mutant="resume_forgotten", watch=frozenset(),
                    config=hypothesis_settings("ci", max_examples=10, stateful_step_count=30), seed=0,
                    coverage=coverage)
    assert exc is None
    assert coverage.runs >= 10 and sum(coverage.actions.values()) == coverage.steps
    assert coverage.steps < 30 * coverage.runs  # some runs deadlocked and stuttered: fewer model steps


@pytest.mark.parametrize("name", ["resume_forgotten"] + [pytest.param(n, marks=pytest.mark.slow) for n in
                                                          ("migrate_under_freeze", "freeze_without_started_event")])
def test_the_fuzz_campaign_goes_on_after_finding_a_deadlock(name):
    result = fuzz_target(Target(TINY.topology, TINY.params, TINY.name, name), examples=1, seed=0, reduce=False)
    assert "deadlock_free" in result.counterexamples
    assert len(result.counterexamples) > 1, sorted(result.counterexamples)  # the searches after it ran


@pytest.mark.slow
@pytest.mark.parametrize("m", MUTANTS, ids=lambda m: m.name)
def test_every_mutant_through_every_stage_ends_with_a_verdict(m, tmp_path, capsys):
    code = main(["check", "--config", "TINY", "--mutant", m.name, "--out", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    last = out.strip().splitlines()[-1]
    assert last.startswith("FAILED" if code else "no property failed"), last
    assert "Traceback" not in out + err
