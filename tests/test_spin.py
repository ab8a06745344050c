"""SPIN behind `vmspec explore --engine spin`: the generated Promela model has the explorer's
states and edges, its counterexamples replay through the Python model with the explorer's
lengths, a disagreement is an error, and whatever the generator does not encode is refused.

pan is compiled once per session per model (a fixture); each search on TINY takes well under
a second.  SMALL's agreement is `slow`."""

from __future__ import annotations

import os
import subprocess
from dataclasses import replace

import pytest
from naive_search import NaiveCount
from test_mutants_explore import PINS
from test_naive_count import PINNED, SET_WIDE

from vmspec.model import ACTIONS, CONFIGS, SMALL, TINY, UNSAFE_SHARED_HOST, Spec
from vmspec.model.topology import VM, AvailabilitySet, Host, Topology
from vmspec.properties.catalogue.mutants import MUTANTS, mutant
from vmspec.properties.catalogue.registry import REGISTRY
from vmspec.properties.cli.main import main
from vmspec.properties.engines import promela, spin
from vmspec.properties.engines.explore import explore
from vmspec.properties.engines.explore import verdicts as explore_verdicts
from vmspec.properties.evidence.counterexample import replay
from vmspec.properties.evidence.verdict import UNKNOWN

try:
    spin.tools()
    HAVE_SPIN = True
except spin.SpinMissing:
    HAVE_SPIN = False

# CI installs spin (.ci/run): there a missing spin is a failure, elsewhere a skip
needs_spin = pytest.mark.skipif(not HAVE_SPIN and not os.environ.get("CI"), reason="spin or gcc not installed")

_compiled: dict[tuple[bool, str, str | None], spin.Compiled] = {}


def compiled(config: str, mutant_name: str | None = None, *, live: bool = False) -> spin.Compiled:
    """pan for a configuration (and mutant), or with `live` its liveness model's, compiled once per session."""
    key = (live, config, mutant_name)
    if key not in _compiled:
        spec = _spec(config, mutant_name)
        generate = promela.generate_liveness if live else promela.generate
        _compiled[key] = spin.compile_model(generate(spec, mutant_name, config=config))
    return _compiled[key]


def compiled_live(config: str, mutant_name: str | None = None) -> spin.Compiled:
    return compiled(config, mutant_name, live=True)


def _spec(config: str, mutant_name: str | None) -> Spec:
    c = CONFIGS[config]
    return mutant(mutant_name).spec(c.topology, c.params) if mutant_name else c.spec()


@needs_spin
def test_tiny_states_and_edges_equal_the_explorers():
    r = spin.search(TINY.spec(), config="TINY", compiled=compiled("TINY"), live=compiled_live("TINY"))
    # the unreduced explorer's figures, pinned in test_explore.py
    assert (r.states, r.transitions, r.depth) == (11931, 30483, 36)
    assert not r.counterexamples and not r.disagreements and not r.not_checked
    assert r.reached == {p.name for p in REGISTRY if p.kind == "sometimes"} and r.pan_runs == 1
    vs = spin.verdicts(r)
    assert all(v.status in ("holds", "reached") for v in vs)
    # R18 and R19 hold under weak fairness, as the explorer finds
    assert {v.property: v.status for v in vs if v.kind == "eventually"} == \
        {"every_host_patched": "holds", "frozen_vm_resumes": "holds"}
    assert r.live is not None and r.live.runs == 5  # the cycle without time, 2 hosts, 2 VMs


@needs_spin
def test_unsafe_shared_host_agrees_with_the_explorer():
    spec = UNSAFE_SHARED_HOST.spec()
    r = spin.search(spec, config="UNSAFE_SHARED_HOST", compiled=compiled("UNSAFE_SHARED_HOST"))
    e = explore(spec, symmetry=False, keep_graph=False)
    assert (r.states, r.transitions, r.depth) == (e.states, e.transitions, e.depth) == (186, 348, 19)
    assert r.reached == e.reached
    # h0 is never patched (R18): a fair lasso for both engines, replayed through the model
    assert not r.not_checked and set(r.counterexamples) == set(e.counterexamples) == {"every_host_patched"}
    c = r.counterexamples["every_host_patched"]
    assert c.kind == "lasso" and replay(c).reproduced


