"""Stall detection under the recovery gap (R21, R18): an orchestrator that waits out a gap
longer than the stall bound is not stalled, and one that stops after the gap still is."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from vmspec.model import CONFIGS, RECOVERY_GAP
from vmspec.properties.conformance.impl import Cooperative, Episode, SpecViolation, Stalled, load_factory

ROOT = Path(__file__).resolve().parents[1]
SHORT = Fraction(45)  # under RECOVERY_GAP's 60 s gap, over its 30 s notice and 30 s pause bound


def _reference():
    return load_factory("examples.orchestrators.reference:factory", search=[ROOT])(
        RECOVERY_GAP.topology, RECOVERY_GAP.params)


def test_the_gap_is_longer_than_the_stall_bound_used_here():
    assert RECOVERY_GAP.params.gap() > SHORT


def test_waiting_out_a_recovery_gap_is_not_a_stall():
    run = Episode(RECOVERY_GAP.spec(), _reference(), config="RECOVERY_GAP", stall_after=SHORT)
    checker = run.run(Cooperative())
    assert checker.violation is None
    assert "R21" in checker.exercised
    assert all(h.patched for h in checker.state.hosts)


class GivesUpAfterTheReboot:
    """The reference orchestrator, silent once a rebooted update domain is back."""

    def __init__(self) -> None:
        self.inner = _reference()

    def decide(self, obs):
        if self.inner.recovering:
            return []
        return self.inner.decide(obs)


def test_stopping_after_the_gap_is_still_a_stall():
    run = Episode(RECOVERY_GAP.spec(), GivesUpAfterTheReboot(), config="RECOVERY_GAP", stall_after=SHORT)
    with pytest.raises(Stalled) as caught:
        run.run(Cooperative())
    assert caught.value.violation.rule == "R18"


@pytest.mark.parametrize("name", sorted(set(CONFIGS) - {"UNSAFE_SHARED_HOST"}))
def test_the_reference_orchestrator_completes_every_named_configuration(name):
    """The reference orchestrator of the README completes the rollout under a cooperative
    environment on every named configuration it can maintain."""
    c = CONFIGS[name]
    factory = load_factory("examples.orchestrators.reference:factory", search=[ROOT])
    checker = Episode(c.spec(), factory(c.topology, c.params), config=name).run(Cooperative())
    assert checker.violation is None and all(h.patched for h in checker.state.hosts)


def test_the_reference_orchestrator_is_refused_on_a_host_that_carries_two_update_domains():
    c = CONFIGS["UNSAFE_SHARED_HOST"]
    factory = load_factory("examples.orchestrators.reference:factory", search=[ROOT])
    with pytest.raises(SpecViolation) as caught:
        Episode(c.spec(), factory(c.topology, c.params), config=c.name).run(Cooperative())
    assert caught.value.violation.rule == "R22"
