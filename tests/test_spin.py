"""SPIN behind `vmspec explore --engine spin`: the generated Promela model has the explorer's
states and edges, its counterexamples replay through the Python model with the explorer's
lengths, a disagreement is an error, and whatever the generator does not encode is refused.

pan is compiled once per session per model (a fixture); each search on TINY takes well under
a second.  SMALL's agreement is `slow`."""

from __future__ import annotations

import os

import pytest
from naive_search import NaiveCount
from test_mutants_explore import PINS
from test_naive_count import PINNED

from vmspec.model import ACTIONS, CONFIGS, SMALL, TINY, UNSAFE_SHARED_HOST, Spec
from vmspec.properties.catalogue.mutants import MUTANTS, mutant
from vmspec.properties.catalogue.registry import REGISTRY
from vmspec.properties.cli.main import main
from vmspec.properties.engines import promela, spin
from vmspec.properties.engines.explore import explore
from vmspec.properties.evidence.counterexample import replay
from vmspec.properties.evidence.verdict import UNKNOWN

try:
    spin.tools()
    HAVE_SPIN = True
except spin.SpinMissing:
    HAVE_SPIN = False

# CI installs spin (.ci/run): there a missing spin is a failure, elsewhere a skip
needs_spin = pytest.mark.skipif(not HAVE_SPIN and not os.environ.get("CI"), reason="spin or gcc not installed")

_compiled: dict[tuple[str, str | None], spin.Compiled] = {}


def compiled(config: str, mutant_name: str | None = None) -> spin.Compiled:
    """pan for a configuration (and mutant), compiled once per session."""
    key = (config, mutant_name)
    if key not in _compiled:
        spec = _spec(config, mutant_name)
        _compiled[key] = spin.compile_model(promela.generate(spec, mutant_name, config=config))
    return _compiled[key]


def _spec(config: str, mutant_name: str | None) -> Spec:
    c = CONFIGS[config]
    return mutant(mutant_name).spec(c.topology, c.params) if mutant_name else c.spec()


@needs_spin
def test_tiny_states_and_edges_equal_the_explorers():
    r = spin.search(TINY.spec(), config="TINY", compiled=compiled("TINY"))
    # the unreduced explorer's figures, pinned in test_explore.py
    assert (r.states, r.transitions, r.depth) == (11931, 30483, 36)
    assert not r.counterexamples and not r.disagreements
    assert r.reached == {p.name for p in REGISTRY if p.kind == "sometimes"}
    assert all(v.status in ("holds", "reached") for v in spin.verdicts(r))


@needs_spin
def test_unsafe_shared_host_agrees_with_the_explorer():
    spec = UNSAFE_SHARED_HOST.spec()
    r = spin.search(spec, config="UNSAFE_SHARED_HOST", compiled=compiled("UNSAFE_SHARED_HOST"))
    e = explore(spec, symmetry=False, keep_graph=False)
    assert (r.states, r.transitions, r.depth) == (e.states, e.transitions, e.depth) == (186, 348, 19)
    assert r.reached == e.reached
    safety = {k for k in e.counterexamples if k not in r.not_checked}
    assert set(r.counterexamples) == safety


def _agrees(name: str) -> None:
    """The mutant's safety counterexamples are the explorer's pinned ones in length, and replay."""
    m = mutant(name)
    spec = _spec(m.config, name)
    r = spin.search(spec, config=m.config, mutant=name, compiled=compiled(m.config, name))
    assert not r.disagreements
    pinned = {p: len(steps) for p, (_, _, steps) in PINS[name].items() if p not in r.not_checked}
    assert {p: len(r.counterexamples[p]) if p in r.counterexamples else None for p in pinned} == pinned
    for c in r.counterexamples.values():
        assert replay(c).reproduced, c.property
        assert c.engine == "spin"


# the three mutants and live migration's (R27) by default; every encoded mutant under -m slow
DEFAULT_MUTANTS = ("slice_guard_dropped", "no_watchdog", "memory_reset_on_resume", "live_migration_loses_memory")


@needs_spin
@pytest.mark.parametrize("name", DEFAULT_MUTANTS)
def test_mutant_caught_with_the_explorers_shortest_counterexample(name):
    _agrees(name)


@needs_spin
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(set(promela.ENCODED_MUTANTS) - set(DEFAULT_MUTANTS)))
def test_every_encoded_mutant_caught_with_the_explorers_shortest_counterexample(name):
    _agrees(name)


@needs_spin
def test_a_trail_the_model_refuses_is_a_disagreement_never_a_pass():
    # SPIN searches the mutant's model, the Python model is the correct one: SPIN's counterexample
    # (two update domains started at once) does not replay, so the verdict is unknown
    name = "slice_guard_dropped"
    r = spin.search(TINY.spec(), config="TINY", compiled=compiled("TINY", name))
    assert "one_slice_at_a_time" not in r.counterexamples
    assert r.disagreements
    vs = {v.property: v for v in spin.verdicts(r)}
    bad = next(iter(r.disagreements))
    assert vs[bad].status == UNKNOWN and vs[bad].failed and "does not replay" in vs[bad].detail


@needs_spin
@pytest.mark.parametrize("name", ["LIVE_MIGRATION", "USER_EVENTS"])
def test_newer_parameters_have_the_explorers_states_and_edges(name):
    # R27 live migration, R35 user restarts: the unreduced explorer's figures, pinned in test_naive_count.py
    r = spin.search(CONFIGS[name].spec(), config=name, compiled=compiled(name))
    assert NaiveCount(r.states, r.transitions, r.depth) == PINNED[name][0]
    assert not r.counterexamples and not r.disagreements
    assert r.reached == {p.name for p in REGISTRY if p.kind == "sometimes"}


@needs_spin
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(set(PINNED) - {"TINY", "UNSAFE_SHARED_HOST"}))
def test_every_pinned_configuration_has_the_explorers_states_and_edges(name):
    r = spin.search(CONFIGS[name].spec(), config=name, compiled=compiled(name))
    assert NaiveCount(r.states, r.transitions, r.depth) == PINNED[name][0]
    assert not r.counterexamples and not r.disagreements


def test_every_action_property_and_mutant_is_encoded_or_refused():
    # an action taken only where its parameter is on is left out while it is off
    assert {a.name for a in ACTIONS} <= promela.ENCODED_ACTIONS | set(promela.PARAMETER_ACTIONS)
    for name in ("LIVE_MIGRATION", "USER_EVENTS", "ALL_TENANTS"):
        assert promela.refusal(CONFIGS[name].spec()) is None, name
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
    assert main(["export", "promela", "--mutant", "event_id_reused"]) == 2
    assert "the spin engine does not encode the mutant event_id_reused yet" in capsys.readouterr().err


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