# Mutants SPIN checks on a smaller configuration than the catalogue's, where the explorer finds a
# counterexample of the same length: terminate_ignores_pending shows on SPOT_SCALE_SET (12,257 states, both
# VMs of one scale set), 4 steps as on SCALE_IN (732,626 states unreduced)
SPIN_CONFIG = {"terminate_ignores_pending": "SPOT_SCALE_SET"}


def _agrees(name: str, live: bool = False) -> None:
    """The mutant's safety counterexamples are the explorer's pinned ones in length, its liveness
    counterexamples (with `live`) are found for the pinned properties, and all replay."""
    m = mutant(name)
    config = SPIN_CONFIG.get(name, m.config)
    spec = _spec(config, name)
    r = spin.search(spec, config=config, mutant=name, compiled=compiled(config, name),
                    live=compiled_live(config, name) if live else False)
    assert not r.disagreements
    assert r.pan_runs == 1  # one search found every property's first error and the deadlock, if any
    eventually = {p.name for p in REGISTRY if p.kind == "eventually"}
    pinned = {p: len(steps) for p, (_, _, steps) in PINS[name].items() if p not in set(r.not_checked) | eventually}
    if config != m.config:  # the explorer's shortest counterexamples on the smaller configuration are as long
        e = explore(spec, config=config, mutant=name, symmetry=False, keep_graph=False, stop_when=tuple(pinned))
        assert {p: len(e.counterexamples[p]) for p in pinned} == pinned
    assert {p: len(r.counterexamples[p]) if p in r.counterexamples else None for p in pinned} == pinned
    if live:  # depth-first: SPIN's lassos are not the shortest
        assert set(PINS[name]) & eventually <= set(r.counterexamples)
    for c in r.counterexamples.values():
        assert replay(c).reproduced, c.property
        assert c.engine == "spin"


# the three mutants, live migration's (R27), the terminate order's (R37) and the group event's (R30)
# by default; every encoded mutant under -m slow
DEFAULT_MUTANTS = ("slice_guard_dropped", "no_watchdog", "memory_reset_on_resume", "live_migration_loses_memory",
                   "terminate_ignores_pending", "group_spans_slices")


@needs_spin
@pytest.mark.parametrize("name", DEFAULT_MUTANTS)
def test_mutant_caught_with_the_explorers_shortest_counterexample(name):
    _agrees(name)


@needs_spin
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(set(promela.ENCODED_MUTANTS) - set(DEFAULT_MUTANTS)))
def test_every_encoded_mutant_caught_with_the_explorers_shortest_counterexample(name):
    _agrees(name, live=True)


# the mutants that break R18 or R19 (waits_for_approval: a lasso; resume_forgotten: deadlocks)
LIVENESS_MUTANTS = ("waits_for_approval", "resume_forgotten", "resync_never_runs")


@needs_spin
@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n == "resync_never_runs" else n
                                  for n in LIVENESS_MUTANTS])
def test_liveness_mutant_violates_what_the_explorer_finds(name):
    m = mutant(name)
    spec = _spec(m.config, name)
    lv = spin.liveness(spec, config=m.config, mutant=name, compiled=compiled_live(m.config, name))
    e = explore(spec, config=m.config, mutant=name, keep_graph=False)  # symmetry on where the mutant allows it
    assert not lv.undecided
    assert set(lv.counterexamples) == {p for p, c in e.counterexamples.items() if c.kind != "safety"} - {"deadlock_free"}
    assert set(lv.counterexamples) >= {p for p in m.breaks if p in promela.LIVENESS}
    for c in lv.counterexamples.values():
        assert c.engine == "spin" and replay(c).reproduced, c.message
    # pan -i shortened each lasso within its budget, to the lengths pinned (the explorer's are 4; 9, 9; 9, 11)
    assert not lv.shortening_cut
    assert all(kept <= first for first, kept in lv.shortened.values())
    assert {p: len(c) for p, c in lv.counterexamples.items()} == SHORTENED[name]


