"""The explorer: pinned state counts and verdicts per configuration, the UNSAFE_SHARED_HOST
lasso, graph export, and the `vmspec explore` command's exit statuses and files."""

from __future__ import annotations

import json

import networkx as nx
import pytest

from vmspec.model import CONFIGS, Step
from vmspec.properties.cli.main import main
from vmspec.properties.engines.explore import explore, stage, verdicts
from vmspec.properties.engines.graph import nontrivial_sccs, starved_on_cycle
from vmspec.properties.evidence.counterexample import LASSO, Counterexample, replay
from vmspec.properties.evidence.verdict import Target


def _run(name: str, **kw):
    return explore(CONFIGS[name].spec(), config=name, **kw)


@pytest.fixture(scope="module")
def tiny():
    return _run("TINY")


@pytest.fixture(scope="module")
def tiny_unreduced():
    return _run("TINY", symmetry=False)


def test_tiny_pinned_counts_and_verdict(tiny, tiny_unreduced):
    assert (tiny_unreduced.states, tiny_unreduced.transitions, tiny_unreduced.depth) == (11931, 30483, 36)
    assert (tiny.states, tiny.transitions, tiny.depth) == (5982, 15290, 36)
    for r in (tiny, tiny_unreduced):
        assert r.complete and r.counterexamples == {}
        assert r.reached == {"reach_freeze", "reach_resume", "reach_early_start_by_approval",
                             "reach_watchdog_abort", "reach_rollout_complete"}
        assert not [v for v in verdicts(r) if v.failed]


def test_tiny_reduced_and_unreduced_verdicts_agree(tiny, tiny_unreduced):
    assert [(v.property, v.status) for v in verdicts(tiny)] == [(v.property, v.status) for v in verdicts(tiny_unreduced)]


def test_figures_are_reported(tiny):
    f = tiny.figures()
    assert f["states"] == 5982 and f["transitions"] == 15290 and f["depth"] == 36 and f["complete"]
    assert tiny.states_per_second > 0 and tiny.peak_rss_mb > 0 and tiny.seconds >= tiny.search_seconds > 0


UNSAFE_LASSO = [
    ("platform_announce_event", ("h1", "Freeze")),
    ("time_passes", (30,)),
    ("platform_start_event", ("h1#1",)),
    ("host_freeze", ("h1",)),
    ("host_apply_patch", ("h1",)),
    ("platform_resume_host", ("h1",)),
    ("platform_complete_event", ("h1#1",)),
    ("time_passes", (10,)),
]


@pytest.mark.parametrize("symmetry", [True, False])
def test_unsafe_shared_host_fails_with_a_fair_lasso(symmetry):
    """h0 carries both update domains of as0: no event may name its VMs (R22), so h0 is
    never patched (R18); the rest of the rollout finishes and time passes forever."""
    r = _run("UNSAFE_SHARED_HOST", symmetry=symmetry)
    assert r.complete and r.states == 186 and r.transitions == 348
    assert set(r.counterexamples) == {"every_host_patched"}
    c = r.counterexamples["every_host_patched"]
    assert (c.kind, c.loop_start) == (LASSO, 8)
    assert c.actions() == [Step(a, args) for a, args in UNSAFE_LASSO]
    verdict = replay(c)
    assert verdict.reproduced and "host h0 patched" in verdict.detail
    spec = CONFIGS["UNSAFE_SHARED_HOST"].spec()
    assert starved_on_cycle(spec, verdict.states[7:-1], c.actions()[7:]) == set()
    failed = {v.property for v in verdicts(r) if v.failed}
    assert failed == {"every_host_patched", "reach_rollout_complete"}


@pytest.mark.slow
def test_small_reduced_pinned():
    r = _run("SMALL", keep_graph=False)
    assert (r.states, r.transitions) == (135249, 453836)
    assert r.complete and r.counterexamples == {} and not [v for v in verdicts(r) if v.failed]


@pytest.mark.slow
def test_small_unreduced_pinned_and_agrees():
    r = _run("SMALL", symmetry=False, keep_graph=False)
    reduced = _run("SMALL", keep_graph=False)
    assert (r.states, r.transitions) == (292554, 969616)
    assert [(v.property, v.status) for v in verdicts(r)] == [(v.property, v.status) for v in verdicts(reduced)]


def test_max_states_cuts_the_search_and_decides_nothing_else():
    r = _run("TINY", max_states=500)
    assert not r.complete and 500 <= r.states < 520  # stops before expanding once 500 are known
    statuses = {v.property: v.status for v in verdicts(r)}
    assert statuses["type_ok"] == "not falsified" and statuses["every_host_patched"] == "not falsified"
    assert statuses["reach_rollout_complete"] == "unknown"  # not reached before the bound: a failure
    assert all(v.bound == f"first {r.states:,} states" for v in verdicts(r) if v.status == "not falsified")
    decided = verdicts(r, decided_only=True)
    assert {v.status for v in decided} == {"reached", "not falsified"}
    assert "reach_rollout_complete" not in {v.property for v in decided}


def test_graph_is_networkx_and_matches_counts():
    r = _run("UNSAFE_SHARED_HOST")
    g = r.graph
    assert isinstance(g, nx.DiGraph) and g.number_of_nodes() == 186 and g.number_of_edges() == 348
    assert _run("TINY", max_states=50, keep_graph=False).graph is None


def test_nontrivial_sccs_finds_cycles_and_self_loops_only():
    succ = [(1,), (2,), (1, 3), (3,), ()]
    assert nontrivial_sccs(succ) == [[3], [1, 2]]
    assert nontrivial_sccs(succ, keep=lambda i: i != 2) == [[3]]


