"""The parallel explorer (`explore(..., jobs=2)`, `vmspec explore --jobs 2`) against the sequential
search: the same states, transitions, depths, graph, verdicts and counterexamples, complete or
cut by `max_states` or `stop_when`, on the model and on mutants."""

from __future__ import annotations

import json

import pytest

from vmspec.model import CONFIGS
from vmspec.properties.catalogue.mutants import mutant
from vmspec.properties.cli.main import main
from vmspec.properties.engines.explore import explore, verdicts


def _same(a, b) -> None:
    assert (a.states, a.transitions, a.depth, a.complete) == (b.states, b.transitions, b.depth, b.complete)
    assert a.reached == b.reached
    assert [(v.property, v.status, v.detail) for v in verdicts(a)] == [(v.property, v.status, v.detail)
                                                                       for v in verdicts(b)]
    assert a.counterexamples.keys() == b.counterexamples.keys()
    for name, c in a.counterexamples.items():
        d = b.counterexamples[name]
        assert (c.kind, c.loop_start, c.message, c.steps) == (d.kind, d.loop_start, d.message, d.steps)
    if a._succ is not None:
        assert a._succ == b._succ and a._labels == b._labels


def _both(spec, **kw):
    return explore(spec, jobs=1, **kw), explore(spec, jobs=2, **kw)


def test_tiny_complete_on_two_processes_keeps_the_pinned_counts():
    r = explore(CONFIGS["TINY"].spec(), config="TINY", jobs=2, keep_graph=False)
    assert (r.states, r.transitions, r.depth, r.complete) == (5982, 15290, 36, True)
    assert r.counterexamples == {} and not [v for v in verdicts(r) if v.failed]
    assert r.reached == {"reach_freeze", "reach_resume", "reach_early_start_by_approval", "reach_watchdog_abort",
                         "reach_rollout_complete"}


@pytest.mark.parametrize("symmetry", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_tiny_cut_by_max_states_gives_the_same_graph(symmetry):
    """1,500 states stop the search in the middle of a breadth-first level: the parallel search
    keeps exactly the states and transitions the sequential one does."""
    _same(*_both(CONFIGS["TINY"].spec(), config="TINY", symmetry=symmetry, max_states=1500))


def test_mutant_with_safety_deadlock_and_lasso_counterexamples():
    """no_watchdog breaks R2 (a safety counterexample) and leaves the frozen VMs and the
    host's patch pending (liveness, found on the merged graph): the same shortest ones."""
    m = mutant("no_watchdog")
    cfg = CONFIGS[m.config]
    a, b = _both(m.spec(cfg.topology, cfg.params), config=cfg.name, mutant=m.name)
    assert {"freeze_within_bound", "frozen_vm_resumes", "every_host_patched"} <= b.counterexamples.keys()
    _same(a, b)


@pytest.mark.parametrize("symmetry", [pytest.param(False, marks=pytest.mark.slow), True])
def test_stop_when_cuts_where_the_sequential_search_stops(symmetry):
    m = mutant("reboot_sliced_like_freeze")
    cfg = CONFIGS[m.config]
    a, b = _both(m.spec(cfg.topology, cfg.params), config=cfg.name, mutant=m.name, symmetry=symmetry,
                 stop_when=m.breaks)
    assert not b.complete and set(m.breaks) <= b.counterexamples.keys()
    _same(a, b)


def test_unsafe_shared_host_lasso_on_the_merged_graph():
    _same(*_both(CONFIGS["UNSAFE_SHARED_HOST"].spec(), config="UNSAFE_SHARED_HOST", symmetry=False))


def test_explore_command_with_jobs(capsys):
    outs = []
    for jobs in ("1", "2"):
        status = main(["explore", "--config", "TINY", "--max-states", "600", "--jobs", jobs, "--json"])
        out = json.loads(capsys.readouterr().out)
        outs.append((status, {k: v for k, v in out["figures"].items() if "second" not in k and "rss" not in k},
                     out["verdicts"]))
    assert outs[0] == outs[1] and outs[0][1]["states"] >= 600 and not outs[0][1]["complete"]
    assert main(["explore", "--config", "TINY", "--jobs", "0"]) == 2
    assert main(["explore", "--config", "TINY", "--jobs", "2", "--engine", "spin"]) == 2  # SPIN's search is its own