# SPIN's lassos after pan -i (the nested depth-first search first found 25; 23, 13; 18, 15 steps)
SHORTENED = {"waits_for_approval": {"every_host_patched": 6},
             "resume_forgotten": {"every_host_patched": 9, "frozen_vm_resumes": 9},
             "resync_never_runs": {"every_host_patched": 9, "frozen_vm_resumes": 12}}


@needs_spin
def test_a_liveness_cycle_the_model_refuses_is_undecided_never_a_pass():
    # the model waits for an approval (R18 broken), the Python model is the correct one: SPIN's lasso
    # keeps host h0 unpatched where the model would start the event at NotBefore
    lv = spin.liveness(TINY.spec(), config="TINY", compiled=compiled_live("TINY", "waits_for_approval"))
    assert not lv.counterexamples and "every_host_patched" in lv.undecided
    assert "SPIN and the Python model disagree" in lv.undecided["every_host_patched"]


@needs_spin
def test_a_fair_action_that_stays_enabled_leaves_liveness_undecided(monkeypatch, tmp_path):
    # a broken translation: the clock resync changes nothing, so it stays enabled once taken and loops
    # without time; the liveness runs must not decide R18 or R19 on such a model
    real = promela.Gen.instances

    def broken(self):
        return [(i, g, "skip" if i.action == "vm_clock_resync" else e) for i, g, e in real(self)]

    monkeypatch.setattr(promela.Gen, "instances", broken)
    model = promela.generate_liveness(TINY.spec(), config="TINY")
    lv = spin.liveness(TINY.spec(), config="TINY", compiled=spin.compile_model(model, tmp_path))
    assert not lv.counterexamples and set(lv.undecided) == set(promela.LIVENESS)
    why = lv.undecided["every_host_patched"]
    assert "cycle without a time step" in why or "stays enabled after it is taken" in why


@needs_spin
def test_a_trail_the_model_refuses_is_a_disagreement_never_a_pass():
    # SPIN searches the mutant's model, the Python model is the correct one: SPIN's counterexample
    # (two update domains started at once) does not replay, so the verdict is unknown
    name = "slice_guard_dropped"
    r = spin.search(TINY.spec(), config="TINY", compiled=compiled("TINY", name), live=False)
    assert "one_slice_at_a_time" not in r.counterexamples
    assert r.disagreements
    vs = {v.property: v for v in spin.verdicts(r)}
    bad = next(iter(r.disagreements))
    assert vs[bad].status == UNKNOWN and vs[bad].failed and "does not replay" in vs[bad].detail


@needs_spin
@pytest.mark.parametrize("name", ["LIVE_MIGRATION", "USER_EVENTS"])
def test_newer_parameters_have_the_explorers_states_and_edges(name):
    # R27 live migration, R35 user restarts: the unreduced explorer's figures, pinned in test_naive_count.py
    r = spin.search(CONFIGS[name].spec(), config=name, compiled=compiled(name), live=False)
    assert NaiveCount(r.states, r.transitions, r.depth) == PINNED[name][0]
    assert not r.counterexamples and not r.disagreements
    assert r.reached == {p.name for p in REGISTRY if p.kind == "sometimes"}


@needs_spin
def test_evictions_have_the_explorers_states_edges_and_verdicts():
    # R36, R37 on SPOT_SCALE_SET: a Spot VM preempted, either VM deleted, gone for good; the unreduced
    # explorer's figures (test_naive_count.py), every property holding, R18 and R19 too under weak
    # fairness (the eviction fair, the Preempt and the deletion not), as the explorer finds
    name = "SPOT_SCALE_SET"
    r = spin.search(CONFIGS[name].spec(), config=name, compiled=compiled(name), live=compiled_live(name))
    assert NaiveCount(r.states, r.transitions, r.depth) == PINNED[name][0]
    assert not r.counterexamples and not r.disagreements and not r.not_checked
    assert r.reached == {p.name for p in REGISTRY if p.kind == "sometimes"}
    assert {v.status for v in spin.verdicts(r)} == {"holds", "reached"}


