"""The `events` stage of `vmspec check`: every VM's capture of the model passes the API contract;
a mutant that breaks what a VM observes fails it."""

from argparse import Namespace

from vmspec.model import CONFIGS
from vmspec.properties.conformance.events.stage import RULES, stage
from vmspec.properties.evidence.verdict import NOT_FALSIFIED, VIOLATED, Target


def run(config, mutant=None, seed=0):
    c = CONFIGS[config]
    return stage(Target(c.topology, c.params, config, mutant), Namespace(seed=seed, steps=2000))


def test_every_capture_of_the_model_passes():
    for config in ("TINY", "SMALL", "AZURE_DEFAULT"):
        r = run(config)
        assert {v.status for v in r.verdicts} == {NOT_FALSIFIED}, [v.detail for v in r.verdicts if v.detail]
        assert {v.rule for v in r.verdicts} == set(RULES)
        assert r.figures["observations"] > 0 and r.figures["findings"] == 0


def test_a_mutant_the_vm_can_see_is_caught_under_its_rule():
    r = run("TINY", "incarnation_not_bumped")
    failed = {v.rule: v.detail for v in r.verdicts if v.status == VIOLATED}
    assert set(failed) == {"R10"} and "DocumentIncarnation" in failed["R10"]
    r = run("TINY", "start_before_notbefore")
    assert "R8" in {v.rule for v in r.verdicts if v.status == VIOLATED}
