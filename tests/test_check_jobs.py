"""`vmspec check --jobs 2`: the z3 stage (here a cheap stand-in) runs in a second process;
the results are those of the stages run one after another, in the same order."""

from __future__ import annotations

import argparse

import pytest

from vmspec.model import TINY
from vmspec.properties.engines import check
from vmspec.properties.evidence.verdict import Target


def _opts(jobs: int) -> argparse.Namespace:
    return argparse.Namespace(steps=300, seed=3, skip=["explore", "fuzz", "z3"], jobs=jobs, max_states=None)


def _target() -> Target:
    return Target(TINY.topology, TINY.params, "TINY", None)


def test_two_processes_give_the_results_of_one(monkeypatch):
    monkeypatch.setattr(check, "ASIDE", ("events",))  # the events stage goes to the second process
    one = check.run(_target(), _opts(1))
    two = check.run(_target(), _opts(2))
    assert [r.engine for r in two] == [r.engine for r in one] == ["walk", "events"]
    for a, b in zip(one, two):
        assert a.verdicts == b.verdicts and a.bound == b.bound  # summaries hold timings


def test_a_failure_in_the_second_process_is_raised_here(monkeypatch):
    def broken(target, opts):
        raise ValueError("the stage broke")

    stages = [s if s.name != "events" else check.Stage("events", broken, "broken") for s in check.STAGES]
    monkeypatch.setattr(check, "STAGES", stages)
    monkeypatch.setattr(check, "ASIDE", ("events",))
    with pytest.raises(ValueError, match="the stage broke"):
        check.run(_target(), _opts(2))


def test_the_default_uses_two_processes_only_with_two_cores(monkeypatch):
    monkeypatch.setattr(check.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert check.jobs_default() == 1
    monkeypatch.setattr(check.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert check.jobs_default() == 2