@needs_spin
def test_group_events_have_the_explorers_states_and_edges():
    # R30 on SET_WIDE: one Reboot may name the VMs of h0 and h1; the unreduced explorer's figures
    # (test_naive_count.py) and sometimes-properties (every update needs a reboot: nothing is frozen)
    r = spin.search(CONFIGS["SET_WIDE"].spec(), config="SET_WIDE", compiled=compiled("SET_WIDE"), live=False)
    assert NaiveCount(r.states, r.transitions, r.depth) == SET_WIDE[0] == NaiveCount(39555, 128801, 25)
    assert not r.counterexamples and not r.disagreements
    assert r.reached == {"reach_early_start_by_approval", "reach_rollout_complete"}


@needs_spin
@pytest.mark.slow
def test_group_events_have_the_explorers_verdicts_under_weak_fairness():
    spec = CONFIGS["SET_WIDE"].spec()
    r = spin.search(spec, config="SET_WIDE", compiled=compiled("SET_WIDE"), live=compiled_live("SET_WIDE"))
    e = explore(spec, config="SET_WIDE", symmetry=False)
    assert {(v.property, v.status) for v in spin.verdicts(r)} == {(v.property, v.status) for v in explore_verdicts(e)}


def _two_hosts_of_one_update_domain(u0: str = "in_place", u1: str = "in_place", *, spot: bool = False,
                                    spare: bool = False) -> Topology:
    aset = AvailabilitySet("as0", update_domains=2, fault_domains=2, scale_set=spot)
    hosts = (Host("spare"),) if spare else ()
    return Topology((aset,), hosts + (Host("h0", update=u0), Host("h1", update=u1)),
                    (VM("vm0", "as0", 0, 0, "h0", spot=spot), VM("vm1", "as0", 0, 1, "h1")))


# R30 with the other parameters the encoding reads an event's hosts for (tens of thousands of states each):
# a Freeze of two hosts, a mixed pair under R22, hardware failures and user restarts, evictions, live
# migration's Reboots, Redeploys
_WIDE = CONFIGS["SET_WIDE"].params
GROUP_MIXES = {
    "freeze": Spec(_two_hosts_of_one_update_domain(), _WIDE),
    "mixed_r22": Spec(_two_hosts_of_one_update_domain("in_place", "reboot"), replace(_WIDE, resources_one_update_domain=True)),
    "failures_users": Spec(_two_hosts_of_one_update_domain("reboot", "reboot"),
                           replace(_WIDE, hardware_failures=True, user_events=True)),
    "evictions": Spec(_two_hosts_of_one_update_domain("reboot", "reboot", spot=True),
                      replace(CONFIGS["SPOT_SCALE_SET"].params, multi_host_events=True, resources_one_update_domain=False)),
    "live_migration": Spec(_two_hosts_of_one_update_domain("reboot", "reboot", spare=True),
                           replace(CONFIGS["LIVE_MIGRATION"].params, multi_host_events=True)),
    "redeploy": Spec(_two_hosts_of_one_update_domain("reboot", "reboot", spare=True),
                     replace(_WIDE, allow_redeploy=True, recovery_gap=0)),
}


@needs_spin
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(GROUP_MIXES))
def test_group_events_with_other_parameters_agree_with_the_explorer(name):
    spec = GROUP_MIXES[name]
    r = spin.search(spec, config=name)
    e = explore(spec, config=name, symmetry=False)
    assert (r.states, r.transitions, r.depth) == (e.states, e.transitions, e.depth)
    assert {(v.property, v.status) for v in spin.verdicts(r)} == {(v.property, v.status) for v in explore_verdicts(e)}