def test_stage_for_check_reports_figures():
    t = Target(CONFIGS["TINY"].topology, CONFIGS["TINY"].params, "TINY")

    class Opts:
        max_states = 2000

    res = stage(t, Opts())
    assert res.engine == "explore" and res.figures["states"] >= 2000 and not res.figures["complete"]
    # an incomplete search says only what it found, and that the rest is not falsified within its bound
    assert res.verdicts and {v.status for v in res.verdicts} == {"reached", "not falsified"}
    assert res.bound.startswith("stopped at ")


# ---------------------------------------------------------------------- the command


def test_cli_explore_mutant_writes_counterexample_and_exits_1(tmp_path, capsys):
    rc = main(["explore", "--mutant", "no_watchdog", "--out", str(tmp_path), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 1 and not out["ok"] and out["figures"]["complete"]
    files = [f for f in out["counterexamples"] if f.endswith("freeze_within_bound.json")]
    c = Counterexample.load(files[0])
    assert c.engine == "explore" and c.mutant == "no_watchdog" and replay(c).reproduced


def test_cli_explore_unsafe_exits_1_and_writes_graph(tmp_path, capsys):
    dot = tmp_path / "g.dot"
    rc = main(["explore", "--config", "UNSAFE_SHARED_HOST", "--out", str(tmp_path), "--graph", str(dot), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 1 and out["graph"] == str(dot)
    assert any(f.endswith("explore-model-every_host_patched.json") for f in out["counterexamples"])
    body = dot.read_text()
    assert body.startswith("digraph vmspec {") and body.count(" -> ") == 348


def test_cli_explore_graphml(tmp_path, capsys):
    out = tmp_path / "g.graphml"
    rc = main(["explore", "--config", "UNSAFE_SHARED_HOST", "--out", str(tmp_path), "--graph", str(out), "--json"])
    assert rc == 1
    g = nx.read_graphml(out)
    assert g.number_of_nodes() == 186


def test_cli_explore_correct_model_exits_0(tmp_path, capsys):
    assert main(["explore", "--config", "TINY", "--out", str(tmp_path)]) == 0
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("args, field", [
    (["--graph", "g.png"], "--graph"),
    (["--max-states", "0"], "--max-states"),
])
def test_cli_explore_bad_options_exit_2(tmp_path, capsys, args, field):
    assert main(["explore", "--config", "TINY", "--out", str(tmp_path)] + args) == 2
    err = capsys.readouterr().err
    assert field in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())


def test_cli_explore_bad_topology_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[hosts]]\nname = "h0"\nupdate = "sideways"\n')
    assert main(["explore", "--topology", str(bad), "--out", str(tmp_path / "out")]) == 2
    assert "bad.toml" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_unplanned_pinned_counts_and_verdict():
    """UNPLANNED is TINY with hardware failures (R34): 21,440 states unreduced (tests/test_naive_count.py),
    10,737 with symmetry; every property holds, the rollout still completes."""
    r = _run("UNPLANNED")
    assert (r.states, r.transitions, r.depth) == (10737, 26696, 36)
    assert r.complete and r.counterexamples == {} and "reach_rollout_complete" in r.reached
    assert not [v for v in verdicts(r) if v.failed]


@pytest.mark.slow
def test_user_events_pinned_counts_and_verdict():
    """USER_EVENTS is TINY where either VM's owner may restart it before its host's maintenance (R35):
    42,189 states unreduced (tests/test_naive_count.py), 21,125 with symmetry; every property holds."""
    r = _run("USER_EVENTS")
    assert (r.states, r.transitions, r.depth) == (21125, 54218, 44)
    assert r.complete and r.counterexamples == {} and "reach_rollout_complete" in r.reached
    assert not [v for v in verdicts(r) if v.failed]


@pytest.mark.slow
def test_spot_scale_set_pinned_counts_and_verdict():
    """SPOT_SCALE_SET is TINY's shape as a scale set whose vm1 is a Spot VM (R36, R37): 12,257 states with
    or without symmetry (a Spot VM and a regular one never swap); every property holds, and VMs are gone
    in some states."""
    r = _run("SPOT_SCALE_SET")
    assert (r.states, r.transitions, r.depth) == (12257, 33278, 32)
    assert r.complete and r.counterexamples == {} and "reach_rollout_complete" in r.reached
    assert not [v for v in verdicts(r) if v.failed]


@pytest.mark.slow
def test_scale_in_pinned_counts_and_verdict():
    """SCALE_IN is a scale set of three regular VMs (R37): 125,258 states with symmetry; every property holds."""
    r = _run("SCALE_IN", keep_graph=False)
    assert (r.states, r.transitions, r.depth) == (125258, 422634, 47)
    assert r.complete and r.counterexamples == {} and "reach_rollout_complete" in r.reached
    assert not [v for v in verdicts(r) if v.failed]


def test_spot_scale_set_first_states_hold():
    """The cheap twin of the pinned SPOT_SCALE_SET search (slow): its first 3,000 states break no property."""
    r = _run("SPOT_SCALE_SET", max_states=3000, keep_graph=False)
    assert not r.complete and r.counterexamples == {}
    assert r.states >= 3000


def test_user_events_first_states_hold():
    """The cheap twin of the pinned USER_EVENTS search (slow): its first 3,000 states break no property
    (tests/test_z3_refinement.py walks a user's Reboot through its whole life on the same states)."""
    r = _run("USER_EVENTS", max_states=3000, keep_graph=False)
    assert not r.complete and r.counterexamples == {}
    assert r.states >= 3000