@needs_spin
@pytest.mark.slow
def test_spin_accepts_events_of_several_hosts_on_the_default_shape(tmp_path):
    # typical-2026 on AZURE_DEFAULT's 14 hosts and 29 VMs: a host action reads its event's VMs once (scratch
    # variables), not once per slot that may cover the host, which SPIN refused ("d_step sequence too long")
    from vmspec.model.params import profile

    spec = Spec(CONFIGS["AZURE_DEFAULT"].topology, profile("typical-2026"))
    (tmp_path / "model.pml").write_text(promela.generate(spec, config="AZURE_DEFAULT").text)
    done = subprocess.run(["spin", "-o2", "-a", "model.pml"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0 and (tmp_path / "pan.c").exists(), done.stdout + done.stderr


@needs_spin
@pytest.mark.slow
def test_scale_in_has_the_explorers_states_edges_and_verdicts():
    # R37 on three VMs of a scale set: too large for the default run (the explorer takes minutes unreduced)
    spec = CONFIGS["SCALE_IN"].spec()
    r = spin.search(spec, config="SCALE_IN", compiled=compiled("SCALE_IN"), live=False)
    e = explore(spec, config="SCALE_IN", symmetry=False, keep_graph=False)
    assert (r.states, r.transitions, r.depth) == (e.states, e.transitions, e.depth)
    assert not r.counterexamples and not e.counterexamples and not r.disagreements
    assert r.reached == e.reached


@needs_spin
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(set(PINNED) - {"TINY", "UNSAFE_SHARED_HOST", "SET_WIDE"}))
def test_every_pinned_configuration_has_the_explorers_states_and_edges(name):
    r = spin.search(CONFIGS[name].spec(), config=name, compiled=compiled(name))
    assert NaiveCount(r.states, r.transitions, r.depth) == PINNED[name][0]
    assert not r.counterexamples and not r.disagreements


def test_every_action_property_and_mutant_is_encoded_or_refused():
    # every action has a Promela counterpart (one taken only where its parameter is on is left out while
    # it is off), and every named configuration is encoded
    assert {a.name for a in ACTIONS} == promela.ENCODED_ACTIONS
    assert set(promela.PARAMETER_ACTIONS) <= promela.ENCODED_ACTIONS
    for name, config in CONFIGS.items():
        assert promela.refusal(config.spec()) is None, name
    # events of several hosts (R30) are encoded
    assert promela.refusal(CONFIGS["SET_WIDE"].spec()) is None
    # R36, R37: Spot evictions and terminate notifications are encoded
    for name in ("SPOT_SCALE_SET", "SCALE_IN"):
        assert promela.refusal(CONFIGS[name].spec()) is None, name
    tiny = CONFIGS["TINY"]
    assert promela.refusal(Spec(tiny.topology, replace(tiny.params, terminate_timeout=300))) is None
    for p in REGISTRY:
        assert (p.name in promela.ENCODED_PROPERTIES) != (p.name in promela.NOT_ENCODED_PROPERTIES), p.name
    for m in MUTANTS:
        c = CONFIGS[m.config]
        why = promela.refusal(m.spec(c.topology, c.params), m.name)
        if m.name in promela.ENCODED_MUTANTS:
            assert why is None, m.name
        else:
            assert why == f"the spin engine does not encode the mutant {m.name} yet"


def test_an_unknown_model_variant_or_action_is_refused(monkeypatch):
    class Variant(Spec):
        pass

    spec = Variant(TINY.topology, TINY.params)
    with pytest.raises(promela.NotEncoded, match="does not encode the model variant Variant yet"):
        promela.generate(spec)
    monkeypatch.setattr(promela, "ENCODED_ACTIONS", promela.ENCODED_ACTIONS - {"host_freeze"})
    assert promela.refusal(TINY.spec()) == "the spin engine does not encode the action host_freeze yet"


def test_export_promela_writes_the_model(tmp_path, capsys):
    out = tmp_path / "tiny.pml"
    assert main(["export", "promela", "--config", "TINY", "-o", str(out)]) == 0
    text = out.read_text()
    assert "active proctype vmspec()" in text and text.count(":: d_step {") == 31
    assert main(["export", "promela", "--mutant", "completed_event_left"]) == 2
    assert "the spin engine does not encode the mutant completed_event_left yet" in capsys.readouterr().err


def test_explore_engine_spin_without_spin_exits_2_naming_the_install(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CC", raising=False)
    assert main(["explore", "--engine", "spin", "--config", "TINY", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "spin" in err and "apt-get install -y spin gcc" in err and "Traceback" not in err


@needs_spin
def test_explore_engine_spin_cli_writes_replayable_counterexamples(tmp_path, capsys):
    compiled("TINY", "slice_guard_dropped")  # the CLI finds the compiled model in the cache
    assert main(["explore", "--engine", "spin", "--mutant", "slice_guard_dropped", "--out", str(tmp_path)]) == 1
    files = sorted(tmp_path.glob("spin-slice_guard_dropped-*.json"))
    assert {f.stem.split("-", 2)[2] for f in files} >= {"one_slice_at_a_time", "aset_keeps_a_running_vm"}
    capsys.readouterr()
    assert main(["replay", str(files[0])]) == 1  # the violation is reproduced
    assert "reproduced:" in capsys.readouterr().out
    assert main(["explore", "--engine", "spin", "--config", "TINY", "--graph", str(tmp_path / "g.dot")]) == 2
    assert "--graph: not available with --engine spin" in capsys.readouterr().err


@needs_spin
@pytest.mark.slow
def test_small_states_and_edges_equal_the_explorers():
    spec = SMALL.spec()
    r = spin.search(spec, config="SMALL", compiled=compiled("SMALL"))
    e = explore(spec, symmetry=False, keep_graph=False)
    assert (r.states, r.transitions, r.depth) == (e.states, e.transitions, e.depth)
    assert set(r.counterexamples) == {k for k in e.counterexamples if k not in r.not_checked}
    assert r.reached == e.reached


@needs_spin
def test_bitstate_search_is_never_called_exhaustive():
    model = promela.generate(TINY.spec(), config="TINY")
    c = _compiled.setdefault(("TINY", "bitstate"), spin.compile_model(model, bitstate=True))
    r = spin.search(TINY.spec(), config="TINY", compiled=c, hash_bits=24)
    assert not r.complete and r.bitstate and r.hash_factor and r.hash_factor > 100
    vs = spin.verdicts(r)
    assert vs and all(v.status in ("not falsified", "reached") for v in vs)
    assert all("not exhaustive: bitstate" in v.bound for v in vs if v.status == "not falsified")
    assert "holds" not in spin.summary(r) and "not exhaustive" in spin.summary(r)


@needs_spin
def test_multicore_search_has_the_same_states_and_replayed_counterexamples():
    name = "slice_guard_dropped"
    spec = _spec("TINY", name)
    c = spin.compile_model(promela.generate(spec, name, config="TINY"), cores=2)
    r = spin.search(spec, config="TINY", mutant=name, compiled=c, live=False)
    assert (r.states, r.transitions, r.complete) == (25691, 72899, True) and not r.disagreements
    assert set(r.counterexamples) >= set(mutant(name).breaks)
    assert all(replay(x).reproduced for x in r.counterexamples.values())


@needs_spin
def test_a_swarm_finds_and_replays_but_never_calls_anything_exhaustive():
    name = "slice_guard_dropped"
    spec = _spec("TINY", name)
    c = spin.compile_model(promela.generate(spec, name, config="TINY"), swarm=True)
    r = spin.swarm(spec, config="TINY", mutant=name, compiled=c, runs=2, hash_bits=22)
    assert not r.complete and r.swarm_runs == 2 and not r.disagreements
    assert set(r.counterexamples) >= set(mutant(name).breaks)
    assert all(replay(x).reproduced for x in r.counterexamples.values())
    vs = spin.verdicts(r)
    assert {v.status for v in vs} <= {"violated", "not falsified", "reached", "unknown"}
    assert all("not exhaustive: swarm of 2 bitstate" in v.bound for v in vs if v.status == "not falsified")
    assert "holds" not in spin.summary(r) and "not exhaustive" in spin.summary(r)


def test_swarm_and_cores_are_refused_where_they_do_not_apply(capsys):
    assert main(["explore", "--config", "TINY", "--swarm", "2"]) == 2
    assert "--swarm" in capsys.readouterr().err
    assert main(["explore", "--config", "TINY", "--engine", "spin", "--cores", "0"]) == 2
    assert "expected a positive number" in capsys.readouterr().err


@needs_spin
@pytest.mark.slow
def test_three_hosts_is_exhausted_by_spin():
    # the 3-host family, beyond the explorer's reach in a minute (notes/spin.md)
    spec = CONFIGS["THREE_HOSTS"].spec()
    r = spin.search(spec, config="THREE_HOSTS", compiled=compiled("THREE_HOSTS"), live=False)
    assert (r.states, r.transitions, r.depth, r.complete) == (694174, 2224042, 53, True)
    assert not r.counterexamples and not r.disagreements
